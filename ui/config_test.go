package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigRemapsKeys(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, "keys:\n  claim: [x, ctrl+l]\n  down: J\n  up: [K, up]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Keys.is(keyMsg("x"), "claim") || !cfg.Keys.is(keyMsg("ctrl+l"), "claim") || cfg.Keys.is(keyMsg("c"), "claim") {
		t.Fatal("claim not remapped")
	}
	if !cfg.Keys.is(keyMsg("J"), "down") || cfg.Keys.is(keyMsg("j"), "down") {
		t.Fatal("down not remapped")
	}
	// The help screen shows the bindings in force.
	st := demoStore(t, 5)
	u, _ := st.User("me")
	m, err := New(st, u, Options{Now: clock, Config: cfg, Renderer: asciiRenderer()})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(keyMsg("?"))
	m.width, m.height = 160, 60
	view := m.helpView()
	if !strings.Contains(view, "x/ctrl+l") || !strings.Contains(view, cfg.Path) {
		t.Fatalf("help does not show the remapped keys:\n%s", view)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{"keys:\n  fly: x\n", `:2: keys.fly: unknown action`},
		{"keys:\n  claim: {a: b}\n", `:2: keys.claim: want a key or a list of keys`},
		{"keys:\n  claim: [\"\"]\n", `keys.claim: want a key`},
		{"colours: dark\n", `:1: unknown setting "colours"`},
		{"keys: [a\n", "config"},
		{"keys:\n  claim: j\n", `key "j" is bound to both claim and down`},
	}
	for _, tt := range tests {
		_, err := LoadConfig(writeConfig(t, tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want %q", tt.body, err, tt.want)
		}
	}
	if cfg, err := LoadConfig(filepath.Join(t.TempDir(), "none.yaml")); err != nil || cfg.Path != "" {
		t.Fatalf("missing config: %v", err)
	}
}
