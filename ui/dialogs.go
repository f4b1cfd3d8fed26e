package ui

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"docket/model"
	"docket/store"
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
// their keys, the others with why not. A status key chooses as the key
// does on the queue; enter chooses with the full form (reason and
// comment) for a status that takes a reason.
type statusMenu struct {
	caseName string
	options  []workflows.Option
	cursor   int
	blocked  error // the user may not move this case at all
	// For the selection: the statuses of the workflows its cases use
	// (each case checked by the plan before anything moves), how many of
	// the cases each applies to, and the cases.
	bulk   bool
	counts []int
	ids    []string
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
		return d.choose(d.cursor, true)
	default:
		for i, o := range d.options {
			if o.Status.Key != "" && msg.String() == o.Status.Key {
				return d.choose(i, false)
			}
		}
	}
	return d, nil
}

func (d *statusMenu) choose(i int, full bool) (dialog, outcome) {
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
		return nil, func(m *Model) tea.Cmd { return m.beginBulkMove(o.Status, d.ids, full) }
	}
	return nil, func(m *Model) tea.Cmd { return m.beginMove(o.Status, full) }
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
		if d.bulk && i < len(d.counts) {
			line += fmt.Sprintf(" · %d of %d", d.counts[i], len(d.ids))
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
	b.WriteString(strings.Join(dimLines(m, wrapText("key chooses · enter chooses with a reason and comment · esc close", inner)), "\n"))
	return b.String()
}

// ---- reason and comment ----

// moveForm asks for the reason code and the comment of a move. A required
// reason starts unchosen and the form does not go on without one; an
// optional one starts at "no reason". Letters typed filter the reasons,
// a digit picks one by its number and goes on, ↑/↓ step through them
// (round from the last to the first).
type moveForm struct {
	move    pendingMove
	reasons []string // "" (no reason) first when the reason is optional
	pick    int      // index into reasons; -1 while none is chosen
	filter  string   // typed letters narrow the list
	comment textarea.Model
	field   int // 0 reason, 1 comment
	problem string
}

// newMoveForm opens the form for pm on field (0 reason, 1 comment), with
// what pm carries or else the case's unsent draft.
func newMoveForm(m *Model, pm pendingMove, field int) *moveForm {
	f := &moveForm{move: pm, pick: -1}
	st := pm.status
	if len(st.Reasons) > 0 {
		if !st.RequireReason {
			f.reasons = append(f.reasons, "")
			f.pick = 0
		}
		f.reasons = append(f.reasons, st.Reasons...)
	}
	if pm.reason != "" {
		f.pick = slices.Index(f.reasons, pm.reason)
	}
	f.comment = newTextarea(m.styles, m.keys)
	text := pm.comment
	if text == "" {
		text = m.drafts[pm.draftKey()]
	}
	f.comment.SetValue(text)
	f.focus(field)
	return f
}

func (f *moveForm) focus(field int) {
	if len(f.reasons) == 0 {
		field = 1
	}
	f.field = field
	if field == 1 {
		f.comment.Focus()
	} else {
		f.comment.Blur()
	}
}

// matches lists the indexes of the reasons the filter lets through: those
// of which a word starts with it ("mis" finds identity-mismatch, a stray
// "y" finds nothing).
func (f *moveForm) matches() []int {
	var out []int
	for i, r := range f.reasons {
		if f.filter == "" || r != "" && startsWord(strings.ToLower(r), strings.ToLower(f.filter)) {
			out = append(out, i)
		}
	}
	return out
}

// startsWord reports whether text, or one of its words (split at dashes,
// underscores and spaces), starts with prefix.
func startsWord(text, prefix string) bool {
	for {
		if strings.HasPrefix(text, prefix) {
			return true
		}
		i := strings.IndexAny(text, "-_ ")
		if i < 0 {
			return false
		}
		text = text[i+1:]
	}
}

// number is the digit that picks reason i: 0 for "no reason", then 1, 2, …
func (f *moveForm) number(i int) int {
	if len(f.reasons) > 0 && f.reasons[0] == "" {
		return i
	}
	return i + 1
}

