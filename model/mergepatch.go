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
	if len(bytes.TrimSpace(doc)) > 0 {
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

// decodeJSON decodes exactly one JSON value, keeping numbers exact.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, Invalidf("unexpected data after the JSON value at offset %d", dec.InputOffset())
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
