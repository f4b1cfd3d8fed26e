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
	FormatJSONL = "jsonl"
	FormatCSV   = "csv"
)

var csvHeader = []string{"id", "name", "workflow", "status", "status_type", "assignee", "subject",
	"tags", "created_at", "updated_at", "resolved_at", "resolver", "sla_expires_at", "version"}

// Export writes the cases of a query as Persona JSON lines (which Import
// reads back) or CSV, and returns how many it wrote. q.Actor must be a lead
// or admin: an export holds every case of the queue.
func (s *Store) Export(w io.Writer, format string, q Query) (int, error) {
	if format == "" {
		format = FormatJSONL
	}
	if format != FormatJSONL && format != FormatCSV {
		return 0, model.Invalidf("unknown export format %q (want jsonl or csv)", format)
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
	n := 0
	for {
		page, err := s.List(q)
		if err != nil {
			return n, err
		}
		for _, c := range page.Cases {
			if format == FormatCSV {
				err = cw.Write(csvRow(c))
			} else {
				err = s.exportCase(bw, c.ID)
			}
			if err != nil {
				return n, err
			}
			n++
		}
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

func (s *Store) exportCase(w io.Writer, id string) error {
	var line []byte
	err := s.view(func(x *txn) error {
		c, err := x.caseByRef(id)
		if err != nil {
			return err
		}
		// Only objects docket has are included; refs to objects it only
		// knows the id of (never included in what was imported) stay refs.
		var objs []*model.Object
		for _, r := range c.Objects {
			o, err := x.object(r.ID)
			if err != nil {
				return err
			}
			if o != nil && !o.RefOnly {
				objs = append(objs, o)
			}
		}
		var comments []model.Comment
		if err := readSeq(x, bComments, c.ID, &comments); err != nil {
			return err
		}
		ids := persona.Ids{Assignee: x.personaID(c.Assignee), Creator: x.personaID(c.Creator),
			Assigner: x.personaID(c.Assigner), Resolver: x.personaID(c.Resolver)}
		for i, cm := range comments {
			if im := cm.Imported; im != nil {
				// What the source said, as it said it.
				comments[i].Author, comments[i].CreatedAt = im.Author, im.At
			} else {
				comments[i].Author = x.personaID(cm.Author)
			}
		}
		line, err = persona.Encode(c, ids, objs, comments)
		return err
	})
	if err != nil {
		return err
	}
	_, err = w.Write(append(line, '\n'))
	return err
}

// personaID is how a user is named in a Persona document: their email when
// known, else their name.
func (x *txn) personaID(name string) string {
	if u, ok, _ := x.user(name); ok && u.Email != "" {
		return u.Email
	}
	return name
}
