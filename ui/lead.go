package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"docket/model"
	"docket/model/metrics"
	"docket/store"
)

// The screens besides the queue and case.
const (
	viewMain = iota
	viewWorkload
	viewMetrics
)

// windows are the metrics windows, shortest first.
var windows = []time.Duration{24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour, 90 * 24 * time.Hour}

// leadViews holds the workload and metrics screens' state.
type leadViews struct {
	loads  []store.Load
	cursor int
	report metrics.Report
	window int // index into windows
	offset int // first workload row on screen
	scroll int // first metrics line on screen
}

// openWorkload shows the workload screen, if the store lets this user see
// it (leads); otherwise the footer says why.
func (m *Model) openWorkload() {
	if m.refreshLoads() {
		m.screen = viewWorkload
	}
}

func (m *Model) refreshLoads() bool {
	loads, err := m.st.Workload(m.user.Name)
	if err != nil {
		m.flashErr(err)
		return false
	}
	m.lead.loads = loads
	m.lead.cursor = min(m.lead.cursor, max(0, len(loads)-1))
	return true
}

func (m *Model) openMetrics() {
	m.screen = viewMetrics
	if m.lead.window == 0 {
		m.lead.window = 1 // a week
	}
	m.refreshMetrics()
}

func (m *Model) refreshMetrics() {
	r, err := m.st.Stats(m.user.Name, windows[m.lead.window])
	if err != nil {
		m.flashErr(err)
		return
	}
	m.lead.report = r
}

// viewKey handles keys on the workload and metrics screens.
func (m *Model) viewKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	switch {
	case k.is(msg, "quit"):
		return tea.Quit
	case k.is(msg, "help"):
		m.help = true
	case k.is(msg, "back"):
		m.screen = viewMain
	case k.is(msg, "workload"):
		m.openWorkload()
	case k.is(msg, "metrics"):
		m.openMetrics()
	case k.is(msg, "refresh"):
		m.refreshLoads()
		m.refreshMetrics()
		m.flash("refreshed")
	case m.screen == viewWorkload:
		return m.workloadKey(msg)
	case m.screen == viewMetrics:
		m.metricsKey(msg)
	}
	return nil
}

func (m *Model) workloadKey(msg tea.KeyMsg) tea.Cmd {
	k, l := m.keys, &m.lead
	switch {
	case k.is(msg, "down"):
		l.cursor = min(l.cursor+1, len(l.loads)-1)
	case k.is(msg, "up"):
		l.cursor = max(l.cursor-1, 0)
	case k.is(msg, "top"):
		l.cursor = 0
	case k.is(msg, "bottom"):
		l.cursor = len(l.loads) - 1
	case k.is(msg, "open-queue"):
		m.openQueueOf(l.loads[l.cursor].User.Name)
	case k.is(msg, "availability"):
		return m.cycleAvailability(l.loads[l.cursor].User)
	}
	return nil
}

// openQueueOf shows a reviewer's queue on the main screen.
func (m *Model) openQueueOf(name string) {
	for i, t := range m.tabs {
		if t.query.Assignee == name || t.query.Queue == store.QueueMine && name == m.user.Name {
			m.screen = viewMain
			m.report(m.switchTab(i))
			return
		}
	}
	m.flashErr(fmt.Errorf("%s has no queue tab", name))
}

func (m *Model) metricsKey(msg tea.KeyMsg) {
	window := m.lead.window
	h := max(1, m.height-2)
	switch {
	case m.keys.is(msg, "down"):
		m.lead.scroll++
	case m.keys.is(msg, "up"):
		m.lead.scroll--
	case m.keys.is(msg, "half-down"), m.keys.is(msg, "page-down"):
		m.lead.scroll += h / 2
	case m.keys.is(msg, "half-up"), m.keys.is(msg, "page-up"):
		m.lead.scroll -= h / 2
	case m.keys.is(msg, "top"):
		m.lead.scroll = 0
	case m.keys.is(msg, "bottom"):
		m.lead.scroll = 1 << 30 // metricsView stops it at the end
	}
	switch {
	case m.keys.is(msg, "window-longer"):
		window = min(window+1, len(windows)-1)
	case m.keys.is(msg, "window-shorter"):
		window = max(window-1, 0)
	}
	if window == m.lead.window {
		return // already the longest or shortest: nothing to count again
	}
	m.lead.window = window
	m.refreshMetrics()
}

// Changing availability: see availability.go.

