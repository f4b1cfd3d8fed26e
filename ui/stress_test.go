package ui

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"docket/model"
	"docket/store"
	"docket/ui/jsontree"
)

// TestStress drives the real workstation on a demo database with random
// keys, typed text, pastes, mouse events, window resizes, change-feed
// notices and writes made "elsewhere", and checks after every step that
// nothing panicked, the queue cursor is inside the queue, the frame fits
// the terminal and a refusal is shown in the footer. At the end the
// database must still be consistent.
//
// The run is reproducible: DOCKET_STRESS_SEED=N tries another seed,
// DOCKET_STRESS_STEPS=N another length (default 10,000; 2,000 with -short) and
// DOCKET_STRESS_CASES=N another database (default 300 cases; over 1,000
// the queue reads and drops pages as it scrolls).
func TestStress(t *testing.T) {
	seed := int64(1)
	if s := os.Getenv("DOCKET_STRESS_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("DOCKET_STRESS_SEED=%q: %v", s, err)
		}
		seed = n
	}
	steps := 10_000
	if testing.Short() {
		steps = 2_000
	}
	if s := os.Getenv("DOCKET_STRESS_STEPS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("DOCKET_STRESS_STEPS=%q: %v", s, err)
		}
		steps = n
	}
	cases := 300
	if s := os.Getenv("DOCKET_STRESS_CASES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("DOCKET_STRESS_CASES=%q: %v", s, err)
		}
		cases = n
	}
	t.Logf("seed %d, %d steps, %d cases (DOCKET_STRESS_SEED=%d repeats this run)", seed, steps, cases, seed)
	// The enrichment editor's temporary files go here, not to /tmp.
	t.Setenv("TMPDIR", t.TempDir())

	st := demoStore(t, cases)
	s := newStress(t, st, seed)
	// A step that never returns (a loop in Update or View) cannot be
	// reported by the test itself: the watchdog says which one it was.
	var doing atomic.Pointer[string]
	watchdog := time.AfterFunc(time.Hour, func() {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		fmt.Fprintf(os.Stderr, "TestStress: seed %d: %s has not returned for a minute\n%s", seed, *doing.Load(), buf)
		os.Exit(2)
	})
	defer watchdog.Stop()
	start := time.Now()
	for s.step = 1; s.step <= steps; s.step++ {
		e := s.event()
		what := fmt.Sprintf("step %d (%s)", s.step, e.what)
		doing.Store(&what)
		watchdog.Reset(time.Minute)
		s.do(e)
		if t.Failed() {
			return
		}
	}
	watchdog.Stop()
	t.Logf("%d steps in %v: %s", steps, time.Since(start).Round(time.Millisecond), s.stats())
	checkStoreConsistent(t, st)
}

// stress is one random run.
type stress struct {
	t    *testing.T
	st   *store.Store
	m    *Model
	rng  *rand.Rand
	seed int64
	step int
	w, h int

	keys     []string // every key of the built-in key map
	statuses []string // every workflow status key
	history  []string // the last events, for the failure report

	// Refusals and failures seen during the current step: the last one
	// must be what the footer says at its end.
	lastErr string
	quit    bool // the model asked to quit during this step
	// The model re-read the store during this step: what it shows must
	// be what the store says.
	refreshed bool

	count map[string]int // what happened, for the log
}

func newStress(t *testing.T, st *store.Store, seed int64) *stress {
	s := &stress{t: t, st: st, rng: rand.New(rand.NewSource(seed)), seed: seed, count: map[string]int{}}
	for _, b := range defaultBindings {
		for _, k := range b.keys {
			if !slices.Contains(s.keys, k) {
				s.keys = append(s.keys, k)
			}
		}
	}
	for _, k := range s.keys {
		if got := keyByName(k).String(); got != strings.ReplaceAll(k, "space", " ") {
			t.Fatalf("key %q is sent as %q", k, got)
		}
	}
	for _, w := range st.Workflows() {
		for _, status := range w.Statuses {
			if status.Key != "" && !slices.Contains(s.statuses, status.Key) {
				s.statuses = append(s.statuses, status.Key)
			}
		}
	}
	s.open("me", 120, 30)
	return s
}

