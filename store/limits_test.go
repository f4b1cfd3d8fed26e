package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"docket/model"
	"docket/workflows"
)

// The limits: at most MaxTags tags a case, maxTagLen bytes a tag, and
// model.DefaultMaxCaseBytes for a comment, a fields patch (and the fields it
// makes), an attached object and an imported document. Each write is
// tried on its largest allowed input, which must work, and on one more,
// which must be refused and change nothing. How long each takes is
// BenchmarkMaximalOps's to report.

// tagList is n distinct tags.
func tagList(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("tag-%d", i)
	}
	return out
}

// padded is prefix, then x up to size bytes with suffix, then suffix.
func padded(prefix string, size int, suffix string) string {
	return prefix + strings.Repeat("x", size-len(prefix)-len(suffix)) + suffix
}

// tagging is a workflow whose Flagged status tags the case.
const tagging = `id: tagging
name: Tagging
key: TAG
statuses:
  - name: Open
    type: initial
  - name: Flagged
    type: intermediate
    on_enter:
      tags: [flagged]
  - name: Done
    type: end
`

func TestLimits(t *testing.T) {
	limit := model.DefaultMaxCaseBytes
	w, err := workflows.Parse("tagging.yaml", []byte(tagging))
	must(t, err)
	s, _ := newStore(t)
	must(t, s.LoadWorkflow("ada", w))
	blank := func() Target {
		c, err := s.CreateCase("lena", NewCase{Workflow: "default", Assignee: "ravi"})
		must(t, err)
		return Target{Actor: "ravi", Case: c.Name}
	}
	full := func() Target {
		tg := blank()
		_, err := s.SetTags(tg, tagList(MaxTags))
		must(t, err)
		return tg
	}
	object := func(size int) *model.Object {
		o := inquiry("inq_big", "A", "B")
		o.Attributes = []byte(padded(`{"name-first":"`, size, `"}`))
		return o
	}
	// importDoc imports one case with tags, its document padded to size
	// bytes (0: no padding).
	importDoc := func(tags []string, size int) error {
		prefix := `{"data":{"type":"case","id":"case_lim` + fmt.Sprintf("%d-%d", size, len(tags)) + `","attributes":{"status":"Open",` +
			`"created-at":"2026-01-01T00:00:00Z","updated-at":"2026-01-01T00:00:00Z","tags":["` + strings.Join(tags, `","`) +
			`"],"fields":{"note":{"type":"string","value":"`
		suffix := `"}}}}}`
		doc := padded(prefix, max(size, len(prefix)+len(suffix)), suffix)
		path := filepath.Join(t.TempDir(), "cases.jsonl")
		must(t, os.WriteFile(path, []byte(doc+"\n"), 0o600))
		_, err := s.Import([]Source{src(path)}, ImportOptions{Actor: "ada"})
		return err
	}
	// over sets up what the refused write needs and returns that write.
	tests := []struct {
		name       string
		maximal    func() error
		over       func() func() error
		overRefuse string
	}{
		{"create with tags",
			func() error { return ok(s.CreateCase("lena", NewCase{Workflow: "default", Tags: tagList(MaxTags)})) },
			func() func() error {
				return func() error {
					return ok(s.CreateCase("lena", NewCase{Workflow: "default", Tags: tagList(MaxTags + 1)}))
				}
			},
			"more than 100 tags (101 given)"},
		{"tag",
			func() error { return ok(s.Tag(blank(), tagList(MaxTags), nil)) },
			func() func() error {
				tg := full()
				return func() error { return ok(s.Tag(tg, []string{"one-more"}, nil)) }
			},
			"would carry 101 tags; a case may carry at most 100"},
		{"tag with 100,000 tags",
			func() error { return ok(s.Tag(full(), nil, tagList(100_000))) },
			func() func() error {
				tg := blank()
				return func() error { return ok(s.Tag(tg, tagList(100_000), nil)) }
			},
			"more than 100 tags (100000 given)"},
		{"set tags",
			func() error { return ok(s.SetTags(blank(), tagList(MaxTags))) },
			func() func() error {
				tg := blank()
				return func() error { return ok(s.SetTags(tg, tagList(MaxTags+1))) }
			},
			"more than 100 tags"},
		{"bulk tag",
			func() error {
				r, err := s.BulkTag("lena", []string{blank().Case, blank().Case}, tagList(MaxTags), nil)
				if err == nil && len(r.Changed) != 2 {
					err = fmt.Errorf("bulk: %+v", r)
				}
				return err
			},
			func() func() error {
				refs := []string{full().Case, full().Case}
				return func() error {
					r, err := s.BulkTag("lena", refs, []string{"one-more"}, nil)
					if err == nil && len(r.Refused) == 2 {
						err = model.Invalidf("%s", r.Refused[0].Reason)
					}
					return err
				}
			},
			"would carry 101 tags"},
		{"status that tags",
			func() error {
				c, err := s.CreateCase("lena", NewCase{Workflow: "tagging", Assignee: "ravi", Tags: tagList(MaxTags - 1)})
				must(t, err)
				return ok(s.SetStatus(Target{Actor: "ravi", Case: c.Name}, StatusChange{Status: "Flagged"}))
			},
			func() func() error {
				c, err := s.CreateCase("lena", NewCase{Workflow: "tagging", Assignee: "ravi", Tags: tagList(MaxTags)})
				must(t, err)
				return func() error {
					return ok(s.SetStatus(Target{Actor: "ravi", Case: c.Name}, StatusChange{Status: "Flagged"}))
				}
			},
			"would then carry 101 tags"},
		{"tag length",
			func() error { return ok(s.Tag(blank(), []string{strings.Repeat("t", maxTagLen)}, nil)) },
			func() func() error {
				tg := blank()
				return func() error { return ok(s.Tag(tg, []string{strings.Repeat("t", maxTagLen+1)}, nil)) }
			},
			"longer than 64 characters"},
		{"import with tags",
			func() error { return importDoc(tagList(MaxTags), 0) },
			func() func() error { return func() error { return importDoc(tagList(MaxTags+1), 1) } },
			"cases.jsonl:1: data.attributes.tags: more than 100 tags"},
		{"comment",
			func() error { return ok(s.Comment(blank(), strings.Repeat("c", limit))) },
			func() func() error {
				tg := blank()
				return func() error { return ok(s.Comment(tg, strings.Repeat("c", limit+1))) }
			},
			"the comment is 16.0 MB, over the limit"},
		{"fields patch",
			func() error { return ok(s.UpdateFields(blank(), []byte(padded(`{"note":"`, limit, `"}`)))) },
			func() func() error {
				tg := blank()
				return func() error { return ok(s.UpdateFields(tg, []byte(padded(`{"note":"`, limit+1, `"}`)))) }
			},
			"the patch is 16.0 MB, over the limit"},
		{"attach",
			func() error { return ok(s.Attach(blank(), object(limit))) },
			func() func() error {
				tg := blank()
				return func() error { return ok(s.Attach(tg, object(limit+1))) }
			},
			"object inq_big is 16.0 MB, over the limit"},
		{"import a document",
			func() error { return importDoc(nil, limit) },
			func() func() error { return func() error { return importDoc(nil, limit+1) } },
			"cases.jsonl:1: the document is 16.0 MB, over the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.maximal(); err != nil {
				t.Fatalf("the largest allowed input was refused: %v", err)
			}
			write := tt.over()
			before := snapshot(t, s)
			err := write()
			if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), tt.overRefuse) {
				t.Fatalf("one over the limit: %v; want a refusal saying %q", err, tt.overRefuse)
			}
			sameSnapshot(t, before, snapshot(t, s))
		})
	}
}

