package ui

import (
	"github.com/charmbracelet/lipgloss"

	"docket/model"
)

// Colours adapt to light and dark terminals; every meaning carried by a
// colour is also carried by text (a marker, a word), so NO_COLOR works.
var (
	colAccent    = lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#9D86FF"}
	colDim       = lipgloss.AdaptiveColor{Light: "#8A8A8A", Dark: "#6C6C6C"}
	colInitial   = lipgloss.AdaptiveColor{Light: "#0B62C4", Dark: "#5FAFFF"}
	colInterim   = lipgloss.AdaptiveColor{Light: "#A35C00", Dark: "#E8B04A"}
	colEnd       = lipgloss.AdaptiveColor{Light: "#2B7A2B", Dark: "#73C67A"}
	colDanger    = lipgloss.AdaptiveColor{Light: "#C0262D", Dark: "#FF6B6B"}
	colSelection = lipgloss.AdaptiveColor{Light: "#E4DEFF", Dark: "#3B3360"}
)

type styles struct {
	title, dim, bold, accent   lipgloss.Style
	selected, focusedBorder    lipgloss.Style
	overdue, dueSoon, errorMsg lipgloss.Style
	okMsg, tabActive, tab      lipgloss.Style
	header, footer, dialog     lipgloss.Style
	button, buttonFocused      lipgloss.Style
}

func newStyles() styles {
	return styles{
		title:         lipgloss.NewStyle().Bold(true).Foreground(colAccent),
		dim:           lipgloss.NewStyle().Foreground(colDim),
		bold:          lipgloss.NewStyle().Bold(true),
		accent:        lipgloss.NewStyle().Foreground(colAccent),
		selected:      lipgloss.NewStyle().Background(colSelection).Bold(true),
		overdue:       lipgloss.NewStyle().Foreground(colDanger).Bold(true),
		dueSoon:       lipgloss.NewStyle().Foreground(colInterim),
		errorMsg:      lipgloss.NewStyle().Foreground(colDanger).Bold(true),
		okMsg:         lipgloss.NewStyle().Foreground(colEnd),
		tabActive:     lipgloss.NewStyle().Bold(true).Underline(true).Foreground(colAccent),
		tab:           lipgloss.NewStyle().Foreground(colDim),
		header:        lipgloss.NewStyle().Bold(true),
		footer:        lipgloss.NewStyle().Foreground(colDim),
		dialog:        lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(colAccent).Padding(0, 1),
		button:        lipgloss.NewStyle().Padding(0, 1),
		buttonFocused: lipgloss.NewStyle().Padding(0, 1).Reverse(true).Bold(true),
	}
}

// statusStyle colours a status by its type.
func statusStyle(t model.StatusType) lipgloss.Style {
	switch t {
	case model.Initial:
		return styleInitial
	case model.End:
		return styleEnd
	default:
		return styleInterim
	}
}

var (
	styleInitial = lipgloss.NewStyle().Foreground(colInitial)
	styleEnd     = lipgloss.NewStyle().Foreground(colEnd)
	styleInterim = lipgloss.NewStyle().Foreground(colInterim)
)