func (f *moveForm) update(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	switch {
	case m.keys.is(msg, "back"):
		text := strings.TrimSpace(f.comment.Value())
		m.keepDraft(f.move.draftKey(), text)
		return nil, func(m *Model) tea.Cmd {
			if text != "" {
				m.flash("move cancelled; nothing changed; your comment is kept as a draft for " + clean(f.move.caseName))
			} else {
				m.flash("move cancelled; nothing changed")
			}
			return nil
		}
	case m.keys.is(msg, "submit"):
		return f.next(m)
	case msg.String() == "tab" || msg.String() == "shift+tab":
		f.focus(1 - f.field)
		return f, nil
	}
	if f.field == 1 {
		if err := fitsTextarea(f.comment, msg); err != nil {
			f.problem = err.Error()
			return f, nil
		}
		f.comment = updateTextarea(f.comment, msg)
		return f, nil
	}
	return f.reasonKey(m, msg)
}

// reasonKey handles a key on the reason list.
func (f *moveForm) reasonKey(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	shown := f.matches()
	at := slices.Index(shown, f.pick)
	switch msg.String() {
	case "down", "ctrl+n":
		if len(shown) > 0 {
			f.pick = shown[(at+1)%len(shown)]
		}
		return f, nil
	case "up", "ctrl+p":
		if at < 0 {
			at = 0 // from nothing chosen, up goes to the last
		}
		if len(shown) > 0 {
			f.pick = shown[(at-1+len(shown))%len(shown)]
		}
		return f, nil
	case "backspace":
		if r := []rune(f.filter); len(r) > 0 {
			f.setFilter(string(r[:len(r)-1]))
		}
		return f, nil
	}
	if msg.Type != tea.KeyRunes || msg.Alt || len(msg.Runes) != 1 {
		return f, nil
	}
	r := msg.Runes[0]
	if r >= '0' && r <= '9' {
		for i := range f.reasons {
			if f.number(i) == int(r-'0') {
				f.pick = i
				return f.next(m)
			}
		}
		f.problem = fmt.Sprintf("no reason has the number %c", r)
		return f, nil
	}
	if unicode.IsPrint(r) {
		f.setFilter(f.filter + string(r))
	}
	return f, nil
}

// setFilter narrows the list; the first match becomes the choice.
func (f *moveForm) setFilter(text string) {
	f.filter = text
	f.problem = ""
	if text == "" {
		return
	}
	if shown := f.matches(); len(shown) > 0 {
		f.pick = shown[0]
	} else {
		f.pick = -1
		f.problem = fmt.Sprintf("no reason matches %q (backspace to edit)", text)
	}
}

// next goes on from the field in focus: to the comment when one is
// required, else to the move.
func (f *moveForm) next(m *Model) (dialog, outcome) {
	st := f.move.status
	if f.pick < 0 && st.RequireReason {
		f.focus(0)
		f.problem = fmt.Sprintf("%s needs a reason: pick one (↑/↓ or its number) to go on", st.Name)
		return f, nil
	}
	if f.field == 0 && st.RequireComment && strings.TrimSpace(f.comment.Value()) == "" {
		f.focus(1)
		f.problem = ""
		return f, nil
	}
	return f.submit(m)
}

func (f *moveForm) submit(m *Model) (dialog, outcome) {
	pm := f.move
	pm.reason = ""
	if f.pick >= 0 {
		pm.reason = f.reasons[f.pick]
	}
	pm.comment = strings.TrimSpace(f.comment.Value())
	if pm.status.RequireComment && pm.comment == "" {
		f.problem = pm.status.Name + " needs a comment"
		f.focus(1)
		return f, nil
	}
	if err := m.st.CheckComment(pm.comment); err != nil {
		f.problem = err.Error() + "; nothing was sent"
		f.focus(1)
		return f, nil
	}
	f.problem = ""
	m.keepDraft(pm.draftKey(), pm.comment) // until the move is made
	pm.form = f
	return nil, func(m *Model) tea.Cmd { return m.confirmOrRun(pm) }
}

