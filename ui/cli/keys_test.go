package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"docket/model"
)

// pubKey makes an ed25519 key and returns its .pub line and fingerprint.
func pubKey(t *testing.T, comment string) (line, fingerprint string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp))) + " " + comment, ssh.FingerprintSHA256(sp)
}

func TestUserKeyCommands(t *testing.T) {
	h := newHarness(t)
	h.team()
	laptop, laptopFP := pubKey(t, "mia@laptop")
	file := filepath.Join(h.dir, "id_ed25519.pub")
	if err := os.WriteFile(file, []byte(laptop+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := h.ok("user", "key", "add", "mia", file); got != "added ssh-ed25519 key "+laptopFP+" (mia@laptop) to mia\n" {
		t.Fatalf("add printed %q", got)
	}
	phone, phoneFP := pubKey(t, "mia@phone")
	if code, out, errOut := h.run(phone+"\n", "user", "key", "add", "mia", "-"); code != 0 || !strings.Contains(out, phoneFP) {
		t.Fatalf("add from stdin: exit %d %q %q", code, out, errOut)
	}

	out := h.ok("user", "key", "list", "mia")
	for _, want := range []string{"FINGERPRINT", laptopFP, phoneFP, "ssh-ed25519", "mia@laptop", "mia@phone", "ada"} {
		if !strings.Contains(out, want) {
			t.Errorf("key list lacks %q:\n%s", want, out)
		}
	}
	// mia may list her own; --json is the store's record, exactly.
	code, raw, errOut := h.run("", "user", "key", "list", "mia", "--json", "--user", "mia")
	var keys []model.UserKey
	if code != 0 || json.Unmarshal([]byte(raw), &keys) != nil || len(keys) != 2 || keys[0].Key != laptop || keys[0].User != "mia" || keys[0].AddedBy != "ada" {
		t.Fatalf("key list --json: exit %d %q %q", code, raw, errOut)
	}
	for _, field := range []string{`"fingerprint"`, `"type"`, `"comment"`, `"key"`, `"added_at"`, `"added_by"`} {
		if !strings.Contains(raw, field) {
			t.Errorf("key list --json lacks %s:\n%s", field, raw)
		}
	}

	if got := h.ok("user", "key", "remove", "mia", laptopFP); got != "removed ssh-ed25519 key "+laptopFP+" (mia@laptop) from mia\n" {
		t.Fatalf("remove printed %q", got)
	}
	if out := h.ok("user", "key", "list", "mia"); strings.Contains(out, laptopFP) || !strings.Contains(out, phoneFP) {
		t.Fatalf("after remove:\n%s", out)
	}
	h.ok("user", "key", "remove", "mia", phoneFP)
	if out := h.ok("user", "key", "list", "mia"); !strings.Contains(out, "mia has no SSH keys") {
		t.Fatalf("no keys left:\n%s", out)
	}
	if out := h.ok("user", "key", "list", "mia", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("no keys as JSON: %q", out)
	}
	h.ok("check") // exits 0: no problems
}

// Refusals name what is wrong and change nothing.
func TestUserKeyCommandsRefuse(t *testing.T) {
	h := newHarness(t)
	h.team()
	line, fp := pubKey(t, "shared")
	file := filepath.Join(h.dir, "shared.pub")
	if err := os.WriteFile(file, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"lena", "mia"} {
		h.fails(1, who+" is a "+map[string]string{"lena": "lead", "mia": "reviewer"}[who]+"; only an admin may manage SSH keys",
			"user", "key", "add", "mia", file, "--user", who)
	}
	h.ok("user", "key", "add", "mia", file)
	h.fails(1, "shared.pub: this key ("+fp+") is already mia's", "user", "key", "add", "ravi", file)
	h.fails(1, "only an admin may manage SSH keys", "user", "key", "remove", "mia", fp, "--user", "lena")
	h.fails(1, "only an admin may manage SSH keys", "user", "key", "list", "mia", "--user", "ravi")
	h.fails(1, "mia has no SSH key SHA256:nope", "user", "key", "remove", "mia", "SHA256:nope")
	h.fails(1, `unknown user "nobody"`, "user", "key", "add", "nobody", file)

	private := filepath.Join(h.dir, "id_ed25519")
	if err := os.WriteFile(private, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbg==\n-----END OPENSSH PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.fails(1, "id_ed25519: this is a private key", "user", "key", "add", "ravi", private)
	h.fails(1, "no such file", "user", "key", "add", "ravi", filepath.Join(h.dir, "missing.pub"))
	if code, _, errOut := h.run("ssh-dss AAAA old\n", "user", "key", "add", "ravi", "-"); code != 1 || !strings.Contains(errOut, "stdin: DSA keys (ssh-dss) are not allowed") {
		t.Fatalf("a DSA key on stdin: exit %d, %q", code, errOut)
	}
	if out := h.ok("user", "key", "list", "ravi"); !strings.Contains(out, "ravi has no SSH keys") {
		t.Fatalf("refused keys were added:\n%s", out)
	}

	// Usage: the user key group and its arity.
	h.fails(2, "user key needs a subcommand: add, list, remove", "user", "key")
	h.fails(2, `unknown user key subcommand "drop" (want add, list, remove)`, "user", "key", "drop")
	h.fails(2, "user needs a subcommand: add, list, set, key", "user")
	h.fails(2, "usage: docket user key add NAME KEYFILE|-", "user", "key", "add", "mia")
	if out := h.ok("user", "key", "--help"); !strings.Contains(out, "docket user key remove NAME FINGERPRINT") || strings.Contains(out, "docket user set") {
		t.Fatalf("user key --help:\n%s", out)
	}
	if out := h.ok("help", "user", "key"); !strings.Contains(out, "docket user key list NAME [--json]") {
		t.Fatalf("help user key:\n%s", out)
	}
}
