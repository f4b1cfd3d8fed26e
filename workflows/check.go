package workflows

import (
	"slices"
	"strings"

	"docket/model"
)

// checkStatuses runs the checks that need every status at once. line is
// that of the statuses field, where problems about the list as a whole go.
func (p *parser) checkStatuses(line int, drafts []*draft) {
	p.uniqueNames(drafts)
	p.uniqueKeys(drafts)
	p.resolveFrom(drafts)
	if p.shaky {
		return
	}
	if initial := p.checkTypes(line, drafts); initial != nil {
		p.checkReachable(initial, drafts)
	}
}

// findDraft finds a status by name under Lookup's rules.
func findDraft(drafts []*draft, name string) *draft {
	want := normalize(name)
	for _, d := range drafts {
		if d.Name != "" && normalize(d.Name) == want {
			return d
		}
	}
	return nil
}

func draftNames(drafts []*draft) string {
	var names []string
	for _, d := range drafts {
		if d.Name != "" {
			names = append(names, d.Name)
		}
	}
	return strings.Join(names, ", ")
}

// uniqueNames refuses two statuses that Lookup could not tell apart.
func (p *parser) uniqueNames(drafts []*draft) {
	for i, d := range drafts {
		if d.Name == "" {
			continue
		}
		if first := findDraft(drafts[:i], d.Name); first != nil {
			p.report(d.lineOf("name"), join(d.field, "name"), "%q is the same status as %s (line %d)",
				d.Name, first.Name, first.lineOf("name"))
			p.shaky = true
		}
	}
}

// uniqueKeys refuses a TUI key bound to two statuses.
func (p *parser) uniqueKeys(drafts []*draft) {
	for i, d := range drafts {
		if d.Key == "" {
			continue
		}
		for _, first := range drafts[:i] {
			if first.Key == d.Key {
				p.report(d.lineOf("key"), join(d.field, "key"), "key %q is already used by %s (line %d)",
					d.Key, first.label(), first.lineOf("key"))
				break
			}
		}
	}
}

// resolveFrom turns each from and four_eyes entry into the canonical name
// of the status it names.
func (p *parser) resolveFrom(drafts []*draft) {
	for _, d := range drafts {
		for _, e := range d.from {
			src := findDraft(drafts, e.text)
			switch {
			case src == nil:
				p.report(e.line, e.field, "unknown status %q (statuses: %s)", e.text, draftNames(drafts))
				p.shaky = true
			case src == d:
				p.report(e.line, e.field, "%s cannot be reached from itself", d.Name)
			case !slices.Contains(d.From, src.Name):
				d.From = append(d.From, src.Name)
			}
		}
		for _, e := range d.eyes {
			src := findDraft(drafts, e.text)
			switch {
			case src == nil:
				p.report(e.line, e.field, "unknown status %q (statuses: %s)", e.text, draftNames(drafts))
			case src == d:
				p.report(e.line, e.field, "%s cannot need a second person after itself", d.Name)
			case !slices.Contains(d.FourEyes, src.Name):
				d.FourEyes = append(d.FourEyes, src.Name)
			}
		}
	}
}

// checkTypes wants exactly one initial status and at least one end status.
// It returns the initial status when there is exactly one.
func (p *parser) checkTypes(line int, drafts []*draft) *draft {
	var initial *draft
	ends, initials := 0, 0
	for _, d := range drafts {
		switch d.Type {
		case model.End:
			ends++
		case model.Initial:
			initials++
			if initial != nil {
				p.report(d.lineOf("type"), join(d.field, "type"), "a second initial status; %s (line %d) is already the one cases start in",
					initial.Name, initial.lineOf("type"))
				continue
			}
			initial = d
		}
	}
	if initials == 0 {
		p.report(line, "statuses", "no initial status; mark the status cases start in with type: initial")
	}
	if ends == 0 {
		p.report(line, "statuses", "no end status; mark the statuses that decide a case with type: end")
	}
	if initials != 1 {
		return nil
	}
	return initial
}

// checkReachable follows the from-graph out of the initial status and
// reports every status no case could ever get to.
func (p *parser) checkReachable(initial *draft, drafts []*draft) {
	reached := map[*draft]bool{initial: true}
	queue := []*draft{initial}
	for len(queue) > 0 {
		src := queue[0]
		queue = queue[1:]
		for _, d := range drafts {
			if !reached[d] && leadsTo(&src.Status, &d.Status) {
				reached[d] = true
				queue = append(queue, d)
			}
		}
	}
	for _, d := range drafts {
		if !reached[d] {
			p.report(d.lineOf("name"), d.field, "%s cannot be reached from the initial status %s; check the from lists",
				d.Name, initial.Name)
		}
	}
}

// leadsTo reports whether the from-graph has an edge src -> dst. Reopening
// (moving out of an end status) is left out: it never reaches a status that
// an open case could not reach already.
func leadsTo(src, dst *Status) bool {
	if dst.From != nil {
		return slices.Contains(dst.From, src.Name)
	}
	return src.Type != model.End && src != dst
}
