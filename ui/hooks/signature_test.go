package hooks

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignatures(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"data":{"type":"event"}}`)
	old, current := []byte("old-secret"), []byte("new-secret")
	rotating := Sign([][]byte{old, current}, now, body)
	if n := len(strings.Fields(rotating)); n != 2 {
		t.Fatalf("a rotation should sign twice, got %q", rotating)
	}
	cases := []struct {
		name    string
		header  string
		secrets [][]byte
		body    []byte
		at      time.Time
		wantErr string
	}{
		{"one secret", Sign([][]byte{current}, now, body), [][]byte{current}, body, now, ""},
		{"rotation, server has the new one", rotating, [][]byte{current}, body, now, ""},
		{"rotation, server has the old one", rotating, [][]byte{old}, body, now, ""},
		{"server rotating, sender old", Sign([][]byte{old}, now, body), [][]byte{current, old}, body, now, ""},
		{"within tolerance", Sign([][]byte{current}, now, body), [][]byte{current}, body, now.Add(4 * time.Minute), ""},
		{"stale", Sign([][]byte{current}, now, body), [][]byte{current}, body, now.Add(6 * time.Minute), "older than"},
		{"from the future", Sign([][]byte{current}, now.Add(10*time.Minute), body), [][]byte{current}, body, now, "older than"},
		{"tampered body", Sign([][]byte{current}, now, body), [][]byte{current}, append([]byte(" "), body...), now, "no digest"},
		{"wrong secret", Sign([][]byte{old}, now, body), [][]byte{current}, body, now, "no digest"},
		{"missing", "", [][]byte{current}, body, now, "no signature"},
		{"garbage", "t=abc,v1=zz nonsense", [][]byte{current}, body, now, "no digest"},
		{"no server secret", Sign([][]byte{current}, now, body), nil, body, now, "no webhook secret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(c.header, c.secrets, c.body, c.at, DefaultTolerance)
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("got %v, want an ErrSignature saying %q", err, c.wantErr)
			}
		})
	}
}

// TestSignatureSetsBounded: a header padded with sets costs at most
// maxSignatureSets HMACs of the body; a valid set past them is not read.
func TestSignatureSetsBounded(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"data":{"type":"event"}}`)
	secret := []byte("a-server-secret")
	good := Sign([][]byte{secret}, now, body)
	junk := "t=1800000000,v1=00"
	within := strings.Repeat(junk+" ", maxSignatureSets-1) + good
	if err := Verify(within, [][]byte{secret}, body, now, DefaultTolerance); err != nil {
		t.Fatalf("a good set among the first %d is refused: %v", maxSignatureSets, err)
	}
	past := strings.Repeat(junk+" ", maxSignatureSets) + good
	if err := Verify(past, [][]byte{secret}, body, now, DefaultTolerance); !errors.Is(err, ErrSignature) {
		t.Fatalf("a good set after %d junk sets was read (err %v): a padded header costs an HMAC per set", maxSignatureSets, err)
	}
}