// TestBulkCommitsInChunks: a bulk over more cases than one chunk takes
// reaches every case, in order, each checked on its own (one, in the second
// chunk, is already where the bulk would move it).
func TestBulkCommitsInChunks(t *testing.T) {
	s, _ := newStore(t)
	var docs, refs []string
	for i := 0; i < 2*bulkChunk+50; i++ {
		id := fmt.Sprintf("case_bulk%04d", i)
		docs = append(docs, caseDoc(id, fmt.Sprintf("BULK-%d", i), "Open", "2024-01-02T00:00:00Z", ""))
		refs = append(refs, id)
	}
	_, err := s.Import([]Source{src(writeLines(t, docs...))}, ImportOptions{Actor: "ada"})
	must(t, err)
	_, err = s.SetStatus(Target{Actor: "ada", Case: refs[bulkChunk+7]}, StatusChange{Status: "Pending"})
	must(t, err)
	res, err := s.BulkStatus("lena", refs, StatusChange{Status: "Pending"})
	must(t, err)
	if len(res.Changed) != len(refs)-1 || len(res.Refused) != 1 || res.Refused[0].Case != fmt.Sprintf("BULK-%d", bulkChunk+7) {
		t.Fatalf("changed %d, unchanged %v, refused %v", len(res.Changed), res.Unchanged, res.Refused)
	}
	if res.Changed[0] != "BULK-0" || res.Changed[len(res.Changed)-1] != fmt.Sprintf("BULK-%d", len(refs)-1) {
		t.Fatalf("out of order: %s … %s", res.Changed[0], res.Changed[len(res.Changed)-1])
	}
}

