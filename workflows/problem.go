package workflows

import (
	"fmt"
	"slices"
	"strings"

	"docket/model"
)

// Problem is one thing wrong with a workflow file.
type Problem struct {
	File  string
	Line  int
	Field string // path such as "statuses[2].from[1]"; empty for the file as a whole
	Msg   string
}

func (p Problem) String() string {
	if p.Line == 0 { // about the whole file
		return fmt.Sprintf("%s: %s", p.File, p.Msg)
	}
	if p.Field == "" {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Field, p.Msg)
}

// ValidationError lists every problem found in a workflow file, so an
// author can fix them all in one pass.
type ValidationError struct {
	Problems []Problem
}

// Error gives one line per problem, sorted by line.
func (e *ValidationError) Error() string {
	ps := slices.Clone(e.Problems)
	slices.SortStableFunc(ps, func(a, b Problem) int { return a.Line - b.Line })
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Is makes a bad workflow file count as invalid input, like every other
// refusal docket reports.
func (e *ValidationError) Is(target error) bool { return target == model.ErrInvalid }
