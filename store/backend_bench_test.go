package store_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"docket/model"
	"docket/store"
	"docket/store/demo"
)

// BenchmarkBackends measures bbolt and PostgreSQL side by side in one run,
// at each size: the first page of My queue; a durable decision (Open ↔
// Pending); decisions from 32 concurrent writers, each on cases of its
// own; and case next from 50 concurrent pullers.
//
// Sizes: DOCKET_BENCH_SIZES=10000,100000 (default 10000). bbolt runs on the
// demo fixture of each size (demo.Fixture, built the first time). The
// PostgreSQL database of size N is $DOCKET_BENCH_PG_N
// (DOCKET_BENCH_PG_100000=postgres://…/bench100k); for 10000,
// $DOCKET_BENCH_PG too. Each holds a demo made with
// `docket --db DSN demo --cases N --no-ui` on a server with fsync on, for
// decisions to be durable; a size without one runs on bbolt only:
//
//	DOCKET_BENCH_SIZES=10000,100000 DOCKET_BENCH_PG='postgres://…/bench10k' \
//	DOCKET_BENCH_PG_100000='postgres://…/bench100k' \
//	go test -run '^$' -bench Backends -benchtime 1x ./store/
//
// The writing benchmarks leave the cases as they found them (statuses
// moved back, cases pulled given back), though each run adds to their
// audit trails.
func BenchmarkBackends(b *testing.B) {
	for _, n := range benchSizes(b) {
		file, err := demo.Fixture(n)
		if err != nil {
			b.Fatal(err)
		}
		backends := []struct{ name, db string }{{"bbolt", file}}
		if dsn := benchPG(n); dsn != "" {
			backends = append(backends, struct{ name, db string }{"postgres", dsn})
		}
		for _, be := range backends {
			s, err := store.Open(be.db, store.Options{Now: demo.FixtureClock})
			if err != nil {
				b.Fatal(err)
			}
			prefix := demo.SizeName(n) + "/" + be.name + "/"
			b.Run(prefix+"my-queue-first-page", func(b *testing.B) {
				// mia, a reviewer of the demo, holds about a tenth of the open
				// cases in either database.
				for b.Loop() {
					page, err := s.List(store.Query{Queue: store.QueueMine, Actor: "mia", Limit: 50})
					if err != nil || len(page.Cases) != 50 {
						b.Fatalf("a page of %d cases: %v", len(page.Cases), err)
					}
				}
				perOp(b, "ms/page", 1e6)
			})
			b.Run(prefix+"decision", func(b *testing.B) {
				ids := openCases(b, s, 200)
				var took []time.Duration
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					id, status := ids[i%len(ids)], toggled(i, len(ids))
					began := time.Now()
					if _, err := s.SetStatus(store.Target{Actor: "lena", Case: id}, store.StatusChange{Status: status}); err != nil {
						b.Fatal(err)
					}
					took = append(took, time.Since(began))
				}
				b.StopTimer()
				for _, id := range ids { // back where they were
					s.SetStatus(store.Target{Actor: "lena", Case: id}, store.StatusChange{Status: "Open"})
				}
				b.ReportMetric(ms(median(took)), "ms/decision")
			})
			b.Run(prefix+"decisions-32-writers", func(b *testing.B) { benchConcurrentDecisions(b, s, 32, 8) })
			b.Run(prefix+"case-next-50-pullers", func(b *testing.B) { benchCaseNext(b, s, 50, 10) })
			s.Close()
		}
	}
}

