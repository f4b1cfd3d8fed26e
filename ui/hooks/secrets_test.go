package hooks_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"docket/ui/hooks"
)

func writeSecretFile(t *testing.T, text string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "persona.secret")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadSecretFile(t *testing.T) {
	text := "# Persona webhook secrets, current first\r\n\r\n" + string(newSecret) + "\r\n  " + string(oldSecret) + "  \n# rotated out next week\n" + string(newSecret) + "\n"
	secrets, err := hooks.ReadSecretFile(writeSecretFile(t, text, 0o600))
	if err != nil {
		t.Fatal(err)
	}
	if len(secrets) != 2 || !bytes.Equal(secrets[0], newSecret) || !bytes.Equal(secrets[1], oldSecret) {
		t.Fatalf("secrets %q", secrets)
	}

	const leaked = "whsec_this_must_not_be_echoed"
	for _, c := range []struct {
		name, text string
		mode       os.FileMode
		want       string
	}{
		{"readable by others", string(newSecret) + "\n", 0o644, "mode 0644: other users may read or change it"},
		{"readable by the group", string(newSecret) + "\n", 0o640, "chmod 600"},
		{"empty", "\n# nothing yet\n", 0o600, "holds no secret"},
		{"two on a line", "# ok\n" + leaked + " " + string(newSecret) + "\n", 0o600, "persona.secret:2: the line holds a space"},
		{"too short", string(newSecret) + "\nshort\n", 0o600, "persona.secret:2: the line is 5 characters, too short"},
		{"control byte", leaked + "\x01\n", 0o600, "persona.secret:1: the line holds a byte that is not printable ASCII"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := hooks.ReadSecretFile(writeSecretFile(t, c.text, c.mode))
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), leaked) || strings.Contains(err.Error(), string(newSecret)) {
				t.Fatalf("got %v, want an error saying %q without a secret", err, c.want)
			}
		})
	}
	if _, err := hooks.ReadSecretFile(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "webhook secret file") {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := hooks.ReadSecretFile(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("a directory: %v", err)
	}
}