// ---- drawing ----

// tableCol is one column of a lead's table: sized from what it holds,
// dropped when the screen is narrow (lowest drop first; 0 never).
type tableCol struct {
	title string
	right bool // numbers align right
	drop  int
	cells []tableCell
	width int
}

type tableCell struct {
	text  string
	style *lipgloss.Style
}

// table lays out n rows of columns in width, dropping columns (lowest
// drop first) until they fit. It returns the header line, which starts
// with room for a cursor marker, and each row without one.
func table(cols []tableCol, n, width int) (string, []string) {
	for i := range cols {
		c := &cols[i]
		c.width = textWidth(c.title)
		for _, cell := range c.cells {
			c.width = max(c.width, textWidth(cell.text))
		}
	}
	used := func() int {
		w := 2 // the cursor marker
		for _, c := range cols {
			w += c.width + 2
		}
		return w
	}
	for used() > width {
		drop := -1
		for i, c := range cols {
			if c.drop > 0 && (drop < 0 || c.drop < cols[drop].drop) {
				drop = i
			}
		}
		if drop < 0 {
			break
		}
		cols = append(cols[:drop:drop], cols[drop+1:]...)
	}
	align := func(text string, c tableCol) string {
		if c.right {
			return strings.Repeat(" ", max(0, c.width-textWidth(text))) + text
		}
		return fit(text, c.width)
	}
	head := "  "
	for _, c := range cols {
		head += align(c.title, c) + "  "
	}
	rows := make([]string, n)
	for r := range rows {
		line := ""
		for _, c := range cols {
			cell := c.cells[r]
			text := align(cell.text, c)
			if cell.style != nil {
				text = cell.style.Render(text)
			}
			line += text + "  "
		}
		rows[r] = line
	}
	return head, rows
}

func (m *Model) workloadView() string {
	l := &m.lead
	now := m.now()
	lines := []string{m.styles.title.Render("Workload") + m.styles.dim.Render(" · enter opens a reviewer's queue · v cycles availability · esc back")}
	cols := []tableCol{{title: "USER"}, {title: "ROLE", drop: 2}, {title: "AVAILABILITY", drop: 4}, {title: "TEAMS", drop: 1},
		{title: "OPEN", right: true}, {title: "OVERDUE", right: true}, {title: "OLDEST", right: true, drop: 3}, {title: "TODAY", right: true, drop: 5}}
	top := 1
	for _, ld := range l.loads {
		top = max(top, ld.Open)
	}
	for _, ld := range l.loads {
		oldest := "-"
		if !ld.Oldest.IsZero() {
			oldest = model.FormatDuration(now.Sub(ld.Oldest))
		}
		overdue := tableCell{text: fmt.Sprint(ld.Overdue)}
		if ld.Overdue > 0 {
			overdue.style = &m.styles.overdue
		}
		for i, cell := range []tableCell{{text: clip(clean(ld.User.Name), 16)}, {text: string(ld.User.Role)},
			{text: string(ld.User.Availability)}, {text: clip(clean(strings.Join(ld.User.Teams, ",")), 20)},
			{text: fmt.Sprint(ld.Open)}, overdue, {text: oldest}, {text: fmt.Sprint(ld.DecidedToday)}} {
			cols[i].cells = append(cols[i].cells, cell)
		}
	}
	head, rows := table(cols, len(l.loads), m.width)
	barW := m.width - textWidth(head) - 2
	head += "LOAD"
	for i, ld := range l.loads {
		if barW >= 4 {
			rows[i] += m.styles.accent.Render(bar(ld.Open, top, barW))
		}
	}
	if barW < 4 {
		head = strings.TrimSuffix(head, "LOAD")
	}
	lines = append(lines, m.styles.dim.Render(head))
	// The rows scroll under the title and header to keep the cursor on
	// screen.
	h := max(1, m.height-4)
	l.offset = max(min(l.offset, l.cursor), l.cursor-h+1, 0)
	for i := l.offset; i < min(len(rows), l.offset+h); i++ {
		row := "  " + rows[i]
		if i == l.cursor {
			row = m.styles.selected.Render(fit("▶ "+rows[i], m.width))
		}
		lines = append(lines, row)
	}
	return strings.Join(lines, "\n")
}

