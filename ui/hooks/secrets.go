package hooks

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
)

// A secret file holds the webhook secrets, one a line: the current one,
// and during a rotation the next (or the last) beside it. Blank lines and
// lines starting with # are skipped.

// minSecretBytes refuses a line too short to be a secret (Persona's are
// much longer): most likely the wrong file, or a secret cut short.
const minSecretBytes = 16

// maxSecretFileBytes bounds the file: a few secrets and comments.
const maxSecretFileBytes = 64 << 10

// ReadSecretFile reads the webhook secrets from path. Like SSH with a
// private key, it refuses a file that other users may read or change
// (chmod 600 it): whoever holds a secret can forge Persona's events. A bad
// line is named by file and line, never quoted.
func ReadSecretFile(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("webhook secret file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("webhook secret file: %w", err)
	}
	switch {
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("webhook secret file %s is not a regular file", path)
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0:
		return nil, fmt.Errorf("webhook secret file %s has mode %04o: other users may read or change it, and so forge webhook events; chmod 600 %s",
			path, fi.Mode().Perm(), path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("webhook secret file %s: %w", path, err)
	}
	if len(data) > maxSecretFileBytes {
		return nil, fmt.Errorf("webhook secret file %s is over %d KB: it should hold a secret or two, one a line", path, maxSecretFileBytes>>10)
	}
	return ParseSecrets(path, data)
}

// ParseSecrets reads the secrets a secret file holds, from data read from
// name (a path, or "standard input").
func ParseSecrets(name string, data []byte) ([][]byte, error) {
	var secrets [][]byte
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if err := checkSecret(line); err != nil {
			return nil, fmt.Errorf("%s:%d: %s", name, i+1, err)
		}
		if !containsSecret(secrets, line) {
			secrets = append(secrets, bytes.Clone(line))
		}
	}
	if len(secrets) == 0 {
		return nil, fmt.Errorf("webhook secret file %s holds no secret: give one a line (blank lines and # comments are skipped)", name)
	}
	return secrets, nil
}

// checkSecret says what is wrong with a line, without quoting it.
func checkSecret(line []byte) error {
	for i, c := range line {
		switch {
		case c == ' ' || c == '\t':
			return fmt.Errorf("the line holds a space at column %d: give each secret a line of its own, nothing else", i+1)
		case c < 0x21 || c > 0x7e:
			return fmt.Errorf("the line holds a byte that is not printable ASCII at column %d", i+1)
		}
	}
	if len(line) < minSecretBytes {
		return fmt.Errorf("the line is %d characters, too short for a webhook secret (at least %d): is this the secret file?", len(line), minSecretBytes)
	}
	return nil
}

func containsSecret(secrets [][]byte, s []byte) bool {
	for _, have := range secrets {
		if bytes.Equal(have, s) {
			return true
		}
	}
	return false
}
