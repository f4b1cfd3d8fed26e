package api

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"docket/store"
	"docket/store/demo"
)

// BenchmarkAPI is requests a second and their latency (p50, p99) for the
// first page of GET /cases and for durable decisions (set-status), with 1
// and 32 clients at once, over loopback HTTP on the 100k-case fixture. Each
// client of a decision run moves 4 cases of its own between Open and
// Pending, so every request is a real, durable change.
func BenchmarkAPI(b *testing.B) {
	const n = 100_000
	path, err := demo.Fixture(n)
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(path, store.Options{Now: demo.FixtureClock})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	nt, err := st.CreateToken("lena", "lena", "benchmark", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	defer st.RevokeToken("lena", "lena", nt.ID)
	srv := httptest.NewServer(New(st, Options{}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	ids, err := st.IDs(store.Query{Queue: store.QueueOpen, Workflow: "default", Status: "Open"})
	if err != nil || len(ids) < 32*4 {
		b.Fatalf("%d open default cases: %v", len(ids), err)
	}
	send := func(method, path, body string) error {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+nt.Token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("%s %s: %d", method, path, res.StatusCode)
		}
		return nil
	}
	for _, clients := range []int{1, 32} {
		b.Run(fmt.Sprintf("%s/list-first-page/clients-%d", demo.SizeName(n), clients), func(b *testing.B) {
			measure(b, clients, func(client, round int, timed func(func() error) error) error {
				return timed(func() error { return send("GET", "/api/v1/cases?page[size]=10", "") })
			})
		})
		b.Run(fmt.Sprintf("%s/set-status/clients-%d", demo.SizeName(n), clients), func(b *testing.B) {
			measure(b, clients, func(client, round int, timed func(func() error) error) error {
				status := map[bool]string{true: "Pending", false: "Open"}[round%2 == 0]
				for _, id := range ids[client*4 : client*4+4] {
					err := timed(func() error {
						return send("POST", "/api/v1/cases/"+id+"/set-status", `{"meta":{"status":"`+status+`"}}`)
					})
					if err != nil {
						return err
					}
				}
				return nil
			})
			b.StopTimer()
			for _, id := range ids[:clients*4] {
				st.SetStatus(store.Target{Actor: "lena", Case: id}, store.StatusChange{Status: "Open"})
			}
		})
	}
}

// measure runs b.N rounds of clients calling fn at once; fn times each
// request it makes with timed. It reports requests a second over the whole
// run and the p50 and p99 of one request.
func measure(b *testing.B, clients int, fn func(client, round int, timed func(func() error) error) error) {
	var mu sync.Mutex
	var took []time.Duration
	timed := func(req func() error) error {
		start := time.Now()
		err := req()
		mu.Lock()
		took = append(took, time.Since(start))
		mu.Unlock()
		return err
	}
	began := time.Now()
	for round := 0; round < b.N; round++ {
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				if err := fn(c, round, timed); err != nil {
					errs <- err
				}
			}(c)
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(began)
	slices.Sort(took)
	pct := func(p float64) float64 {
		return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(took))/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "ms-p50")
	b.ReportMetric(pct(0.99), "ms-p99")
	b.ReportMetric(0, "ns/op")
}
