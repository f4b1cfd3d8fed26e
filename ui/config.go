package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is what config.yaml may set.
type Config struct {
	Keys KeyMap
	Path string // the file read, "" when there was none
}

// ConfigPath is $DOCKET_CONFIG, else $XDG_CONFIG_HOME/docket/config.yaml,
// else ~/.config/docket/config.yaml.
func ConfigPath(getenv func(string) string) string {
	if p := getenv("DOCKET_CONFIG"); p != "" {
		return p
	}
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "docket", "config.yaml")
}

// maxConfigBytes bounds config.yaml: a real one is a few hundred bytes.
const maxConfigBytes = 64 << 10

// LoadConfig reads the config file; a missing file means the defaults.
// Errors name the file and line.
func LoadConfig(path string) (Config, error) {
	cfg := Config{Keys: DefaultKeyMap()}
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.Path = path
	if len(data) > maxConfigBytes {
		return cfg, fmt.Errorf("config %s: the file is %d bytes; a config file may be at most %d", path, len(data), maxConfigBytes)
	}
	keys, err := parseConfig(path, data)
	if err != nil {
		return cfg, err
	}
	if cfg.Keys, err = newKeyMap(keys); err != nil {
		return cfg, fmt.Errorf("config %s: keys: %w", path, err)
	}
	return cfg, nil
}

// parseConfig reads `keys: {action: key | [key, ...]}`.
func parseConfig(path string, data []byte) (map[Action][]string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	out := map[Action][]string{}
	if len(doc.Content) == 0 {
		return out, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping with a keys section", path, root.Line)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "keys" {
			return nil, fmt.Errorf("%s:%d: unknown setting %q (known: keys)", path, k.Line, k.Value)
		}
		if err := parseKeys(path, v, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parseKeys(path string, n *yaml.Node, out map[Action][]string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: keys: want a mapping of action: key or [keys]", path, n.Line)
	}
	known := map[string]bool{}
	for _, a := range actionNames() {
		known[a] = true
	}
	seen := map[string]int{} // action -> line
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, val := n.Content[i], n.Content[i+1]
		if !known[name.Value] {
			return fmt.Errorf("%s:%d: keys.%s: unknown action (actions: %s)", path, name.Line, name.Value, strings.Join(actionNames(), ", "))
		}
		if first, dup := seen[name.Value]; dup {
			return fmt.Errorf("%s:%d: keys.%s: set twice (first on line %d); list several keys as [a, b]", path, name.Line, name.Value, first)
		}
		seen[name.Value] = name.Line
		var keys []string
		switch val.Kind {
		case yaml.ScalarNode:
			keys = []string{val.Value}
		case yaml.SequenceNode:
			for _, item := range val.Content {
				keys = append(keys, item.Value)
			}
		}
		if len(keys) == 0 || val.Kind == yaml.MappingNode || slicesContainsEmpty(keys) {
			return fmt.Errorf("%s:%d: keys.%s: want a key or a list of keys", path, val.Line, name.Value)
		}
		out[Action(name.Value)] = keys
	}
	return nil
}

func slicesContainsEmpty(keys []string) bool {
	for _, k := range keys {
		if strings.TrimSpace(k) == "" {
			return true
		}
	}
	return false
}
