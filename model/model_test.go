package model

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The examples of RFC 7386, appendix A (those whose target is an object).
func TestMergePatch(t *testing.T) {
	tests := []struct{ doc, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{``, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
		{`{"n":12345678901234567890}`, `{"m":0.1}`, `{"m":0.1,"n":12345678901234567890}`},
	}
	for _, tt := range tests {
		got, err := MergePatch([]byte(tt.doc), []byte(tt.patch))
		if err != nil || string(got) != tt.want {
			t.Errorf("MergePatch(%s, %s) = %s, %v; want %s", tt.doc, tt.patch, got, err, tt.want)
		}
	}
	for _, bad := range []string{`["a"]`, `"x"`, `{"a":`, `{} {}`, ``} {
		if _, err := MergePatch([]byte(`{}`), []byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("patch %q: %v", bad, err)
		}
	}
}

// A stray closing bracket after the value is not JSON either (the decoder's
// More said "nothing left" for it), nor is white space JSON does not know.
// Both found by FuzzMergePatch.
func TestMergePatchRefusesTrailingData(t *testing.T) {
	for _, tt := range []struct{ doc, patch string }{
		{`{}`, `{"a":1}}`}, {`{}`, `{}]`}, {`{}`, `{} x`},
		{`{}}`, `{}`}, {`{"a":1} ]`, `{}`},
	} {
		if got, err := MergePatch([]byte(tt.doc), []byte(tt.patch)); !errors.Is(err, ErrInvalid) {
			t.Errorf("MergePatch(%s, %s) = %s, %v; want ErrInvalid", tt.doc, tt.patch, got, err)
		}
		if got, err := MergeDiff([]byte(tt.doc), []byte(tt.patch)); !errors.Is(err, ErrInvalid) {
			t.Errorf("MergeDiff(%s, %s) = %s, %v; want ErrInvalid", tt.doc, tt.patch, got, err)
		}
	}
	// Only JSON's white space makes an empty document.
	for _, doc := range []string{"\v", "\u00a0", "\u0085"} {
		if got, err := MergePatch([]byte(doc), []byte(`{}`)); !errors.Is(err, ErrInvalid) {
			t.Errorf("MergePatch(%q, {}) = %s, %v; want ErrInvalid", doc, got, err)
		}
		if got, err := MergeDiff([]byte(doc), []byte(`{}`)); !errors.Is(err, ErrInvalid) {
			t.Errorf("MergeDiff(%q, {}) = %s, %v; want ErrInvalid", doc, got, err)
		}
	}
	if got, err := MergePatch([]byte(" \t\r\n"), []byte(`{"a":1}`)); err != nil || string(got) != `{"a":1}` {
		t.Errorf("blank doc: %s, %v", got, err)
	}
	if got, err := MergePatch([]byte("{\"a\":1}\n"), []byte(" {\"b\":2} \r\n")); err != nil || string(got) != `{"a":1,"b":2}` {
		t.Errorf("trailing white space: %s, %v", got, err)
	}
}

func TestDurations(t *testing.T) {
	for in, want := range map[string]time.Duration{"4h": 4 * time.Hour, "3d": 72 * time.Hour,
		"1d12h": 36 * time.Hour, "30m": 30 * time.Minute} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "x", "3dd", "-4h", "d"} {
		if _, err := ParseDuration(bad); err == nil && bad != "" {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
	for d, want := range map[time.Duration]string{20 * time.Second: "20s", 45 * time.Minute: "45m",
		4*time.Hour + 5*time.Minute: "4h5m", 3 * time.Hour: "3h", 50 * time.Hour: "2d2h", -90 * time.Minute: "-1h30m"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if got := Ago(now.Add(-2*time.Minute), now); got != "2m ago" {
		t.Errorf("Ago = %q", got)
	}
	if got := Ago(now.Add(-10*time.Second), now); got != "just now" {
		t.Errorf("Ago = %q", got)
	}
}

func TestObjectAttr(t *testing.T) {
	o := &Object{Attributes: []byte(`{"name-first":"Ana","fields":{"name-last":{"type":"string","value":"Costa"},"birthdate":{"type":"date","value":"1990-01-02"}}}`)}
	if o.PersonName() != "Ana Costa" || o.AttrString("birthdate") != "1990-01-02" || o.Attr("missing") != nil {
		t.Fatalf("name %q birthdate %q", o.PersonName(), o.AttrString("birthdate"))
	}
}

func TestMergeDiffRoundTrips(t *testing.T) {
	before := `{"a":1,"b":{"c":2,"d":[1,2]},"gone":true}`
	after := `{"a":1,"b":{"c":3,"d":[1,2],"e":{"f":"x"}},"new":"y"}`
	patch, err := MergeDiff([]byte(before), []byte(after))
	if err != nil {
		t.Fatal(err)
	}
	if string(patch) != `{"b":{"c":3,"e":{"f":"x"}},"gone":null,"new":"y"}` {
		t.Fatalf("patch %s", patch)
	}
	got, err := MergePatch([]byte(before), patch)
	if err != nil || string(got) != `{"a":1,"b":{"c":3,"d":[1,2],"e":{"f":"x"}},"new":"y"}` {
		t.Fatalf("applied %s %v", got, err)
	}
	if p, _ := MergeDiff([]byte(before), []byte(before)); string(p) != "{}" {
		t.Fatalf("no change gave %s", p)
	}
	if _, err := MergeDiff([]byte(before), []byte(`{"a":`)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad edit: %v", err)
	}
}

func TestFoldFindsAccentedNames(t *testing.T) {
	c := &Case{Name: "KYC-1", Subject: "Zoë Yılmaz-Müller", Tags: []string{"PEP"}}
	for _, q := range []string{"yilmaz", "muller", "ZOE", "zoë", "pep", "kyc-1"} {
		if !c.Matches(Fold(q)) {
			t.Errorf("%q does not find %q", q, c.Subject)
		}
	}
	if c.Matches(Fold("mueller")) {
		t.Error("mueller should not match")
	}
}

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"ravi", "zoë", "李", "ana.maria", "team-1", "o'neil"} {
		if err := ValidateName("user name", ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"":                      "is empty",
		"ad\u200bmin":           "U+200B, an invisible or formatting character",
		"\u202eadmin":           "U+202E",
		"ad\u2060min":           "U+2060",
		"admin\ufeff":           "U+FEFF",
		"ad\u00admin":           "U+00AD",
		"a\xffb":                "not valid UTF-8",
		"two words":             "spaces, commas",
		"nb\u00a0sp":            "spaces, commas",
		"c1\u009b":              "control characters",
		"tab\t":                 "control characters",
		"a/b":                   "slashes",
		strings.Repeat("x", 65): "longer than 64",
	} {
		err := ValidateName("user name", bad)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateName(%q) = %v, want %q", bad, err, want)
		}
	}
}

func TestValidateEmail(t *testing.T) {
	for _, ok := range []string{"ravi@example.com", "zoë@exämple.org", "a+b@c"} {
		if err := ValidateEmail(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"ravi":                              "needs one @",
		"@example.com":                      "needs one @",
		"ravi@":                             "needs one @",
		"a@b@c":                             "needs one @",
		"ra vi@example.com":                 "U+0020",
		"ravi@exa\u200bmple.com":            "U+200B",
		"\u202emoc.elpmaxe@ivar":            "U+202E",
		"ravi\x1b]0;x\a@e.com":              "U+001B",
		"ravi\xff@e.com":                    "not valid UTF-8",
		strings.Repeat("a", 250) + "@e.com": "longer than 254 bytes",
	} {
		err := ValidateEmail(bad)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateEmail(%q) = %v, want %q", bad, err, want)
		}
	}
}

func TestValidateIDAndCaseName(t *testing.T) {
	for _, tc := range []struct {
		s        string
		id, name bool // valid as an id, as a case name
	}{
		{"case_7Qm2vXbN4kLpR8sT1uW3yZa5", true, true},
		{"KYC-42", true, true},
		{"Review of Zoë", false, true},
		{"", false, false},
		{" KYC-1", false, false},
		{"KYC-1 ", false, false},
		{"two  spaces", false, false},
		{"tab\there", false, false},
		{"inq_\x00zz", false, false},
		{"esc\x1b]0;x\x07", false, false},
		{"c1\u009b", false, false},
		{"bidi\u202e", false, false},
		{"ad\u200bmin", false, false},
		{"bom\ufeff", false, false},
		{"bad\xffutf8", false, false},
		{strings.Repeat("x", MaxIDBytes), true, true},
		{strings.Repeat("x", MaxIDBytes+1), false, false},
	} {
		if got := ValidateID("id", tc.s) == nil; got != tc.id {
			t.Errorf("ValidateID(%q) valid = %v, want %v", tc.s, got, tc.id)
		}
		if got := ValidateCaseName("name", tc.s) == nil; got != tc.name {
			t.Errorf("ValidateCaseName(%q) valid = %v, want %v", tc.s, got, tc.name)
		}
	}
}

func TestFieldsChange(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct{ before, after, want string }{
		{`{"risk":{"score":19,"level":"low"}}`, `{"risk":{"score":83,"level":"low"}}`, `risk.score 19 → 83`},
		{`{}`, `{"note":"call <back>"}`, `note (none) → "call <back>"`},
		{`{"a":[1,2]}`, `{}`, `a [1,2] → (none)`},
		{`{"a":{"b":1}}`, `{"a":"flat"}`, `a {"b":1} → "flat"`},
		{`{"n":"` + long + `"}`, `{"n":1}`, `n "` + strings.Repeat("x", 38) + `… → 1`},
		{``, `{"a":1,"b":2}`, `a (none) → 1; b (none) → 2`},
	}
	for _, tt := range tests {
		if got := FieldsChange([]byte(tt.before), []byte(tt.after)); got != tt.want {
			t.Errorf("FieldsChange(%s, %s) = %q, want %q", tt.before, tt.after, got, tt.want)
		}
	}
	var b strings.Builder
	b.WriteString("{")
	for i := range 20 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%02d":%d`, i, i)
	}
	b.WriteString("}")
	got := FieldsChange([]byte(`{}`), []byte(b.String()))
	if !strings.HasSuffix(got, "; k11 (none) → 11; … 8 more") || strings.Count(got, "→") != 12 {
		t.Errorf("20 changes read %q", got)
	}
	e := Event{Kind: EventFields, To: "device,risk"}
	if got := DescribeEvent(e); got != "updated fields device,risk" {
		t.Errorf("an older fields event reads %q", got)
	}
}

func TestSizeLimitIsTooLargeAndInvalid(t *testing.T) {
	err := SizeLimitf("the patch", 2<<20, 1<<20)
	if !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrInvalid) || errors.Is(err, ErrConflict) {
		t.Fatalf("SizeLimitf kinds wrong: %v", err)
	}
	if errors.Is(Invalidf("x"), ErrTooLarge) {
		t.Fatal("a plain invalid input is not too large")
	}
}
