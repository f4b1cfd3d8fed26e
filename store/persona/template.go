package persona

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"docket/model"
	"docket/workflows"
)

// WorkflowFromTemplate turns a Persona case-template document
// ({"data": {"type": "case-template", "id", "attributes": {name, status,
// resolutions}}}, or the bare resource) into the YAML of a docket workflow
// to review and load: statuses Open (initial) and Pending, then one end
// status per resolution (a single Resolved when it lists none), so that
// either of Persona's status shapes maps onto it (see
// workflows.StatusFromPersona). Its id and case-name key come from the
// template's name, and persona_template_id keeps the template's id, so
// that imported cases of that template land in it. The YAML is checked
// with workflows.Parse before it is returned.
func WorkflowFromTemplate(doc []byte) ([]byte, error) {
	t, err := parse(doc)
	if err != nil {
		return nil, err
	}
	defer t.release()
	tmpl, err := readTemplate(node{t: t})
	if err != nil {
		return nil, err
	}
	out, err := tmpl.yaml()
	if err != nil {
		return nil, err
	}
	if _, err := workflows.Parse("from-persona.yaml", out); err != nil {
		return nil, model.Invalidf("case template %s does not make a valid workflow: %v", tmpl.id, err)
	}
	return out, nil
}

// template is what a case template says that a workflow needs.
type template struct {
	id, name, status string
	resolutions      []string
}

func readTemplate(root node) (*template, error) {
	data, err := dataOf(root)
	if err != nil {
		return nil, err
	}
	if !data.isObject() {
		return nil, data.want("a case-template resource")
	}
	r, _ := data.object()
	typ, err := r.get("type").reqString()
	if err != nil {
		return nil, err
	}
	if typ != "case-template" {
		return nil, r.get("type").errorf(`%q is not a case template (want "case-template")`, typ)
	}
	tmpl := &template{}
	if tmpl.id, err = r.get("id").reqID(); err != nil {
		return nil, err
	}
	a, err := r.get("attributes").object()
	if err != nil {
		return nil, err
	}
	if tmpl.name, err = a.get("name").optString(); err != nil {
		return nil, err
	}
	if tmpl.status, err = a.get("status").optString(); err != nil {
		return nil, err
	}
	res, err := a.get("resolutions").strings()
	if err != nil {
		return nil, err
	}
	for _, s := range res {
		if s = strings.TrimSpace(s); s != "" && !containsFold(tmpl.resolutions, s) {
			tmpl.resolutions = append(tmpl.resolutions, s)
		}
	}
	return tmpl, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// Field order as a workflow file writes them.
type workflowYAML struct {
	ID                string       `yaml:"id"`
	Name              string       `yaml:"name"`
	Key               string       `yaml:"key"`
	PersonaTemplateID string       `yaml:"persona_template_id"`
	Statuses          []statusYAML `yaml:"statuses"`
}

type statusYAML struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"`
	Key  string `yaml:"key,omitempty"`
}

func (t *template) yaml() ([]byte, error) {
	name := strings.TrimSpace(t.name)
	if name == "" {
		name = t.id
	}
	w := workflowYAML{ID: workflowID(name, t.id), Name: clip(name, 64), Key: caseKey(name), PersonaTemplateID: t.id}
	keys := map[string]bool{"O": true, "P": true}
	w.Statuses = []statusYAML{{"Open", "initial", "O"}, {"Pending", "intermediate", "P"}}
	ends := t.resolutions
	if len(ends) == 0 {
		ends = []string{"Resolved"}
	}
	for _, r := range ends {
		if containsFold([]string{"Open", "Pending"}, r) {
			return nil, model.Invalidf("case template %s: resolution %q would clash with docket's open status of that name", t.id, r)
		}
		w.Statuses = append(w.Statuses, statusYAML{Name: clip(r, 64), Type: "end", Key: freeKey(r, keys)})
	}
	body, err := yaml.Marshal(w)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Made by docket workflow from-persona from Persona case template %s.\n", oneLine(t.id))
	b.WriteString("# Open and Pending stand for Persona's open and pending; each resolution is\n")
	b.WriteString("# an end status. Review (keys, reasons, who may decide, SLA) before loading.\n")
	if t.status != "" && !strings.EqualFold(t.status, "active") {
		fmt.Fprintf(&b, "# The template is %s in Persona.\n", oneLine(t.status))
	}
	b.Write(body)
	return b.Bytes(), nil
}

// workflowID makes a workflow id from the template's name: lower-case
// letters and digits, other runs made one dash; the template's id if
// nothing is left.
func workflowID(name, fallback string) string {
	for _, s := range []string{name, fallback} {
		var b strings.Builder
		dash := false
		for _, r := range strings.ToLower(s) {
			switch {
			case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
				if dash && b.Len() > 0 {
					b.WriteByte('-')
				}
				b.WriteRune(r)
				dash = false
			default:
				dash = true
			}
		}
		if id := strings.TrimSuffix(clip(b.String(), 40), "-"); id != "" {
			return id
		}
	}
	return "persona"
}

// caseKey makes the prefix of case names from the template's name: its
// first word's letters and digits in capitals (up to ten, starting with a
// letter), else CASE.
func caseKey(name string) string {
	for _, word := range strings.Fields(name) {
		var b strings.Builder
		for _, r := range strings.ToUpper(word) {
			if r < 0x80 && (unicode.IsUpper(r) || unicode.IsDigit(r) && b.Len() > 0) && b.Len() < 10 {
				b.WriteRune(r)
			}
		}
		if b.Len() > 0 {
			return b.String()
		}
	}
	return "CASE"
}

// freeKey is the first letter of name not yet taken, as a capital; ""
// when every letter is.
func freeKey(name string, taken map[string]bool) string {
	for _, r := range strings.ToUpper(name) {
		if k := string(r); r >= 'A' && r <= 'Z' && !taken[k] {
			taken[k] = true
			return k
		}
	}
	return ""
}

// clip keeps at most n characters.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// oneLine keeps a value from a document on one comment line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
