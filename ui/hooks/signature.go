// Package hooks carries webhooks across docket's edge: Persona's events
// coming in, and docket's own case events going out to subscribers. Both
// directions sign a delivery the same way Persona does.
package hooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers a signature travels in.
const (
	PersonaSignatureHeader = "Persona-Signature"
	DocketSignatureHeader  = "Docket-Signature"
)

// DefaultTolerance is how old a signed timestamp may be before a delivery
// is refused as a replay.
const DefaultTolerance = 5 * time.Minute

// maxSignatureSets bounds the t=…,v1=… sets Verify reads from one header.
// Each set costs an HMAC of the whole body per secret, and the header comes
// before anyone is verified: without a bound, one request with thousands
// of sets over a 2 MB body would hold a core for a minute. A sender signs
// once per secret it holds (two while Persona rotates, at most four here).
const maxSignatureSets = 8

// ErrSignature is every refused signature: missing, malformed, stale or
// wrong. Its message says which, without echoing what was sent.
var ErrSignature = errors.New("bad webhook signature")

// Sign is the header value for body sent at t: "t=<unix seconds>,v1=<hex
// HMAC-SHA256(secret, "<t>.<body>")>". With several secrets (a rotation in
// progress) it writes one set per secret, separated by a space.
func Sign(secrets [][]byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	sets := make([]string, 0, len(secrets))
	for _, secret := range secrets {
		sets = append(sets, "t="+ts+",v1="+hex.EncodeToString(mac(secret, ts, body)))
	}
	return strings.Join(sets, " ")
}

// Verify checks header against body: some set in it must carry a timestamp
// no further than tolerance from now and a v1 digest made with one of
// secrets. Digests are compared in constant time. Only the first
// maxSignatureSets sets are read.
func Verify(header string, secrets [][]byte, body []byte, now time.Time, tolerance time.Duration) error {
	if strings.TrimSpace(header) == "" {
		return fmt.Errorf("%w: no signature header", ErrSignature)
	}
	if len(secrets) == 0 {
		return fmt.Errorf("%w: the server has no webhook secret", ErrSignature)
	}
	stale := false
	sets := strings.Fields(header)
	for _, set := range sets[:min(len(sets), maxSignatureSets)] {
		ts, sums, ok := parseSet(set)
		if !ok {
			continue
		}
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			continue
		}
		if age := now.Sub(time.Unix(sec, 0)); age > tolerance || age < -tolerance {
			stale = true
			continue
		}
		for _, secret := range secrets {
			want := mac(secret, ts, body)
			for _, got := range sums {
				if hmac.Equal(want, got) {
					return nil
				}
			}
		}
	}
	if stale {
		return fmt.Errorf("%w: the timestamp is older than %s", ErrSignature, tolerance)
	}
	return fmt.Errorf("%w: no digest matches the body", ErrSignature)
}

// parseSet reads one "t=…,v1=…[,v1=…]" set; unknown schemes are skipped.
func parseSet(set string) (ts string, sums [][]byte, ok bool) {
	for _, part := range strings.Split(set, ",") {
		k, v, found := strings.Cut(part, "=")
		if !found {
			return "", nil, false
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if sum, err := hex.DecodeString(v); err == nil {
				sums = append(sums, sum)
			}
		}
	}
	return ts, sums, ts != "" && len(sums) > 0
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
