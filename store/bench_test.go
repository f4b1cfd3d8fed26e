package store_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/list"

	"docket/store"
	"docket/store/bolt"
	"docket/store/demo"
)

// The benchmarks run on demo fixtures built the first time they are asked
// for (see demo.Fixture) and reused after.

// openFixture opens the demo fixture of n cases at the fixture's clock.
func openFixture(b *testing.B, n int, readOnly bool) *store.Store {
	b.Helper()
	path, err := demo.Fixture(n)
	if err != nil {
		b.Fatal(err)
	}
	s, err := store.Open(path, store.Options{ReadOnly: readOnly, Now: demo.FixtureClock})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func perOp(b *testing.B, unit string, scale float64) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/scale, unit)
}

// BenchmarkOpenFirstPage opens the database and reads the first page of
// My queue, as the workstation does before its first frame.
func BenchmarkOpenFirstPage(b *testing.B) {
	for _, n := range demo.FixtureSizes {
		b.Run(demo.SizeName(n), func(b *testing.B) {
			path, err := demo.Fixture(n)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s, err := store.Open(path, store.Options{ReadOnly: true, Now: demo.FixtureClock})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.List(store.Query{Queue: store.QueueMine, Actor: "me", Limit: 50}); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
			perOp(b, "ms/open", 1e6)
		})
	}
}

// BenchmarkFilter is one filter keystroke over every open case, to the
// first page of results, for a text that matches often and one that
// matches a single case (which has to walk the whole queue). The bubbles
// list filter runs over the same cases' names and subjects.
func BenchmarkFilter(b *testing.B) {
	for _, n := range demo.FixtureSizes {
		var s *store.Store
		var targets []string
		outer := b
		load := func(b *testing.B) {
			if s == nil {
				s = openFixture(outer, n, true) // open for every sub-benchmark
				targets = filterTargets(b, s)
			}
		}
		for _, kind := range []string{"common", "rare"} {
			var ours time.Duration
			text := func() string {
				if kind == "common" {
					return "ma"
				}
				// A case name from the middle of the queue: found only after
				// walking half of it, and the rest is walked for nothing.
				name, _, _ := strings.Cut(targets[len(targets)/2], " ")
				return name
			}
			b.Run(demo.SizeName(n)+"/"+kind+"/docket", func(b *testing.B) {
				load(b)
				for i := 0; i < b.N; i++ {
					page, err := s.List(store.Query{Queue: store.QueueOpen, Text: text(), NoTotal: true, Limit: 50})
					if err != nil || len(page.Cases) == 0 {
						b.Fatalf("%q: %d cases, %v", text(), len(page.Cases), err)
					}
				}
				ours = b.Elapsed() / time.Duration(b.N)
				perOp(b, "ms/keystroke", 1e6)
			})
			b.Run(demo.SizeName(n)+"/"+kind+"/bubbles-list", func(b *testing.B) {
				load(b)
				for i := 0; i < b.N; i++ {
					list.DefaultFilter(text(), targets)
				}
				theirs := b.Elapsed() / time.Duration(b.N)
				perOp(b, "ms/keystroke", 1e6)
				if ours > 0 {
					b.ReportMetric(float64(ours)/float64(theirs), "docket/bubbles")
				}
			})
		}
	}
}

// filterTargets lists what a bubbles list would filter on: each open
// case's name and subject.
func filterTargets(b *testing.B, s *store.Store) []string {
	b.Helper()
	var out []string
	q := store.Query{Queue: store.QueueOpen, Limit: 5000, NoTotal: true}
	for {
		page, err := s.List(q)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range page.Cases {
			out = append(out, c.Name+" "+c.Subject)
		}
		if page.Next == "" {
			return out
		}
		q.After = page.Next
	}
}

