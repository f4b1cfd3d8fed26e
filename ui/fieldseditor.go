package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"docket/model"
	"docket/store"
	"docket/ui/safe"
)

// ---- enrichment in the workstation ----

// fieldsEditor edits a case's enrichment as indented JSON in a text area
// that fills the screen between the header and the footer: where $EDITOR
// cannot run (over SSH), or is not set. Every key is text but save and
// back. A save sends the difference as a merge patch with the version
// the edit began from, so a change made meanwhile is refused as a
// conflict and the text stays.
type fieldsEditor struct {
	caseID, caseName string
	version          int64  // the case's version the edit is made against
	before           []byte // its fields then: the patch is the difference from them
	opened           string // the text as opened, to know whether it changed
	text             textarea.Model
	problem          string // why the last save was refused, shown under the text
	saving           bool   // a save is on its way to the store
	// againstNow: the last save was refused because the case changed; the
	// next one is made against the case as it is then.
	againstNow bool
}

// Most the text area holds: bubbles' textarea keeps at most
// textareaMaxLines lines, and redraws every line at every key.
const editorMaxBytes = 1 << 20

// editorSet reports whether an editor program is configured or named by
// $VISUAL or $EDITOR.
func (m *Model) editorSet() bool {
	for _, s := range []string{m.opts.Editor, os.Getenv("VISUAL"), os.Getenv("EDITOR")} {
		if strings.TrimSpace(s) != "" {
			return true
		}
	}
	return false
}

// openFieldsEditor opens the in-app editor on the enrichment of the case on
// display. The store checks the permission again when the edit is saved.
func (m *Model) openFieldsEditor() {
	c := m.actionCase()
	if c == nil {
		return
	}
	if err := model.Authorize(m.user, model.ActFields, c); err != nil {
		m.flashErr(err)
		return
	}
	text := editorText(c.Fields)
	if lines := strings.Count(text, "\n") + 1; lines > textareaMaxLines || len(text) > editorMaxBytes {
		m.flashErr(fmt.Errorf("the enrichment of %s is %d lines (%s), more than the editor here holds (%d lines, %s): use docket case enrich %s FILE|-",
			c.Name, lines, model.ByteSize(int64(len(text))), textareaMaxLines, model.ByteSize(editorMaxBytes), c.Name))
		return
	}
	ta := m.styles.textArea()
	ta.ShowLineNumbers = true // an invalid edit is named by line and column
	ta.Prompt = ""
	ta.CharLimit = 0
	ta.SetValue(text)
	ta.Focus()
	ta, _ = ta.Update(tea.KeyMsg{Type: tea.KeyCtrlHome}) // SetValue leaves the cursor at the end
	m.editor = &fieldsEditor{caseID: c.ID, caseName: c.Name, version: c.Version, before: c.Fields, opened: ta.Value(), text: ta}
	m.sizeEditor()
}

// editorText is the fields as indented JSON, as stored (numbers keep every
// digit), with every character the screen must not draw raw (controls,
// bidi and invisible format characters, line separators) written as a
// \u escape: inside a JSON string it means the same, so a value left alone
// is saved unchanged.
func editorText(fields []byte) string {
	var b bytes.Buffer
	if len(bytes.TrimSpace(fields)) == 0 || json.Indent(&b, fields, "", "  ") != nil {
		b.Reset()
		b.WriteString("{}")
	}
	s := b.String()
	var out strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			out.WriteRune(r)
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || safe.IsFormat(r) || r == 0x2028 || r == 0x2029:
			if r > 0xffff {
				hi, lo := utf16.EncodeRune(r)
				fmt.Fprintf(&out, `\u%04x\u%04x`, hi, lo)
			} else {
				fmt.Fprintf(&out, `\u%04x`, r)
			}
		default:
			out.WriteRune(r)
		}
	}
	return out.String()
}

// sizeEditor fits the text area to the screen: the body, less a title line
// above and the status lines below (what is wrong, at most three lines).
func (m *Model) sizeEditor() {
	e := m.editor
	if e == nil {
		return
	}
	height := max(1, m.height-2-1-len(m.editorStatus()))
	// The text area numbers lines with as many digits as MaxHeight has,
	// but keeps room for two: make room for the digits the text needs.
	digits := max(2, len(strconv.Itoa(max(e.text.LineCount(), height))))
	e.text.MaxHeight = int(math.Pow10(digits)) - 1
	e.text.SetWidth(max(1, m.width-(digits-2)))
	e.text.SetHeight(height)
}

func (e *fieldsEditor) changed() bool { return e.text.Value() != e.opened }

// editorKey handles a key while the editor is open.
func (m *Model) editorKey(msg tea.KeyMsg) tea.Cmd {
	e := m.editor
	if e.saving {
		return nil // the text stays as sent until the store answers
	}
	switch {
	case m.keys.is(msg, "save"):
		return m.saveFields()
	case m.keys.is(msg, "back"):
		if !e.changed() {
			m.editor = nil
			return nil
		}
		m.dialog = &confirm{
			question: fmt.Sprintf("Drop your changes to the enrichment of %s? Nothing has been saved.", clean(e.caseName)),
			yesLabel: "Drop them", noLabel: "Keep editing",
			onYes: func(m *Model) tea.Cmd {
				m.editor = nil
				m.flash("edit dropped; nothing saved")
				return nil
			},
			onNo: func(m *Model) tea.Cmd { return nil },
		}
		return nil
	case msg.Type == tea.KeyTab:
		e.text.InsertString("  ")
		return nil
	}
	if err := fitsTextarea(e.text, msg); err != nil {
		e.problem = strings.Replace(err.Error(), "a comment here", "the editor", 1)
		return nil
	}
	e.text = updateTextarea(e.text, msg)
	return nil
}

