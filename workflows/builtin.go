package workflows

import (
	"embed"
	"fmt"
	"slices"
)

//go:embed builtin/*.yaml
var builtinFiles embed.FS

// builtinIDs fixes the order built-ins are listed in.
var builtinIDs = []string{"default", "pipeline", "two-team", "review"}

// Builtins returns freshly parsed copies of the built-in workflows, so a
// caller may change them freely.
func Builtins() []*Workflow {
	ws := make([]*Workflow, len(builtinIDs))
	for i, id := range builtinIDs {
		ws[i] = loadBuiltin(id)
	}
	return ws
}

// Builtin returns a fresh copy of one built-in workflow, or nil.
func Builtin(id string) *Workflow {
	if !slices.Contains(builtinIDs, id) {
		return nil
	}
	return loadBuiltin(id)
}

// loadBuiltin parses an embedded file. A broken built-in is a bug in this
// package, caught by its tests, so it panics rather than burdening every
// caller with an error that cannot happen.
func loadBuiltin(id string) *Workflow {
	file := "builtin/" + id + ".yaml"
	data, err := builtinFiles.ReadFile(file)
	if err != nil {
		panic(fmt.Sprintf("built-in workflow %s: %v", id, err))
	}
	w, err := Parse(file, data)
	if err != nil {
		panic(fmt.Sprintf("built-in workflow %s: %v", id, err))
	}
	return w
}
