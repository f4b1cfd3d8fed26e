package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"docket/model"
	"docket/workflows"
)

// TestPermissionMatrix runs every case operation as every role on a case of
// their own, someone else's and an unassigned one, and checks the store
// allows exactly what the rules say and refuses the rest without a trace.
func TestPermissionMatrix(t *testing.T) {
	ops := map[string]func(s *Store, t Target) error{
		"status":   func(s *Store, t Target) error { _, err := s.SetStatus(t, StatusChange{Status: "Pending"}); return err },
		"assign":   func(s *Store, t Target) error { _, err := s.Assign(t, "zoe"); return err },
		"claim":    func(s *Store, t Target) error { _, err := s.Claim(t); return err },
		"unassign": func(s *Store, t Target) error { _, err := s.Unassign(t); return err },
		"tag":      func(s *Store, t Target) error { _, err := s.Tag(t, []string{"x"}, nil); return err },
		"enrich":   func(s *Store, t Target) error { _, err := s.UpdateFields(t, []byte(`{"k":1}`)); return err },
		"attach":   func(s *Store, t Target) error { _, err := s.Attach(t, inquiry("inq_m", "A", "B")); return err },
		"comment":  func(s *Store, t Target) error { _, err := s.Comment(t, "note"); return err },
		"redact":   func(s *Store, t Target) error { _, err := s.Redact(t); return err },
	}
	// allowed[role][whose case] lists the operations that must succeed.
	all := "status assign claim unassign tag enrich attach comment redact"
	allowed := map[model.Role]map[string]string{
		model.RoleReviewer: {
			"own":        "status claim unassign tag enrich attach comment",
			"other's":    "",
			"unassigned": "claim unassign",
		},
		model.RoleLead:  {"own": all, "other's": all, "unassigned": all},
		model.RoleAdmin: {"own": all, "other's": all, "unassigned": all},
	}
	actors := map[model.Role]string{model.RoleReviewer: "ravi", model.RoleLead: "lena", model.RoleAdmin: "ada"}
	for role, byCase := range allowed {
		for whose, okList := range byCase {
			for op, run := range ops {
				t.Run(fmt.Sprintf("%s/%s/%s", role, whose, op), func(t *testing.T) {
					s, _ := newStore(t)
					must(t, s.AddUser("ada", model.User{Name: "zoe"}))
					actor := actors[role]
					assignee := map[string]string{"own": actor, "other's": "mia", "unassigned": ""}[whose]
					k := mustCase(t, s, "default", assignee)
					before := snapshot(t, s)
					err := run(s, Target{Actor: actor, Case: k.Name})
					if containsWord(okList, op) {
						if err != nil {
							t.Fatalf("%s may %s on %s case, got %v", role, op, whose, err)
						}
						return
					}
					refused(t, s, err, model.ErrForbidden, "", before)
				})
			}
		}
	}
}

func containsWord(list, w string) bool { return slices.Contains(strings.Fields(list), w) }

func TestAdminOnlyOperations(t *testing.T) {
	s, _ := newStore(t)
	w := workflows.Builtin("default")
	for _, actor := range []string{"ravi", "lena"} {
		before := snapshot(t, s)
		err := s.AddUser(actor, model.User{Name: "new"})
		refused(t, s, err, model.ErrForbidden, "only an admin", before)
		err = s.LoadWorkflow(actor, w)
		refused(t, s, err, model.ErrForbidden, "only an admin", before)
		role := model.RoleAdmin
		_, _, err = s.SetUser(actor, "mia", UserChange{Role: &role})
		refused(t, s, err, model.ErrForbidden, "only an admin", before)
	}
	must(t, s.AddUser("ada", model.User{Name: "new"}))
	must(t, s.LoadWorkflow("ada", w))
	// Availability: yourself, or a lead.
	busy := model.Busy
	_, _, err := s.SetUser("ravi", "ravi", UserChange{Availability: &busy})
	must(t, err)
	_, _, err = s.SetUser("lena", "mia", UserChange{Availability: &busy})
	must(t, err)
	before := snapshot(t, s)
	_, _, err = s.SetUser("ravi", "mia", UserChange{Availability: &busy})
	refused(t, s, err, model.ErrForbidden, "only an admin", before)
	if !errors.Is(err, model.ErrForbidden) {
		t.Fatal(err)
	}
}

// TestFileOperationsByRole: exporting every case and reading the workload
// are a lead's; copying, replacing or rewriting the whole file an admin's.
// A refusal leaves the database, and the place a copy would go, as they
// were.
func TestFileOperationsByRole(t *testing.T) {
	boltOnly(t)
	type setup struct {
		s         *Store
		path, dir string
	}
	ops := map[string]func(e setup, actor string) error{
		"export": func(e setup, actor string) error {
			var buf bytes.Buffer
			_, err := e.s.Export(&buf, FormatJSONL, Query{Actor: actor})
			if err != nil && buf.Len() > 0 {
				t.Errorf("a refused export wrote %d bytes", buf.Len())
			}
			return err
		},
		"workload": func(e setup, actor string) error { _, err := e.s.Workload(actor); return err },
		"backup (in use)": func(e setup, actor string) error {
			return BackupFile(e.path, filepath.Join(e.dir, "copy.db"), actor)
		},
		"backup": func(e setup, actor string) error {
			must(t, e.s.Close())
			return BackupFile(e.path, filepath.Join(e.dir, "copy.db"), actor)
		},
		"compact": func(e setup, actor string) error {
			must(t, e.s.Close())
			_, _, err := Compact(e.path, actor)
			return err
		},
		"restore": func(e setup, actor string) error {
			backup := filepath.Join(e.dir, "backup.db")
			must(t, e.s.Backup(backup, "ada"))
			must(t, e.s.Close())
			_, err := Restore(backup, e.path, actor)
			return err
		},
	}
	allowed := map[string]string{
		"ravi": "",
		"lena": "export workload",
		"ada":  "export workload backup compact restore",
	}
	for actor, okList := range allowed {
		for op, run := range ops {
			t.Run(actor+"/"+op, func(t *testing.T) {
				s, _ := newStore(t)
				mustCase(t, s, "default", "ravi")
				e := setup{s: s, path: s.Path(), dir: t.TempDir()}
				before, err := s.Digest()
				must(t, err)
				beforeBytes, _ := os.ReadFile(e.path)
				err = run(e, actor)
				name := strings.TrimSuffix(op, " (in use)")
				if containsWord(okList, name) {
					if err != nil {
						t.Fatalf("%s may %s, got %v", actor, op, err)
					}
					return
				}
				if !errors.Is(err, model.ErrForbidden) || !strings.Contains(err.Error(), "only a") {
					t.Fatalf("%s %s: %v, want a refusal", actor, op, err)
				}
				if matches, _ := filepath.Glob(filepath.Join(e.dir, "copy.db*")); len(matches) > 0 {
					t.Fatalf("a refused %s left %v", op, matches)
				}
				if matches, _ := filepath.Glob(e.path + ".*"); len(matches) > 0 {
					t.Fatalf("a refused %s left %v", op, matches)
				}
				if after, _ := os.ReadFile(e.path); op != "export" && op != "workload" && op != "backup (in use)" && !bytes.Equal(beforeBytes, after) {
					t.Fatalf("a refused %s changed the file", op)
				}
				if op == "export" || op == "workload" || op == "backup (in use)" {
					if after, _ := s.Digest(); after != before {
						t.Fatalf("a refused %s changed the database", op)
					}
				}
			})
		}
	}
}