// BenchmarkDecision is one durable status change (indexes, audit event,
// fsync) against one durable single-key bbolt Update on the same disk.
// The two alternate, one of each at a time, so that both meet the same
// moment of the machine; each is timed on its own, and the ratio is that
// of their medians.
func BenchmarkDecision(b *testing.B) {
	for _, n := range demo.FixtureSizes {
		b.Run(demo.SizeName(n), func(b *testing.B) {
			s := openFixture(b, n, false)
			ids := openCases(b, s, 200)
			path, _ := demo.Fixture(n)
			db, err := bolt.OpenBaseline(filepath.Join(filepath.Dir(path), "raw-update.db"), false)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			var ours, raw []time.Duration
			b.ResetTimer()
			// Each benchmark iteration is 20 of each: a single fsync varies a
			// lot, and the set runs with few iterations.
			for i := 0; i < 20*b.N; i++ {
				// Each case goes Open -> Pending, then back, so the run can repeat.
				id, status := ids[i%len(ids)], toggled(i, len(ids))
				began := time.Now()
				if _, err := s.SetStatus(store.Target{Actor: "lena", Case: id}, store.StatusChange{Status: status}); err != nil {
					b.Fatal(err)
				}
				ours = append(ours, time.Since(began))
				began = time.Now()
				if err := db.Put(uint64(i%1000), status); err != nil {
					b.Fatal(err)
				}
				raw = append(raw, time.Since(began))
			}
			b.StopTimer()
			// Put the cases back where they were.
			for _, id := range ids {
				s.SetStatus(store.Target{Actor: "lena", Case: id}, store.StatusChange{Status: "Open"})
			}
			mo, mr := median(ours), median(raw)
			b.ReportMetric(ms(mo), "ms/decision")
			b.ReportMetric(ms(mr), "ms/update")
			b.ReportMetric(float64(mo)/float64(mr), "docket/raw")
			// The mean and the 90th percentile count the decisions that
			// fold the status moves into the index (see store/bolt/moves.go),
			// which the median passes over.
			b.ReportMetric(ms(mean(ours)), "ms/decision-mean")
			b.ReportMetric(float64(mean(ours))/float64(mean(raw)), "docket/raw-mean")
			b.ReportMetric(ms(percentile(ours, 90)), "ms/decision-p90")
		})
	}
}

// openCases is n Open cases of the default workflow picked at random,
// each read as the workstation shows it before a reviewer decides it,
// and moved to Pending and back once, so that the pages a decision on it
// touches are in memory, as on a database in use: on a 1M file the
// page cache does not hold, a cold page is a disk read, which the raw
// update on its small file never makes.
//
// Each run decides on cases of its own: deciding the head of the queue
// run after run gave those cases trails of 1,300-1,600 events, whose
// newest event sits leaves away from the case's record, so that each
// decision wrote a second path through the tree, and read ever longer
// trails: not the case a reviewer decides.
func openCases(b *testing.B, s *store.Store, n int) []string {
	b.Helper()
	ids, err := s.IDs(store.Query{Queue: store.QueueOpen, Workflow: "default", Status: "Open"})
	if err != nil || len(ids) < n {
		b.Fatalf("%d open default cases, want %d: %v", len(ids), n, err)
	}
	rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	ids = slices.Clone(ids[:n])
	for _, id := range ids {
		if _, err := s.CaseDetail(id); err != nil {
			b.Fatal(err)
		}
		for _, status := range []string{"Pending", "Open"} {
			if _, err := s.SetStatus(store.Target{Actor: "lena", Case: id}, store.StatusChange{Status: status}); err != nil {
				b.Fatal(err)
			}
		}
	}
	return ids
}

// toggled is the status decision i of a run over n Open cases moves its
// case to: each goes Open -> Pending, then back, so the run can repeat.
func toggled(i, n int) string {
	if (i/n)%2 == 1 {
		return "Open"
	}
	return "Pending"
}