func (m *Model) metricsView() string {
	r := m.lead.report
	w := windows[m.lead.window]
	lines := []string{
		m.styles.title.Render("Metrics") + m.styles.dim.Render(fmt.Sprintf(" · last %s (%s → %s) · +/- window · esc back",
			model.FormatDuration(w), r.From.Local().Format("2006-01-02 15:04"), r.To.Local().Format("2006-01-02 15:04"))),
		"",
		fmt.Sprintf("Decisions per day  %s  %d decided, %d created, %s",
			m.styles.accent.Render(sparkline(r.Total.PerDay)), r.Total.Decided, r.Total.Created, breachText(r.Total)),
		"",
	}
	if r.Reviewer != "" { // the store counted only this reviewer's decisions
		lines[0] += m.styles.dim.Render(" · your decisions only")
	}
	lines = append(lines, m.groupTable("WORKFLOW", append(r.Workflows, r.Total), true)...)
	lines = append(lines, "")
	lines = append(lines, m.groupTable("REVIEWER", r.Reviewers, false)...)
	if open := m.openLines(append(r.Workflows, r.Total)); len(open) > 0 {
		lines = append(append(lines, "", m.styles.dim.Render("OPEN BY STATUS")), open...)
	}
	// Below the title the screen scrolls (the move keys).
	h := max(1, m.height-3)
	m.lead.scroll = max(0, min(m.lead.scroll, len(lines)-1-h))
	return strings.Join(append(lines[:1], lines[1+m.lead.scroll:]...), "\n")
}

func breachText(s metrics.Stats) string {
	if s.WithSLA == 0 {
		return "no SLAs"
	}
	return fmt.Sprintf("%.0f%% past SLA", 100*s.BreachRate)
}

// groupTable lists groups with their figures and a bar of decisions;
// narrow screens drop the slower percentiles and the sparkline first.
func (m *Model) groupTable(title string, groups []metrics.Stats, workflows bool) []string {
	if len(groups) == 0 {
		return []string{m.styles.dim.Render(title), m.styles.dim.Render("  no decisions in this window")}
	}
	cols := []tableCol{{title: title}, {title: "CREATED", right: true, drop: 4}, {title: "DECIDED", right: true},
		{title: "P50", right: true}, {title: "P90", right: true, drop: 2}, {title: "P95", right: true, drop: 1},
		{title: "LATE", right: true, drop: 5}, {title: "PER DAY", drop: 3}}
	if !workflows {
		cols = append(cols[:1], cols[2:]...)
	}
	top := 1
	for _, g := range groups {
		top = max(top, g.Decided)
	}
	for _, g := range groups {
		late := "-"
		if g.WithSLA > 0 {
			late = fmt.Sprintf("%.0f%%", 100*g.BreachRate)
		}
		cells := []tableCell{{text: clip(clean(g.Key), 16)}, {text: fmt.Sprint(g.Created)}, {text: fmt.Sprint(g.Decided)},
			{text: durText(g.P50)}, {text: durText(g.P90)}, {text: durText(g.P95)}, {text: late},
			{text: sparkline(lastDays(g.PerDay, 14))}}
		if !workflows {
			cells = append(cells[:1], cells[2:]...)
		}
		for i, cell := range cells {
			cols[i].cells = append(cols[i].cells, cell)
		}
	}
	head, rows := table(cols, len(groups), m.width)
	barW := min(24, m.width-textWidth(head)-2)
	out := []string{m.styles.dim.Render(head)}
	for i, g := range groups {
		if barW >= 4 {
			rows[i] += m.styles.accent.Render(bar(g.Decided, top, barW))
		}
		out = append(out, "  "+rows[i])
	}
	return out
}

// openLines says per workflow how many cases are open in each status,
// wrapped to the width.
func (m *Model) openLines(groups []metrics.Stats) []string {
	var out []string
	keyW := 0
	for _, g := range groups {
		keyW = max(keyW, textWidth(clean(g.Key)))
	}
	keyW = min(keyW, 16)
	for _, g := range groups {
		if len(g.Open) == 0 {
			continue
		}
		for i, l := range wrapText(openText(g.Open), max(10, m.width-keyW-4)) {
			label := ""
			if i == 0 {
				label = clip(clean(g.Key), 16)
			}
			out = append(out, "  "+fit(label, keyW)+"  "+l)
		}
	}
	return out
}

func durText(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return model.FormatDuration(d)
}

func lastDays(days []int, n int) []int {
	if len(days) > n {
		return days[len(days)-n:]
	}
	return days
}

func openText(m map[string]int) string {
	keys := sortedKeys(m)
	sort.SliceStable(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, " · ")
}