// open (re)creates the workstation as user at a size.
func (s *stress) open(user string, w, h int) {
	u, err := s.st.User(user)
	if err != nil {
		s.t.Fatal(err)
	}
	m, err := New(s.st, u, Options{Now: clock, Clipboard: &strings.Builder{}, Editor: "docket-stress-editor", Renderer: asciiRenderer()})
	if err != nil {
		s.t.Fatalf("seed %d step %d: opening as %s: %v", s.seed, s.step, user, err)
	}
	s.m, s.w, s.h = m, w, h
	s.process(m.Init())
	s.update(tea.WindowSizeMsg{Width: w, Height: h})
}

// event is one random thing a user (or the rest of the world) does.
type event struct {
	what string
	msg  tea.Msg // sent to the model
	do   func()  // or done to the world
}

func (s *stress) event() event {
	r := s.rng
	pick := func(list []string) string { return list[r.Intn(len(list))] }
	switch n := r.Intn(1000); {
	case n < 300: // the built-in key map
		k := pick(s.keys)
		return event{what: "key " + k, msg: keyByName(k)}
	case n < 380: // workflow status keys
		k := pick(s.statuses)
		return event{what: "status key " + k, msg: keyByName(k)}
	case n < 500: // any printable character
		const printable = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
		c := string(printable[r.Intn(len(printable))])
		return event{what: fmt.Sprintf("rune %q", c), msg: keyByName(c)}
	case n < 640: // special keys, sometimes with alt
		k := specialKeys[r.Intn(len(specialKeys))]
		msg := tea.KeyMsg{Type: k}
		if k == tea.KeySpace {
			msg.Runes = []rune{' '}
		}
		msg.Alt = r.Intn(10) == 0
		return event{what: "key " + msg.String(), msg: msg}
	case n < 680: // ctrl keys (not ctrl+v: it would read the host's clipboard)
		k := ctrlKeys[r.Intn(len(ctrlKeys))]
		return event{what: "key " + tea.KeyMsg{Type: k}.String(), msg: tea.KeyMsg{Type: k}}
	case n < 760: // typed text: several characters arriving at once
		text := s.text()
		return event{what: fmt.Sprintf("typed %q", text), msg: tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(text)}}
	case n < 780: // a bracketed paste
		text := s.text()
		if r.Intn(3) == 0 {
			text += "\n" + s.text()
		}
		return event{what: fmt.Sprintf("paste %q", text), msg: tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(text), Paste: true}}
	case n < 900: // the mouse
		return s.mouse()
	case n < 960: // the terminal changes size
		size := [2]int{1 + r.Intn(260), 1 + r.Intn(90)}
		if r.Intn(2) == 0 {
			size = pickSize(r)
		}
		return event{what: fmt.Sprintf("resize %dx%d", size[0], size[1]), msg: tea.WindowSizeMsg{Width: size[0], Height: size[1]}}
	case n < 980: // the change feed says something changed
		return event{what: "change feed", msg: changeMsg{}}
	default: // someone else writes
		return s.elsewhere()
	}
}

var specialKeys = []tea.KeyType{
	tea.KeyEsc, tea.KeyEsc, tea.KeyEnter, tea.KeyEnter, tea.KeyTab, tea.KeyShiftTab, tea.KeySpace, tea.KeySpace,
	tea.KeyBackspace, tea.KeyDelete, tea.KeyUp, tea.KeyDown, tea.KeyLeft, tea.KeyRight, tea.KeyHome, tea.KeyEnd,
	tea.KeyPgUp, tea.KeyPgDown, tea.KeyInsert, tea.KeyShiftUp, tea.KeyShiftDown, tea.KeyCtrlUp, tea.KeyCtrlHome,
	tea.KeyCtrlPgDown, tea.KeyF1, tea.KeyF5, tea.KeyF12,
}

var ctrlKeys = func() []tea.KeyType {
	var out []tea.KeyType
	for k := tea.KeyCtrlAt; k <= tea.KeyCtrlUnderscore; k++ {
		if k != tea.KeyCtrlV {
			out = append(out, k)
		}
	}
	return out
}()

var sizes = [][2]int{{0, 0}, {1, 1}, {20, 6}, {39, 9}, {39, 30}, {120, 9}, {40, 10}, {41, 11}, {60, 12},
	{79, 24}, {80, 24}, {80, 10}, {119, 40}, {120, 30}, {200, 60}, {300, 5}, {5, 300}, {250, 90}}

func pickSize(r *rand.Rand) [2]int { return sizes[r.Intn(len(sizes))] }

