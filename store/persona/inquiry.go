package persona

import (
	"bytes"
	"encoding/json"
	"reflect"

	"docket/model"
)

// personalKeys are the inquiry attributes Persona keeps under `fields` as
// {type, value}, with each one's type. Older documents (and docket's own
// demo before it followed Persona's current shape) carry them as plain
// top-level attributes.
var personalKeys = map[string]string{
	"name-first": "string", "name-middle": "string", "name-last": "string",
	"birthdate":        "date",
	"address-street-1": "string", "address-street-2": "string", "address-city": "string",
	"address-subdivision": "string", "address-postal-code": "string", "address-country-code": "string",
	"email-address": "string", "phone-number": "string", "identification-number": "string",
}

// inquiryFields writes an inquiry's attributes in Persona's current shape:
// personal data found at the top level moves under `fields`, unless
// `fields` has that key already (then the top-level copy, the older one,
// is dropped). Attributes already in that shape are returned unchanged.
func inquiryFields(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return json.RawMessage("{}"), nil
	}
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(raw, &attrs); err != nil {
		return nil, model.Invalidf("attributes: %v", err)
	}
	moved := map[string]json.RawMessage{}
	for k, typ := range personalKeys {
		if v, ok := attrs[k]; ok {
			moved[k] = typed(typ, v)
			delete(attrs, k)
		}
	}
	if len(moved) == 0 {
		return raw, nil
	}
	var fields map[string]json.RawMessage
	if f := attrs["fields"]; len(f) > 0 && f[0] == '{' {
		if err := json.Unmarshal(f, &fields); err != nil {
			return nil, model.Invalidf("attributes.fields: %v", err)
		}
	}
	if fields == nil {
		fields = map[string]json.RawMessage{}
	}
	for k, v := range moved {
		if _, ok := fields[k]; !ok {
			fields[k] = v
		}
	}
	var err error
	if attrs["fields"], err = marshal(fields); err != nil {
		return nil, err
	}
	return marshal(attrs)
}

// typed wraps a plain value as {type, value}: a string, or null, as typ;
// anything else by its JSON kind (see WrapFields).
func typed(typ string, v json.RawMessage) json.RawMessage {
	if s := bytes.TrimSpace(v); len(s) > 0 && s[0] != '"' && s[0] != 'n' {
		if wrapped, err := WrapFields(append(append([]byte(`{"v":`), s...), '}')); err == nil {
			var m map[string]json.RawMessage
			if json.Unmarshal(wrapped, &m) == nil {
				return m["v"]
			}
		}
	}
	out, _ := marshal(struct {
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	}{typ, v})
	return out
}

// Equivalent reports whether two copies of an object say the same once
// written in Persona's shape: an inquiry in the older shape and the same
// inquiry with its personal data under fields. Only inquiries are
// rewritten so; two other objects are equivalent only if they are equal.
func Equivalent(a, b *model.Object) bool {
	if a.ObjectRef != b.ObjectRef || !bytes.Equal(a.Relationships, b.Relationships) {
		return false
	}
	if bytes.Equal(a.Attributes, b.Attributes) {
		return true
	}
	if a.Kind != model.KindInquiry {
		return false
	}
	x, errA := inquiryFields(a.Attributes)
	y, errB := inquiryFields(b.Attributes)
	if errA != nil || errB != nil {
		return false
	}
	var vx, vy any
	return json.Unmarshal(x, &vx) == nil && json.Unmarshal(y, &vy) == nil && reflect.DeepEqual(vx, vy)
}
