package workflows

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"docket/model"
)

var (
	idPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	caseKeyPattern = regexp.MustCompile(`^[A-Z][A-Z0-9]{0,9}$`)
	yamlLinePrefix = regexp.MustCompile(`^line (\d+): `)
)

// The fields a file may hold. Anything else is most likely a typo, so it is
// reported rather than ignored.
var (
	topFields        = []string{"id", "name", "key", "sla", "persona_template_id", "reopen", "assignment", "statuses"}
	statusFields     = []string{"name", "type", "key", "from", "require_comment", "reasons", "require_reason", "roles", "teams", "four_eyes", "on_enter"}
	assignmentFields = []string{"policy", "teams", "max_open"}
	effectFields     = []string{"assign", "sla", "tags"}
)

// maxNameLen keeps names short enough for a TUI column.
const maxNameLen = 64

// MaxFileBytes bounds a workflow file: a real one is a few kilobytes, and
// the YAML parser takes seconds over a huge one before it could refuse it.
const MaxFileBytes = 1 << 20

// ParseFile reads and parses the workflow file at path. A file that cannot
// be read gives the error from the operating system.
func ParseFile(path string) (*Workflow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse reads and validates a workflow. file names the source in messages.
// On failure the error is a *ValidationError holding every problem found.
func Parse(file string, data []byte) (*Workflow, error) {
	return parse(&parser{file: file}, data)
}

// ParseStored reads a workflow a database holds: as Parse, without the
// character checks on names and reason codes added after such workflows
// could already be loaded (the command line sanitises what it prints).
func ParseStored(name string, data []byte) (*Workflow, error) {
	return parse(&parser{file: name, stored: true}, data)
}

func parse(p *parser, data []byte) (*Workflow, error) {
	p.lines = bytes.Count(data, []byte("\n")) + 1
	if len(data) > MaxFileBytes {
		p.report(0, "", "the file is %d bytes; a workflow file may be at most %d", len(data), MaxFileBytes)
		return nil, &ValidationError{Problems: p.problems}
	}
	w := p.workflow(data)
	if len(p.problems) > 0 {
		slices.SortStableFunc(p.problems, func(a, b Problem) int { return a.Line - b.Line })
		return nil, &ValidationError{Problems: p.problems}
	}
	return w, nil
}

// parser collects problems while it walks the YAML tree. It reads from
// yaml.Node rather than decoding into a struct so that every value keeps its
// line and unknown fields can be told apart from misspelt ones.
type parser struct {
	file     string
	lines    int // in the file, counting the one after a final newline
	problems []Problem
	// shaky is set when a status, or its name, type or from entry, could
	// not be read. The checks over all statuses together are then skipped,
	// because they would only repeat the same mistake more confusingly.
	shaky bool
	// stored is set for a workflow read back from a database (see hidden).
	stored bool
}

// report adds a problem. yaml.v3 places the empty value of a document that
// ends early ("---" alone) on the line after the last, so lines are kept
// within the file.
func (p *parser) report(line int, field, format string, args ...any) {
	line = min(line, p.lines)
	p.problems = append(p.problems, Problem{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// draft is a status as read, with the lines later checks point at.
type draft struct {
	Status
	field string         // path such as "statuses[2]"
	line  int            // where the status starts
	lines map[string]int // field name -> line
	from  []entry        // raw from entries, resolved once every name is known
	eyes  []entry        // raw four_eyes entries, resolved likewise
}

// lineOf gives the line of one of the status's fields, or of the status.
func (d *draft) lineOf(key string) int {
	if l, ok := d.lines[key]; ok {
		return l
	}
	return d.line
}

// label names the status in messages, even when its name is missing.
func (d *draft) label() string {
	if d.Name == "" {
		return d.field
	}
	return d.Name
}

// entry is one item of a list of words, kept with its place.
type entry struct {
	text  string
	line  int
	field string
}

// workflow reads the whole file. The result is only meaningful when no
// problem was reported.
func (p *parser) workflow(data []byte) *Workflow {
	w := &Workflow{File: p.file, Source: bytes.Clone(data), Reopen: []model.Role{model.RoleLead},
		Assignment: Assignment{Policy: PolicyManual}}
	root := p.document(data)
	if root == nil {
		return w
	}
	var drafts []*draft
	seen := p.fields(root, "", topFields, func(key string, v *yaml.Node) {
		switch key {
		case "id":
			w.ID = p.pattern(v, key, idPattern, "use lower-case letters, digits and dashes, e.g. two-team")
		case "name":
			w.Name = p.name(v, key)
		case "key":
			w.Key = p.pattern(v, key, caseKeyPattern, "use a capital letter then up to 9 capitals or digits, e.g. KYC")
		case "sla":
			w.SLA = p.duration(v, key)
		case "persona_template_id":
			w.PersonaTemplateID, _ = p.text(v, key)
		case "reopen":
			w.Reopen = p.reopen(v, key)
		case "assignment":
			w.Assignment = p.assignment(v, key)
		case "statuses":
			drafts = p.statuses(v)
		}
	})
	p.requireTop(root, seen)
	if len(drafts) > 0 {
		p.checkStatuses(seen["statuses"], drafts)
	}
	for _, d := range drafts {
		w.Statuses = append(w.Statuses, d.Status)
	}
	return w
}

// requireTop reports the top-level fields every workflow needs.
func (p *parser) requireTop(root *yaml.Node, seen map[string]int) {
	hints := []struct{ field, hint string }{
		{"id", "missing; give the workflow an id such as two-team"},
		{"name", "missing; give the workflow a name reviewers see"},
		{"key", "missing; give the prefix of case names, such as KYC"},
		{"statuses", "missing; list the statuses, with one initial and at least one end status"},
	}
	for _, h := range hints {
		if _, ok := seen[h.field]; !ok {
			p.report(root.Line, h.field, "%s", h.hint)
		}
	}
}

// document decodes the YAML and returns its top mapping, or nil after
// reporting why there is none.
func (p *parser) document(data []byte) *yaml.Node {
	if len(bytes.TrimSpace(data)) == 0 {
		p.report(1, "", "the file is empty; a workflow needs id, name, key and statuses")
		return nil
	}
	var doc, second yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		line, msg := yamlErrorLine(err)
		p.report(line, "", "not valid YAML: %s", msg)
		return nil
	}
	// A second document would otherwise be dropped without a word.
	if err := dec.Decode(&second); err == nil {
		p.report(second.Line, "", "a second YAML document (after ---); one workflow per file")
		return nil
	} else if !errors.Is(err, io.EOF) {
		line, msg := yamlErrorLine(err)
		p.report(line, "", "not valid YAML: %s", msg)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		p.report(1, "", "the file holds only comments; a workflow needs id, name, key and statuses")
		return nil
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.report(root.Line, "", "want a mapping with id, name, key and statuses, got %s", describe(root))
		return nil
	}
	return root
}

// yamlErrorLine pulls the line out of a yaml.v3 syntax error ("yaml: line 3:
// did not find expected key"). Errors without one are put on line 1.
func yamlErrorLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLinePrefix.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line, msg[len(m[0]):]
	}
	return 1, msg
}

// fields walks a mapping's pairs, reporting unknown and repeated keys, and
// hands each known one to set. It returns the line of each key present.
func (p *parser) fields(m *yaml.Node, path string, known []string, set func(key string, v *yaml.Node)) map[string]int {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), resolve(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.report(k.Line, path, "field names must be plain words, got %s", describe(k))
			continue
		}
		field := join(path, k.Value)
		if !slices.Contains(known, k.Value) {
			p.report(k.Line, field, "unknown field (known fields: %s)", strings.Join(known, ", "))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.report(k.Line, field, "given twice (first at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		set(k.Value, v)
	}
	return seen
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// resolve follows YAML aliases (*anchor) to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// describe names a value's shape for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case isNull(n):
		return "nothing"
	case n.Kind == yaml.ScalarNode:
		return strconv.Quote(shorten(n.Value))
	}
	return "something else"
}