// benchSizes are the sizes DOCKET_BENCH_SIZES names (default 10000).
func benchSizes(b *testing.B) []int {
	v := os.Getenv("DOCKET_BENCH_SIZES")
	if v == "" {
		return []int{10_000}
	}
	var sizes []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("DOCKET_BENCH_SIZES=%q: want case counts separated by commas, such as 10000,100000", v)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// benchPG is the PostgreSQL database holding a demo of n cases, if one
// is given.
func benchPG(n int) string {
	if dsn := os.Getenv(fmt.Sprintf("DOCKET_BENCH_PG_%d", n)); dsn != "" {
		return dsn
	}
	if n == 10_000 {
		return os.Getenv("DOCKET_BENCH_PG")
	}
	return ""
}

// benchConcurrentDecisions has writers goroutines decide at once, each on
// perWriter Open cases of its own (as lena, the demo's lead): one
// iteration moves each case to Pending and back to Open, so the cases
// end as they began. It reports decisions a second and the latency of
// one decision (p50, p99).
func benchConcurrentDecisions(b *testing.B, s *store.Store, writers, perWriter int) {
	ids := openCases(b, s, writers*perWriter)
	var (
		took    []time.Duration
		busy    time.Duration // the iterations' time, all writers at once
		decided int
	)
	for b.Loop() {
		lat := make([][]time.Duration, writers)
		errs := make([]error, writers)
		var wg sync.WaitGroup
		began := time.Now()
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mine := ids[w*perWriter : (w+1)*perWriter]
				for _, status := range []string{"Pending", "Open"} {
					for _, id := range mine {
						t0 := time.Now()
						if _, err := s.SetStatus(store.Target{Actor: "lena", Case: id}, store.StatusChange{Status: status}); err != nil {
							errs[w] = fmt.Errorf("writer %d: %s to %s: %w", w, id, status, err)
							return
						}
						lat[w] = append(lat[w], time.Since(t0))
					}
				}
			}()
		}
		wg.Wait()
		busy += time.Since(began)
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
		}
		for _, l := range lat {
			took = append(took, l...)
			decided += len(l)
		}
	}
	b.ReportMetric(float64(decided)/busy.Seconds(), "decisions/s")
	b.ReportMetric(ms(percentile(took, 50)), "p50-ms/decision")
	b.ReportMetric(ms(percentile(took, 99)), "p99-ms/decision")
}

// pullers are the demo's staff who may take any unassigned case (the
// leads and reviewers; a reviewer of one team passes over the other's).
var pullers = []string{"lena", "kai", "ravi", "mia", "omar", "ines"}

// benchCaseNext has n goroutines pull cases with case next at once, as
// the demo's staff in turn, up to perPuller each (fewer when the
// unassigned cases run out). No case may be handed out twice. After each
// iteration the cases pulled are given back (unassigned, untimed). It
// reports cases a second and the latency of one pull (p50, p99).
func benchCaseNext(b *testing.B, s *store.Store, n, perPuller int) {
	var (
		took   []time.Duration
		busy   time.Duration
		pulled int
	)
	for b.Loop() {
		lat := make([][]time.Duration, n)
		got := make([][]*model.Case, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		began := time.Now()
		for p := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				user := pullers[p%len(pullers)]
				for range perPuller {
					t0 := time.Now()
					c, err := s.NextCase(user, "")
					if errors.Is(err, model.ErrNotFound) {
						return
					}
					if err != nil {
						errs[p] = fmt.Errorf("puller %d (%s): %w", p, user, err)
						return
					}
					lat[p] = append(lat[p], time.Since(t0))
					got[p] = append(got[p], c)
				}
			}()
		}
		wg.Wait()
		busy += time.Since(began)
		b.StopTimer()
		seen := map[string]string{}
		var ids []string
		for p, cs := range got {
			for _, c := range cs {
				if other, dup := seen[c.ID]; dup {
					errs = append(errs, fmt.Errorf("%s was handed to %s and to %s", c.Name, other, pullers[p%len(pullers)]))
				}
				seen[c.ID] = pullers[p%len(pullers)]
				ids = append(ids, c.ID)
			}
			took = append(took, lat[p]...)
		}
		pulled += len(ids)
		// Give them back, so that the next iteration (and run) finds the
		// same unassigned cases.
		res, err := s.BulkAssign("lena", ids, "")
		if err == nil && len(res.Refused) > 0 {
			err = fmt.Errorf("giving back %d cases: %d refused, the first: %s", len(ids), len(res.Refused), res.Refused[0].Reason)
		}
		if err := errors.Join(append(errs, err)...); err != nil {
			b.Fatal(err)
		}
		if len(ids) == 0 {
			b.Fatal("no unassigned case to pull")
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(pulled)/busy.Seconds(), "cases/s")
	b.ReportMetric(ms(percentile(took, 50)), "p50-ms/case")
	b.ReportMetric(ms(percentile(took, 99)), "p99-ms/case")
}

// percentile is the p-th percentile of ds (nearest rank).
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	i := int(math.Ceil(float64(len(sorted))*p/100)) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
