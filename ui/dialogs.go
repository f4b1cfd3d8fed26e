package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"docket/model"
	"docket/workflows"
)

// outcome is what a dialog asks the root to do once it is done with.
type outcome func(m *Model) tea.Cmd

// dialog is a modal box that gets every key while it is open.
type dialog interface {
	// update returns the dialog to show next (nil: close it) and what to do.
	update(m *Model, msg tea.KeyMsg) (dialog, outcome)
	view(m *Model, width int) string
}

// ---- status menu ----

// statusMenu lists every status of the workflow: the allowed ones with
// their keys, the others with why not.
type statusMenu struct {
	caseName string
	options  []workflows.Option
	cursor   int
	blocked  error // the user may not move this case at all
	bulk     bool  // for the selection: every status, checked case by case
}

func (d *statusMenu) update(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	switch {
	case m.keys.is(msg, "back"), m.keys.is(msg, "cancel"), m.keys.is(msg, "quit") && msg.String() != "q":
		return nil, nil
	case m.keys.is(msg, "down"):
		d.cursor = min(d.cursor+1, len(d.options)-1)
	case m.keys.is(msg, "up"):
		d.cursor = max(d.cursor-1, 0)
	case m.keys.is(msg, "submit"):
		return d.choose(d.cursor)
	default:
		for i, o := range d.options {
			if o.Status.Key != "" && msg.String() == o.Status.Key {
				return d.choose(i)
			}
		}
	}
	return d, nil
}

func (d *statusMenu) choose(i int) (dialog, outcome) {
	if len(d.options) == 0 {
		return nil, nil
	}
	o := d.options[i]
	if d.blocked != nil {
		return d, refusedOutcome(d.blocked)
	}
	if !o.Allowed {
		return d, refusedOutcome(fmt.Errorf("%s", o.Why))
	}
	if d.bulk {
		return nil, func(m *Model) tea.Cmd { return m.beginBulkMove(o.Status) }
	}
	return nil, func(m *Model) tea.Cmd { return m.beginMove(o.Status) }
}

func refusedOutcome(err error) outcome {
	return func(m *Model) tea.Cmd { m.flashErr(err); return nil }
}

func (d *statusMenu) view(m *Model, width int) string {
	var b strings.Builder
	b.WriteString(m.styles.title.Render("Move "+clean(d.caseName)+" to…") + "\n")
	inner := width - 4
	for i, o := range d.options {
		k := o.Status.Key
		if k == "" {
			k = "·"
		}
		marker := "  "
		if i == d.cursor {
			marker = "▶ "
		}
		line := fmt.Sprintf("%s%s  %s", marker, k, o.Status.Name)
		if o.Status.Type == model.End {
			line += " (ends the case)"
		}
		disabled := d.blocked != nil || !o.Allowed
		switch {
		case i == d.cursor:
			line = m.styles.selected.Render(fit(line, inner))
		case disabled:
			line = m.styles.dim.Render(clip(line, inner))
		default:
			line = clip(line, inner)
		}
		b.WriteString(line + "\n")
		if disabled && d.blocked == nil {
			for _, l := range wrapText("not now: "+o.Why, inner-5) {
				b.WriteString(m.styles.dim.Render("     "+l) + "\n")
			}
		}
	}
	if d.blocked != nil {
		for _, l := range wrapText(d.blocked.Error(), inner) {
			b.WriteString(m.styles.errorMsg.Render(l) + "\n")
		}
	}
	b.WriteString(m.styles.dim.Render(clip("enter choose · key jumps · esc close", inner)))
	return b.String()
}

// ---- reason and comment ----

// moveForm asks for the reason code and the comment a status requires.
type moveForm struct {
	move    pendingMove
	reasons []string // "" first when the reason is optional
	pick    int
	comment textarea.Model
	field   int // 0 reason, 1 comment
	problem string
}

func newMoveForm(pm pendingMove, keys KeyMap) *moveForm {
	f := &moveForm{move: pm}
	st := pm.status
	if len(st.Reasons) > 0 && (st.RequireReason || st.RequireComment) {
		if !st.RequireReason {
			f.reasons = append(f.reasons, "")
		}
		f.reasons = append(f.reasons, st.Reasons...)
	}
	f.comment = newTextarea(keys)
	if len(f.reasons) == 0 {
		f.field = 1
		f.comment.Focus()
	}
	return f
}

