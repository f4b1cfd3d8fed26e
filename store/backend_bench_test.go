package store_test

import (
	"os"
	"testing"
	"time"

	"docket/store"
	"docket/store/demo"
)

// BenchmarkBackends measures bbolt and PostgreSQL side by side in one run:
// the first page of My queue, and a durable decision (Open ↔ Pending). The
// PostgreSQL database is $DOCKET_BENCH_PG, holding a demo made with
// `docket --db "$DOCKET_BENCH_PG" demo --cases 10000 --no-ui` (fsync on,
// for the decision to be durable); without it only bbolt runs.
func BenchmarkBackends(b *testing.B) {
	file, err := demo.Fixture(10_000)
	if err != nil {
		b.Fatal(err)
	}
	backends := []struct{ name, db string }{{"bbolt", file}}
	if dsn := os.Getenv("DOCKET_BENCH_PG"); dsn != "" {
		backends = append(backends, struct{ name, db string }{"postgres", dsn})
	}
	for _, be := range backends {
		s, err := store.Open(be.db, store.Options{Now: demo.FixtureClock})
		if err != nil {
			b.Fatal(err)
		}
		b.Run("10k/"+be.name+"/my-queue-first-page", func(b *testing.B) {
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
		b.Run("10k/"+be.name+"/decision", func(b *testing.B) {
			ids, err := s.IDs(store.Query{Queue: store.QueueOpen, Workflow: "default", Status: "Open", Limit: 200})
			if err != nil || len(ids) < 2 {
				b.Fatalf("%d open default cases: %v", len(ids), err)
			}
			ids = ids[:min(len(ids), 200)]
			var took []time.Duration
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				id, status := ids[i%len(ids)], "Pending"
				if (i/len(ids))%2 == 1 {
					status = "Open"
				}
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
		s.Close()
	}
}