// shorten keeps messages to one readable line when a value is long (say,
// when the file given is not a workflow at all).
func shorten(s string) string {
	const max = 40
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

// text reads a single value. Null reads as "". ok is false, after a
// report, when the value is a list or mapping.
func (p *parser) text(v *yaml.Node, field string) (s string, ok bool) {
	if v.Kind != yaml.ScalarNode {
		p.report(v.Line, field, "want a single value, got %s", describe(v))
		return "", false
	}
	if isNull(v) {
		return "", true
	}
	return v.Value, true
}

// pattern reads a required value that must match re.
func (p *parser) pattern(v *yaml.Node, field string, re *regexp.Regexp, hint string) string {
	s, ok := p.text(v, field)
	switch {
	case !ok:
		return ""
	case s == "":
		p.report(v.Line, field, "is empty; %s", hint)
		return ""
	case !re.MatchString(s):
		p.report(v.Line, field, "%q is not valid; %s", s, hint)
		return ""
	}
	return s
}

// name reads a required display name: the workflow's or a status's.
func (p *parser) name(v *yaml.Node, field string) string {
	s, ok := p.text(v, field)
	s = strings.TrimSpace(s)
	switch {
	case !ok:
		return ""
	case s == "":
		p.report(v.Line, field, "is empty")
		return ""
	case normalize(s) == "":
		p.report(v.Line, field, "%q needs a letter or digit", s)
		return ""
	case len(s) > maxNameLen:
		p.report(v.Line, field, "is longer than %d characters", maxNameLen)
		return ""
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		p.report(v.Line, field, "may not contain control characters")
		return ""
	case p.hidden(s, v.Line, field):
		return ""
	}
	return s
}

// hidden reports (and says so in a problem) text holding a character that
// does not show for what it is: a format character such as a zero-width
// space or a bidirectional override, or an unassigned code point. Names and
// reason codes are printed to reviewers and compared by eye. Workflows read
// back from a database skip it: they were accepted before this check, and
// refusing them now would keep the database from opening.
func (p *parser) hidden(s string, line int, field string) bool {
	if p.stored {
		return false
	}
	i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) })
	if i < 0 {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	p.report(line, field, "%q contains %U, an invisible, control or formatting character", s, r)
	return true
}

