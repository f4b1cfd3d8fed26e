package persona

import (
	"errors"
	"strings"
	"testing"

	"docket/model"
	"docket/store/persona/conform"
	"docket/workflows"
)

const kycTemplate = `{"data":{"type":"case-template","id":"ctmpl_ABC123","attributes":{"name":"KYC Review","status":"active",
 "resolutions":["Approved","Declined","Escalated","approved"],"created-at":"2025-01-02T03:04:05Z","updated-at":null,"archived-at":null}}}`

func TestWorkflowFromTemplate(t *testing.T) {
	if err := conform.Load(t).Component("case-template").Validate([]byte(kycTemplate[len(`{"data":`) : len(kycTemplate)-1])); err != nil {
		t.Fatalf("the sample is not Persona's shape: %v", err)
	}
	out, err := WorkflowFromTemplate([]byte(kycTemplate))
	if err != nil {
		t.Fatal(err)
	}
	want := `# Made by docket workflow from-persona from Persona case template ctmpl_ABC123.
# Open and Pending stand for Persona's open and pending; each resolution is
# an end status. Review (keys, reasons, who may decide, SLA) before loading.
id: kyc-review
name: KYC Review
key: KYC
persona_template_id: ctmpl_ABC123
statuses:
    - name: Open
      type: initial
      key: O
    - name: Pending
      type: intermediate
      key: P
    - name: Approved
      type: end
      key: A
    - name: Declined
      type: end
      key: D
    - name: Escalated
      type: end
      key: E
`
	if string(out) != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	w, err := workflows.Parse("kyc.yaml", out)
	if err != nil {
		t.Fatal(err)
	}
	// Both of Persona's status shapes find their status in it.
	for _, pair := range [][3]string{{"resolved", "Escalated", "Escalated"}, {"pending", "", "Pending"}, {"Declined", "", "Declined"}} {
		if got, err := w.StatusFromPersona(pair[0], pair[1]); err != nil || got != pair[2] {
			t.Errorf("%q/%q: %q %v", pair[0], pair[1], got, err)
		}
	}
}

func TestWorkflowFromTemplateShapes(t *testing.T) {
	// A bare resource, no resolutions, archived, a name with no letters
	// to make an id or key from.
	out, err := WorkflowFromTemplate([]byte(`{"type":"case-template","id":"ctmpl_Z9","attributes":{"name":"¿—?","status":"archived"}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"id: ctmpl-z9\n", "key: CASE\n", "# The template is archived in Persona.\n", "- name: Resolved\n      type: end\n      key: R\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if _, err := workflows.Parse("x.yaml", out); err != nil {
		t.Fatal(err)
	}
	for doc, want := range map[string]string{
		`{"data":{"type":"case","id":"case_1"}}`:                                                           `data.type: "case" is not a case template`,
		`{"data":[{"type":"case-template","id":"ctmpl_1"}]}`:                                               `data: want a case-template resource, got an array`,
		`{"data":{"type":"case-template","id":"ctmpl_1","attributes":{"resolutions":"Approved"}}}`:         `data.attributes.resolutions: want`,
		`{"data":{"type":"case-template","id":"ctmpl_1","attributes":{"resolutions":["Open"]}}}`:           `resolution "Open" would clash`,
		`{"data":{"type":"case-template","id":"ctmpl_1","attributes":{"resolutions":["Approved\u200b"]}}}`: `does not make a valid workflow`,
		`{"data":`: `malformed JSON`,
	} {
		_, err := WorkflowFromTemplate([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, model.ErrInvalid) {
			t.Errorf("%s: %v, want %q", doc, err, want)
		}
	}
}
