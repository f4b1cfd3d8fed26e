package store

import (
	"slices"
	"strings"
	"unicode"

	"docket/model"
)

// MaxTags is how many tags one case may carry. A reviewer reads them all on
// the Overview; more than this is a data problem, and an unbounded list
// would let one request hold the write lock for as long as it likes.
const MaxTags = 100

// maxTagLen is the longest tag, in bytes.
const maxTagLen = 64

// normTags trims, drops empties and de-duplicates case-insensitively,
// keeping the first spelling. It refuses a bad tag, and more than MaxTags
// distinct ones. Linear: each tag is looked up once in a set of folded
// spellings.
func normTags(tags []string) ([]string, error) {
	out := []string{}
	seen := make(map[string]bool, min(len(tags), MaxTags+1))
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if err := validateTag(t); err != nil {
			return nil, err
		}
		key := foldKey(t)
		if seen[key] {
			continue
		}
		if len(out) == MaxTags {
			return nil, model.Invalidf("more than %d tags (%d given); a case may carry at most %d", MaxTags, len(tags), MaxTags)
		}
		seen[key] = true
		out = append(out, t)
	}
	return out, nil
}

func validateTag(t string) error {
	if len(t) > maxTagLen {
		return model.Invalidf("tag %q is longer than %d characters", t[:maxTagLen], maxTagLen)
	}
	for _, r := range t {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return model.Invalidf("tag %q contains a control character", t)
		}
	}
	return nil
}

// retag is a case's tags after adding and removing some (removal matches
// case-insensitively, like the rest). A change may not take a case over
// MaxTags; one that lowers an older, longer list is fine.
func retag(name string, current, add, remove []string) ([]string, error) {
	add, err := normTags(add)
	if err != nil {
		return nil, err
	}
	gone := make(map[string]bool, len(remove))
	for _, r := range remove {
		gone[foldKey(strings.TrimSpace(r))] = true
	}
	next := make([]string, 0, len(current)+len(add))
	seen := make(map[string]bool, len(current)+len(add))
	for _, t := range slices.Concat(current, add) {
		key := foldKey(strings.TrimSpace(t))
		if !gone[key] && !seen[key] {
			seen[key] = true
			next = append(next, t)
		}
	}
	if len(next) > MaxTags && len(next) > len(current) {
		return nil, model.Invalidf("%s would carry %d tags; a case may carry at most %d", name, len(next), MaxTags)
	}
	return next, nil
}

// foldKey is the same for two strings exactly when strings.EqualFold says
// they are equal: each rune becomes the smallest of its case-folding orbit
// (so σ, ς and Σ, or k and the Kelvin sign, share a key).
func foldKey(s string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, s)
}