func (p *parser) duration(v *yaml.Node, field string) time.Duration {
	s, ok := p.text(v, field)
	if !ok || strings.TrimSpace(s) == "" {
		return 0
	}
	d, err := model.ParseDuration(s)
	if err != nil {
		p.report(v.Line, field, "%v", err)
	}
	return d
}

func (p *parser) boolean(v *yaml.Node, field string) bool {
	if isNull(v) {
		return false
	}
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
		b, _ := strconv.ParseBool(v.Value)
		return b
	}
	p.report(v.Line, field, "want true or false, got %s", describe(v))
	return false
}

// words reads a list of single values, such as [Open, Pending]. Null reads
// as an empty list.
func (p *parser) words(v *yaml.Node, field string) []entry {
	switch {
	case isNull(v):
		return nil
	case v.Kind == yaml.ScalarNode:
		p.report(v.Line, field, "want a list, got %s; write [%s]", describe(v), v.Value)
		return nil
	case v.Kind != yaml.SequenceNode:
		p.report(v.Line, field, "want a list, got %s", describe(v))
		return nil
	}
	var out []entry
	for i, item := range v.Content {
		item = resolve(item)
		f := fmt.Sprintf("%s[%d]", field, i)
		s, ok := p.text(item, f)
		s = strings.TrimSpace(s)
		if ok && s == "" {
			p.report(item.Line, f, "is empty")
		}
		if s != "" {
			out = append(out, entry{text: s, line: item.Line, field: f})
		}
	}
	return out
}