func newTextarea(keys KeyMap) textarea.Model {
	ta := textarea.New()
	ta.Placeholder = "write here…"
	ta.ShowLineNumbers = false
	ta.Prompt = "│ "
	ta.CharLimit = 5000
	ta.SetHeight(4)
	ta.Cursor.SetMode(cursor.CursorStatic)
	ta.KeyMap.InsertNewline = key.NewBinding(key.WithKeys(keys.binding("newline").Keys()...))
	return ta
}

// updateTextarea passes a key to a textarea. The textarea's word-left
// (alt+left, alt+b) never returns when only spaces precede the cursor (an
// empty comment, say: charmbracelet/bubbletea#1652); there it moves to the
// start of the text instead, which is where it would have gone.
func updateTextarea(ta textarea.Model, msg tea.KeyMsg) textarea.Model {
	if key.Matches(msg, ta.KeyMap.WordBackward) {
		rows := strings.Split(ta.Value(), "\n")
		li := ta.LineInfo()
		row, col := ta.Line(), li.StartColumn+li.ColumnOffset
		line := []rune(rows[min(row, len(rows)-1)])
		before := strings.Join(rows[:min(row, len(rows)-1)], "\n") + string(line[:min(col, len(line))])
		if strings.TrimSpace(before) == "" {
			msg = tea.KeyMsg{Type: tea.KeyCtrlHome}
			if !key.Matches(msg, ta.KeyMap.InputBegin) {
				return ta
			}
		}
	}
	ta, _ = ta.Update(msg)
	return ta
}

// updateInput passes a key to a text input. The input's delete-word-forward
// (alt+d, alt+delete) panics with the cursor on the last character and
// takes a word too many from the last character of a word
// (charmbracelet/bubbles#1056), so it is done here: spaces after the
// cursor, then the word.
func updateInput(ti textinput.Model, msg tea.KeyMsg) (textinput.Model, tea.Cmd) {
	if !ti.Focused() || !key.Matches(msg, ti.KeyMap.DeleteWordForward) {
		return ti.Update(msg)
	}
	v, pos := []rune(ti.Value()), ti.Position()
	end := min(pos, len(v))
	for end < len(v) && unicode.IsSpace(v[end]) {
		end++
	}
	for end < len(v) && !unicode.IsSpace(v[end]) {
		end++
	}
	ti.SetValue(string(v[:min(pos, len(v))]) + string(v[end:]))
	ti.SetCursor(pos)
	return ti, nil
}

func (f *moveForm) update(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	switch {
	case m.keys.is(msg, "back"):
		return nil, func(m *Model) tea.Cmd { m.flash("move cancelled; nothing changed"); return nil }
	case m.keys.is(msg, "submit"):
		if f.field == 0 && f.move.status.RequireComment {
			f.field = 1
			f.comment.Focus()
			return f, nil
		}
		return f.submit()
	case msg.String() == "tab" || msg.String() == "shift+tab":
		if len(f.reasons) > 0 {
			f.field = 1 - f.field
			if f.field == 1 {
				f.comment.Focus()
			} else {
				f.comment.Blur()
			}
		}
		return f, nil
	}
	if f.field == 0 {
		switch {
		case m.keys.is(msg, "down"):
			f.pick = min(f.pick+1, len(f.reasons)-1)
		case m.keys.is(msg, "up"):
			f.pick = max(f.pick-1, 0)
		}
		return f, nil
	}
	f.comment = updateTextarea(f.comment, msg)
	return f, nil
}

func (f *moveForm) submit() (dialog, outcome) {
	pm := f.move
	if len(f.reasons) > 0 {
		pm.reason = f.reasons[f.pick]
	}
	pm.comment = strings.TrimSpace(f.comment.Value())
	if pm.status.RequireComment && pm.comment == "" {
		f.problem = pm.status.Name + " needs a comment"
		f.field = 1
		f.comment.Focus()
		return f, nil
	}
	return nil, func(m *Model) tea.Cmd { return m.confirmOrRun(pm) }
}

