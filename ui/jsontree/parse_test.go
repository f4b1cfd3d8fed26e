package jsontree

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseStructure(t *testing.T) {
	nodes, err := parse([]byte(` {"a": [1, {"b": null}], "c": "x\"y", "d": {}} `))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		kind                      kind
		parent, end, count, depth int32
		index                     int32
	}
	wants := []want{
		{kObject, -1, 7, 3, 0, 0}, // root
		{kArray, 0, 5, 2, 1, 0},   // a
		{kNumber, 1, 3, 0, 2, 0},  // a[0]
		{kObject, 1, 5, 1, 2, 1},  // a[1]
		{kNull, 3, 5, 0, 3, 0},    // a[1].b
		{kString, 0, 6, 0, 1, 1},  // c
		{kObject, 0, 7, 0, 1, 2},  // d
	}
	if len(nodes) != len(wants) {
		t.Fatalf("got %d nodes, want %d", len(nodes), len(wants))
	}
	for i, w := range wants {
		n := nodes[i]
		got := want{n.kind, n.parent, n.end, n.count, n.depth, n.index}
		if got != w {
			t.Errorf("node %d = %+v, want %+v", i, got, w)
		}
	}
	if nodes[5].flags&fValEsc == 0 {
		t.Errorf("string with an escape not flagged")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
	}{
		{`{"a":1,}`, 7},
		{`[1,]`, 3},
		{`[1 2]`, 3},
		{`{"a" 1}`, 5},
		{`{a:1}`, 1},
		{`{"a":tru}`, 5},
		{`{"a":01}`, 6},
		{`{"a":-}`, 6},
		{`{"a":1.}`, 7},
		{`{"a":1e}`, 7},
		{`"abc`, 4},
		{"\"a\x01b\"", 2},
		{`"bad \x escape"`, 5},
		{`"bad \u12g4"`, 5},
		{`{"a":1}}`, 7},
		{`{"a":1} x`, 8},
		{`[`, 1},
		{`{"a":`, 5},
		{`]`, 0},
		{`nul`, 0},
		{"\xef\xbb\xbf{}", 0}, // a byte order mark is not JSON
	}
	for _, tt := range tests {
		_, err := New([]byte(tt.in), DefaultKeyMap())
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("New(%q) error = %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Offset != tt.offset {
			t.Errorf("New(%q) offset = %d, want %d (%v)", tt.in, se.Offset, tt.offset, err)
		}
		if !strings.Contains(err.Error(), "offset") {
			t.Errorf("error %q does not name the offset", err)
		}
		if json.Valid([]byte(tt.in)) {
			t.Errorf("test case %q is valid JSON", tt.in)
		}
	}
}

func TestParseValid(t *testing.T) {
	for _, in := range []string{
		`{}`, `[]`, `0`, `-0.5e+10`, `"x"`, `true`, `false`, `null`,
		` [ 1 , [ ] , { } , "\u00e9\ud83d\ude00" ] `,
		`{"":{"":[[[]]]}}`,
		"{\"k\":\"\xff invalid utf8 is kept\"}",
	} {
		if _, err := New([]byte(in), DefaultKeyMap()); err != nil {
			t.Errorf("New(%q): %v", in, err)
		}
	}
}

func TestEmptyInputIsEmptyObject(t *testing.T) {
	for _, in := range []string{"", "  \n\t"} {
		m, err := New([]byte(in), DefaultKeyMap())
		if err != nil {
			t.Fatalf("New(%q): %v", in, err)
		}
		if m.Value() != "{}" || m.Path() != "." || m.Lines() != 1 {
			t.Errorf("New(%q): value %q path %q lines %d", in, m.Value(), m.Path(), m.Lines())
		}
	}
}

func TestDeepNesting(t *testing.T) {
	const depth = 100_000
	raw := strings.Repeat(`{"a":[`, depth) + "1" + strings.Repeat("]}", depth)
	m, err := New([]byte(raw), DefaultKeyMap())
	if err != nil {
		t.Fatal(err)
	}
	m.SetSize(40, 10)
	m = press(m, "+", "G")
	if got := m.Lines(); got != 2*depth+1 {
		t.Fatalf("lines = %d, want %d", got, 2*depth+1)
	}
	if !strings.HasSuffix(m.Path(), ".a[0]") || m.Value() != "1" {
		t.Errorf("path ends %q, value %q", m.Path()[len(m.Path())-10:], m.Value())
	}
	checkView(t, m, 40, 10)
	m = press(m, "-")
	if m.Path() != ".a" || m.Lines() != 2 {
		t.Errorf("after fold all: path %q lines %d", m.Path(), m.Lines())
	}
	// Unterminated deep nesting is an error, not a crash.
	if _, err := New([]byte(strings.Repeat("[", depth)), DefaultKeyMap()); err == nil {
		t.Error("unterminated nesting parsed")
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain`, "plain"},
		{`a\"b\\c\/d`, `a"b\c/d`},
		{`\b\f\n\r\t`, "\b\f\n\r\t"},
		{`\u00e9\u4e2d`, "é中"},
		{`\ud83d\ude00`, "😀"},
		{`\ud83d alone`, "\ufffd alone"},
		{`\ude00\ud83d\ude00`, "\ufffd😀"},
		{`\ud83d\u0041`, "\ufffdA"},
		{`\u001b[2J`, "\x1b[2J"},
	}
	for _, tt := range tests {
		got, cut := unescape([]byte(tt.in), strings.Contains(tt.in, `\`), 0)
		if got != tt.want || cut {
			t.Errorf("unescape(%q) = %q, %v; want %q", tt.in, got, cut, tt.want)
		}
	}
	// A limit that cuts an escape in half stops before it.
	if got, cut := unescape([]byte(`ab\u00e9`), true, 5); got != "ab" || !cut {
		t.Errorf("limited unescape = %q, %v", got, cut)
	}
}

func TestValueIsCompact(t *testing.T) {
	m, err := New([]byte("{ \"a\" : [ 1 , \"x y\\\" z\" , { \"b\" : 12345678901234567890 } ] }"), DefaultKeyMap())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Value(), `{"a":[1,"x y\" z",{"b":12345678901234567890}]}`; got != want {
		t.Errorf("Value() = %s, want %s", got, want)
	}
}