func texts(es []entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.text)
	}
	return out
}

func (p *parser) roles(v *yaml.Node, field string) []model.Role {
	var out []model.Role
	for _, e := range p.words(v, field) {
		r, err := model.ParseRole(e.text)
		if err != nil {
			p.report(e.line, e.field, "%v", err)
			continue
		}
		out = append(out, r)
	}
	return out
}

// reopen reads who may reopen decided cases. An empty list is refused
// rather than read as "nobody": it is too easy to write by accident, and a
// workflow that wants it can say [admin].
func (p *parser) reopen(v *yaml.Node, field string) []model.Role {
	if isNull(v) {
		return []model.Role{model.RoleLead}
	}
	if v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
		p.report(v.Line, field, "is empty; leave it out to let leads reopen, or list roles such as [admin]")
	}
	return p.roles(v, field)
}

func (p *parser) statuses(v *yaml.Node) []*draft {
	if isNull(v) || (v.Kind == yaml.SequenceNode && len(v.Content) == 0) {
		p.report(v.Line, "statuses", "no statuses; list them, with one initial and at least one end status")
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		p.report(v.Line, "statuses", "want a list of statuses, got %s", describe(v))
		return nil
	}
	var drafts []*draft
	for i, item := range v.Content {
		item = resolve(item)
		field := fmt.Sprintf("statuses[%d]", i)
		if item.Kind != yaml.MappingNode {
			p.report(item.Line, field, "want a status (a mapping with name and type), got %s", describe(item))
			p.shaky = true
			continue
		}
		drafts = append(drafts, p.status(item, field))
	}
	return drafts
}

// status reads one status. A status without a type is intermediate.
func (p *parser) status(m *yaml.Node, field string) *draft {
	d := &draft{field: field, line: m.Line, Status: Status{Type: model.Intermediate}}
	d.lines = p.fields(m, field, statusFields, func(key string, v *yaml.Node) {
		f := join(field, key)
		switch key {
		case "name":
			d.Name = p.name(v, f)
			p.shaky = p.shaky || d.Name == ""
		case "type":
			d.Type = p.statusType(v, f)
		case "key":
			d.Key = p.tuiKey(v, f)
		case "from":
			d.from = p.from(v, f)
		case "require_comment":
			d.RequireComment = p.boolean(v, f)
		case "reasons":
			d.Reasons = p.reasons(v, f)
		case "require_reason":
			d.RequireReason = p.boolean(v, f)
		case "roles":
			d.Roles = p.roles(v, f)
		case "teams":
			d.Teams = texts(p.words(v, f))
		case "four_eyes":
			d.eyes = p.words(v, f)
		case "on_enter":
			d.OnEnter = p.effects(v, f)
		}
	})
	if _, ok := d.lines["name"]; !ok {
		p.report(m.Line, join(field, "name"), "missing; every status needs a name")
		p.shaky = true
	}
	if d.RequireReason && len(d.Reasons) == 0 {
		p.report(d.lineOf("require_reason"), join(field, "require_reason"), "is true but the status lists no reasons to pick from")
	}
	return d
}

func (p *parser) statusType(v *yaml.Node, field string) model.StatusType {
	s, ok := p.text(v, field)
	t := model.StatusType(strings.ToLower(strings.TrimSpace(s)))
	switch {
	case t == model.Initial, t == model.Intermediate, t == model.End:
		return t
	case ok:
		p.report(v.Line, field, "unknown type %q (want initial, intermediate or end)", s)
	}
	p.shaky = true
	return model.Intermediate
}

// tuiKey reads the key that picks the status in the TUI: one printable
// character ("A") or a key name ("ctrl+a"), never containing a space.
func (p *parser) tuiKey(v *yaml.Node, field string) string {
	s, ok := p.text(v, field)
	if !ok || s == "" {
		return ""
	}
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }) >= 0 {
		p.report(v.Line, field, "%q is not a key; use one printable character such as A, or a key name without spaces such as ctrl+a", s)
		return ""
	}
	return s
}

