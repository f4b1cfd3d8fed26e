package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Limits of a fields change as the audit trail words it: enough to read
// what a patch did, never the whole document again.
const (
	changeValueRunes = 40 // a value before or after
	changePathRunes  = 48 // the path of a changed value
	changeEntries    = 12 // changed values listed; the rest are counted
)

// FieldsChange says what changed between a case's fields before and after
// a patch: each changed value as "path old → new", values shortened, in
// the order of their keys. An object changed on both sides is entered, so
// a patch of one member of device says device.os, not the whole of device;
// a value added or removed reads as (none). It is free text (it holds case
// data), so the event keeps it where redaction removes it.
func FieldsChange(before, after []byte) string {
	var old, cur any = map[string]any{}, map[string]any{}
	if !blank(before) {
		old, _ = decodeJSON(before)
	}
	if !blank(after) {
		cur, _ = decodeJSON(after)
	}
	var entries []string
	diffValues("", old, cur, &entries)
	if len(entries) > changeEntries {
		more := len(entries) - changeEntries
		entries = append(entries[:changeEntries], fmt.Sprintf("… %d more", more))
	}
	return strings.Join(entries, "; ")
}

// diffValues appends a change entry for each value that differs between a
// and b below path (missing values are nil and absent).
func diffValues(path string, a, b any, out *[]string) {
	am, aObj := a.(map[string]any)
	bm, bObj := b.(map[string]any)
	if aObj && bObj {
		keys := make([]string, 0, len(am)+len(bm))
		for k := range am {
			keys = append(keys, k)
		}
		for k := range bm {
			if _, ok := am[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			sub := k
			if path != "" {
				sub = path + "." + k
			}
			diffValues(sub, am[k], bm[k], out)
		}
		return
	}
	was, now := shortJSON(a), shortJSON(b)
	if was == now {
		return
	}
	*out = append(*out, clipRunes(path, changePathRunes)+" "+was+" → "+now)
}

// shortJSON is a value as compact JSON cut to changeValueRunes, or (none).
func shortJSON(v any) string {
	if v == nil {
		return "(none)"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return "?"
	}
	return clipRunes(strings.TrimSuffix(b.String(), "\n"), changeValueRunes)
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// isFieldsChange tells a fields event written with FieldsChange from one
// written before, whose text only named the top-level keys ("device,risk").
func isFieldsChange(to string) bool { return strings.Contains(to, " → ") }
