package safe

import (
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Jane Doe", "Jane Doe"},
		{"\x1b]0;x\x07\x1b[2JEvil", "Evil"},
		{"a\x1b[31mred\x1b[0m", "ared"},
		{"tab\there\nnext\rline", "tab here next line"},
		{"bell\x07nul\x00del\x7f", "bellnuldel"},
		{"osc st \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "osc st link"},
		{"c1 \u009b31mred", "c1 red"},
		{"c1 osc \u009d0;title\u009cend", "c1 osc end"},
		{"bidi \u202egnp.exe", "bidi gnp.exe"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"charset \x1b(Bok", "charset ok"},
		{"trailing esc \x1b", "trailing esc "},
		{"Zoë Ångström 李", "Zoë Ångström 李"},
	}
	for _, tt := range tests {
		if got := Line(tt.in); got != tt.want {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTextKeepsNewlines(t *testing.T) {
	if got := Text("one\ntwo\x1b[2J\tthree"); got != "one\ntwo three" {
		t.Fatalf("Text = %q", got)
	}
}

func TestFormatCharactersDropped(t *testing.T) {
	for in, want := range map[string]string{
		"ad\u200bmin":                            "admin",
		"\ufeffbom\u00adsoft\u2060":              "bomsoft",
		"z\u200cw\u200dj\u200e\u200f":            "zwj",
		"tag \U000e0041\U000e007f":               "tag ",
		"invisible \u2061\u2062\u2063\u2064 ops": "invisible  ops",
	} {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTextTabsKeepsTabsAndNewlines(t *testing.T) {
	if got := TextTabs("a\tb\x1b[201~\nrm -rf ~\r\n"); got != "a\tb\nrm -rf ~ \n" {
		t.Fatalf("TextTabs = %q", got)
	}
}

func TestWriter(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b)
	n, err := w.Write([]byte("CASE-1\x1b]0;pwned\x07\t\u009b31mOpen\u202e\n"))
	if err != nil || n != len("CASE-1\x1b]0;pwned\x07\t\u009b31mOpen\u202e\n") {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if b.String() != "CASE-1\tOpen\n" {
		t.Fatalf("wrote %q", b.String())
	}
}

func TestLinesKeepsLineBreaksOnly(t *testing.T) {
	in := "first\x1b]0;title\r\nsecond\tline\u202e\nthird"
	if got := Lines(in); got != "first\nsecond line\nthird" {
		t.Fatalf("Lines(%q) = %q", in, got)
	}
}
