package ui

import (
	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/lipgloss"

	"docket/model"
	"docket/ui/jsontree"
)

// styles are the workstation's styles for one terminal, every one made by
// that terminal's renderer (its colour profile and background): two
// workstations in one process, one per SSH session, each draw for their
// own terminal. Nothing here is shared between them.
type styles struct {
	r                          *lipgloss.Renderer
	title, dim, bold, accent   lipgloss.Style
	selected                   lipgloss.Style
	overdue, dueSoon, errorMsg lipgloss.Style
	okMsg, tabActive, tab      lipgloss.Style
	header, footer, dialog     lipgloss.Style
	button, buttonFocused      lipgloss.Style
	initial, interim, end      lipgloss.Style // statuses by type
	tree                       *jsontree.Styles
}

// newStyles makes the styles with r. Colours adapt to light and dark
// terminals; every meaning carried by a colour is also carried by text (a
// marker, a word), so NO_COLOR works.
func newStyles(r *lipgloss.Renderer) styles {
	var (
		colAccent    = lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#9D86FF"}
		colDim       = lipgloss.AdaptiveColor{Light: "#8A8A8A", Dark: "#6C6C6C"}
		colInitial   = lipgloss.AdaptiveColor{Light: "#0B62C4", Dark: "#5FAFFF"}
		colInterim   = lipgloss.AdaptiveColor{Light: "#A35C00", Dark: "#E8B04A"}
		colEnd       = lipgloss.AdaptiveColor{Light: "#2B7A2B", Dark: "#73C67A"}
		colDanger    = lipgloss.AdaptiveColor{Light: "#C0262D", Dark: "#FF6B6B"}
		colSelection = lipgloss.AdaptiveColor{Light: "#E4DEFF", Dark: "#3B3360"}
	)
	fg := func(c lipgloss.TerminalColor) lipgloss.Style { return r.NewStyle().Foreground(c) }
	return styles{
		r:             r,
		title:         fg(colAccent).Bold(true),
		dim:           fg(colDim),
		bold:          r.NewStyle().Bold(true),
		accent:        fg(colAccent),
		selected:      r.NewStyle().Background(colSelection).Bold(true),
		overdue:       fg(colDanger).Bold(true),
		dueSoon:       fg(colInterim),
		errorMsg:      fg(colDanger).Bold(true),
		okMsg:         fg(colEnd),
		tabActive:     fg(colAccent).Bold(true).Underline(true),
		tab:           fg(colDim),
		header:        r.NewStyle().Bold(true),
		footer:        fg(colDim),
		dialog:        r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(colAccent).Padding(0, 1),
		button:        r.NewStyle().Padding(0, 1),
		buttonFocused: r.NewStyle().Padding(0, 1).Reverse(true).Bold(true),
		initial:       fg(colInitial),
		interim:       fg(colInterim),
		end:           fg(colEnd),
		tree:          jsontree.NewStyles(r),
	}
}

// status colours a status by its type.
func (s styles) status(t model.StatusType) lipgloss.Style {
	switch t {
	case model.Initial:
		return s.initial
	case model.End:
		return s.end
	default:
		return s.interim
	}
}

// textInput is a one-line input drawn by this terminal's renderer:
// bubbles' defaults, which would draw with the process's renderer.
func (s styles) textInput() textinput.Model {
	ti := textinput.New()
	grey := s.r.NewStyle().Foreground(lipgloss.Color("240"))
	ti.PromptStyle, ti.TextStyle = s.r.NewStyle(), s.r.NewStyle()
	ti.PlaceholderStyle, ti.CompletionStyle = grey, grey
	ti.Cursor.Style, ti.Cursor.TextStyle = s.r.NewStyle(), s.r.NewStyle()
	// A steady cursor: a blinking one redraws the screen twice a second.
	ti.Cursor.SetMode(cursor.CursorStatic)
	return ti
}

// textArea is a text area drawn by this terminal's renderer, with
// bubbles' default look.
func (s styles) textArea() textarea.Model {
	ta := textarea.New()
	r := s.r
	fg := func(c lipgloss.TerminalColor) lipgloss.Style { return r.NewStyle().Foreground(c) }
	ta.FocusedStyle = textarea.Style{
		Base:             r.NewStyle(),
		CursorLine:       r.NewStyle().Background(lipgloss.AdaptiveColor{Light: "255", Dark: "0"}),
		CursorLineNumber: fg(lipgloss.AdaptiveColor{Light: "240"}),
		EndOfBuffer:      fg(lipgloss.AdaptiveColor{Light: "254", Dark: "0"}),
		LineNumber:       fg(lipgloss.AdaptiveColor{Light: "249", Dark: "7"}),
		Placeholder:      fg(lipgloss.Color("240")),
		Prompt:           fg(lipgloss.Color("7")),
		Text:             r.NewStyle(),
	}
	ta.BlurredStyle = textarea.Style{
		Base:             r.NewStyle(),
		CursorLine:       fg(lipgloss.AdaptiveColor{Light: "245", Dark: "7"}),
		CursorLineNumber: fg(lipgloss.AdaptiveColor{Light: "249", Dark: "7"}),
		EndOfBuffer:      fg(lipgloss.AdaptiveColor{Light: "254", Dark: "0"}),
		LineNumber:       fg(lipgloss.AdaptiveColor{Light: "249", Dark: "7"}),
		Placeholder:      fg(lipgloss.Color("240")),
		Prompt:           fg(lipgloss.Color("7")),
		Text:             fg(lipgloss.AdaptiveColor{Light: "245", Dark: "7"}),
	}
	ta.Cursor.Style, ta.Cursor.TextStyle = r.NewStyle(), r.NewStyle()
	ta.Cursor.SetMode(cursor.CursorStatic)
	ta.Blur() // points the area at its (new) blurred style
	return ta
}