func (f *moveForm) view(m *Model, width int) string {
	inner := width - 4
	f.comment.SetWidth(max(10, inner))
	var b strings.Builder
	b.WriteString(m.styles.title.Render(clip(fmt.Sprintf("Move %s to %s", clean(f.move.caseName), f.move.status.Name), inner)) + "\n")
	if len(f.reasons) > 0 {
		label := "Reason"
		if f.move.status.RequireReason {
			label += " (required)"
		}
		b.WriteString(f.label(m, label, f.field == 0) + "\n")
		for i, r := range f.reasons {
			marker := "  ( ) "
			if i == f.pick {
				marker = "  (•) "
			}
			if r == "" {
				r = "no reason"
			}
			line := clip(marker+r, inner)
			if i == f.pick && f.field == 0 {
				line = m.styles.selected.Render(line)
			}
			b.WriteString(line + "\n")
		}
	}
	label := "Comment"
	if f.move.status.RequireComment {
		label += " (required)"
	}
	b.WriteString(f.label(m, label, f.field == 1) + "\n")
	b.WriteString(f.comment.View() + "\n")
	if f.problem != "" {
		b.WriteString(m.styles.errorMsg.Render(clip(f.problem, inner)) + "\n")
	}
	b.WriteString(m.styles.dim.Render(clip("tab switch · enter next/save · "+m.keys.binding("newline").Help().Key+" new line · esc cancel", inner)))
	return b.String()
}

func (f *moveForm) label(m *Model, s string, focused bool) string {
	if focused {
		return m.styles.accent.Render("▸ " + s)
	}
	return m.styles.dim.Render("  " + s)
}

// ---- confirmation ----

// confirm asks before something that cannot simply be taken back.
// Cancel has the focus, so a stray enter changes nothing.
type confirm struct {
	question string
	yesLabel string
	focus    int // 0 Cancel, 1 yes
	onYes    outcome
}

func (d *confirm) update(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	switch {
	case m.keys.is(msg, "confirm"):
		return nil, d.onYes
	case m.keys.is(msg, "cancel"), m.keys.is(msg, "back"):
		return nil, func(m *Model) tea.Cmd { m.flash("cancelled; nothing changed"); return nil }
	case m.keys.is(msg, "next-field"), m.keys.is(msg, "prev-field"):
		d.focus = 1 - d.focus
	case m.keys.is(msg, "submit"):
		if d.focus == 1 {
			return nil, d.onYes
		}
		return nil, func(m *Model) tea.Cmd { m.flash("cancelled; nothing changed"); return nil }
	}
	return d, nil
}

func (d *confirm) view(m *Model, width int) string {
	inner := width - 4
	cancel, yes := m.styles.button.Render("Cancel"), m.styles.button.Render(d.yesLabel)
	if d.focus == 0 {
		cancel = m.styles.buttonFocused.Render("[Cancel]")
	} else {
		yes = m.styles.buttonFocused.Render("[" + d.yesLabel + "]")
	}
	lines := wrapText(d.question, inner)
	return strings.Join(lines, "\n") + "\n\n" + cancel + "  " + yes + "\n" +
		m.styles.dim.Render(clip("y accept · n/esc cancel · ←/→ choose · enter press", inner))
}

// ---- comment ----

type commentBox struct {
	caseName string
	text     textarea.Model
	problem  string
	save     func(m *Model, body string) tea.Cmd
}

func newCommentBox(caseName string, keys KeyMap, save func(m *Model, body string) tea.Cmd) *commentBox {
	ta := newTextarea(keys)
	ta.Focus()
	return &commentBox{caseName: caseName, text: ta, save: save}
}

func (d *commentBox) update(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	switch {
	case m.keys.is(msg, "back"):
		return nil, nil
	case m.keys.is(msg, "submit"):
		body := strings.TrimSpace(d.text.Value())
		if body == "" {
			d.problem = "the comment is empty"
			return d, nil
		}
		return nil, func(m *Model) tea.Cmd { return d.save(m, body) }
	}
	d.text = updateTextarea(d.text, msg)
	return d, nil
}

func (d *commentBox) view(m *Model, width int) string {
	inner := width - 4
	d.text.SetWidth(max(10, inner))
	s := m.styles.title.Render(clip("Comment on "+clean(d.caseName), inner)) + "\n" + d.text.View() + "\n"
	if d.problem != "" {
		s += m.styles.errorMsg.Render(d.problem) + "\n"
	}
	return s + m.styles.dim.Render(clip("enter save · "+m.keys.binding("newline").Help().Key+" new line · esc cancel", inner))
}

// ---- tags ----