// text is something a reviewer might type: words from the queue on
// screen (so filters find things), tag edits, durations, or anything.
func (s *stress) text() string {
	r := s.rng
	switch r.Intn(6) {
	case 0:
		if rows := s.m.queue.rows; len(rows) > 0 {
			c := rows[r.Intn(len(rows))]
			options := append([]string{c.Name, c.ID, c.Subject}, c.Tags...)
			options = append(options, c.References...)
			return options[r.Intn(len(options))]
		}
		return "CASE-1"
	case 1:
		return []string{"+vip", "-pep", "+vip -pep", "+ -", "escalated", "-escalated +x"}[r.Intn(6)]
	case 2:
		return []string{"4h", "3d", "clear", "1m", "0", "-3h", "1000000d", "1d12h", "abc", "9999999999999h"}[r.Intn(10)]
	case 3:
		return []string{"ma", "mia", "omar", "ravi", "le", "nobody", "zz"}[r.Intn(7)]
	default:
		pool := []rune("abcdefghij klmnopqrstuvwxyz ABCXYZ 0123456789 -+/*.,!?éßøçñ日本語🙂\u0301שלום")
		out := make([]rune, 1+r.Intn(12))
		for i := range out {
			out[i] = pool[r.Intn(len(pool))]
		}
		return string(out)
	}
}

func (s *stress) mouse() event {
	r := s.rng
	x, y := r.Intn(max(1, s.w)+3), r.Intn(max(1, s.h)+3) // a little outside: a resize may be on its way
	if r.Intn(2) == 0 {
		y = r.Intn(min(max(1, s.h), 8)) // the header, titles and first rows
	}
	msg := tea.MouseMsg{X: x, Y: y, Shift: r.Intn(10) == 0, Ctrl: r.Intn(10) == 0}
	switch r.Intn(8) {
	case 0, 1, 2:
		msg.Action, msg.Button = tea.MouseActionPress, tea.MouseButtonLeft
	case 3:
		msg.Action, msg.Button = tea.MouseActionPress, tea.MouseButtonWheelDown
	case 4:
		msg.Action, msg.Button = tea.MouseActionPress, tea.MouseButtonWheelUp
	case 5:
		msg.Action, msg.Button = tea.MouseActionRelease, tea.MouseButtonNone
	case 6:
		msg.Action, msg.Button = tea.MouseActionMotion, tea.MouseButtonNone
	default:
		buttons := []tea.MouseButton{tea.MouseButtonRight, tea.MouseButtonMiddle, tea.MouseButtonWheelLeft, tea.MouseButtonWheelRight, tea.MouseButtonBackward}
		msg.Action, msg.Button = tea.MouseActionPress, buttons[r.Intn(len(buttons))]
	}
	return event{what: "mouse " + msg.String() + fmt.Sprintf(" at %d,%d", x, y), msg: msg}
}

// elsewhere is a write by another user, as if from the command line:
// the screen is then stale until the change feed (or a refresh) says so.
func (s *stress) elsewhere() event {
	r := s.rng
	page, err := s.st.List(store.Query{Queue: store.QueueOpen, Limit: 50})
	if err != nil || len(page.Cases) == 0 {
		return event{what: "change feed", msg: changeMsg{}}
	}
	c := page.Cases[r.Intn(len(page.Cases))]
	t := store.Target{Actor: "lena", Case: c.ID}
	ops := []struct {
		what string
		op   func() error
	}{
		{"lena comments on " + c.Name, func() error { _, err := s.st.Comment(t, "note from lena"); return err }},
		{"lena assigns " + c.Name + " to ravi", func() error { _, err := s.st.Assign(t, "ravi"); return err }},
		{"lena unassigns " + c.Name, func() error { _, err := s.st.Unassign(t); return err }},
		{"lena tags " + c.Name, func() error { _, err := s.st.Tag(t, []string{"checked"}, nil); return err }},
		{"lena makes ravi available", func() error {
			a := model.Available
			_, _, err := s.st.SetUser("lena", "ravi", store.UserChange{Availability: &a})
			return err
		}},
	}
	o := ops[r.Intn(len(ops))]
	return event{what: o.what, do: func() {
		if err := o.op(); err != nil {
			s.count["elsewhere refused"]++ // e.g. ravi is unavailable: fine
		}
		if r.Intn(2) == 0 {
			s.update(changeMsg{})
		}
	}}
}

