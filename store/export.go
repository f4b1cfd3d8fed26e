package store

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"docket/model"
	"docket/store/persona"
)

// Export formats.
const (
	// FormatJSONL is Persona JSON lines with docket's extension (see
	// persona.Options): what Import reads back without loss.
	FormatJSONL = "jsonl"
	// FormatPersona is Persona JSON lines in exactly Persona's shape, each
	// line as Persona's GET /cases/{case-id} answers.
	FormatPersona = "persona"
	FormatCSV     = "csv"
)

var csvHeader = []string{"id", "name", "workflow", "status", "status_type", "assignee", "subject",
	"tags", "created_at", "updated_at", "resolved_at", "resolver", "sla_expires_at", "version"}

// Export writes the cases of a query as Persona JSON lines (jsonl, which
// Import reads back, or persona, Persona's own shape) or CSV, and returns
// how many it wrote. q.Actor must be a lead or admin: an export holds every
// case of the queue.
func (s *Store) Export(w io.Writer, format string, q Query) (int, error) {
	if format == "" {
		format = FormatJSONL
	}
	if format != FormatJSONL && format != FormatPersona && format != FormatCSV {
		return 0, model.Invalidf("unknown export format %q (want jsonl, persona or csv)", format)
	}
	if q.Queue == "" {
		q.Queue = QueueAll
	}
	err := s.view(func(x *txn) error {
		u, err := x.actor(q.Actor)
		if err != nil {
			return err
		}
		return model.Authorize(u, model.ActExport, nil)
	})
	if err != nil {
		return 0, err
	}
	q.Sort, q.Limit = SortOldest, 500
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if format == FormatCSV {
		cw.Write(csvHeader)
	}
	opt := persona.Options{Docket: format == FormatJSONL}
	n := 0
	for {
		page, err := s.List(q)
		if err != nil {
			return n, err
		}
		if format == FormatCSV {
			for _, c := range page.Cases {
				cw.Write(csvRow(c))
			}
		} else if err := s.exportPage(bw, page.Cases, opt); err != nil {
			return n, err
		}
		n += len(page.Cases)
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

func csvRow(c *model.Case) []string {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.RFC3339)
	}
	return []string{c.ID, c.Name, c.Workflow, c.Status, string(c.StatusType), c.Assignee, c.Subject,
		strings.Join(c.Tags, ";"), ts(c.CreatedAt), ts(c.UpdatedAt), ts(c.ResolvedAt), c.Resolver,
		ts(c.SLAExpiresAt), fmt.Sprint(c.Version)}
}

// exportPage writes one line per case of a page.
func (s *Store) exportPage(w io.Writer, cases []*model.Case, opt persona.Options) error {
	ids := make([]string, len(cases))
	for i, c := range cases {
		ids[i] = c.ID
	}
	docs, err := s.PersonaDocs(ids, opt)
	if err != nil {
		return err
	}
	for _, d := range docs {
		line, err := persona.EncodeCase(d, opt)
		if err != nil {
			return err
		}
		if _, err := w.Write(append(line, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// personaID is how a user is named in a Persona document: their email when
// known, else their name.
func (x *txn) personaID(name string) string {
	if u, ok, _ := x.user(name); ok && u.Email != "" {
		return u.Email
	}
	return name
}
