package model

import (
	"bytes"
	"encoding/json"
)

// MergePatch applies an RFC 7386 JSON merge patch to doc and returns the
// result. Both doc and the result must be JSON objects, because a case's
// fields are an object. An empty doc counts as {}.
func MergePatch(doc, patch []byte) ([]byte, error) {
	var target any = map[string]any{}
	if !blank(doc) {
		var err error
		if target, err = decodeJSON(doc); err != nil {
			return nil, Invalidf("current fields are not valid JSON: %v", err)
		}
	}
	p, err := decodeJSON(patch)
	if err != nil {
		return nil, Invalidf("patch is not valid JSON: %v", err)
	}
	if _, ok := p.(map[string]any); !ok {
		return nil, Invalidf("patch must be a JSON object, got %s", jsonKind(p))
	}
	return json.Marshal(applyMerge(target, p))
}

func applyMerge(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = applyMerge(tm[k], v)
	}
	return tm
}

// jsonSpace is the white space JSON allows between tokens. bytes.TrimSpace
// would also take \v, U+0085 and U+00A0, which are not JSON.
const jsonSpace = " \t\r\n"

// blank reports whether b holds no JSON token at all.
func blank(b []byte) bool { return len(bytes.TrimLeft(b, jsonSpace)) == 0 }

// decodeJSON decodes exactly one JSON value, keeping numbers exact.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	// Not dec.More: it reports false for a stray ']' or '}' after the value.
	if rest := bytes.TrimLeft(b[dec.InputOffset():], jsonSpace); len(rest) > 0 {
		return nil, Invalidf("unexpected data after the JSON value at offset %d", len(b)-len(rest))
	}
	return v, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}

// MergeDiff returns the merge patch that turns the object before into the
// object after (both JSON objects): changed keys with their new values,
// removed keys as null. Merge patches cannot set a value to null, so a
// null in after removes the key.
func MergeDiff(before, after []byte) ([]byte, error) {
	b, err := decodeObject(before, "current fields")
	if err != nil {
		return nil, err
	}
	a, err := decodeObject(after, "the edited fields")
	if err != nil {
		return nil, err
	}
	return json.Marshal(diffObjects(b, a))
}

func decodeObject(raw []byte, what string) (map[string]any, error) {
	if blank(raw) {
		return map[string]any{}, nil
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, Invalidf("%s are not valid JSON: %v", what, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, Invalidf("%s must be a JSON object, got %s", what, jsonKind(v))
	}
	return m, nil
}

func diffObjects(before, after map[string]any) map[string]any {
	patch := map[string]any{}
	for k := range before {
		if _, ok := after[k]; !ok {
			patch[k] = nil
		}
	}
	for k, av := range after {
		bv, had := before[k]
		bm, bIsObj := bv.(map[string]any)
		am, aIsObj := av.(map[string]any)
		switch {
		case had && bIsObj && aIsObj:
			if sub := diffObjects(bm, am); len(sub) > 0 {
				patch[k] = sub
			}
		case !had || !jsonEqual(bv, av):
			patch[k] = av
		}
	}
	return patch
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
