package store

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestDocScannerSplitsDocuments(t *testing.T) {
	input := "  {\"a\": \"}{\\\"[\", \"b\": [1, {\"c\": \"\\\\\"}]}\n\n" + // braces and escapes in strings
		"[1,2]\n{\"x\":\n  {\"y\": 2}\n}\n" + // a document over lines
		"garbage here\n{\"cut\": [1, 2"
	want := []struct {
		line int
		doc  string
	}{
		{1, `{"a": "}{\"[", "b": [1, {"c": "\\"}]}`},
		{3, `[1,2]`},
		{4, "{\"x\":\n  {\"y\": 2}\n}"},
		{7, `garbage`},
		{7, `here`},
		{8, `{"cut": [1, 2`},
	}
	for _, r := range []io.Reader{strings.NewReader(input), iotest.OneByteReader(strings.NewReader(input))} {
		sc := &docScanner{r: r, line: 1}
		for i, w := range want {
			rec, err := sc.next()
			if err != nil || rec.line != w.line || string(rec.raw) != w.doc {
				t.Fatalf("doc %d: line %d %q %v, want line %d %q", i, rec.line, rec.raw, err, w.line, w.doc)
			}
		}
		if _, err := sc.next(); err != io.EOF {
			t.Fatalf("after the last document: %v", err)
		}
	}
}