// BenchmarkMaximalOps times each write on its largest allowed input (and the
// old worst case, 100,000 tags, now refused): ms/op is the whole operation,
// ms/longest-wait the longest a small write made meanwhile waited, which is
// how long the operation held the write lock at a stretch. Neither should
// come near a second (a bulk commits in chunks, so its wait stays short
// however many cases it takes).
//
//	go test -run '^$' -bench MaximalOps -benchtime 5x ./store/
func BenchmarkMaximalOps(b *testing.B) {
	limit := model.DefaultMaxCaseBytes
	ops := []struct {
		name string
		// prepare sets up one operation, untimed, and returns it.
		prepare func(b *testing.B, s *Store, i int) func() error
	}{
		{"create-100-tags", func(b *testing.B, s *Store, i int) func() error {
			return func() error { return ok(s.CreateCase("lena", NewCase{Workflow: "default", Tags: tagList(MaxTags)})) }
		}},
		{"tag-100-tags", func(b *testing.B, s *Store, i int) func() error {
			tg := blankCase(b, s)
			return func() error { return ok(s.Tag(tg, tagList(MaxTags), nil)) }
		}},
		{"tag-100000-tags-refused", func(b *testing.B, s *Store, i int) func() error {
			tg, tags := blankCase(b, s), tagList(100_000)
			return func() error { return refusedOp(s.Tag(tg, tags, nil)) }
		}},
		{"untag-100000-of-100", func(b *testing.B, s *Store, i int) func() error {
			tg, tags := blankCase(b, s), tagList(100_000)
			if _, err := s.SetTags(tg, tagList(MaxTags)); err != nil {
				b.Fatal(err)
			}
			return func() error { return ok(s.Tag(tg, nil, tags)) }
		}},
		{"set-tags-100-tags", func(b *testing.B, s *Store, i int) func() error {
			tg := blankCase(b, s)
			return func() error { return ok(s.SetTags(tg, tagList(MaxTags))) }
		}},
		{"bulk-tag-100-tags-1000-cases", func(b *testing.B, s *Store, i int) func() error {
			refs := make([]string, 1000)
			for j := range refs {
				refs[j] = blankCase(b, s).Case
			}
			return func() error { _, err := s.BulkTag("lena", refs, tagList(MaxTags), nil); return err }
		}},
		{"comment-16MB", func(b *testing.B, s *Store, i int) func() error {
			tg, body := blankCase(b, s), strings.Repeat("c", limit)
			return func() error { return ok(s.Comment(tg, body)) }
		}},
		{"enrich-16MB", func(b *testing.B, s *Store, i int) func() error {
			tg, patch := blankCase(b, s), []byte(padded(`{"note":"`, limit, `"}`))
			return func() error { return ok(s.UpdateFields(tg, patch)) }
		}},
		{"attach-16MB", func(b *testing.B, s *Store, i int) func() error {
			tg, o := blankCase(b, s), inquiry(fmt.Sprintf("inq_big%d", i), "A", "B")
			o.Attributes = []byte(padded(`{"name-first":"`, limit, `"}`))
			return func() error { return ok(s.Attach(tg, o)) }
		}},
		{"import-16MB-document", func(b *testing.B, s *Store, i int) func() error {
			doc := padded(fmt.Sprintf(`{"data":{"type":"case","id":"case_big%d","attributes":{"status":"Open",`+
				`"created-at":"2026-01-01T00:00:00Z","updated-at":"2026-01-01T00:00:00Z","fields":{"note":{"type":"string","value":"`, i),
				limit, `"}}}}}`)
			path := filepath.Join(b.TempDir(), "big.jsonl")
			if err := os.WriteFile(path, []byte(doc+"\n"), 0o600); err != nil {
				b.Fatal(err)
			}
			return func() error {
				_, err := s.Import([]Source{{Name: "big.jsonl", Path: path}}, ImportOptions{Actor: "ada"})
				return err
			}
		}},
	}
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			s, _ := newStore(b)
			side := blankCase(b, s)
			var spent, longest time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				run := op.prepare(b, s, i)
				b.StartTimer()
				stop, waited := waitsOf(s, side)
				began := time.Now()
				if err := run(); err != nil {
					b.Fatal(err)
				}
				spent += time.Since(began)
				close(stop)
				longest = max(longest, <-waited)
			}
			b.ReportMetric(float64(spent.Microseconds())/1000/float64(b.N), "ms/op")
			b.ReportMetric(float64(longest.Microseconds())/1000, "ms/longest-wait")
		})
	}
}

// waitsOf writes small comments on case tg, one after the other, until stop
// is closed, and then sends the longest any of them took: how long another
// writer waited for the write lock while the operation ran.
func waitsOf(s *Store, tg Target) (stop chan struct{}, longest chan time.Duration) {
	stop, longest = make(chan struct{}), make(chan time.Duration, 1)
	go func() {
		var worst time.Duration
		for {
			select {
			case <-stop:
				longest <- worst
				return
			default:
			}
			began := time.Now()
			s.Comment(tg, "waiting")
			worst = max(worst, time.Since(began))
		}
	}()
	return stop, longest
}

func ok(_ *model.Case, err error) error { return err }

// refusedOp turns the expected refusal into success.
func refusedOp(_ *model.Case, err error) error {
	if errors.Is(err, model.ErrInvalid) {
		return nil
	}
	return fmt.Errorf("want a refusal, got %v", err)
}

func blankCase(tb testing.TB, s *Store) Target {
	c, err := s.CreateCase("lena", NewCase{Workflow: "default", Assignee: "ravi"})
	if err != nil {
		tb.Fatal(err)
	}
	return Target{Actor: "ravi", Case: c.Name}
}