func mean(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

func median(ds []time.Duration) time.Duration {
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// BenchmarkImport imports Persona JSON lines into an empty database, and
// puts the same lines, as they are, into a raw bbolt file in batches of
// the same size. It also reports the file size per case.
//
// A million-case import takes minutes and 11 GB of JSON; it runs only with
// DOCKET_BENCH_IMPORT_1M=1.
func BenchmarkImport(b *testing.B) {
	sizes := demo.FixtureSizes[:2]
	if os.Getenv("DOCKET_BENCH_IMPORT_1M") == "1" {
		sizes = demo.FixtureSizes
	}
	for _, n := range sizes {
		src, err := demo.PersonaFixture(n)
		if err != nil {
			b.Fatal(err)
		}
		fi, _ := os.Stat(src)
		var ours time.Duration
		// An import of 100k cases takes half a minute: two runs are enough,
		// and one of a million.
		runs := func(b *testing.B) int {
			switch {
			case n >= 1_000_000:
				return 1
			case n >= 100_000:
				return min(b.N, 2)
			}
			return b.N
		}
		b.Run(demo.SizeName(n)+"/docket", func(b *testing.B) {
			ours = 0 // this run's alone: -count runs each sub-benchmark again
			for i := 0; i < runs(b); i++ {
				dir := b.TempDir()
				s, err := store.Open(filepath.Join(dir, "i.db"), store.Options{Now: demo.FixtureClock})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Login("admin"); err != nil {
					b.Fatal(err)
				}
				peak := sampleHeap()
				start := time.Now()
				res, err := s.Import([]store.Source{{Name: "p", Path: src}}, store.ImportOptions{Actor: "admin"})
				ours += time.Since(start)
				heap := peak()
				if err != nil || res.Created != n {
					b.Fatalf("import: %+v %v", res, err)
				}
				s.Close()
				db, _ := os.Stat(filepath.Join(dir, "i.db"))
				b.ReportMetric(float64(db.Size())/float64(n), "db-bytes/case")
				b.ReportMetric(float64(fi.Size())/float64(n), "json-bytes/case")
				b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
			}
			ours /= time.Duration(runs(b))
			b.ReportMetric(float64(fi.Size())/ours.Seconds()/1e6, "MB/s")
			b.ReportMetric(float64(n)/ours.Seconds(), "cases/s")
		})
		b.Run(demo.SizeName(n)+"/raw-bbolt", func(b *testing.B) {
			var raw time.Duration
			for i := 0; i < runs(b); i++ {
				start := time.Now()
				rawPut(b, src, filepath.Join(b.TempDir(), "raw.db"))
				raw += time.Since(start)
			}
			raw /= time.Duration(runs(b))
			b.ReportMetric(float64(fi.Size())/raw.Seconds()/1e6, "MB/s")
			b.ReportMetric(raw.Seconds()/ours.Seconds(), "docket/raw-throughput")
		})
	}
}

// rawPut stores each line of src under a sequence number, 1000 per
// transaction: the least an import could do with the same bytes.
func rawPut(b *testing.B, src, path string) {
	db, err := bolt.OpenBaseline(path, true)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	f, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := db.PutLines(bufio.NewReaderSize(f, 1<<20), 1000); err != nil {
		b.Fatal(err)
	}
}

// sampleHeap watches the Go heap until the returned func is called, which
// gives the largest size seen.
func sampleHeap() func() uint64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(stop); wg.Wait(); return peak.Load() }
}