// do runs one event and checks the screen afterwards. A panic anywhere is
// reported with the step, the event and the seed.
func (s *stress) do(e event) {
	s.history = append(s.history, fmt.Sprintf("%d: %s", s.step, e.what))
	if len(s.history) > 25 {
		s.history = s.history[1:]
	}
	s.lastErr, s.refreshed = "", false
	defer func() {
		if p := recover(); p != nil {
			s.fail("panic: %v\n%s", p, debug.Stack())
		}
	}()
	if e.do != nil {
		e.do()
	} else {
		s.update(e.msg)
	}
	if s.quit {
		s.quit, s.lastErr = false, ""
		s.open([]string{"me", "me", "ravi", "lena", "admin", "mia"}[s.rng.Intn(6)], s.w, s.h)
		s.history = append(s.history, "   (quit; reopened as "+s.m.user.Name+")")
	}
	s.check()
}

// fail stops the run with what is needed to repeat it.
func (s *stress) fail(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("seed %d, step %d (%s, %dx%d):\n%s\nlast events:\n  %s", s.seed, s.step, s.m.user.Name, s.w, s.h,
		fmt.Sprintf(format, args...), strings.Join(s.history, "\n  "))
}

// update sends a message and everything its commands lead to.
func (s *stress) update(msg tea.Msg) {
	budget := 200 // a loop of commands (a ticker) cannot spin forever
	s.deliver(msg, &budget)
	if budget < 0 {
		s.fail("more than 200 messages from one event: a command loop?")
	}
}

func (s *stress) deliver(msg tea.Msg, budget *int) {
	if *budget--; *budget < 0 || s.quit {
		return
	}
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		s.w, s.h = ws.Width, ws.Height
	}
	switch msg := msg.(type) {
	case nil:
		return
	case tea.QuitMsg:
		// Quitting is swallowed: what else the event started is dropped
		// (the program would have ended) and the run goes on, as someone
		// else or the same person, at the same size (see do).
		s.count["quit"]++
		s.quit = true
		return
	case tea.BatchMsg:
		for _, c := range msg {
			s.deliver(s.run(c), budget)
		}
		return
	}
	if cmds, ok := sequence(msg); ok {
		for _, c := range cmds {
			s.deliver(s.run(c), budget)
		}
		return
	}
	if path, fn, ok := execOf(msg); ok {
		s.deliver(s.editor(path, fn), budget)
		return
	}
	switch msg.(type) {
	case tea.KeyMsg, tea.MouseMsg, writeDoneMsg, bulkDoneMsg, availabilityMsg, editorDoneMsg, jsontree.CopyMsg, filterMsg:
		// What the user does next, or the outcome of another action,
		// may say something else.
		s.lastErr = ""
	}
	switch msg.(type) {
	case writeDoneMsg, bulkDoneMsg, changeMsg:
		s.refreshed = true // the model reads the store again
	}
	want := s.wantRefusal(msg)
	_, cmd := s.m.Update(msg)
	if want != "" {
		s.count["refusal"]++
		s.lastErr = want
		if !s.m.messageErr || !strings.Contains(s.m.message, want) {
			s.fail("%T failed with %q but the footer says %q (error %v)", msg, want, s.m.message, s.m.messageErr)
		}
	}
	s.deliver(s.run(cmd), budget)
}

func (s *stress) process(cmd tea.Cmd) {
	budget := 200
	s.deliver(s.run(cmd), &budget)
	if budget < 0 {
		s.fail("more than 200 messages from one command: a command loop?")
	}
}

// run executes a command the way the Bubble Tea loop would, but here and
// now; one that blocks is a failure.
func (s *stress) run(cmd tea.Cmd) tea.Msg {
	if cmd == nil {
		return nil
	}
	type result struct {
		msg   tea.Msg
		panic any
		stack []byte
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{panic: p, stack: debug.Stack()}
			}
		}()
		done <- result{msg: cmd()}
	}()
	select {
	case r := <-done:
		if r.panic != nil {
			s.fail("panic in a command: %v\n%s", r.panic, r.stack)
		}
		return r.msg
	case <-time.After(10 * time.Second):
		s.fail("a command blocked for 10s")
		return nil
	}
}

