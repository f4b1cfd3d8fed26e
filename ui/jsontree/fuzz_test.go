package jsontree

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzNew checks that any input either parses or fails with a SyntaxError
// inside the input, agrees with encoding/json on validity, and that a
// parsed document draws within its size whatever keys are pressed.
func FuzzNew(f *testing.F) {
	for _, s := range []string{sample, `{}`, `[1,[2,[3]]]`, `"\u001b[2J"`, `{"a":1,}`, `{"\ud83d":"\ud83d\ude00"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := New(data, DefaultKeyMap())
		blank := len(bytes.TrimSpace(data)) == 0
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(data) {
				t.Fatalf("error %v", err)
			}
			if json.Valid(data) {
				t.Fatalf("rejected valid JSON: %v", err)
			}
			return
		}
		if !blank && !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		if m.d.nodes[0].container() && !json.Valid([]byte(m.Value())) {
			t.Fatalf("root value %q is not JSON", m.Value())
		}
		for _, keys := range [][]string{nil, {"+", "G"}, {"j", "l", "l", "/", "a", "enter", "n"}, {"-", "N", "h"}} {
			m := press(m, keys...)
			for _, size := range [][2]int{{0, 0}, {1, 1}, {2, 3}, {7, 4}, {33, 10}} {
				if err := viewErr(m, size[0], size[1]); err != nil {
					t.Fatal(err)
				}
			}
			_ = m.Path()
			_ = m.Value()
		}
	})
}