func (f *moveForm) view(m *Model, width int) string {
	inner := width - 4
	f.comment.SetWidth(max(10, inner))
	var b strings.Builder
	b.WriteString(m.styles.title.Render(clip(fmt.Sprintf("Move %s to %s", clean(f.move.caseName), f.move.status.Name), inner)) + "\n")
	if len(f.reasons) > 0 {
		label := "Reason"
		switch {
		case f.move.status.RequireReason && f.pick < 0:
			label += " (required: pick one to go on)"
		case f.move.status.RequireReason:
			label += " (required)"
		}
		if f.filter != "" {
			label += "  filter: " + f.filter
		}
		b.WriteString(f.label(m, clip(label, inner-2), f.field == 0) + "\n")
		for _, i := range f.matches() {
			r := f.reasons[i]
			if r == "" {
				r = "no reason"
			}
			marker := "( )"
			if i == f.pick {
				marker = "(•)"
			}
			line := clip(fmt.Sprintf("  %d %s %s", f.number(i), marker, r), inner)
			if i == f.pick && f.field == 0 {
				line = m.styles.selected.Render(line)
			}
			b.WriteString(line + "\n")
		}
	}
	label := "Comment"
	if f.move.status.RequireComment {
		label += " (required)"
	} else {
		label += " (optional)"
	}
	b.WriteString(f.label(m, label, f.field == 1) + "\n")
	b.WriteString(f.comment.View() + "\n")
	b.WriteString(countLine(m, f.comment.Value(), inner) + "\n")
	if f.problem != "" {
		for _, l := range wrapText(f.problem, inner) {
			b.WriteString(m.styles.errorMsg.Render(l) + "\n")
		}
	}
	hint := "tab reason · enter next/save · " + m.keys.binding("newline").Help().Key + " new line · esc cancel (keeps a draft)"
	if f.field == 0 {
		hint = "type to filter · digit picks · ↑/↓ choose · tab comment · enter next · esc cancel"
	}
	if len(f.reasons) == 0 {
		hint = strings.TrimPrefix(hint, "tab reason · ")
	}
	b.WriteString(strings.Join(dimLines(m, wrapText(hint, inner)), "\n"))
	return b.String()
}

func (f *moveForm) label(m *Model, s string, focused bool) string {
	if focused {
		return m.styles.accent.Render("▸ " + s)
	}
	return m.styles.dim.Render("  " + s)
}

// countLine shows how long a comment is and the most it may be; over the
// limit it says so (the form then refuses to send it).
func countLine(m *Model, text string, width int) string {
	text = strings.TrimSpace(text)
	limit := m.st.CommentLimit()
	s := fmt.Sprintf("%d characters · limit %s", utf8.RuneCountInString(text), model.ByteSize(int64(limit)))
	if len(text) > limit {
		return m.styles.errorMsg.Render(clip(fmt.Sprintf("%s over the limit of %s: shorten it to send", model.ByteSize(int64(len(text)-limit)), model.ByteSize(int64(limit))), width))
	}
	return m.styles.dim.Render(clip(s, width))
}

// newTextarea is a comment input. It cuts nothing: a comment longer than
// the store allows is refused when sent, with the text kept.
func newTextarea(s styles, keys KeyMap) textarea.Model {
	ta := s.textArea()
	ta.Placeholder = "write here…"
	ta.ShowLineNumbers = false
	ta.Prompt = "│ "
	ta.CharLimit = 0 // no cut: the store's limit is checked on sending
	ta.MaxHeight = 0 // as many lines as are typed
	ta.SetHeight(4)
	ta.KeyMap.InsertNewline = key.NewBinding(key.WithKeys(keys.binding("newline").Keys()...))
	return ta
}

// textareaMaxLines is the most lines the textarea holds: it drops the
// lines of a paste beyond them (bubbles' textarea, maxLines).
const textareaMaxLines = 10000

