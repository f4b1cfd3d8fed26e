package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"docket/model"
	"docket/store"
	"docket/store/persona"
)

// envelope is Persona's webhook event:
// {"data":{"type":"event","id":"evt_…","attributes":{"name":"case.…",
// "payload":{"data":…,"included":…},"created-at":…}}}.
type envelope struct {
	Data *struct {
		Type       string `json:"type"`
		ID         string `json:"id"`
		Attributes *struct {
			Name      string          `json:"name"`
			Payload   json.RawMessage `json:"payload"`
			CreatedAt string          `json:"created-at"`
		} `json:"attributes"`
	} `json:"data"`
}

// ParseEvent reads a Persona webhook event and the resource its payload
// carries: a case (with its included objects and comments), an object
// docket keeps (inquiry, account, report, verification, transaction), or
// another resource, named in Type and carried no further. Its errors say
// what is wrong and where, by the member's path.
func ParseEvent(body []byte) (store.InboundEvent, error) {
	var ev store.InboundEvent
	if err := model.CheckJSONDepth(body, 2*model.MaxJSONDepth+16); err != nil {
		return ev, err
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return ev, jsonProblem(err)
	}
	d := env.Data
	switch {
	case d == nil:
		return ev, model.Invalidf("data is missing: this is not a Persona webhook event")
	case d.Type != "event":
		return ev, model.Invalidf("data.type is %q; a Persona webhook event has \"event\"", d.Type)
	case d.Attributes == nil:
		return ev, model.Invalidf("data.attributes is missing")
	}
	a := d.Attributes
	if err := model.ValidateEventID(d.ID); err != nil {
		return ev, fmt.Errorf("data.id: %w", err)
	}
	if err := model.ValidateEventName(a.Name); err != nil {
		return ev, fmt.Errorf("data.attributes.name: %w", err)
	}
	created, err := time.Parse(time.RFC3339Nano, a.CreatedAt)
	if err != nil {
		return ev, model.Invalidf("data.attributes.created-at is %q; want a time like 2026-01-02T15:04:05.000Z", a.CreatedAt)
	}
	ev = store.InboundEvent{ID: d.ID, Name: a.Name, CreatedAt: created}
	if ev.Type, err = payloadType(a.Payload); err != nil {
		return ev, err
	}
	return ev, decodePayload(&ev, a.Payload)
}

// payloadType is the type of the resource a payload carries.
func payloadType(payload json.RawMessage) (string, error) {
	if len(payload) == 0 || bytes.Equal(payload, []byte("null")) {
		return "", model.Invalidf("data.attributes.payload is missing")
	}
	var p struct {
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(payload, &p) != nil {
		return "", model.Invalidf("data.attributes.payload is not an object")
	}
	var head struct {
		Type string `json:"type"`
	}
	switch {
	case len(p.Data) == 0 || bytes.Equal(p.Data, []byte("null")):
		return "", model.Invalidf("data.attributes.payload.data is missing")
	case json.Unmarshal(p.Data, &head) != nil:
		return "", model.Invalidf("data.attributes.payload.data is not an object: an event carries one resource")
	case head.Type == "":
		return "", model.Invalidf("data.attributes.payload.data.type is missing")
	}
	return head.Type, nil
}

// decodePayload reads the case or object a payload carries.
func decodePayload(ev *store.InboundEvent, payload json.RawMessage) error {
	var err error
	if ev.Type == "case" {
		ev.Cases, err = persona.Decode(payload)
	} else if _, kept := model.KindOf(ev.Type); kept {
		ev.Objects, err = persona.DecodeObjects(payload)
	}
	if err != nil {
		return fmt.Errorf("in data.attributes.payload: %w", err)
	}
	return nil
}

// jsonProblem words a decoding error: where the JSON breaks, or which
// member has the wrong kind of value.
func jsonProblem(err error) error {
	var syntax *json.SyntaxError
	var kind *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return model.Invalidf("malformed JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &kind) && kind.Field == "":
		return model.Invalidf("the body is a JSON %s; a Persona webhook event is an object", kind.Value)
	case errors.As(err, &kind):
		want := "an object"
		if kind.Type.Kind() == reflect.String {
			want = "a string"
		}
		return model.Invalidf("%s is a JSON %s; want %s", kind.Field, kind.Value, want)
	}
	return model.Invalidf("malformed JSON: %v", err)
}
