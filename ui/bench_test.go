package ui

import (
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/list"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"docket/store"
	"docket/store/demo"
)

// The workstation's speed on the demo fixtures (see demo.Fixture): 10k,
// 100k and 1M cases.

func openBench(b *testing.B, n int) *store.Store {
	b.Helper()
	path, err := demo.Fixture(n)
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(path, store.Options{ReadOnly: true, Now: demo.FixtureClock})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkFirstFrame opens the database and draws My queue's first frame.
func BenchmarkFirstFrame(b *testing.B) {
	took := map[int]float64{}
	for _, n := range demo.FixtureSizes {
		b.Run(demo.SizeName(n), func(b *testing.B) {
			path, err := demo.Fixture(n)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				st, err := store.Open(path, store.Options{ReadOnly: true, Now: demo.FixtureClock})
				if err != nil {
					b.Fatal(err)
				}
				u, err := st.User("me")
				if err != nil {
					b.Fatal(err)
				}
				m, err := New(st, u, Options{Now: demo.FixtureClock, Clipboard: io.Discard, Renderer: renderer(termenv.TrueColor)})
				if err != nil {
					b.Fatal(err)
				}
				m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
				if m.View() == "" {
					b.Fatal("no frame")
				}
				st.Close()
			}
			ms := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / 1e6
			b.ReportMetric(ms, "ms/first-frame")
			took[n] = ms
			b.ReportMetric(ms/took[demo.FixtureSizes[0]], "x-10k")
		})
	}
}

// BenchmarkNavigate is one navigation key (Update and View) in the Open
// queue, against bubbles/list holding the same number of cases.
func BenchmarkNavigate(b *testing.B) {
	for _, n := range demo.FixtureSizes {
		for _, key := range []string{"j", "ctrl+d", "G"} {
			var ours time.Duration
			b.Run(demo.SizeName(n)+"/"+key+"/docket", func(b *testing.B) {
				st := openBench(b, n)
				u, _ := st.User("me")
				m, err := New(st, u, Options{Now: demo.FixtureClock, Clipboard: io.Discard, Renderer: renderer(termenv.TrueColor)})
				if err != nil {
					b.Fatal(err)
				}
				m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
				m.Update(keyMsg("]"))
				m.Update(keyMsg("]")) // Open
				back := map[string]string{"j": "g", "ctrl+d": "g", "G": "g"}[key]
				var keyTime, detailTime time.Duration
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					k := key
					// j and ctrl+d walk down a long way; G alternates with g.
					if key == "G" && i%2 == 1 || key != "G" && m.queue.cursor >= m.queue.total-50 {
						k = back
					}
					start := time.Now()
					_, cmd := m.Update(keyMsg(k))
					_ = m.View()
					keyTime += time.Since(start)
					// The selected case is read off the UI goroutine; it then
					// arrives as a message and the frame is drawn again.
					start = time.Now()
					if cmd != nil {
						if msg, ok := cmd().(detailMsg); ok {
							m.Update(msg)
							_ = m.View()
						}
					}
					detailTime += time.Since(start)
				}
				ours = keyTime / time.Duration(b.N)
				b.ReportMetric(float64(ours.Nanoseconds())/1e6, "ms/key")
				b.ReportMetric(float64(detailTime.Nanoseconds())/float64(b.N)/1e6, "ms/case-shown")
			})
			b.Run(demo.SizeName(n)+"/"+key+"/bubbles-list", func(b *testing.B) {
				l := bubblesList(b, n)
				msg := map[string]tea.KeyMsg{"j": keyMsg("down"), "ctrl+d": keyMsg("pgdown"), "G": keyMsg("end")}[key]
				home := keyMsg("home")
				// bubbles/list takes seconds per key at a million items: a few
				// keys tell enough, and keep the whole set within minutes.
				keys := b.N
				if n >= 1_000_000 {
					keys = min(keys, 3)
				}
				b.ResetTimer()
				for i := 0; i < keys; i++ {
					m := msg
					if key == "G" && i%2 == 1 || key != "G" && l.Index() >= len(l.Items())-50 {
						m = home
					}
					l, _ = l.Update(m)
					_ = l.View()
				}
				theirs := b.Elapsed() / time.Duration(keys)
				b.ReportMetric(float64(theirs.Nanoseconds())/1e6, "ms/key")
				b.ReportMetric(float64(ours)/float64(theirs), "docket/bubbles")
			})
		}
	}
}