// BenchmarkConcurrentDecisions is durable decisions per second with 1, 8
// and 32 writers at once, each deciding 8 cases of its own (Open <->
// Pending) on the 100k fixture, against a serial loop of durable
// single-key bbolt Updates. Writers that arrive together share a commit
// (see store/group.go). Each iteration is one round of both, the serial
// loop (50 updates) then every writer deciding each of its cases once, so
// that both meet the same moment of the machine; each is timed on its own.
// The bolt-batch runs are bbolt's own DB.Batch, for comparison.
func BenchmarkConcurrentDecisions(b *testing.B) {
	const n = 100_000
	s := openFixture(b, n, false)
	ids := openCases(b, s, 32*8)
	path, _ := demo.Fixture(n)
	db, err := bolt.OpenBaseline(filepath.Join(filepath.Dir(path), "raw-update.db"), false)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	// serial runs 50 durable single-key updates and says how long they took.
	serial := func(b *testing.B) time.Duration {
		began := time.Now()
		for i := range 50 {
			if err := db.Put(uint64(i), "serial"); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(began)
	}
	report := func(b *testing.B, writes int, took time.Duration, updates int, serialTook time.Duration, unit string) {
		rate, serialRate := float64(writes)/took.Seconds(), float64(updates)/serialTook.Seconds()
		b.ReportMetric(rate, unit+"/s")
		b.ReportMetric(serialRate, "updates/s")
		b.ReportMetric(rate/serialRate, unit+"/updates")
		b.ReportMetric(0, "ns/op")
	}
	for _, writers := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("%s/writers-%d", demo.SizeName(n), writers), func(b *testing.B) {
			var took, serialTook time.Duration
			for round := 0; round < b.N; round++ {
				serialTook += serial(b)
				// Each case goes Open -> Pending, then back, so rounds can repeat.
				status := map[bool]string{false: "Pending", true: "Open"}[round%2 == 1]
				began := time.Now()
				atOnce(b, writers, func(w int) error {
					for _, id := range ids[w*8 : w*8+8] {
						if _, err := s.SetStatus(store.Target{Actor: "lena", Case: id}, store.StatusChange{Status: status}); err != nil {
							return err
						}
					}
					return nil
				})
				took += time.Since(began)
			}
			b.StopTimer()
			for _, id := range ids[:writers*8] {
				s.SetStatus(store.Target{Actor: "lena", Case: id}, store.StatusChange{Status: "Open"})
			}
			report(b, b.N*writers*8, took, b.N*50, serialTook, "decisions")
		})
	}
	// bbolt's DB.Batch waits up to 10 ms (MaxBatchDelay) for company: a
	// writer alone gets about one commit per 10 ms.
	for _, writers := range []int{1, 32} {
		b.Run(fmt.Sprintf("bolt-batch/writers-%d", writers), func(b *testing.B) {
			var took, serialTook time.Duration
			for round := 0; round < b.N; round++ {
				serialTook += serial(b)
				began := time.Now()
				atOnce(b, writers, func(w int) error {
					for i := range 8 {
						if err := db.Batch(uint64(1000+w*8+i), "batch"); err != nil {
							return err
						}
					}
					return nil
				})
				took += time.Since(began)
			}
			report(b, b.N*writers*8, took, b.N*50, serialTook, "batched")
		})
	}
}

// atOnce runs write(w) for each of that many writers in goroutines of
// their own and waits for all of them.
func atOnce(b *testing.B, writers int, write func(w int) error) {
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := write(w); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
}

// BenchmarkDecisionWebhook is BenchmarkDecision on a copy of the 10k
// fixture, first with no webhook subscription, then with one that wants
// every event: what queueing the case document in the decision's
// transaction costs (nothing delivers it here).
func BenchmarkDecisionWebhook(b *testing.B) {
	src, err := demo.Fixture(10_000)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "docket.db")
	if raw, err := os.ReadFile(src); err != nil || os.WriteFile(path, raw, 0o600) != nil {
		b.Fatalf("copy the fixture: %v", err)
	}
	s, err := store.Open(path, store.Options{Now: demo.FixtureClock})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ids := openCases(b, s, 200)
	next := 0 // each case goes Open -> Pending, then back, across runs
	decide := func(b *testing.B) {
		var took []time.Duration
		for range 20 * b.N {
			status := toggled(next, len(ids))
			began := time.Now()
			if _, err := s.SetStatus(store.Target{Actor: "lena", Case: ids[next%len(ids)]}, store.StatusChange{Status: status}); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(began))
			next++
		}
		b.ReportMetric(ms(median(took)), "ms/decision")
	}
	b.Run("no-subscription", decide)
	_, err = s.AddWebhook("admin", store.NewWebhook{URL: "https://hooks.example.com/docket", Events: []string{"*"}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("one-subscription", decide)
}
