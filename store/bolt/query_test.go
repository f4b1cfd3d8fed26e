package bolt

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"docket/model"
	"docket/store/backend"
)

// A filter of My queue walks the reviewer's own index, however many
// cases it holds, never the whole open queue; the text is matched on row
// summaries fetched by key.
func TestFilterOfMyQueueStaysInIt(t *testing.T) {
	d := openTest(t)
	update(t, d, func(tx backend.Tx) error {
		for i, who := range []string{"ravi", "", "mia", "ravi", "", "lena"} {
			if err := putCase(tx, testCase(i+1, who, "Open", model.Initial)); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, d.Edit(func(r *Raw) error {
		// As if ravi held 100,000 open cases.
		return r.b.bucket(bCounts).Put([]byte(pAssignee("ravi", true)), binary.BigEndian.AppendUint64(nil, 100_000))
	}))
	sel := backend.Selection{Queue: backend.QueueMine, Actor: "ravi", Text: "case-4", Order: backend.ByDeadline, Limit: 10}
	must(t, d.View(func(tx backend.Tx) error {
		if p := tx.(*boltTx).plan(sel); !slices.Equal(p.prefixes, []string{pAssignee("ravi", true)}) {
			t.Errorf("plan walks %q", p.prefixes)
		}
		page, err := tx.List(context.Background(), sel)
		must(t, err)
		var names []string
		for _, c := range page.Cases {
			names = append(names, c.Name)
		}
		if got := fmt.Sprint(names); got != "[CASE-4]" {
			t.Fatalf("got %s", got)
		}
		return nil
	}))
}