// from reads the raw from list. An empty list is refused: "reachable from
// nowhere" is never what an author means, and leaving the field out already
// says "from any open status".
func (p *parser) from(v *yaml.Node, field string) []entry {
	if v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
		p.report(v.Line, field, "is empty; leave it out to allow any status that is not an end status")
	}
	es := p.words(v, field)
	if len(es) == 0 && !isNull(v) {
		p.shaky = true
	}
	return es
}

// reasons reads the reason codes a reviewer picks from: short visible text
// ("fraud", "documents not provided"), each once.
func (p *parser) reasons(v *yaml.Node, field string) []string {
	var out []string
	for _, e := range p.words(v, field) {
		if len(e.text) > maxNameLen && !p.stored {
			p.report(e.line, e.field, "reason %q is longer than %d characters", shorten(e.text), maxNameLen)
			continue
		}
		if p.hidden(e.text, e.line, e.field) {
			continue
		}
		if slices.ContainsFunc(out, func(r string) bool { return strings.EqualFold(r, e.text) }) {
			p.report(e.line, e.field, "reason %q is listed twice", e.text)
			continue
		}
		out = append(out, e.text)
	}
	return out
}

// assignment reads the assignment block.
func (p *parser) assignment(v *yaml.Node, field string) Assignment {
	a := Assignment{Policy: PolicyManual}
	if isNull(v) {
		return a
	}
	if v.Kind != yaml.MappingNode {
		p.report(v.Line, field, "want a mapping with policy, teams and max_open, got %s", describe(v))
		return a
	}
	p.fields(v, field, assignmentFields, func(key string, n *yaml.Node) {
		f := join(field, key)
		switch key {
		case "policy":
			s, _ := p.text(n, f)
			switch s = strings.ToLower(strings.TrimSpace(s)); s {
			case PolicyManual, PolicyRoundRobin, PolicyFewestOpen:
				a.Policy = s
			default:
				p.report(n.Line, f, "unknown policy %q (want manual, round-robin or fewest-open)", s)
			}
		case "teams":
			a.Teams = texts(p.words(n, f))
		case "max_open":
			s, _ := p.text(n, f)
			if m, err := strconv.Atoi(strings.TrimSpace(s)); err != nil || m < 1 {
				p.report(n.Line, f, "want a whole number of cases, at least 1, got %s", describe(n))
			} else {
				a.MaxOpen = m
			}
		}
	})
	return a
}

// effects reads a status's on_enter block.
func (p *parser) effects(v *yaml.Node, field string) Effects {
	var e Effects
	if isNull(v) {
		return e
	}
	if v.Kind != yaml.MappingNode {
		p.report(v.Line, field, "want a mapping with assign, sla and tags, got %s", describe(v))
		return e
	}
	p.fields(v, field, effectFields, func(key string, n *yaml.Node) {
		f := join(field, key)
		switch key {
		case "assign":
			e.Assign = p.assignTarget(n, f)
		case "sla":
			if s, _ := p.text(n, f); strings.EqualFold(strings.TrimSpace(s), "clear") {
				e.ClearSLA = true
			} else {
				e.SLA = p.duration(n, f)
			}
		case "tags":
			e.Tags = texts(p.words(n, f))
		}
	})
	return e
}

// assignTarget reads "nobody", "user:NAME" or "team:NAME".
func (p *parser) assignTarget(v *yaml.Node, field string) string {
	s, ok := p.text(v, field)
	s = strings.TrimSpace(s)
	if !ok || s == "" {
		return ""
	}
	kind, name, found := strings.Cut(s, ":")
	switch {
	case s == "nobody":
		return s
	case found && (kind == "user" || kind == "team") && model.ValidateName(kind, name) == nil:
		return s
	}
	p.report(v.Line, field, "%q is not an assignee; write nobody, user:NAME or team:NAME", s)
	return ""
}
