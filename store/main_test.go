package store

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// TestMain runs the store's tests on bbolt and then, when a PostgreSQL
// server is at hand ($DOCKET_TEST_PG, which .ci/run sets), once more on
// PostgreSQL (DOCKET_TEST_BACKEND=pg): one suite, two backends. Tests of
// bbolt's own file, layout and upkeep skip themselves there (boltOnly).
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code != 0 || os.Getenv("DOCKET_TEST_PG") == "" || os.Getenv("DOCKET_TEST_BACKEND") != "" || benchmarking() {
		os.Exit(code)
	}
	fmt.Println("store: the same tests on PostgreSQL (DOCKET_TEST_BACKEND=pg)")
	again := exec.Command(os.Args[0], os.Args[1:]...)
	again.Env = append(os.Environ(), "DOCKET_TEST_BACKEND=pg")
	again.Stdout, again.Stderr = os.Stdout, os.Stderr
	if err := again.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "store on PostgreSQL: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// benchmarking says whether this run measures (-test.bench): benchmarks
// read bbolt fixtures and run once.
func benchmarking() bool {
	f := flag.Lookup("test.bench")
	return f != nil && f.Value.String() != ""
}
