package persona

import (
	"encoding/json"
	"testing"
)

// realistic.json is one case as an import meets it: two inquiries, an
// account, a report, two case comments, and fields with nested hashes and
// an array of typed transaction objects.
func BenchmarkDecode(b *testing.B) {
	doc := readFixture(b, "realistic.json")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeObjects reads the same document's data as a list of the
// included objects, as `cases attach` does with an inquiry listing.
func BenchmarkDecodeObjects(b *testing.B) {
	var doc struct{ Included []json.RawMessage }
	if err := json.Unmarshal(readFixture(b, "realistic.json"), &doc); err != nil {
		b.Fatal(err)
	}
	var objs []json.RawMessage
	for _, inc := range doc.Included {
		var r struct{ Type string }
		if err := json.Unmarshal(inc, &r); err != nil {
			b.Fatal(err)
		}
		if r.Type != "case-comment" {
			objs = append(objs, inc)
		}
	}
	list, err := json.Marshal(map[string]any{"data": objs})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(list)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeObjects(list); err != nil {
			b.Fatal(err)
		}
	}
}

// realisticFields is the typed fields hash of realistic.json.
func realisticFields(b *testing.B) json.RawMessage {
	var doc struct {
		Data struct {
			Attributes struct{ Fields json.RawMessage }
		}
	}
	if err := json.Unmarshal(readFixture(b, "realistic.json"), &doc); err != nil {
		b.Fatal(err)
	}
	return doc.Data.Attributes.Fields
}

func BenchmarkFlattenFields(b *testing.B) {
	fields := realisticFields(b)
	b.SetBytes(int64(len(fields)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FlattenFields(fields); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrapFields(b *testing.B) {
	flat, err := FlattenFields(realisticFields(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(flat)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WrapFields(flat); err != nil {
			b.Fatal(err)
		}
	}
}
