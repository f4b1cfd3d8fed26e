package jsontree

import (
	"fmt"
	"strings"
	"testing"
)

// bigDoc builds an enrichment document of about size bytes: a few small
// sections and one long array of transactions, each a nested object.
func bigDoc(size int) []byte {
	var sb strings.Builder
	sb.Grow(size + 1024)
	sb.WriteString(`{"customer":{"name":"Jane \"JD\" Doe","id":"cus_123","since":"2019-04-01"},`)
	sb.WriteString(`"risk":{"score":0.93,"signals":["velocity","new_device","vpn"],"level":"high"},`)
	sb.WriteString(`"transactions":{"count":12345678901234567890,"recent":[`)
	for i := 0; sb.Len() < size; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":"txn_%08d","amount":%d.%02d,"currency":"EUR","at":"2024-05-%02dT10:%02d:00Z",`+
			`"merchant":{"name":"Caf\u00e9 N\u00ba %d","mcc":"5812","country":"FR"},`+
			`"tags":["card","online","t%d"],"flags":{"3ds":true,"refund":false,"note":null}}`,
			i, i%5000, i%100, 1+i%28, i%60, i, i%7)
	}
	sb.WriteString(`]}}`)
	return []byte(sb.String())
}

const benchSize = 10 << 20

func openBig(b *testing.B) Model {
	b.Helper()
	m, err := New(bigDoc(benchSize), DefaultKeyMap())
	if err != nil {
		b.Fatal(err)
	}
	m.SetSize(120, 40)
	return m
}

// BenchmarkOpen10MB: parse, size and first draw (target ≤ 100 ms).
func BenchmarkOpen10MB(b *testing.B) {
	raw := bigDoc(benchSize)
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	var m Model
	for b.Loop() {
		var err error
		m, err = New(raw, DefaultKeyMap())
		if err != nil {
			b.Fatal(err)
		}
		m.SetSize(120, 40)
		_ = m.View()
	}
	b.ReportMetric(float64(len(m.d.nodes)), "nodes")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/open")
}

// BenchmarkScroll10MB: one movement key and a redraw, through the 40,000
// unfolded transactions (target ≤ 2 ms).
func BenchmarkScroll10MB(b *testing.B) {
	m := openBig(b)
	m = press(m, "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "l") // unfold transactions.recent
	b.ReportMetric(float64(m.Lines()), "lines")
	keys := []string{"j", "j", "pgdown", "ctrl+d", "k"}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m, _ = m.Update(keyMsg(keys[i%len(keys)]))
		_ = m.View()
		i++
	}
}

// BenchmarkToggle10MB: folding or unfolding the 40,000-item array (every
// line below it moves) and a redraw (target ≤ 2 ms).
func BenchmarkToggle10MB(b *testing.B) {
	m := openBig(b)
	m = press(m, "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j")
	if m.Path() != ".transactions.recent" {
		b.Fatalf("cursor on %s", m.Path())
	}
	b.ResetTimer()
	for b.Loop() {
		m, _ = m.Update(keyMsg("enter"))
		_ = m.View()
	}
}

// BenchmarkExpandAll10MB and BenchmarkSearch10MB are for information: they
// touch every node.
func BenchmarkExpandAll10MB(b *testing.B) {
	m := openBig(b)
	b.ResetTimer()
	for b.Loop() {
		m = press(m, "+")
		_ = m.View()
		m = press(m, "-")
	}
}

func BenchmarkSearch10MB(b *testing.B) {
	m := openBig(b)
	b.ResetTimer()
	for b.Loop() {
		m = press(m, "/", "caf", "esc")
	}
}