type tagEditor struct {
	caseName string
	current  []string
	input    textinput.Model
	save     func(m *Model, add, remove []string) tea.Cmd
}

func newTagEditor(caseName string, current []string, save func(m *Model, add, remove []string) tea.Cmd) *tagEditor {
	ti := textinput.New()
	ti.Prompt = "> "
	ti.Placeholder = "+tag -tag …"
	ti.Cursor.SetMode(cursor.CursorStatic)
	ti.Focus()
	return &tagEditor{caseName: caseName, current: current, input: ti, save: save}
}

func (d *tagEditor) update(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	switch {
	case m.keys.is(msg, "back"):
		return nil, nil
	case m.keys.is(msg, "submit"):
		add, remove := parseTagEdit(d.input.Value())
		if len(add)+len(remove) == 0 {
			return nil, nil
		}
		return nil, func(m *Model) tea.Cmd { return d.save(m, add, remove) }
	}
	d.input, _ = updateInput(d.input, msg)
	return d, nil
}

// parseTagEdit reads "+a -b c": a bare word adds, like +.
func parseTagEdit(s string) (add, remove []string) {
	for _, w := range strings.Fields(s) {
		switch {
		case strings.HasPrefix(w, "-") && len(w) > 1:
			remove = append(remove, w[1:])
		case strings.HasPrefix(w, "+") && len(w) > 1:
			add = append(add, w[1:])
		case w != "+" && w != "-":
			add = append(add, w)
		}
	}
	return add, remove
}

func (d *tagEditor) view(m *Model, width int) string {
	inner := width - 4
	d.input.Width = max(5, inner-3)
	now := ""
	if d.current != nil {
		now = "none"
		if len(d.current) > 0 {
			now = strings.Join(d.current, ", ")
		}
		now = m.styles.dim.Render(clip("now: "+clean(now), inner)) + "\n"
	}
	return m.styles.title.Render(clip("Tags of "+clean(d.caseName), inner)) + "\n" + now + d.input.View() + "\n" +
		m.styles.dim.Render(clip("+tag adds · -tag removes · enter save · esc cancel", inner))
}

// ---- assignee picker ----

// userPicker is a fuzzy finder over the users, showing each one's load.
type userPicker struct {
	caseName string
	users    []pickUser
	shown    []pickUser
	cursor   int
	input    textinput.Model
	pick     func(m *Model, to string) tea.Cmd
}

type pickUser struct {
	name, detail string
	open         int
}

func newUserPicker(caseName string, users []model.User, load map[string]int, pick func(m *Model, to string) tea.Cmd) *userPicker {
	ti := textinput.New()
	ti.Prompt = "> "
	ti.Placeholder = "type to find a user"
	ti.Cursor.SetMode(cursor.CursorStatic)
	ti.Focus()
	p := &userPicker{caseName: caseName, input: ti, pick: pick}
	for _, u := range users {
		detail := string(u.Role)
		if u.Availability != model.Available && u.Availability != "" {
			detail += ", " + string(u.Availability)
		}
		p.users = append(p.users, pickUser{name: u.Name, detail: detail, open: load[u.Name]})
	}
	p.users = append(p.users, pickUser{name: "", detail: "unassign"})
	p.filter()
	return p
}