// wantRefusal is the error a message brings that the footer must show, if
// the model is going to act on it.
func (s *stress) wantRefusal(msg tea.Msg) string {
	switch msg := msg.(type) {
	case writeDoneMsg:
		if msg.err != nil {
			return msg.err.Error()
		}
	case bulkDoneMsg:
		if msg.err != nil {
			return msg.err.Error()
		}
		if len(msg.res.Refused) > 0 {
			return fmt.Sprintf("%d refused", len(msg.res.Refused))
		}
	case availabilityMsg:
		if msg.err != nil {
			return msg.err.Error()
		}
	case filterMsg:
		if msg.err != nil && msg.seq == s.m.queue.filterSeq {
			return msg.err.Error()
		}
	case detailMsg:
		if msg.err != nil && msg.key == s.m.detailWanted {
			return msg.err.Error()
		}
	case editorDoneMsg:
		if msg.err != nil {
			return msg.err.Error()
		}
	}
	return ""
}

// editor stands in for $EDITOR: it leaves the file alone, changes it,
// breaks it or fails, and hands the result back like Bubble Tea would.
func (s *stress) editor(path string, done tea.ExecCallback) tea.Msg {
	s.count["editor"]++
	var err error
	switch s.rng.Intn(5) {
	case 0: // saved unchanged
	case 1:
		err = os.WriteFile(path, []byte(fmt.Sprintf(`{"stress": {"step": %d}, "risk": null}`, s.step)), 0o600)
	case 2:
		err = os.WriteFile(path, []byte(`{"risk": {"score": `), 0o600)
	case 3:
		err = os.WriteFile(path, []byte(`["not", "an", "object"]`), 0o600)
	default:
		return done(errors.New("exit status 1"))
	}
	if err != nil {
		s.fail("editor: %v", err)
	}
	return done(nil)
}

// sequence unpacks tea.Sequence's message (an unexported []tea.Cmd).
func sequence(msg tea.Msg) ([]tea.Cmd, bool) {
	v := reflect.ValueOf(msg)
	cmds := reflect.TypeOf([]tea.Cmd(nil))
	if v.Kind() != reflect.Slice || !v.Type().ConvertibleTo(cmds) {
		return nil, false
	}
	return v.Convert(cmds).Interface().([]tea.Cmd), true
}

// execOf unpacks tea.ExecProcess's message: the file the editor was to
// open and the callback to call when it exits.
func execOf(msg tea.Msg) (string, tea.ExecCallback, bool) {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Struct || v.Type().PkgPath() != reflect.TypeOf(tea.QuitMsg{}).PkgPath() || v.Type().Name() != "execMsg" {
		return "", nil, false
	}
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	field := func(name string) any {
		f := c.FieldByName(name)
		return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface()
	}
	fn, _ := field("fn").(tea.ExecCallback)
	var path string
	if ec := reflect.ValueOf(field("cmd")); ec.Kind() == reflect.Pointer {
		if cmd, ok := ec.Elem().Field(0).Interface().(*exec.Cmd); ok && len(cmd.Args) > 0 {
			path = cmd.Args[len(cmd.Args)-1]
		}
	}
	if fn == nil || path == "" {
		return "", nil, false
	}
	return path, fn, true
}

// check is what must hold after every step.
func (s *stress) check() {
	m, q := s.m, &s.m.queue
	if q.total > 0 && (q.cursor < 0 || q.cursor >= q.total) || q.total <= 0 && q.cursor != 0 {
		s.fail("cursor %d of %d rows", q.cursor, q.total)
	}
	if q.offset < 0 || q.offset > q.cursor || q.height > 0 && q.cursor >= q.offset+q.height {
		s.fail("cursor %d is off screen (offset %d, %d rows high)", q.cursor, q.offset, q.height)
	}
	if q.total > 0 && q.selected() == nil {
		s.fail("cursor %d of %d is not among the rows read (%d from %d)", q.cursor, q.total, len(q.rows), q.start)
	}

	if s.refreshed && !q.searching {
		query := q.query
		query.Limit = 1
		page, err := s.st.List(query)
		if err != nil {
			s.fail("%v", err)
		}
		if page.Total != q.total {
			s.fail("after a refresh the queue says %d cases, the store %d", q.total, page.Total)
		}
		if tab := m.tabs[m.activeTab]; query.Text == "" && tab.count != q.total {
			s.fail("after a refresh the tab %s says %d cases, the queue %d", tab.label, tab.count, q.total)
		}
	}

	view := m.View()
	lines := strings.Split(view, "\n")
	if s.w > 0 && s.h > 0 && len(lines) != s.h {
		s.fail("the view has %d lines for a height of %d", len(lines), s.h)
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got > max(0, s.w) {
			s.fail("line %d is %d wide for a width of %d: %q", i, got, s.w, l)
		}
	}

	// The footer says what the last refusal was.
	if s.lastErr != "" && (!m.messageErr || !strings.Contains(m.message, s.lastErr)) {
		s.fail("the refusal %q was replaced in the footer by %q", s.lastErr, m.message)
	}
	if m.message != "" && !m.help && s.w >= minWidth && s.h >= minHeight {
		prefix := "✓ "
		if m.messageErr {
			prefix = "✗ "
			s.count["footer error"]++
		}
		want := strings.TrimSuffix(strings.TrimRight(prefix+clean(m.message), " "), "…")
		footer := strings.TrimSuffix(strings.TrimRight(ansi.Strip(lines[len(lines)-1]), " "), "…")
		if !strings.HasPrefix(want, footer) || ansi.StringWidth(footer) < min(ansi.StringWidth(want), s.w/2) {
			s.fail("the footer says %q, not the message %q", footer, m.message)
		}
	}
	s.count[fmt.Sprintf("%T", m.dialog)]++
}