type listItem struct{ title, desc string }

func (i listItem) Title() string       { return i.title }
func (i listItem) Description() string { return i.desc }
func (i listItem) FilterValue() string { return i.title + " " + i.desc }

var benchLists = map[int]list.Model{}

// bubblesList holds every open case of the fixture in a bubbles list.
func bubblesList(b *testing.B, n int) list.Model {
	if l, ok := benchLists[n]; ok {
		return l
	}
	st := openBench(b, n)
	var items []list.Item
	q := store.Query{Queue: store.QueueOpen, Limit: 5000, NoTotal: true}
	for {
		page, err := st.List(q)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range page.Cases {
			items = append(items, listItem{c.Name + " " + c.Status, c.Subject})
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	l := list.New(items, list.NewDefaultDelegate(), 160, 48)
	benchLists[n] = l
	return l
}

// BenchmarkBrowseMemory browses the largest fixture (first frame, the end
// of the Open queue, back to the top, a few hundred keys) and reports the
// Go heap afterwards.
func BenchmarkBrowseMemory(b *testing.B) {
	benchLists = map[int]list.Model{} // what earlier benchmarks held is not ours
	runtime.GC()
	n := demo.FixtureSizes[len(demo.FixtureSizes)-1]
	st := openBench(b, n)
	u, _ := st.User("me")
	for i := 0; i < b.N; i++ {
		m, err := New(st, u, Options{Now: demo.FixtureClock, Clipboard: io.Discard, Renderer: asciiRenderer()})
		if err != nil {
			b.Fatal(err)
		}
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
		for _, k := range []string{"]", "]", "G", "g"} {
			m.Update(keyMsg(k))
		}
		for j := 0; j < 300; j++ {
			m.Update(keyMsg("ctrl+d"))
			m.View()
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
		runtime.KeepAlive(m)
	}
}

// typist feeds a Model keys and runs the commands they return in
// goroutines of their own, as the Bubble Tea loop does, delivering their
// messages back through Update on the caller's goroutine.
type typist struct {
	m    *Model
	msgs chan tea.Msg
}

func newTypist(m *Model) *typist { return &typist{m: m, msgs: make(chan tea.Msg, 64)} }

func (t *typist) key(k tea.KeyMsg) {
	_, cmd := t.m.Update(k)
	t.start(cmd)
}

func (t *typist) start(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		switch msg := cmd().(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range msg {
				t.start(c)
			}
		default:
			t.msgs <- msg
		}
	}()
}

// settle delivers messages until the filter's page for the text typed is
// on screen.
func (t *typist) settle() {
	for t.m.queue.searching {
		_, cmd := t.m.Update(<-t.msgs)
		t.start(cmd)
	}
	_ = t.m.View()
}

// drain delivers whatever else arrives within d (counts, case details).
func (t *typist) drain(d time.Duration) {
	timeout := time.After(d)
	for {
		select {
		case msg := <-t.msgs:
			_, cmd := t.m.Update(msg)
			t.start(cmd)
		case <-timeout:
			return
		}
	}
}

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// percentiles reports the 50th and 99th percentile of samples.
func percentiles(b *testing.B, samples []time.Duration, name string) {
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	at := func(p float64) float64 {
		return float64(samples[min(len(samples)-1, int(p*float64(len(samples))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.5), "ms/"+name+"-p50")
	b.ReportMetric(at(0.99), "ms/"+name+"-p99")
}

// BenchmarkFilterKeystroke drives the workstation's own filter path as a
// person types: the same store calls (first page, then the total counted
// in the background, cancelled by the next keystroke), in My queue and
// the Open queue, for a common term and a rare one (a case name from the
// middle of the queue). "key" is the last keystroke of the term, timed
// to its page on screen; "burst" is the whole term (three keystrokes or
// more) typed at once, timed to the final page.
func BenchmarkFilterKeystroke(b *testing.B) {
	for _, n := range demo.FixtureSizes {
		st := openBench(b, n)
		rare := rareTerm(b, st)
		for _, queue := range []string{"mine", "open"} {
			for _, kind := range []string{"common", "rare"} {
				term := map[string]string{"common": "ana", "rare": rare}[kind]
				b.Run(demo.SizeName(n)+"/"+queue+"/"+kind, func(b *testing.B) {
					u, _ := st.User("me")
					m, err := New(st, u, Options{Now: demo.FixtureClock, Clipboard: io.Discard, Renderer: asciiRenderer()})
					if err != nil {
						b.Fatal(err)
					}
					m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
					if queue == "open" {
						m.Update(keyMsg("]"))
						m.Update(keyMsg("]"))
					}
					t := newTypist(m)
					var keys, bursts []time.Duration
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						b.StopTimer()
						t.key(keyMsg("esc"))
						t.drain(5 * time.Millisecond)
						t.key(keyMsg("/"))
						for _, r := range term[:len(term)-1] {
							t.key(runes(string(r)))
							t.settle()
						}
						b.StartTimer()
						began := time.Now()
						t.key(runes(term[len(term)-1:]))
						t.settle()
						keys = append(keys, time.Since(began))
						b.StopTimer()
						t.drain(20 * time.Millisecond) // the count runs, as it would
						t.key(keyMsg("esc"))
						t.drain(5 * time.Millisecond)
						t.key(keyMsg("/"))
						b.StartTimer()
						began = time.Now()
						for _, r := range term {
							t.key(runes(string(r)))
						}
						t.settle()
						bursts = append(bursts, time.Since(began))
					}
					b.StopTimer()
					if len(m.queue.rows) == 0 && queue == "open" {
						b.Fatalf("%q found nothing", term)
					}
					percentiles(b, keys, "key")
					percentiles(b, bursts, "burst")
				})
			}
		}
	}
}

// rareTerm is the name of a case from the middle of My queue: it matches
// itself and the few whose names it starts.
func rareTerm(b *testing.B, st *store.Store) string {
	ids, err := st.IDs(store.Query{Queue: store.QueueMine, Actor: "me"})
	if err != nil || len(ids) == 0 {
		b.Fatalf("My queue: %d cases, %v", len(ids), err)
	}
	c, err := st.Case(ids[len(ids)/2])
	if err != nil {
		b.Fatal(err)
	}
	return strings.ToLower(c.Name)
}

// BenchmarkFilterMemory types 100 filter keystrokes into the Open queue of
// the largest fixture and reports the Go heap and the process's anonymous
// memory afterwards (the file pages a scan touches are the kernel's).
func BenchmarkFilterMemory(b *testing.B) {
	n := demo.FixtureSizes[len(demo.FixtureSizes)-1]
	st := openBench(b, n)
	u, _ := st.User("me")
	terms := []string{"ana", "mar", "case-1", "sato", rareTerm(b, st)}
	for i := 0; i < b.N; i++ {
		m, err := New(st, u, Options{Now: demo.FixtureClock, Clipboard: io.Discard, Renderer: asciiRenderer()})
		if err != nil {
			b.Fatal(err)
		}
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
		m.Update(keyMsg("]"))
		m.Update(keyMsg("]"))
		t := newTypist(m)
		typed := 0
		for typed < 100 {
			for _, term := range terms {
				t.key(keyMsg("esc"))
				t.key(keyMsg("/"))
				for _, r := range term {
					t.key(runes(string(r)))
					typed++
				}
				t.settle()
				t.drain(10 * time.Millisecond)
			}
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
		b.ReportMetric(rssAnonMB(), "anon-MB")
		runtime.KeepAlive(m)
	}
}

// rssAnonMB is the process's resident anonymous memory (Linux), in MB.
func rssAnonMB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return -1
}
