package ui

import (
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/list"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
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
			colour(b)
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
				m, err := New(st, u, Options{Now: demo.FixtureClock, Clipboard: io.Discard})
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

// colour draws in full colour for the benchmark (tests draw plain text),
// so that the cost of styling is counted.
func colour(b *testing.B) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	b.Cleanup(func() { lipgloss.SetColorProfile(termenv.Ascii) })
}

// BenchmarkNavigate is one navigation key (Update and View) in the Open
// queue, against bubbles/list holding the same number of cases.
func BenchmarkNavigate(b *testing.B) {
	for _, n := range demo.FixtureSizes {
		for _, key := range []string{"j", "ctrl+d", "G"} {
			var ours time.Duration
			b.Run(demo.SizeName(n)+"/"+key+"/docket", func(b *testing.B) {
				colour(b)
				st := openBench(b, n)
				u, _ := st.User("me")
				m, err := New(st, u, Options{Now: demo.FixtureClock, Clipboard: io.Discard})
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
				colour(b)
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
		m, err := New(st, u, Options{Now: demo.FixtureClock, Clipboard: io.Discard})
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
