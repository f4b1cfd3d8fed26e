package serve

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"docket/store"
	"docket/store/demo"
)

// benchServer serves the 100k-case demo fixture on loopback.
func benchServer(b *testing.B) *testServer {
	b.Helper()
	path, err := demo.Fixture(100_000)
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(path, store.Options{Now: demo.FixtureClock})
	if err != nil {
		b.Fatal(err)
	}
	return startServer(b, st, demo.FixtureClock)
}

// frameAfter sends a key and waits for the server's next output: the
// frame that key produced.
func (term *terminal) frameAfter(key string) time.Duration {
	before := term.Len()
	began := time.Now()
	term.keys(key)
	for {
		if n := term.Len(); n > before {
			return time.Since(began)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// BenchmarkKeystrokeToFrame is a navigation key (j, then k back) typed in
// each of 1, 10 and 50 workstation sessions at once on the 100k-case
// fixture, timed from the key's bytes leaving the client to the frame's
// first bytes arriving, over loopback SSH.
func BenchmarkKeystrokeToFrame(b *testing.B) {
	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("%d-sessions", n), func(b *testing.B) {
			ts := benchServer(b)
			terms := make([]*terminal, n)
			for i := range terms {
				terms[i] = ts.workstation("me", 160, 48)
			}
			for _, term := range terms {
				term.waitFor("docket me", 30*time.Second)
			}
			time.Sleep(300 * time.Millisecond) // the first frames settle
			var mu sync.Mutex
			var took []time.Duration
			var wg sync.WaitGroup
			b.ResetTimer()
			for _, term := range terms {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < b.N; i++ {
						key := "j"
						if i%2 == 1 {
							key = "k"
						}
						d := term.frameAfter(key)
						mu.Lock()
						took = append(took, d)
						mu.Unlock()
						time.Sleep(20 * time.Millisecond) // a person's pace, near enough
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			at := func(p float64) float64 {
				return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds()) / 1000
			}
			b.ReportMetric(at(0.5), "ms/key-p50")
			b.ReportMetric(at(0.99), "ms/key-p99")
		})
	}
}

// BenchmarkIdleSession is the Go heap one more idle workstation session
// costs the server (50 sessions opened, each at its first frame).
func BenchmarkIdleSession(b *testing.B) {
	ts := benchServer(b)
	const n = 50
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		terms := make([]*terminal, n)
		for j := range terms {
			terms[j] = ts.workstation("me", 160, 48)
		}
		for _, term := range terms {
			term.waitFor("docket me", 30*time.Second)
		}
		time.Sleep(500 * time.Millisecond)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n/(1<<20), "MB/session")
		for _, term := range terms {
			term.sess.Close()
		}
	}
}

// BenchmarkLiveUpdate is a decision made elsewhere (a status change through
// the store, as another session's would be) until each of 10 workstation
// sessions showing that queue has drawn again, on the 100k-case fixture.
func BenchmarkLiveUpdate(b *testing.B) {
	ts := benchServer(b)
	ids, err := ts.st.IDs(store.Query{Queue: store.QueueMine, Actor: "me", Workflow: "default", Status: "Open"})
	if err != nil || len(ids) == 0 {
		b.Fatalf("me has no open default case: %v", err)
	}
	terms := make([]*terminal, 10)
	for i := range terms {
		terms[i] = ts.workstation("me", 160, 48)
	}
	for _, term := range terms {
		term.waitFor("docket me", 30*time.Second)
	}
	time.Sleep(300 * time.Millisecond)
	var took []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		status := []string{"Pending", "Open"}[i%2]
		before := make([]int, len(terms))
		for j, term := range terms {
			before[j] = term.Len()
		}
		if _, err := ts.st.SetStatus(store.Target{Actor: "lena", Case: ids[0]}, store.StatusChange{Status: status}); err != nil {
			b.Fatal(err)
		}
		decided := time.Now()
		for j, term := range terms {
			for {
				if n := term.Len(); n > before[j] {
					took = append(took, time.Since(decided))
					break
				}
				time.Sleep(200 * time.Microsecond)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.StopTimer()
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	at := func(p float64) float64 {
		return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.5), "ms/shown-p50")
	b.ReportMetric(at(0.99), "ms/shown-p99")
}
