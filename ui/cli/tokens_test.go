package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"docket/model"
	"docket/store"
)

func TestUserTokenCommands(t *testing.T) {
	h := newHarness(t)
	h.team()
	code, token, errOut := h.run("", "user", "token", "create", "mia", "--label", "risk engine", "--expires", "30d")
	token = strings.TrimSpace(token)
	if code != 0 || !strings.HasPrefix(token, "dkt_") || strings.Contains(token, " ") ||
		!strings.Contains(errOut, "for mia, expires") || !strings.Contains(errOut, "shown this once") {
		t.Fatalf("create: exit %d %q %q", code, token, errOut)
	}
	s, err := store.Open(h.env["DOCKET_DB"], store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, rec, err := s.UserByToken(token)
	s.Close()
	if err != nil || u.Name != "mia" || rec.Label != "risk engine" {
		t.Fatalf("the printed token signs in: %v %+v %v", u, rec, err)
	}

	// mia makes her own, which never expires, and lists both as JSON.
	code, raw, errOut := h.run("", "user", "token", "create", "mia", "--expires", "never", "--json", "--user", "mia")
	var made struct {
		ID, Token string
		ExpiresAt *string `json:"expires_at"`
	}
	if code != 0 || json.Unmarshal([]byte(raw), &made) != nil || made.ExpiresAt != nil || !strings.Contains(made.Token, made.ID) {
		t.Fatalf("create --json: exit %d %q %q", code, raw, errOut)
	}
	out := h.ok("user", "token", "list", "mia")
	for _, want := range []string{"ID", rec.ID, made.ID, "risk engine", "never expires", "expires 20"} {
		if !strings.Contains(out, want) {
			t.Errorf("token list lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "dkt_") {
		t.Errorf("token list shows a token:\n%s", out)
	}
	code, raw, _ = h.run("", "user", "token", "list", "mia", "--json", "--user", "mia")
	var listed []model.APIToken
	if code != 0 || json.Unmarshal([]byte(raw), &listed) != nil || len(listed) != 2 || strings.Contains(raw, "digest") {
		t.Fatalf("list --json: exit %d %q", code, raw)
	}

	// ravi may not touch mia's tokens; bad lifetimes are named.
	for _, args := range [][]string{
		{"user", "token", "create", "mia", "--user", "ravi"},
		{"user", "token", "revoke", "mia", made.ID, "--user", "ravi"},
	} {
		if code, _, errOut := h.run("", args...); code == 0 || !strings.Contains(errOut, "only an admin") {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
	if code, _, errOut := h.run("", "user", "token", "create", "mia", "--expires", "soon"); code == 0 || !strings.Contains(errOut, "--expires") {
		t.Errorf("bad --expires: exit %d %q", code, errOut)
	}
	if got := h.ok("user", "token", "revoke", "mia", made.ID); got != "revoked API token "+made.ID+" of mia\n" {
		t.Fatalf("revoke printed %q", got)
	}
}
