package cli

import (
	"strings"
	"testing"
)

// TestHistoryKeepsCommentLineBreaks: case history prints a comment's lines
// as lines, under the comment's first, each cleaned of escape sequences.
func TestHistoryKeepsCommentLineBreaks(t *testing.T) {
	h := newHarness(t)
	h.team()
	h.ok("case", "create", "--workflow", "default", "--assign", "ravi")
	h.ok("case", "comment", "CASE-1", "called the customer\nno answer\x1b]0;x\x07\r\nwill retry", "--user", "ravi")
	hist := h.ok("case", "history", "CASE-1")
	inert(t, "case history", hist)
	pad := strings.Repeat(" ", 31)
	if !strings.Contains(hist, "ravi commented: called the customer\n"+pad+"no answer\n"+pad+"will retry\n") {
		t.Fatalf("history:\n%s", hist)
	}
}
