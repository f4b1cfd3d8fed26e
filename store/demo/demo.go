// Package demo fills a docket database with realistic, invented cases: the
// built-in workflows, a team of reviewers and a lead, cases spread over
// every workflow and status with inquiries, accounts, reports, nested
// enrichment, tags, SLAs (some overdue), comments and audit history.
package demo

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"docket/model"
	"docket/store"
	"docket/store/persona"
	"docket/workflows"
)

// Options tune Generate.
type Options struct {
	Cases  int       // how many cases (default 300)
	Seed   uint64    // same seed, same data (default 1)
	Now    time.Time // the generated data is relative to this (default: now)
	OSUser string    // added as a lead, with some cases of their own
	// Persona, when set, also receives every generated case as a Persona
	// JSON line, in Persona's own shape (which docket import reads); a
	// case whose history is acted out is written as it starts.
	Persona io.Writer
	// Progress hears how many cases are written.
	Progress func(done, total int)
}

// Summary says what Generate did.
type Summary struct {
	Created bool // false: the database already had cases and was reused
	Cases   int
}

// Admin is the demo's administrator account.
const Admin = "admin"

// team is the demo staff. The lead and the OS user belong to both teams so
// they can take every two-team decision.
var team = []model.User{
	{Name: "lena", Role: model.RoleLead, Teams: []string{"team-1", "team-2"}},
	{Name: "ravi", Role: model.RoleReviewer, Teams: []string{"team-1"}},
	{Name: "mia", Role: model.RoleReviewer, Teams: []string{"team-1"}},
	{Name: "omar", Role: model.RoleReviewer, Teams: []string{"team-2"}},
	{Name: "ines", Role: model.RoleReviewer, Teams: []string{"team-2"}},
	{Name: "kai", Role: model.RoleReviewer, Teams: []string{"team-1", "team-2"}},
}

// historyCases is how many cases get a replayed history (assignment,
// comments, each status move) instead of arriving in their final state.
const historyCases = 300

// Generate creates the demo database at path, or reuses it if it already
// holds cases.
func Generate(path string, opt Options) (Summary, error) {
	if opt.Cases <= 0 {
		opt.Cases = 300
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	g := &generator{opt: opt, rng: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)), clock: opt.Now}
	s, err := store.Open(path, store.Options{Now: func() time.Time { return g.clock }, NoSync: true})
	if err != nil {
		return Summary{}, err
	}
	g.s = s
	sum, err := g.run()
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return sum, err
}

type generator struct {
	opt      Options
	rng      *rand.Rand
	s        *store.Store
	clock    time.Time
	counters map[string]int
	accounts []*model.Object // recent accounts, some shared by later cases
	staff    []string        // who cases are assigned to
	made     uint64          // ids made so far (see id)
	ages     []time.Duration // case ages, oldest first (see nextAge)
}

