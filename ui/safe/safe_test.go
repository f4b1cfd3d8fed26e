package safe

import "testing"

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
