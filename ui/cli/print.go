package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf16"

	"docket/model"
	"docket/store"
	"docket/ui/safe"
)

// caseJSON is the stable JSON shape of a case on the command line. Times
// that are not set are null rather than missing, so scripts can rely on
// every key.
type caseJSON struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Workflow     string            `json:"workflow"`
	Status       string            `json:"status"`
	StatusType   model.StatusType  `json:"status_type"`
	Assignee     *string           `json:"assignee"`
	Assigner     string            `json:"assigner,omitempty"`
	Resolver     string            `json:"resolver,omitempty"`
	Subject      string            `json:"subject,omitempty"`
	Tags         []string          `json:"tags"`
	Fields       json.RawMessage   `json:"fields,omitempty"`
	Objects      []model.ObjectRef `json:"objects"`
	Related      []string          `json:"related,omitempty"`
	Version      int64             `json:"version"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	AssignedAt   *time.Time        `json:"assigned_at"`
	ResolvedAt   *time.Time        `json:"resolved_at"`
	SLAExpiresAt *time.Time        `json:"sla_expires_at"`
	Redacted     bool              `json:"redacted,omitempty"`
}

func toCaseJSON(c *model.Case, d *store.Detail) caseJSON {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	out := caseJSON{ID: c.ID, Name: c.Name, Workflow: c.Workflow, Status: c.Status, StatusType: c.StatusType,
		Assigner: c.Assigner, Resolver: c.Resolver, Subject: c.Subject, Tags: nonNil(c.Tags),
		Fields: c.Fields, Objects: nonNil(c.Objects), Version: c.Version,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, AssignedAt: opt(c.AssignedAt),
		ResolvedAt: opt(c.ResolvedAt), SLAExpiresAt: opt(c.SLAExpiresAt), Redacted: c.Redacted}
	if c.Assignee != "" {
		out.Assignee = &c.Assignee
	}
	if d != nil {
		for _, r := range d.Related {
			out.Related = append(out.Related, r.Name)
		}
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// slaText says how long is left, or how overdue a case is.
func slaText(c *model.Case, now time.Time) string {
	switch {
	case c.SLAExpiresAt.IsZero():
		return "-"
	case !c.Open():
		return "-"
	case c.Overdue(now):
		return "overdue " + model.FormatDuration(now.Sub(c.SLAExpiresAt))
	default:
		return model.FormatDuration(c.SLAExpiresAt.Sub(now))
	}
}

func printCases(w io.Writer, cases []*model.Case, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATUS\tWORKFLOW\tASSIGNEE\tSUBJECT\tSLA\tAGE")
	for _, c := range cases {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", safe.Line(c.Name), c.Status, c.Workflow,
			orDash(c.Assignee), orDash(safe.Line(c.Subject)), slaText(c, now), model.FormatDuration(now.Sub(c.CreatedAt)))
	}
	tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func when(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return fmt.Sprintf("%s (%s)", t.Local().Format("2006-01-02 15:04"), model.Ago(t, now))
}

func printDetail(w io.Writer, d *store.Detail, now time.Time) {
	c := d.Case
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("case", fmt.Sprintf("%s  %s (%s)  workflow %s  version %d", safe.Line(c.Name), c.Status, c.StatusType, c.Workflow, c.Version))
	row("id", safe.Line(c.ID))
	row("subject", orDash(safe.Line(c.Subject)))
	assignee := assigneeText(c.Assignee)
	if c.Assigner != "" {
		assignee += fmt.Sprintf(" by %s %s", safe.Line(c.Assigner), model.Ago(c.AssignedAt, now))
	}
	row("assignee", assignee)
	row("sla", slaText(c, now))
	row("created", when(c.CreatedAt, now))
	row("updated", when(c.UpdatedAt, now))
	if !c.ResolvedAt.IsZero() {
		row("resolved", when(c.ResolvedAt, now)+" by "+orDash(safe.Line(c.Resolver)))
	}
	row("tags", orDash(safe.Line(strings.Join(c.Tags, ", "))))
	for _, o := range d.Objects {
		desc := o.Type + " " + o.ID
		if n := o.PersonName(); n != "" {
			desc += " (" + n + ")"
		}
		if note := model.ObjectNote(o); note != "" {
			desc += " [" + note + "]"
		}
		row("object", safe.Line(desc))
	}
	for _, r := range d.Related {
		row("related", safe.Line(fmt.Sprintf("%s %s %s", r.Name, r.Status, r.Subject)))
	}
	if c.Redacted {
		row("redacted", "yes")
	}
	row("audit", auditText(d))
	tw.Flush()
	fmt.Fprintln(w, "fields:")
	fmt.Fprintln(w, indentJSON(c.Fields))
}

// indentJSON pretty-prints a case's fields for people.
func indentJSON(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return "  " + safe.Line(string(raw))
	}
	b, _ := json.MarshalIndent(v, "  ", "  ")
	return "  " + escapeHidden(string(b))
}

// escapeHidden writes what encoding/json leaves raw in strings but a
// terminal acts on or hides (DEL, C1 controls such as U+009B, format
// characters such as U+202E) as \u escapes: still the same JSON, and the
// reader sees that something is there rather than nothing.
func escapeHidden(s string) string {
	if !strings.ContainsFunc(s, isHidden) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !isHidden(r) {
			b.WriteRune(r)
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&b, `\u%04x`, u)
		}
	}
	return b.String()
}

func isHidden(r rune) bool { return r >= 0x7f && r < 0xa0 || safe.IsFormat(r) }

// auditText says whether the case's hash-chained audit trail verifies.
func auditText(d *store.Detail) string {
	if len(d.Broken) == 0 {
		return fmt.Sprintf("%d events, hash chain verified", len(d.Events))
	}
	return fmt.Sprintf("AUDIT TRAIL DOES NOT VERIFY (%d problems, see case history or docket check)", len(d.Broken))
}

func printHistory(w io.Writer, d *store.Detail, now time.Time) {
	if len(d.Broken) > 0 {
		fmt.Fprintln(w, auditText(d)+":")
		for _, p := range d.Broken {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
	type line struct {
		at   time.Time
		text string
	}
	var lines []line
	for _, e := range d.Events {
		if e.Kind != model.EventCommented { // the comment itself is listed below
			lines = append(lines, line{e.At, eventText(e)})
		}
	}
	for _, c := range d.Comments {
		body := c.Body
		if c.Redacted {
			body = "(redacted)"
		}
		lines = append(lines, line{c.CreatedAt, fmt.Sprintf("%s %s: %s", c.Author, model.DescribeComment(c), body)})
	}
	// Newest first; a stable sort keeps same-time entries in record order.
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].at.After(lines[j].at) })
	for _, l := range lines {
		// A comment keeps its line breaks; each line is cleaned alone.
		for i, text := range strings.Split(safe.Lines(l.text), "\n") {
			if i == 0 {
				fmt.Fprintf(w, "%-16s  %-9s  %s\n", l.at.Local().Format("2006-01-02 15:04"), model.Ago(l.at, now), text)
			} else {
				fmt.Fprintf(w, "%31s%s\n", "", text)
			}
		}
	}
}

func eventText(e model.Event) string { return e.Actor + " " + model.DescribeEvent(e) }