// nextAge hands out the cases' ages oldest first, so cases are made in
// the order they were created (and append to the store's indexes). Ages
// follow an exponential spread, three days on average, at most a month.
func (g *generator) nextAge() time.Duration {
	if g.ages == nil {
		g.ages = make([]time.Duration, g.opt.Cases)
		for i := range g.ages {
			age := time.Duration(g.rng.ExpFloat64() * float64(3*24*time.Hour))
			g.ages[i] = min(age, 30*24*time.Hour) + time.Duration(g.rng.IntN(3600))*time.Second
		}
		slices.SortFunc(g.ages, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	}
	age := g.ages[0]
	g.ages = g.ages[1:]
	return age
}

func (g *generator) run() (Summary, error) {
	if _, err := g.s.Login(Admin); err != nil {
		return Summary{}, fmt.Errorf("demo: %w", err)
	}
	if err := g.addStaff(); err != nil {
		return Summary{}, err
	}
	counts, err := g.s.Counts(Admin)
	if err != nil {
		return Summary{}, err
	}
	if counts[store.QueueAll] > 0 {
		return Summary{Created: false, Cases: counts[store.QueueAll]}, nil
	}
	if err := g.generate(); err != nil {
		return Summary{}, err
	}
	return Summary{Created: true, Cases: g.opt.Cases}, nil
}

func (g *generator) addStaff() error {
	staff := append([]model.User{}, team...)
	if g.opt.OSUser != "" && g.opt.OSUser != Admin {
		staff = append(staff, model.User{Name: g.opt.OSUser, Role: model.RoleLead, Teams: []string{"team-1", "team-2"}})
	}
	for _, u := range staff {
		u.Email = u.Name + "@example.com"
		err := g.s.AddUser(Admin, u)
		if err != nil && !errors.Is(err, model.ErrInvalid) { // ErrInvalid: already there
			return err
		}
		if u.Role == model.RoleReviewer || u.Name == g.opt.OSUser {
			g.staff = append(g.staff, u.Name)
		}
	}
	return nil
}

// generate writes the cases in batches; the first ones then get a history.
// Cases are made in one goroutine while the store writes the previous
// batch in another: the two cores share the work.
func (g *generator) generate() error {
	g.counters = map[string]int{}
	const batchSize = 2000
	type batch struct {
		docs     []persona.CaseDoc
		replays  []replay
		upTo     int
		buildErr error
	}
	batches := make(chan batch, 2)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(batches)
		var b batch
		for i := 0; i < g.opt.Cases; i++ {
			doc, r := g.newCase(i < historyCases)
			if r != nil {
				b.replays = append(b.replays, *r)
			} else {
				b.docs = append(b.docs, doc)
			}
			if err := g.writePersona(doc); err != nil {
				b.buildErr = err
			}
			if len(b.docs) == batchSize || i == g.opt.Cases-1 || b.buildErr != nil {
				b.upTo = i + 1
				select {
				case batches <- b:
				case <-stop:
					return
				}
				if b.buildErr != nil {
					return
				}
				b = batch{}
			}
		}
	}()
	var replays []replay
	for b := range batches {
		if b.buildErr != nil {
			return b.buildErr
		}
		if len(b.docs) > 0 {
			if _, err := g.s.ImportDocs(b.docs, store.ImportOptions{Actor: Admin}); err != nil {
				return err
			}
		}
		replays = append(replays, b.replays...)
		if g.opt.Progress != nil {
			g.opt.Progress(b.upTo, g.opt.Cases)
		}
	}
	for _, r := range replays {
		if err := g.replay(r); err != nil {
			return fmt.Errorf("demo history of %s: %w", r.name, err)
		}
	}
	g.clock = g.opt.Now
	return nil
}

func (g *generator) writePersona(d persona.CaseDoc) error {
	if g.opt.Persona == nil {
		return nil
	}
	w, err := g.s.Workflow(d.Workflow)
	if err != nil {
		return err
	}
	doc := d.Doc()
	doc.Case.StatusType = w.Lookup(d.Case.Status).Type
	line, err := persona.EncodeCase(doc, persona.Options{})
	if err != nil {
		return err
	}
	_, err = g.opt.Persona.Write(append(line, '\n'))
	return err
}

// pick returns a random element.
func pick[T any](g *generator, xs []T) T { return xs[g.rng.IntN(len(xs))] }

func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

// workflowMix is how the demo's cases spread over the built-ins.
var workflowMix = []struct {
	id     string
	weight int
}{{"default", 45}, {"review", 25}, {"two-team", 15}, {"pipeline", 15}}

func (g *generator) pickWorkflow() *workflows.Workflow {
	n := g.rng.IntN(100)
	for _, m := range workflowMix {
		if n < m.weight {
			w, _ := g.s.Workflow(m.id)
			return w
		}
		n -= m.weight
	}
	w, _ := g.s.Workflow("default")
	return w
}

// pickStatus leans towards open statuses: a queue is mostly work to do.
func (g *generator) pickStatus(w *workflows.Workflow) *workflows.Status {
	var open, ended []*workflows.Status
	for i := range w.Statuses {
		if st := &w.Statuses[i]; st.Type == model.End {
			ended = append(ended, st)
		} else {
			open = append(open, st)
		}
	}
	if g.chance(0.35) {
		return pick(g, ended)
	}
	return pick(g, open)
}
