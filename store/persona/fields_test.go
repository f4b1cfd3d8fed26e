package persona

import (
	"encoding/json"
	"testing"
)

func TestFlattenFields(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", ``, `{}`},
		{"null", `null`, `{}`},
		{"scalars", `{"n": {"type": "integer", "value": 12345678901234567890}, "s": {"type": "string", "value": "a & <b>"}, "f": {"type": "float", "value": 1.50}}`,
			`{"f":1.50,"n":12345678901234567890,"s":"a & <b>"}`},
		{"null value", `{"x": {"type": "string", "value": null}}`, `{"x":null}`},
		{"{} as null scalar", `{"x": {"type": "date", "value": {}}}`, `{"x":null}`},
		{"nested hash", `{"addr": {"type": "hash", "value": {"city": {"type": "string", "value": "Porto"}, "geo": {"type": "hash", "value": {"lat": {"type": "float", "value": 41.15}}}}}}`,
			`{"addr":{"city":"Porto","geo":{"lat":41.15}}}`},
		{"empty hash", `{"h": {"type": "hash", "value": {}}}`, `{"h":{}}`},
		{"array of typed values", `{"ids": {"type": "array", "value": [{"type": "string", "value": "a"}, {"type": "hash", "value": {"k": {"type": "integer", "value": 1}}}, {"type": "string", "value": null}]}}`,
			`{"ids":["a",{"k":1},null]}`},
		{"plain list", `{"choices": {"type": "multi_choices", "value": ["x", "y"]}}`, `{"choices":["x","y"]}`},
		{"plain values get sorted keys", `{"l": {"type": "array", "value": [{"b": 1, "a": [{"d": 0, "c": 0}]}]}, "j": {"type": "json", "value": {"z": 1, "y": 2}}}`,
			`{"j":{"y":2,"z":1},"l":[{"a":[{"c":0,"d":0}],"b":1}]}`},
		{"extra keys ignored", `{"x": {"type": "string", "value": "v", "label": "X"}}`, `{"x":"v"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FlattenFields(json.RawMessage(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestFlattenFieldsErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[]`, `fields: want an object, got an array`},
		{`{"a": "b"}`, `fields.a: want {type, value}, got a string`},
		{`{"a": {"type": "array", "value": [{"type": "hash", "value": {"k": 1}}]}}`, `fields.a.value[0].value.k: want {type, value}, got a number`},
	}
	for _, tt := range tests {
		if _, err := FlattenFields(json.RawMessage(tt.in)); err == nil || err.Error() != tt.want {
			t.Errorf("FlattenFields(%s) error = %v, want %s", tt.in, err, tt.want)
		}
	}
}

func TestWrapFields(t *testing.T) {
	in := `{"s": "x", "i": -42, "f": 2.5, "e": 1e3, "b": true, "z": null, "h": {"k": "v"}, "a": [1, "two", null]}`
	want := `{"a":{"type":"array","value":[{"type":"integer","value":1},{"type":"string","value":"two"},{"type":"string","value":null}]},` +
		`"b":{"type":"boolean","value":true},"e":{"type":"float","value":1e3},"f":{"type":"float","value":2.5},` +
		`"h":{"type":"hash","value":{"k":{"type":"string","value":"v"}}},"i":{"type":"integer","value":-42},` +
		`"s":{"type":"string","value":"x"},"z":{"type":"string","value":null}}`
	got, err := WrapFields(json.RawMessage(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got, err := WrapFields(nil); err != nil || string(got) != "{}" {
		t.Errorf("WrapFields(nil) = %s, %v", got, err)
	}
	if _, err := WrapFields(json.RawMessage(`"x"`)); err == nil || err.Error() != `fields: want an object, got a string` {
		t.Errorf("WrapFields(string) error = %v", err)
	}
}

func TestWrapFlattenRoundTrip(t *testing.T) {
	flat := `{"a":[1,"x",null,true,2.5,{"deep":[[]]}],"b":{"c":{"d":"e"}},"empty":{},"n":null,"big":123456789012345678901234567890}`
	wrapped, err := WrapFields(json.RawMessage(flat))
	if err != nil {
		t.Fatal(err)
	}
	back, err := FlattenFields(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":[1,"x",null,true,2.5,{"deep":[[]]}],"b":{"c":{"d":"e"}},"big":123456789012345678901234567890,"empty":{},"n":null}`
	if string(back) != want {
		t.Errorf("round trip\n got %s\nwant %s", back, want)
	}
}
