package model

import (
	"strings"
	"testing"
)

func TestCheckJSON(t *testing.T) {
	deep := strings.Repeat("[", MaxJSONDepth+1) + strings.Repeat("]", MaxJSONDepth+1)
	ok := strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth)
	for raw, want := range map[string]string{
		`{"a":"fine"}`:             "",
		ok:                         "",
		`{"a":"[[[[ in a string"}`: "",
		`{"a":"\"[["}`:             "",
		deep:                       "nested deeper than 512 levels at byte 512",
		"{\"a\":\"b\xffc\"}":       "invalid UTF-8 at byte 7",
	} {
		err := CheckJSON([]byte(raw))
		if (err == nil) != (want == "") || (err != nil && err.Error() != want) {
			t.Errorf("CheckJSON(%.20q) = %v, want %q", raw, err, want)
		}
	}
}
