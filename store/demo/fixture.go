package demo

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// FixtureNow is the clock of benchmark fixtures, so they can be reused.
var FixtureNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fixtureVersion changes whenever the generator or the file layout does
// (9: schema 3, records bound to their trails; 10-12: schema 4, lean rows
// and search texts; 13: objects in Persona's current shapes; 17: schema
// 9, status counts apart; 18: schema 10, status moves), so that stale
// fixtures are not reused.
const fixtureVersion = 18

// Fixture returns the path of a demo database of n cases (seed 1, "me" as
// the lead with cases of their own) for benchmarks, building it the first
// time into $DOCKET_BENCH_DIR (default: the temp dir's docket-bench). A
// marker file written after a complete build keeps a half-built one from
// being used.
func Fixture(n int) (string, error) {
	dir := os.Getenv("DOCKET_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "docket-bench")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("demo-%d-v%d.db", n, fixtureVersion))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	// Build aside and rename when complete: a half-built fixture is never
	// used, and a second process building the same one finds it locked.
	tmp := path + ".building"
	if _, err := Generate(tmp, Options{Cases: n, Seed: 1, Now: FixtureNow, OSUser: "me"}); err != nil {
		return "", fmt.Errorf("build fixture %s: %w", tmp, err)
	}
	return path, os.Rename(tmp, path)
}

// PersonaFixture returns Persona JSON lines of n cases (the same data as
// Fixture(n)), built the first time.
func PersonaFixture(n int) (string, error) {
	db, err := Fixture(n)
	if err != nil {
		return "", err
	}
	path := fmt.Sprintf("%s.persona.jsonl", db)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	tmp := path + ".building"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	scratch := tmp + ".db"
	defer os.Remove(scratch)
	_, err = Generate(scratch, Options{Cases: n, Seed: 1, Now: FixtureNow, OSUser: "me", Persona: f})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}

// FixtureSizes are the database sizes the benchmarks run at.
var FixtureSizes = []int{10_000, 100_000, 1_000_000}

// SizeName names a fixture size for a benchmark: 10k, 100k, 1M.
func SizeName(n int) string {
	if n >= 1_000_000 {
		return fmt.Sprintf("%dM", n/1_000_000)
	}
	return fmt.Sprintf("%dk", n/1000)
}

// FixtureClock is the clock the fixtures were generated at.
func FixtureClock() time.Time { return FixtureNow }