func (s *stress) stats() string {
	var parts []string
	for _, k := range sortedKeys(s.count) {
		parts = append(parts, fmt.Sprintf("%s %d", k, s.count[k]))
	}
	return strings.Join(parts, ", ")
}

// checkStoreConsistent runs the store's own check (indexes, counters,
// audit chains), then walks every queue of every user and checks its
// listing against the counters, and each listed row against its case.
func checkStoreConsistent(t *testing.T, st *store.Store) {
	t.Helper()
	report, err := st.Check()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range report.Problems {
		t.Errorf("check: %s", p)
	}
	walk := func(q store.Query) []*model.Case {
		var all []*model.Case
		q.Limit = 1000
		for {
			page, err := st.List(q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			all = append(all, page.Cases...)
			if page.Next == "" {
				if page.Total != len(all) {
					t.Errorf("queue %s (%s): total %d, listed %d", q.Queue, q.Actor, page.Total, len(all))
				}
				return all
			}
			q.After = page.Next
		}
	}
	users, err := st.Users()
	if err != nil {
		t.Fatal(err)
	}
	load, err := st.AssigneeCounts()
	if err != nil {
		t.Fatal(err)
	}
	all := walk(store.Query{Queue: store.QueueAll})
	seen := map[string]bool{}
	open := map[string]int{} // open cases per assignee
	for _, row := range all {
		if seen[row.ID] {
			t.Errorf("%s is listed twice", row.Name)
		}
		seen[row.ID] = true
		c, err := st.Case(row.ID)
		if err != nil {
			t.Fatalf("%s: %v", row.Name, err)
		}
		if c.Status != row.Status || c.Assignee != row.Assignee || c.Version != row.Version || c.Open() != row.Open() {
			t.Errorf("%s: listed as %s/%s v%d, stored as %s/%s v%d", row.Name, row.Status, row.Assignee, row.Version,
				c.Status, c.Assignee, c.Version)
		}
		if c.Open() && c.Assignee != "" {
			open[c.Assignee]++
		}
	}
	for _, u := range users {
		counts, err := st.Counts(u.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, queue := range store.Queues {
			rows := walk(store.Query{Queue: queue, Actor: u.Name})
			if counts[queue] != len(rows) {
				t.Errorf("queue %s of %s: counted %d, listed %d", queue, u.Name, counts[queue], len(rows))
			}
			for _, c := range rows {
				ok := true
				switch queue {
				case store.QueueMine:
					ok = c.Open() && c.Assignee == u.Name
				case store.QueueUnassigned:
					ok = c.Open() && c.Assignee == ""
				case store.QueueOpen:
					ok = c.Open()
				case store.QueueClosed:
					ok = !c.Open()
				}
				if !ok {
					t.Errorf("queue %s of %s lists %s (%s, %q)", queue, u.Name, c.Name, c.Status, c.Assignee)
				}
			}
		}
		if load[u.Name] != open[u.Name] {
			t.Errorf("%s: %d open cases counted, %d listed", u.Name, load[u.Name], open[u.Name])
		}
		if rows := walk(store.Query{Queue: store.QueueOpen, Assignee: u.Name}); len(rows) != open[u.Name] {
			t.Errorf("%s: %d open cases by the assignee filter, %d listed", u.Name, len(rows), open[u.Name])
		}
	}
}
