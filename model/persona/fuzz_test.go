package persona

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzDecode checks that no input makes Decode panic, and that whatever it
// accepts survives Encode and a second Decode. The seeds in
// testdata/fuzz/FuzzDecode run with every `go test`.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"case.json", "list.json", "event.json"} {
		f.Add(readFixture(f, name))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		docs, err := Decode(doc)
		if err != nil {
			return
		}
		for _, d := range docs {
			d.Case.Workflow = d.Workflow
			line, err := Encode(&d.Case, Ids{d.Assignee, d.Creator, d.Assigner, d.Resolver}, d.Objects, d.Comments)
			if err != nil {
				t.Fatalf("Encode of a decoded case: %v", err)
			}
			again, err := Decode(line)
			if err != nil {
				t.Fatalf("Decode(Encode(...)): %v\n%s", err, line)
			}
			if len(again) != 1 || again[0].Case.ID != d.Case.ID || again[0].Case.Status != d.Case.Status ||
				string(again[0].Case.Fields) != string(d.Case.Fields) {
				t.Fatalf("round trip changed the case:\n%+v\n%+v", d.Case, again[0].Case)
			}
		}
	})
}

// BenchmarkDecodeList decodes a list of 1000 cases sharing 3000 included
// objects; the time per case should not grow with the list.
func BenchmarkDecodeList(b *testing.B) {
	var data, inc []string
	for i := range 1000 {
		data = append(data, fmt.Sprintf(`{"type":"case","id":"case_%d","attributes":{"status":"open","created-at":"2024-06-01T08:00:00.000Z","fields":{"n":{"type":"integer","value":%d}}},`+
			`"relationships":{"inquiries":{"data":[{"type":"inquiry","id":"inq_%d"}]},"accounts":{"data":[{"type":"account","id":"act_%d"}]},"reports":{"data":[{"type":"report/watchlist","id":"rep_%d"}]}}}`, i, i, i, i%500, i))
		inc = append(inc, fmt.Sprintf(`{"type":"inquiry","id":"inq_%d","attributes":{"fields":{"name-first":{"type":"string","value":"N%d"}}}}`, i, i),
			fmt.Sprintf(`{"type":"report/watchlist","id":"rep_%d","attributes":{"has-match":false}}`, i))
		if i < 500 {
			inc = append(inc, fmt.Sprintf(`{"type":"account","id":"act_%d","attributes":{"reference-id":"r%d"}}`, i, i))
		}
	}
	doc := []byte(`{"data":[` + strings.Join(data, ",") + `],"included":[` + strings.Join(inc, ",") + `]}`)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := Decode(doc); err != nil {
			b.Fatal(err)
		}
	}
}
