package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"docket/model"
)

// TestUserInputValidated: names that pass for another, emails with
// invisible or terminal-driving characters are refused on the way in, and
// the refusal changes nothing.
func TestUserInputValidated(t *testing.T) {
	s, _ := newStore(t)
	for _, tt := range []struct {
		u    model.User
		want string
	}{
		{model.User{Name: "ad\u200bmin"}, "U+200B"},
		{model.User{Name: "\u202eada"}, "U+202E"},
		{model.User{Name: "ra\xffvi"}, "not valid UTF-8"},
		{model.User{Name: "zoe", Email: "zoe\x1b]0;pwned\x07@example.com"}, "U+001B"},
		{model.User{Name: "zoe", Email: "zoe@exa\u200bmple.com"}, "U+200B"},
		{model.User{Name: "zoe", Email: "zoe example.com"}, "needs one @"},
		{model.User{Name: "zoe", Email: "zoe@a@b"}, "needs one @"},
		{model.User{Name: "zoe", Email: strings.Repeat("z", 250) + "@example.com"}, "longer than 254"},
		{model.User{Name: "zoe", Teams: []string{"team\u200d1"}}, "U+200D"},
	} {
		before := snapshot(t, s)
		refused(t, s, s.AddUser("ada", tt.u), model.ErrInvalid, tt.want, before)
	}
	email := "ravi\u202e@example.com"
	before := snapshot(t, s)
	_, _, err := s.SetUser("ada", "ravi", UserChange{Email: &email})
	refused(t, s, err, model.ErrInvalid, "U+202E", before)

	// The first user of an empty database is checked too.
	empty := openAt(t, dbPath(t), newClock())
	if _, err := empty.Login("ad\u200bmin"); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("first login as ad\\u200bmin: %v", err)
	}
}

// TestImportRefusesBadAssignees: an unknown assignee becomes a user, so an
// id that could not be one stops the import in its checking pass, naming
// the file, line and field, before anything is written.
func TestImportRefusesBadAssignees(t *testing.T) {
	for _, tt := range []struct{ id, want string }{
		{"ad\u200bmin@example.com", "U+200B"},
		{"evil\x1b]0;pwned\x07@example.com", "U+001B"},
		{"two@at@example.com", "needs one @"},
		{"ma\u202eria", "U+202E"},
	} {
		t.Run(fmt.Sprintf("%q", tt.id), func(t *testing.T) {
			s, _ := newStore(t)
			good := caseDoc("case_good", "KYC-1", "open", "2024-01-02T00:00:00Z", "")
			bad := caseDoc("case_bad", "KYC-2", "open", "2024-01-02T00:00:00Z", `,"assignee-id":`+jsonString(tt.id))
			path := writeLines(t, good, bad)
			before := snapshot(t, s)
			_, err := s.Import([]Source{src(path)}, ImportOptions{Actor: "ada"})
			if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), "cases.jsonl:2: data.attributes.assignee-id: ") ||
				!strings.Contains(err.Error(), tt.want) {
				t.Fatalf("import: %v; want cases.jsonl:2: data.attributes.assignee-id: … %s", err, tt.want)
			}
			sameSnapshot(t, before, snapshot(t, s))
		})
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