func (p *userPicker) filter() {
	q := strings.ToLower(p.input.Value())
	type scored struct {
		u     pickUser
		score int
	}
	var hits []scored
	for _, u := range p.users {
		label := u.name
		if label == "" {
			label = "nobody"
		}
		if s, ok := fuzzyScore(strings.ToLower(label), q); ok {
			hits = append(hits, scored{u, s})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	p.shown = p.shown[:0]
	for _, h := range hits {
		p.shown = append(p.shown, h.u)
	}
	p.cursor = min(p.cursor, max(0, len(p.shown)-1))
}

// fuzzyScore matches the letters of q in order within s. A match at the
// start, runs of consecutive letters and early letters score higher.
func fuzzyScore(s, q string) (int, bool) {
	score, run, i := 0, 0, 0
	for j := 0; j < len(s) && i < len(q); j++ {
		if s[j] != q[i] {
			run = 0
			continue
		}
		i++
		run++
		score += 5*run + max(0, 10-j)
		if j == 0 {
			score += 15
		}
	}
	return score, i == len(q)
}

func (p *userPicker) update(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	switch msg.String() {
	case "esc":
		return nil, nil
	case "enter":
		if len(p.shown) == 0 {
			return p, nil
		}
		to := p.shown[p.cursor].name
		return nil, func(m *Model) tea.Cmd { return p.pick(m, to) }
	case "down", "ctrl+n", "ctrl+j":
		p.cursor = max(0, min(p.cursor+1, len(p.shown)-1))
		return p, nil
	case "up", "ctrl+p", "ctrl+k":
		p.cursor = max(p.cursor-1, 0)
		return p, nil
	}
	p.input, _ = updateInput(p.input, msg)
	p.filter()
	return p, nil
}

func (p *userPicker) view(m *Model, width int) string {
	inner := width - 4
	p.input.Width = max(5, inner-3)
	var b strings.Builder
	b.WriteString(m.styles.title.Render(clip("Assign "+clean(p.caseName)+" to…", inner)) + "\n" + p.input.View() + "\n")
	for i, u := range p.shown {
		if i == 10 {
			b.WriteString(m.styles.dim.Render(fmt.Sprintf("  … %d more", len(p.shown)-10)) + "\n")
			break
		}
		name := u.name
		if name == "" {
			name = "nobody"
		}
		line := fmt.Sprintf("  %-14s %s", clean(name), m.styles.dim.Render(u.detail))
		if u.name != "" {
			line += m.styles.dim.Render(fmt.Sprintf(" · %d open", u.open))
		}
		if i == p.cursor {
			line = m.styles.selected.Render(fit("▶"+line[1:], inner))
		}
		b.WriteString(clip(line, inner) + "\n")
	}
	b.WriteString(m.styles.dim.Render(clip("↑/↓ choose · enter assign · esc cancel", inner)))
	return b.String()
}

// ---- SLA ----

// slaBox asks for a new deadline ("4h", "3d") or "clear".
type slaBox struct {
	target  string
	input   textinput.Model
	problem string
	save    func(m *Model, d time.Duration) tea.Cmd
}

func newSLABox(target string, save func(m *Model, d time.Duration) tea.Cmd) *slaBox {
	ti := textinput.New()
	ti.Prompt = "> "
	ti.Placeholder = "4h, 3d or clear"
	ti.Cursor.SetMode(cursor.CursorStatic)
	ti.Focus()
	return &slaBox{target: target, input: ti, save: save}
}

func (d *slaBox) update(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	switch {
	case m.keys.is(msg, "back"):
		return nil, nil
	case m.keys.is(msg, "submit"):
		text := strings.TrimSpace(d.input.Value())
		var dur time.Duration
		if text != "clear" {
			var err error
			if dur, err = model.ParseDuration(text); err != nil || dur == 0 {
				d.problem = "want a duration such as 4h or 3d, or clear"
				return d, nil
			}
		}
		return nil, func(m *Model) tea.Cmd { return d.save(m, dur) }
	}
	d.input, _ = updateInput(d.input, msg)
	return d, nil
}

func (d *slaBox) view(m *Model, width int) string {
	inner := width - 4
	d.input.Width = max(5, inner-3)
	s := m.styles.title.Render(clip("SLA of "+clean(d.target), inner)) + "\n" +
		m.styles.dim.Render(clip("the new deadline counts from now", inner)) + "\n" + d.input.View() + "\n"
	if d.problem != "" {
		s += m.styles.errorMsg.Render(clip(d.problem, inner)) + "\n"
	}
	return s + m.styles.dim.Render(clip("enter save · esc cancel", inner))
}

// ---- bulk results ----

// resultBox shows what a bulk operation did, refusals with their reasons.
type resultBox struct {
	title string
	lines []string
}

func (d *resultBox) update(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	if m.keys.is(msg, "back") || m.keys.is(msg, "submit") || m.keys.is(msg, "cancel") {
		return nil, nil
	}
	return d, nil
}

func (d *resultBox) view(m *Model, width int) string {
	inner := width - 4
	out := []string{m.styles.title.Render(clip(d.title, inner))}
	for i, l := range d.lines {
		if i == 12 {
			out = append(out, m.styles.dim.Render(fmt.Sprintf("… %d more", len(d.lines)-12)))
			break
		}
		for _, w := range wrapText(l, inner) {
			out = append(out, w)
		}
	}
	return strings.Join(append(out, m.styles.dim.Render("enter or esc closes")), "\n")
}
