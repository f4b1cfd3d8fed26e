package bolt

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"docket/model"
)

func TestCaseCodecRoundTrip(t *testing.T) {
	c := &model.Case{ID: "case_1", Name: "KYC-1", Workflow: "default", Status: "Pending", StatusType: model.Intermediate,
		Assignee: "ravi", Assigner: "lena", Creator: "api", Resolver: "", Subject: "Zoë Yılmaz", PersonaTemplate: "ctmpl_x",
		CreatedAt: t0, UpdatedAt: t0.Add(time.Hour), AssignedAt: t0.Add(time.Minute), SLAExpiresAt: t0.Add(72 * time.Hour),
		SourceUpdatedAt: t0.Add(-time.Hour), Tags: []string{"vip", "pep"}, References: []string{"u-1"},
		Objects: []model.ObjectRef{{Kind: model.KindReport, Type: "report/watchlist", ID: "rep_1"}}, Version: 7, Redacted: true}
	got, err := decodeCase(encodeCase(c))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip:\n%+v\n%+v", got, c)
	}
	// Records written as JSON by earlier versions still read.
	old, _ := json.Marshal(c)
	if got, err := decodeCase(old); err != nil || got.Name != "KYC-1" || got.Version != 7 {
		t.Fatalf("json record: %+v %v", got, err)
	}
	// A damaged record is an error, never a panic.
	enc := encodeCase(c)
	for i := 0; i < len(enc); i++ {
		if _, err := decodeCase(enc[:i]); err == nil && i > 0 {
			t.Fatalf("a record cut at %d of %d decoded", i, len(enc))
		}
	}
}

func TestRowSummary(t *testing.T) {
	c := &model.Case{ID: "case_9", Name: "KYC-9", Workflow: "default", Status: "Open", StatusType: model.Initial,
		Assignee: "ravi", Subject: "Zoë Müller", Tags: []string{"PEP"}, References: []string{"Ref-1"}, Version: 2,
		CreatedAt: time.Unix(1e9, 0).UTC(), SLAExpiresAt: time.Unix(2e9, 0).UTC(),
		Objects: []model.ObjectRef{{Kind: model.KindInquiry, Type: "inquiry", ID: "inq_1"}}, FieldsSum: "00112233445566778899aabbccddeeff"}
	sum := encodeSummary(c)
	got, err := decodeCase(sum)
	row := *c
	row.References, row.Objects, row.FieldsSum = nil, []model.ObjectRef{}, "" // a row shows none of these
	if err != nil || !reflect.DeepEqual(*got, row) {
		t.Fatalf("summary decodes to\n%+v, %v; want\n%+v", got, err, row)
	}
	if len(sum) > 150 {
		t.Errorf("a row summary of %d bytes", len(sum))
	}
	text := string(searchText(sum))
	for _, want := range []string{"kyc-9", "case_9", "zoe muller", "pep", "ref-1"} {
		if !strings.Contains(text, want) {
			t.Errorf("search text %q lacks %q", text, want)
		}
	}
	if searchText(encodeCase(c)) != nil {
		t.Error("a plain record has no search text")
	}
}
