package jsontree

import (
	"fmt"
	"testing"
)

func TestFields(t *testing.T) {
	m, err := New([]byte(`{"risk":{"score":87,"level":"high","signals":["vpn","tor"],"model":{"name":"x"}},"note":"a\"b","n":null,"deep":{"a":{"b":1}}}`), DefaultKeyMap())
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(m.Fields(2))
	want := `[{.risk.score 87} {.risk.level "high"} {.risk.signals [2]} {.note "a\"b"} {.n null}]`
	if got != want {
		t.Fatalf("Fields(2) =\n%s\nwant\n%s", got, want)
	}
	if got := fmt.Sprint(m.Fields(1)); got != `[{.note "a\"b"} {.n null}]` {
		t.Fatalf("Fields(1) = %s", got)
	}
}