// fieldsSavedMsg brings the store's answer to a save.
type fieldsSavedMsg struct{ done writeDoneMsg }

// saveFields checks the text and sends the difference from the fields as
// they were (or, after a conflict, as they are now) as a merge patch.
func (m *Model) saveFields() tea.Cmd {
	e := m.editor
	text := []byte(e.text.Value())
	if err := jsonProblem(text); err != nil {
		e.problem = err.Error() + "; nothing saved"
		return nil
	}
	patch, err := model.MergeDiff(e.before, text)
	if err != nil {
		e.problem = err.Error() + "; nothing saved"
		return nil
	}
	if string(patch) == "{}" && !e.againstNow {
		m.editor = nil
		m.flash("the enrichment of " + e.caseName + " is unchanged; nothing saved")
		return nil
	}
	e.saving, e.problem = true, ""
	st, t, againstNow := m.st, store.Target{Actor: m.user.Name, Case: e.caseID, Expect: e.version}, e.againstNow
	done := writeDoneMsg{done: "enrichment of " + e.caseName + " saved", caseID: e.caseID, index: m.queue.cursor}
	return func() tea.Msg {
		if againstNow {
			c, err := st.Case(t.Case)
			if err == nil {
				t.Expect = c.Version
				patch, err = model.MergeDiff(c.Fields, text)
			}
			if err != nil {
				done.err = err
				return fieldsSavedMsg{done}
			}
		}
		_, done.err = st.UpdateFields(t, patch)
		return fieldsSavedMsg{done}
	}
}

// afterFieldsSaved closes the editor on a save, or keeps it, with the
// text, on a refusal. After a conflict the next save is made against the
// case as it is then: the text replaces what the other change did.
func (m *Model) afterFieldsSaved(msg fieldsSavedMsg) {
	e := m.editor
	if e == nil || e.caseID != msg.done.caseID {
		m.afterWrite(msg.done)
		return
	}
	e.saving = false
	if err := msg.done.err; err != nil {
		e.problem = err.Error() + "; nothing saved, your text is kept"
		if errors.Is(err, model.ErrConflict) {
			e.againstNow = true
			e.problem += fmt.Sprintf(" (%s saves it over the change, %s drops it)", m.keys.first("save"), m.keys.first("back"))
		}
		m.refreshAll()
		return
	}
	m.editor = nil
	m.afterWrite(msg.done)
}

// jsonProblem says where text is not JSON, by line and column.
func jsonProblem(text []byte) error {
	if len(bytes.TrimSpace(text)) == 0 {
		return errors.New("the text is empty: write {} to remove every field")
	}
	var v any
	err := json.Unmarshal(text, &v)
	var syn *json.SyntaxError
	if !errors.As(err, &syn) {
		return nil // valid JSON; MergeDiff says if it is not an object
	}
	at := int(syn.Offset) - 1 // the byte that did not fit
	if syn.Offset >= int64(len(text)) {
		at = len(bytes.TrimRight(text, " \t\r\n")) // it ended early: just after the last character
	}
	at = max(0, min(at, len(text)))
	line := bytes.Count(text[:at], []byte("\n")) + 1
	col := utf8.RuneCount(text[bytes.LastIndexByte(text[:at], '\n')+1:at]) + 1
	return fmt.Errorf("not valid JSON at line %d, column %d: %s", line, col, strings.TrimPrefix(syn.Error(), "json: "))
}

// editorView fills the body: a title, the text, what is wrong.
func (m *Model) editorView(height int) string {
	e := m.editor
	title := m.styles.title.Render("Enrichment of "+clean(e.caseName)) +
		m.styles.dim.Render(fmt.Sprintf(" · v%d · JSON, saved as a merge patch", e.version))
	m.sizeEditor()
	lines := append([]string{fit(title, m.width)}, strings.Split(e.text.View(), "\n")...)
	return frame(strings.Join(append(lines, m.editorStatus()...), "\n"), m.width, height)
}

// editorStatus is the line under the text: that a save is on its way, or
// why the last one was refused, or that the case changed meanwhile (the
// change feed), or where the cursor is. At most three lines.
func (m *Model) editorStatus() []string {
	e := m.editor
	problem := e.problem
	if d := m.pane.detail; problem == "" && d != nil && d.Case.ID == e.caseID && d.Case.Version != e.version && !e.againstNow {
		problem = fmt.Sprintf("%s changed since you opened it (now v%d): a save will be refused as a conflict", e.caseName, d.Case.Version)
	}
	switch {
	case e.saving:
		return []string{m.styles.dim.Render("saving…")}
	case problem != "":
		lines := wrapText("✗ "+clean(problem), m.width)
		if len(lines) > 3 {
			lines = append(lines[:2], clip(strings.Join(lines[2:], " "), m.width))
		}
		return styleLines(m.styles.errorMsg, lines)
	}
	li := e.text.LineInfo()
	return []string{m.styles.dim.Render(fmt.Sprintf("line %d, column %d", e.text.Line()+1, li.StartColumn+li.ColumnOffset+1))}
}

// styleLines renders each line in style.
func styleLines(style lipgloss.Style, lines []string) []string {
	for i, l := range lines {
		lines[i] = style.Render(l)
	}
	return lines
}