// fitsTextarea refuses a paste the textarea would cut.
func fitsTextarea(ta textarea.Model, msg tea.KeyMsg) error {
	if msg.Type != tea.KeyRunes {
		return nil
	}
	added := 0
	for _, r := range msg.Runes {
		if r == '\n' {
			added++
		}
	}
	if lines := strings.Count(ta.Value(), "\n") + 1 + added; added > 0 && lines > textareaMaxLines {
		return fmt.Errorf("the paste would make %d lines; a comment here holds at most %d: nothing was pasted", lines, textareaMaxLines)
	}
	return nil
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

// ---- confirmation ----

// confirm asks before something that cannot simply be taken back.
// Cancel has the focus, so a stray enter changes nothing. A confirmation
// reached from a form goes back to it on n or esc, with what was typed;
// a move's confirmation offers r and m to add a reason or a comment.
type confirm struct {
	question string
	details  []string // listed under the question (a bulk plan)
	yesLabel string
	noLabel  string // default "Cancel"
	focus    int    // 0 Cancel, 1 yes
	onYes    outcome
	onNo     outcome // what n, esc and Cancel do besides closing; nil: say "cancelled"
	back     dialog  // n and esc return here; nil: they cancel
	onReason outcome // r; nil when not offered
	onNote   outcome // m; nil when not offered
}

func (d *confirm) update(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	switch {
	case m.keys.is(msg, "confirm"):
		return nil, d.onYes
	case m.keys.is(msg, "cancel"), m.keys.is(msg, "back"):
		return d.cancel()
	case d.onReason != nil && m.keys.is(msg, "add-reason"):
		return nil, d.onReason
	case d.onNote != nil && m.keys.is(msg, "add-comment"):
		return nil, d.onNote
	case m.keys.is(msg, "next-field"), m.keys.is(msg, "prev-field"):
		d.focus = 1 - d.focus
	case m.keys.is(msg, "submit"):
		if d.focus == 1 {
			return nil, d.onYes
		}
		return d.cancel()
	}
	return d, nil
}

func (d *confirm) cancel() (dialog, outcome) {
	switch {
	case d.back != nil:
		return d.back, nil
	case d.onNo != nil:
		return nil, d.onNo
	}
	return nil, func(m *Model) tea.Cmd { m.flash("cancelled; nothing changed"); return nil }
}

func (d *confirm) view(m *Model, width int) string {
	inner := width - 4
	no := d.noLabel
	if no == "" {
		no = "Cancel"
	}
	cancel, yes := m.styles.button.Render(no), m.styles.button.Render(d.yesLabel)
	if d.focus == 0 {
		cancel = m.styles.buttonFocused.Render("[" + no + "]")
	} else {
		yes = m.styles.buttonFocused.Render("[" + d.yesLabel + "]")
	}
	lines := wrapText(d.question, inner)
	if len(d.details) > 0 {
		lines = append(lines, "")
		var more []string
		for _, l := range d.details {
			// A wrapped line hangs under its text, past its indent.
			indent := strings.Repeat(" ", len(l)-len(strings.TrimLeft(l, " "))+2)
			for i, w := range wrapText(strings.TrimLeft(l, " "), inner-len(indent)) {
				if i == 0 {
					w = indent[2:] + w
				} else {
					w = indent + w
				}
				more = append(more, w)
			}
		}
		room := max(2, m.height-10-len(lines))
		if len(more) > room {
			more = append(more[:room-1], m.styles.dim.Render(fmt.Sprintf("… %d more lines", len(more)-room+1)))
		}
		lines = append(lines, more...)
	}
	hint := "y accept · "
	switch {
	case d.back != nil:
		hint += "n/esc back to the form · "
	case d.noLabel != "":
		hint += "n/esc " + strings.ToLower(d.noLabel) + " · "
	default:
		hint += "n/esc cancel · "
	}
	if d.onReason != nil {
		hint += m.keys.binding("add-reason").Help().Key + " reason · "
	}
	if d.onNote != nil {
		hint += m.keys.binding("add-comment").Help().Key + " comment · "
	}
	hint += "←/→ choose · enter press"
	return strings.Join(lines, "\n") + "\n\n" + cancel + "  " + yes + "\n" +
		strings.Join(dimLines(m, wrapText(hint, inner)), "\n")
}

func dimLines(m *Model, lines []string) []string {
	for i, l := range lines {
		lines[i] = m.styles.dim.Render(l)
	}
	return lines
}

// ---- comment ----

// commentBox writes a comment on a case. esc keeps what was typed as the
// case's draft; the next comment form on the case starts from it.
type commentBox struct {
	caseName string
	draftKey string
	text     textarea.Model
	problem  string
	save     func(m *Model, body string) tea.Cmd
}

func newCommentBox(m *Model, caseID, caseName string, save func(m *Model, body string) tea.Cmd) *commentBox {
	ta := newTextarea(m.styles, m.keys)
	ta.SetValue(m.drafts[caseID])
	ta.Focus()
	return &commentBox{caseName: caseName, draftKey: caseID, text: ta, save: save}
}

func (d *commentBox) update(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	switch {
	case m.keys.is(msg, "back"):
		body := strings.TrimSpace(d.text.Value())
		m.keepDraft(d.draftKey, body)
		if body == "" {
			return nil, nil
		}
		return nil, func(m *Model) tea.Cmd {
			m.flash(fmt.Sprintf("comment kept as a draft for %s (%s reopens it)", clean(d.caseName), m.keys.binding("comment").Help().Key))
			return nil
		}
	case m.keys.is(msg, "submit"):
		body := strings.TrimSpace(d.text.Value())
		if body == "" {
			d.problem = "the comment is empty"
			return d, nil
		}
		if err := m.st.CheckComment(body); err != nil {
			d.problem = err.Error() + "; nothing was sent"
			return d, nil
		}
		m.keepDraft(d.draftKey, body) // until the comment is saved
		return nil, func(m *Model) tea.Cmd { return d.save(m, body) }
	}
	if err := fitsTextarea(d.text, msg); err != nil {
		d.problem = err.Error()
		return d, nil
	}
	d.text = updateTextarea(d.text, msg)
	return d, nil
}

func (d *commentBox) view(m *Model, width int) string {
	inner := width - 4
	d.text.SetWidth(max(10, inner))
	s := m.styles.title.Render(clip("Comment on "+clean(d.caseName), inner)) + "\n" + d.text.View() + "\n" +
		countLine(m, d.text.Value(), inner) + "\n"
	if d.problem != "" {
		for _, l := range wrapText(d.problem, inner) {
			s += m.styles.errorMsg.Render(l) + "\n"
		}
	}
	return s + m.styles.dim.Render(clip("enter save · "+m.keys.binding("newline").Help().Key+" new line · esc keeps a draft", inner))
}

// ---- tags ----

type tagEditor struct {
	caseName string
	current  []string
	input    textinput.Model
	save     func(m *Model, add, remove []string) tea.Cmd
}

func newTagEditor(s styles, caseName string, current []string, save func(m *Model, add, remove []string) tea.Cmd) *tagEditor {
	ti := s.textInput()
	ti.Prompt = "> "
	ti.Placeholder = "+tag -tag …"
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

func newUserPicker(s styles, caseName string, users []model.User, load map[string]int, pick func(m *Model, to string) tea.Cmd) *userPicker {
	ti := s.textInput()
	ti.Prompt = "> "
	ti.Placeholder = "type to find a user"
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

// slaBox asks for a new deadline ("4h", "3d") or "clear", saying what
// the deadline is now.
type slaBox struct {
	target  string
	now     string // the current deadline, in words ("" for a selection)
	input   textinput.Model
	problem string
	save    func(m *Model, d time.Duration) tea.Cmd
}

func newSLABox(s styles, target, now string, save func(m *Model, d time.Duration) tea.Cmd) *slaBox {
	ti := s.textInput()
	ti.Prompt = "> "
	ti.Placeholder = "4h, 3d or clear"
	ti.Focus()
	return &slaBox{target: target, now: now, input: ti, save: save}
}

// deadlineText says a case's deadline for the SLA box: when it is due and
// how long from now, or that it has none.
func deadlineText(due, now time.Time) string {
	if due.IsZero() {
		return "now: no SLA"
	}
	at := due.Local().Format("2006-01-02 15:04")
	if d := due.Sub(now); d >= 0 {
		return fmt.Sprintf("now: due %s (in %s)", at, model.FormatDuration(d))
	}
	return fmt.Sprintf("now: OVERDUE by %s (was due %s)", model.FormatDuration(now.Sub(due)), at)
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
	s := m.styles.title.Render(clip("SLA of "+clean(d.target), inner)) + "\n"
	if d.now != "" {
		s += clip(d.now, inner) + "\n"
	}
	s += m.styles.dim.Render(clip("the new deadline counts from now", inner)) + "\n" + d.input.View() + "\n"
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

// ---- new case ----

// newCaseForm creates a case: a workflow picked from the list, then
// optionally an assignee and fields, one key=value a line (a value that
// reads as JSON is kept as JSON, as docket case create --field does).
type newCaseForm struct {
	workflows []*workflows.Workflow
	pick      int
	assignee  textinput.Model
	fields    textarea.Model
	field     int // 0 workflow, 1 assignee, 2 fields
	problem   string
}

func newNewCaseForm(m *Model) *newCaseForm {
	ti := m.styles.textInput()
	ti.Prompt = "> "
	ti.Placeholder = "nobody (or the workflow's policy)"
	ta := newTextarea(m.styles, m.keys)
	ta.Placeholder = "risk.level=high (one key=value a line)"
	ta.SetHeight(3)
	return &newCaseForm{workflows: m.st.Workflows(), assignee: ti, fields: ta}
}

func (f *newCaseForm) focus(field int) {
	f.field = (field + 3) % 3
	f.assignee.Blur()
	f.fields.Blur()
	switch f.field {
	case 1:
		f.assignee.Focus()
	case 2:
		f.fields.Focus()
	}
}

func (f *newCaseForm) update(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	switch {
	case m.keys.is(msg, "back"):
		return nil, nil
	case m.keys.is(msg, "submit"):
		return f.submit(m)
	case msg.String() == "tab":
		f.focus(f.field + 1)
		return f, nil
	case msg.String() == "shift+tab":
		f.focus(f.field - 1)
		return f, nil
	}
	switch f.field {
	case 0:
		n := len(f.workflows)
		switch s := msg.String(); {
		case s == "down" || s == "ctrl+n" || s == "j":
			f.pick = (f.pick + 1) % n
		case s == "up" || s == "ctrl+p" || s == "k":
			f.pick = (f.pick - 1 + n) % n
		case len(s) == 1 && s[0] >= '1' && s[0] <= '9' && int(s[0]-'1') < n:
			f.pick = int(s[0] - '1')
			f.focus(1)
		}
	case 1:
		f.assignee, _ = updateInput(f.assignee, msg)
	case 2:
		f.fields = updateTextarea(f.fields, msg)
	}
	return f, nil
}

func (f *newCaseForm) submit(m *Model) (dialog, outcome) {
	fields, err := parseFieldLines(f.fields.Value())
	if err != nil {
		f.problem = err.Error()
		f.focus(2)
		return f, nil
	}
	nc := store.NewCase{Workflow: f.workflows[f.pick].ID, Assignee: strings.TrimSpace(f.assignee.Value()), Fields: fields}
	return nil, func(m *Model) tea.Cmd { return m.createCase(nc, f) }
}

// parseFieldLines reads "key=value" lines into a JSON object; a value
// that reads as JSON stays JSON, any other is a string.
func parseFieldLines(text string) (json.RawMessage, error) {
	obj := map[string]any{}
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("fields, line %d: want key=value, got %q", i+1, clip(clean(line), 40))
		}
		var val any = strings.TrimSpace(v)
		var parsed any
		if json.Unmarshal([]byte(strings.TrimSpace(v)), &parsed) == nil {
			val = parsed
		}
		obj[k] = val
	}
	if len(obj) == 0 {
		return nil, nil
	}
	return json.Marshal(obj)
}

func (f *newCaseForm) view(m *Model, width int) string {
	inner := width - 4
	f.assignee.Width = max(5, inner-3)
	f.fields.SetWidth(max(10, inner))
	label := func(s string, i int) string {
		if f.field == i {
			return m.styles.accent.Render("▸ " + s)
		}
		return m.styles.dim.Render("  " + s)
	}
	var b strings.Builder
	b.WriteString(m.styles.title.Render("New case") + "\n" + label("Workflow", 0) + "\n")
	for i, w := range f.workflows {
		marker := "( )"
		if i == f.pick {
			marker = "(•)"
		}
		line := clip(fmt.Sprintf("  %d %s %s · %s (%s-n)", i+1, marker, clean(w.ID), clean(w.Name), w.Key), inner)
		if i == f.pick && f.field == 0 {
			line = m.styles.selected.Render(line)
		}
		b.WriteString(line + "\n")
	}
	b.WriteString(label("Assignee (optional)", 1) + "\n" + f.assignee.View() + "\n")
	b.WriteString(label("Fields (optional)", 2) + "\n" + f.fields.View() + "\n")
	if f.problem != "" {
		for _, l := range wrapText(f.problem, inner) {
			b.WriteString(m.styles.errorMsg.Render(l) + "\n")
		}
	}
	hint := "tab next field · ↑/↓ or digit workflow · enter create · " + m.keys.binding("newline").Help().Key + " new line · esc cancel"
	b.WriteString(strings.Join(dimLines(m, wrapText(hint, inner)), "\n"))
	return b.String()
}

// ---- a line of text: a file to attach ----

// inputBox asks for one line of text, such as a path.
type inputBox struct {
	title, note string
	input       textinput.Model
	problem     string
	submit      func(m *Model, text string) tea.Cmd
}

func newInputBox(s styles, title, note, placeholder string, submit func(m *Model, text string) tea.Cmd) *inputBox {
	ti := s.textInput()
	ti.Prompt = "> "
	ti.Placeholder = placeholder
	ti.Focus()
	return &inputBox{title: title, note: note, input: ti, submit: submit}
}

func (d *inputBox) update(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	switch {
	case m.keys.is(msg, "back"):
		return nil, nil
	case m.keys.is(msg, "submit"):
		text := strings.TrimSpace(d.input.Value())
		if text == "" {
			d.problem = "type a path first"
			return d, nil
		}
		d.problem = ""
		return nil, func(m *Model) tea.Cmd { return d.submit(m, text) }
	}
	d.input, _ = updateInput(d.input, msg)
	return d, nil
}

func (d *inputBox) view(m *Model, width int) string {
	inner := width - 4
	d.input.Width = max(5, inner-3)
	s := m.styles.title.Render(clip(d.title, inner)) + "\n"
	for _, l := range wrapText(d.note, inner) {
		s += m.styles.dim.Render(l) + "\n"
	}
	s += d.input.View() + "\n"
	if d.problem != "" {
		for _, l := range wrapText(d.problem, inner) {
			s += m.styles.errorMsg.Render(l) + "\n"
		}
	}
	return s + m.styles.dim.Render(clip("enter attach · esc cancel", inner))
}

// ---- an attached object to detach ----

// objectPicker lists a case's attached objects; enter detaches one.
type objectPicker struct {
	caseName string
	objects  []model.ObjectRef
	labels   []string // what each object is, for people (a name, a status)
	cursor   int
	pick     func(m *Model, o model.ObjectRef) tea.Cmd
}

func (p *objectPicker) update(m *Model, msg tea.KeyMsg) (dialog, outcome) {
	switch {
	case m.keys.is(msg, "back"), m.keys.is(msg, "cancel"):
		return nil, nil
	case m.keys.is(msg, "down"):
		p.cursor = (p.cursor + 1) % len(p.objects)
	case m.keys.is(msg, "up"):
		p.cursor = (p.cursor - 1 + len(p.objects)) % len(p.objects)
	case m.keys.is(msg, "submit"):
		o := p.objects[p.cursor]
		return nil, func(m *Model) tea.Cmd { return p.pick(m, o) }
	}
	return p, nil
}

func (p *objectPicker) view(m *Model, width int) string {
	inner := width - 4
	var b strings.Builder
	b.WriteString(m.styles.title.Render(clip("Detach an object from "+clean(p.caseName), inner)) + "\n")
	first := max(0, min(p.cursor-4, len(p.objects)-10))
	for i := first; i < min(len(p.objects), first+10); i++ {
		o := p.objects[i]
		line := fmt.Sprintf("  %-12s %s", clip(clean(o.Type), 12), clean(o.ID))
		if p.labels[i] != "" {
			line += m.styles.dim.Render(" · " + clean(p.labels[i]))
		}
		if i == p.cursor {
			line = m.styles.selected.Render(fit("▶"+line[1:], inner))
		}
		b.WriteString(clip(line, inner) + "\n")
	}
	if len(p.objects) > 10 {
		b.WriteString(m.styles.dim.Render(fmt.Sprintf("  %d objects", len(p.objects))) + "\n")
	}
	b.WriteString(m.styles.dim.Render(clip("↑/↓ choose · enter detach · esc cancel", inner)))
	return b.String()
}
