package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

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

func (m *Model) workloadView() string {
	l := &m.lead
	now := m.now()
	lines := []string{m.styles.title.Render("Workload") + m.styles.dim.Render(" · enter opens a reviewer's queue · v cycles availability · esc back")}
	head := fmt.Sprintf("  %-14s %-9s %-12s %-16s %5s %8s %8s %8s  %s", "USER", "ROLE", "AVAILABILITY", "TEAMS", "OPEN", "OVERDUE", "OLDEST", "TODAY", "LOAD")
	lines = append(lines, m.styles.dim.Render(head))
	top := 1
	for _, ld := range l.loads {
		top = max(top, ld.Open)
	}
	barW := max(4, m.width-len(head)+2)
	for i, ld := range l.loads {
		oldest := "-"
		if !ld.Oldest.IsZero() {
			oldest = model.FormatDuration(now.Sub(ld.Oldest))
		}
		overdue := fmt.Sprintf("%8d", ld.Overdue)
		if ld.Overdue > 0 {
			overdue = m.styles.overdue.Render(overdue)
		}
		marker := "  "
		if i == l.cursor {
			marker = "▶ "
		}
		row := fmt.Sprintf("%s%-14s %-9s %-12s %-16s %5d %s %8s %8d  %s", marker, clip(clean(ld.User.Name), 14), ld.User.Role,
			ld.User.Availability, clip(strings.Join(ld.User.Teams, ","), 16), ld.Open, overdue, oldest, ld.DecidedToday,
			m.styles.accent.Render(bar(ld.Open, top, barW)))
		if i == l.cursor {
			row = m.styles.selected.Render(fit(row, m.width))
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
	return strings.Join(lines, "\n")
}

func breachText(s metrics.Stats) string {
	if s.WithSLA == 0 {
		return "no SLAs"
	}
	return fmt.Sprintf("%.0f%% past SLA", 100*s.BreachRate)
}

// groupTable lists groups with their figures and a bar of decisions.
func (m *Model) groupTable(title string, groups []metrics.Stats, workflows bool) []string {
	head := fmt.Sprintf("%-10s %7s %7s %7s %7s %7s %6s  %-14s %s", title, "CREATED", "DECIDED", "P50", "P90", "P95", "LATE", "PER DAY", "DECIDED")
	if !workflows {
		head = fmt.Sprintf("%-10s %7s %7s %7s %7s %7s %6s  %-14s %s", title, "", "DECIDED", "P50", "P90", "P95", "LATE", "PER DAY", "DECIDED")
	}
	lines := []string{m.styles.dim.Render(head)}
	top := 1
	for _, g := range groups {
		top = max(top, g.Decided)
	}
	barW := max(4, min(24, m.width-len([]rune(head))+6))
	for _, g := range groups {
		created := fmt.Sprint(g.Created)
		if !workflows {
			created = ""
		}
		late := "-"
		if g.WithSLA > 0 {
			late = fmt.Sprintf("%.0f%%", 100*g.BreachRate)
		}
		line := fmt.Sprintf("%-10s %7s %7d %7s %7s %7s %6s  %-14s %s", clip(clean(g.Key), 10), created, g.Decided,
			durText(g.P50), durText(g.P90), durText(g.P95), late, clip(sparkline(lastDays(g.PerDay, 14)), 14),
			m.styles.accent.Render(fit(bar(g.Decided, top, barW), barW)))
		if workflows && len(g.Open) > 0 {
			line += m.styles.dim.Render("  open: " + openText(g.Open))
		}
		lines = append(lines, line)
	}
	if len(groups) == 0 {
		lines = append(lines, m.styles.dim.Render("  no decisions in this window"))
	}
	return lines
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
