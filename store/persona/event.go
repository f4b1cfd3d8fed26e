package persona

import (
	"encoding/json"
	"time"
)

// EncodeEvent wraps a document Encode wrote in Persona's webhook event
// envelope: {"data":{"type":"event","id":id,"attributes":{"name":name,
// "payload":payload,"created-at":at}}}. Decode reads it back.
func EncodeEvent(id, name string, at time.Time, payload json.RawMessage) ([]byte, error) {
	type attributes struct {
		Name      string          `json:"name"`
		Payload   json.RawMessage `json:"payload"`
		CreatedAt string          `json:"created-at"`
	}
	type event struct {
		Type       string     `json:"type"`
		ID         string     `json:"id"`
		Attributes attributes `json:"attributes"`
	}
	return marshal(struct {
		Data event `json:"data"`
	}{event{"event", id, attributes{name, payload, at.UTC().Format(time.RFC3339Nano)}}})
}
