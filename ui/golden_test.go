package ui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"docket/model"
	"docket/store"
)

// screen runs the workstation as a real Bubble Tea program at a size,
// types keys, waits until the screen shows want, quits and returns the
// final screen. A key "wait:TEXT" waits until the screen shows TEXT: a case
// key acts only once the selected case is on display. Colours are the Ascii profile (TestMain) and the clock is
// fixed, so the screen is the same on every run.
func screen(t *testing.T, st *store.Store, user string, w, h int, want string, keys ...string) string {
	t.Helper()
	u, err := st.User(user)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(st, u, Options{Now: clock, Clipboard: &bytes.Buffer{}, Renderer: asciiRenderer()})
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	for _, k := range keys {
		if text, ok := strings.CutPrefix(k, "type:"); ok {
			tm.Type(text)
		} else if text, ok := strings.CutPrefix(k, "wait:"); ok {
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
				teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
		} else {
			tm.Send(keyMsg(k))
		}
	}
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	// Let the last keys land before quitting.
	time.Sleep(100 * time.Millisecond)
	tm.Send(tea.QuitMsg{})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	view := final.View()
	checkFrame(t, view, w, h)
	return view
}

func TestGoldenScreens(t *testing.T) {
	st := demoStore(t, 120)
	// A pipeline case of ravi's: its menu has moves that are not open yet.
	pipe := newCase(t, st, "pipeline", "ravi")
	tests := []struct {
		name string
		user string
		w, h int
		want string
		keys []string
	}{
		{"queue_overview", "me", 140, 34, "Key fields", nil},
		{"tab_inquiries", "me", 140, 34, "[2 Inq", []string{"2"}},
		{"tab_inquiries_expanded", "me", 140, 34, "address-city", []string{"2", "tab", "enter"}},
		{"tab_accounts", "me", 140, 34, "[3 Acct", []string{"3"}},
		{"tab_reports", "me", 140, 34, "[4 Rep", []string{"4"}},
		{"tab_enrichment", "me", 140, 34, "[5 Enr", []string{"5"}},
		{"tab_history", "me", 140, 34, "[6 Hist", []string{"6"}},
		{"status_menu", "ravi", 140, 34, "can only be reached from", []string{"/", "type:" + pipe.Name, "enter", "wait:" + pipe.ID, "s"}},
		{"confirmation", "me", 140, 34, "This decides the case", []string{"A"}},
		{"reason_prompt", "me", 140, 34, "pick one to go on", []string{"D"}},
		{"comment_prompt", "me", 140, 34, "Comment on", []string{"m", "type:Called the customer"}},
		{"help", "me", 140, 40, "Everywhere", []string{"?"}},
		{"narrow_80x24", "me", 80, 24, "My queue", nil},
		{"workload", "lena", 140, 34, "OVERDUE", []string{"ctrl+w"}},
		{"metrics", "lena", 140, 40, "REVIEWER", []string{"ctrl+t"}},
		{"bulk_selection", "lena", 140, 34, "3 selected", []string{"]", "]", "space", "j", "space", "space"}},
		{"bulk_reassign_picker", "lena", 140, 34, "Assign 3 selected", []string{"]", "]", "space", "j", "space", "space", "a"}},
		{"tiny_20x6", "me", 20, 6, "needs", nil},
		// The enrichment edited here, a bad save named by line and column.
		{"enrichment_editor", "me", 100, 30, "not valid JSON", []string{"wait:Key fields", "E", "wait:Enrichment of", "down", "end", "type:x", "ctrl+s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden.RequireEqual(t, []byte(screen(t, st, tt.user, tt.w, tt.h, tt.want, tt.keys...)))
		})
	}
}

// TestGoldenSizes draws the queue, a two-team case and help at a wide, a
// common and the smallest usual terminal.
func TestGoldenSizes(t *testing.T) {
	st := demoStore(t, 120)
	// A demo case between the two teams: Team 1 has approved it.
	page, err := st.List(store.Query{Queue: store.QueueOpen, Workflow: "two-team", Actor: "me", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var approved *model.Case
	for _, c := range page.Cases {
		if c.Status == "Approved by Team 1" && c.Subject != "" {
			approved = c
		}
	}
	if approved == nil {
		t.Fatal("the demo has no case approved by Team 1")
	}
	sizes := [][2]int{{160, 45}, {80, 24}, {40, 12}}
	screens := []struct {
		name, want string
		keys       []string
	}{
		{"queue", "My queue", nil},
		{"two_team_case", approved.Name + "  Approved by Team 1", []string{"]", "]", "/", "type:" + approved.Name, "enter", "wait:" + approved.Name, "tab"}},
		{"help", "Everywhere", []string{"?"}},
	}
	for _, s := range screens {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s_%dx%d", s.name, sz[0], sz[1]), func(t *testing.T) {
				golden.RequireEqual(t, []byte(screen(t, st, "me", sz[0], sz[1], s.want, s.keys...)))
			})
		}
	}
}
