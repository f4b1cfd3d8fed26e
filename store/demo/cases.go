package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"docket/model"
	"docket/store"
	"docket/store/persona"
	"docket/workflows"
)

const idChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// id makes a Persona-style id: a prefix and 24 characters from the seed.
// The first 8 characters count up, so that ids sort in the order they were
// made: a large demo then appends to the store's trees instead of writing
// all over them, which is several times faster to generate.
func (g *generator) id(prefix string) string {
	g.made++
	b := make([]byte, 24)
	n := g.made
	for i := 7; i >= 0; i-- {
		b[i] = idChars[n%uint64(len(idChars))]
		n /= uint64(len(idChars))
	}
	for i := 8; i < len(b); i++ {
		b[i] = idChars[g.rng.IntN(len(idChars))]
	}
	return prefix + string(b)
}

// person is the end-user a case is about.
type person struct {
	first, last, birthdate, street, email, phone string
	place                                        place
}

func (g *generator) newPerson() person {
	p := person{first: pick(g, firstNames), last: pick(g, lastNames), place: pick(g, places)}
	p.birthdate = fmt.Sprintf("%d-%02d-%02d", 1950+g.rng.IntN(55), 1+g.rng.IntN(12), 1+g.rng.IntN(28))
	p.street = fmt.Sprintf("%d %s", 1+g.rng.IntN(200), pick(g, streets))
	p.email = fmt.Sprintf("%s.%s%d@mail.example", asciiLower(p.first), asciiLower(p.last), g.rng.IntN(100))
	p.phone = fmt.Sprintf("+%d %03d %04d", 1+g.rng.IntN(98), g.rng.IntN(1000), g.rng.IntN(10000))
	return p
}

func asciiLower(s string) string {
	var b []byte
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			b = append(b, byte(r-'A'+'a'))
		case r >= 'a' && r <= 'z':
			b = append(b, byte(r))
		}
	}
	return string(b)
}

// replay is a case whose history is acted out after the import.
type replay struct {
	doc      persona.CaseDoc
	name     string
	wf       *workflows.Workflow
	final    *workflows.Status
	assignee string
	created  time.Time
	comments int
}

func (g *generator) newCase(withHistory bool) (persona.CaseDoc, *replay) {
	w := g.pickWorkflow()
	st := g.pickStatus(w)
	g.counters[w.Key]++
	created := g.opt.Now.Add(-g.nextAge()).UTC().Truncate(time.Second)
	c := model.Case{ID: g.id("case_"), Name: fmt.Sprintf("%s-%d", w.Key, g.counters[w.Key]),
		Status: st.Name, CreatedAt: created, UpdatedAt: created, Tags: g.tags()}
	if sla := slaOf(w); sla > 0 {
		c.SLAExpiresAt = created.Add(sla)
	}
	objects := g.objects(created)
	for _, o := range objects {
		c.Objects = append(c.Objects, o.ObjectRef)
	}
	c.Fields = g.enrichment(created)
	doc := persona.CaseDoc{Case: c, Workflow: w.ID, Objects: objects}
	assignee := g.pickAssignee(st)
	if withHistory {
		doc.Case.Status = w.Initial().Name
		return doc, &replay{doc: doc, name: c.Name, wf: w, final: st, assignee: assignee, created: created, comments: g.rng.IntN(3)}
	}
	g.settle(&doc, st, assignee)
	return doc, nil
}

// settle fills in the final state of a case that arrives without history.
func (g *generator) settle(doc *persona.CaseDoc, st *workflows.Status, assignee string) {
	c := &doc.Case
	span := g.opt.Now.Sub(c.CreatedAt)
	if assignee != "" {
		doc.Assignee = assignee + "@example.com"
		doc.Assigner = "lena@example.com"
		c.AssignedAt = c.CreatedAt.Add(span / 10)
		c.UpdatedAt = c.AssignedAt
		for n := g.rng.IntN(3); n > 0; n-- {
			at := c.CreatedAt.Add(time.Duration(g.rng.Int64N(int64(span))))
			doc.Comments = append(doc.Comments, model.Comment{ID: g.id("cmt_"), Author: doc.Assignee,
				Body: pick(g, commentPool), CreatedAt: at.Truncate(time.Second)})
		}
		// Oldest first, as a case's comments are (and as an import of
		// an export reads them).
		slices.SortStableFunc(doc.Comments, func(a, b model.Comment) int { return a.CreatedAt.Compare(b.CreatedAt) })
	}
	if st.Type == model.End {
		c.ResolvedAt = c.CreatedAt.Add(span / 2).Truncate(time.Second)
		c.UpdatedAt = c.ResolvedAt
		doc.Resolver = doc.Assignee
	}
}

func slaOf(w *workflows.Workflow) time.Duration {
	if w.SLA > 0 {
		return w.SLA
	}
	if w.ID == "two-team" {
		return 48 * time.Hour
	}
	return 7 * 24 * time.Hour
}

func (g *generator) pickAssignee(st *workflows.Status) string {
	if st.Type == model.Initial && g.chance(0.45) {
		return ""
	}
	return pick(g, g.staff)
}

func (g *generator) tags() []string {
	var tags []string
	for n := g.rng.IntN(4); n > 0; n-- {
		if t := pick(g, tagPool); !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// objects builds 1–3 inquiries, one account (sometimes shared with an
// earlier case, which makes the two related) and 1–4 reports.
func (g *generator) objects(created time.Time) []*model.Object {
	var objs []*model.Object
	var acct *model.Object
	p := g.newPerson()
	if len(g.accounts) > 0 && g.chance(0.08) {
		acct = pick(g, g.accounts)
		p.first, p.last = accountName(acct)
	} else {
		acct = g.account(p, created)
		g.accounts = append(g.accounts, acct)
		if len(g.accounts) > 200 {
			g.accounts = g.accounts[1:]
		}
	}
	for n := 1 + g.rng.IntN(3); n > 0; n-- {
		objs = append(objs, g.inquiry(p, created))
	}
	objs = append(objs, acct)
	reports := []string{"report/watchlist", "report/phone-number", "report/adverse-media", "report/politically-exposed-person"}
	g.rng.Shuffle(len(reports), func(i, j int) { reports[i], reports[j] = reports[j], reports[i] })
	for _, t := range reports[:1+g.rng.IntN(len(reports))] {
		objs = append(objs, g.report(t, p, created))
	}
	return objs
}

func object(kind model.ObjectKind, typ, id string, attrs map[string]any) *model.Object {
	raw, _ := json.Marshal(attrs)
	return &model.Object{ObjectRef: model.ObjectRef{Kind: kind, Type: typ, ID: id}, Attributes: raw}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// typed is one of Persona's {type, value} fields.
func typed(typ string, v any) map[string]any { return map[string]any{"type": typ, "value": v} }

// The objects follow Persona's current shapes (see the schemas in
// testdata/persona-cases-api.json): an inquiry keeps the person under
// `fields`, an account its name as a hash under `fields`, each report
// type its own attributes.

func (g *generator) inquiry(p person, created time.Time) *model.Object {
	return object(model.KindInquiry, "inquiry", g.id("inq_"), map[string]any{
		"status":       pick(g, []string{"approved", "completed", "needs_review", "declined", "completed"}),
		"reference-id": fmt.Sprintf("user-%06d", g.rng.IntN(1000000)),
		"created-at":   stamp(created.Add(-time.Duration(g.rng.IntN(48)) * time.Hour)),
		"fields": map[string]any{
			"name-first":           typed("string", p.first),
			"name-last":            typed("string", p.last),
			"birthdate":            typed("date", p.birthdate),
			"address-street-1":     typed("string", p.street),
			"address-city":         typed("string", p.place.city),
			"address-subdivision":  typed("string", p.place.region),
			"address-postal-code":  typed("string", p.place.postal),
			"address-country-code": typed("string", p.place.country),
			"email-address":        typed("string", p.email),
			"phone-number":         typed("string", p.phone),
		},
	})
}

func (g *generator) account(p person, created time.Time) *model.Object {
	id, ref := g.id("act_"), fmt.Sprintf("cust-%07d", g.rng.IntN(10000000))
	at := stamp(created.Add(-time.Duration(g.rng.IntN(400)) * 24 * time.Hour))
	return object(model.KindAccount, "account", id, map[string]any{
		"reference-id":      ref,
		"account-type-name": "User",
		"created-at":        at,
		"updated-at":        at,
		"country-code":      p.place.country,
		"tags":              []string{},
		"fields": map[string]any{
			"name":      typed("hash", map[string]any{"first": typed("string", p.first), "last": typed("string", p.last)}),
			"birthdate": typed("date", p.birthdate),
		},
	})
}

// accountName is the first and last name an account's fields hold.
func accountName(acct *model.Object) (first, last string) {
	name, _ := acct.Attr("name").(map[string]any)
	first, _ = name["first"].(string)
	last, _ = name["last"].(string)
	return first, last
}

func (g *generator) report(typ string, p person, created time.Time) *model.Object {
	match := g.chance(0.25)
	attrs := map[string]any{"status": "ready", "created-at": stamp(created), "completed-at": stamp(created), "has-match": match}
	switch typ {
	case "report/watchlist":
		if match {
			list := pick(g, []string{"OFAC SDN", "EU Consolidated", "UN Security Council"})
			alias := "aka"
			if 70+g.rng.IntN(30) >= 90 { // a close match is on the primary name
				alias = "primary_name"
			}
			attrs["matched-lists"] = []map[string]any{{"name": list, "list-type": "sanction",
				"entities": []map[string]any{{"name": p.first + " " + p.last, "alias-type": alias}}}}
		}
	case "report/phone-number":
		attrs["phone-number"] = p.phone
		attrs["phone-type"] = pick(g, []string{"mobile", "landline", "voip"})
		attrs["phone-risk-level"] = pick(g, []string{"low", "low", "medium", "high"})
		attrs["phone-carrier"] = pick(g, []string{"Vodafone", "MTN", "Airtel", "T-Mobile", "Telefónica"})
	case "report/adverse-media":
		if match {
			articles := 1 + g.rng.IntN(5)
			category := pick(g, []string{"financial-crime", "fraud", "terrorism", "narcotics"})
			attrs["related-sources"] = []map[string]any{{"name": p.first + " " + p.last, "match-types": []string{"name"},
				"sources": []map[string]any{{"name": category, "types": []string{"adverse-media"}}},
				"media":   media(p, category, articles)}}
		}
	case "report/politically-exposed-person":
		if match {
			class := pick(g, []string{"PEP1", "PEP2", "RCA"})
			attrs["result"] = []map[string]any{{"name": p.first + " " + p.last, "country": p.place.country,
				"positions": []map[string]any{{"pep-class": class, "name": pepPositions[class]}}}}
		}
	}
	return object(model.KindReport, typ, g.id("rep_"), attrs)
}

var pepPositions = map[string]string{"PEP1": "Head of government agency", "PEP2": "Member of parliament", "RCA": "Relative or close associate"}

// media is the articles an adverse-media match found.
func media(p person, category string, n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"title": fmt.Sprintf("%s %s named in %s inquiry (%d)", p.first, p.last, category, i+1),
			"url": fmt.Sprintf("https://news.example/%s/%s-%s-%d", category, asciiLower(p.first), asciiLower(p.last), i+1)}
	}
	return out
}

// enrichment is the nested JSON other systems attached: a risk score with
// signals, the device, the identity document and recent transactions
// (which make it between about 1 and 5 KB).
func (g *generator) enrichment(created time.Time) json.RawMessage {
	score := g.rng.IntN(100)
	level := "low"
	switch {
	case score >= 75:
		level = "high"
	case score >= 40:
		level = "medium"
	}
	signals := []string{}
	for n := g.rng.IntN(4); n > 0; n-- {
		signals = append(signals, pick(g, riskSignals))
	}
	var txns []txnJSON
	for n := 8 + g.rng.IntN(34); n > 0; n-- {
		txns = append(txns, txnJSON{
			Amount:   float64(g.rng.IntN(500000)) / 100,
			Approved: g.chance(0.9),
			At:       stamp(created.Add(-time.Duration(g.rng.IntN(30*24)) * time.Hour)),
			Currency: pick(g, currencies),
			ID:       g.id("txn_")[:16],
			Merchant: pick(g, merchants),
		})
	}
	var f enrichmentJSON
	f.Device.AccountsSeen = 1 + g.rng.IntN(4)
	f.Device.Fingerprint = g.id("")[:16]
	f.Device.IP = fmt.Sprintf("%d.%d.%d.%d", 1+g.rng.IntN(222), g.rng.IntN(256), g.rng.IntN(256), g.rng.IntN(256))
	f.Device.OS = pick(g, deviceOS)
	f.Document.Country = pick(g, places).country
	f.Document.Expires = fmt.Sprintf("%d-%02d-01", 2025+g.rng.IntN(10), 1+g.rng.IntN(12))
	f.Document.Type = pick(g, []string{"passport", "drivers_license", "national_id"})
	f.Risk.Level, f.Risk.Score, f.Risk.Signals = level, score, signals
	f.Risk.Model.Name, f.Risk.Model.Version = "fraud-gbm", "2026.10"
	f.Transactions.Count30d, f.Transactions.Recent = len(txns), txns
	raw, _ := json.Marshal(f)
	return raw
}

// The enrichment's shape, fields in key order (as a map would marshal).
type enrichmentJSON struct {
	Device struct {
		AccountsSeen int    `json:"accounts_seen"`
		Fingerprint  string `json:"fingerprint"`
		IP           string `json:"ip"`
		OS           string `json:"os"`
	} `json:"device"`
	Document struct {
		Country string `json:"country"`
		Expires string `json:"expires"`
		Type    string `json:"type"`
	} `json:"document"`
	Risk struct {
		Level string `json:"level"`
		Model struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"model"`
		Score   int      `json:"score"`
		Signals []string `json:"signals"`
	} `json:"risk"`
	Transactions struct {
		Count30d int       `json:"count_30d"`
		Recent   []txnJSON `json:"recent"`
	} `json:"transactions"`
}

type txnJSON struct {
	Amount   float64 `json:"amount"`
	Approved bool    `json:"approved"`
	At       string  `json:"at"`
	Currency string  `json:"currency"`
	ID       string  `json:"id"`
	Merchant string  `json:"merchant"`
}

// replay acts out a case's history through the store's own operations, as
// the staff would have: assignment, comments, then each status move on the
// shortest path to its final status.
func (g *generator) replay(r replay) error {
	t := r.created
	step := func() {
		t = t.Add(time.Duration(float64(g.opt.Now.Sub(t)) * (0.05 + 0.25*g.rng.Float64())))
		g.clock = t
	}
	g.clock = t
	if _, err := g.s.ImportDocs([]persona.CaseDoc{r.doc}, store.ImportOptions{Actor: Admin}); err != nil {
		return err
	}
	target := func(actor string) store.Target { return store.Target{Actor: actor, Case: r.name} }
	c, err := g.s.Case(r.name)
	if err != nil {
		return err
	}
	worker := c.Assignee // a workflow's policy may have handed it out already
	if r.assignee != "" && c.Assignee != r.assignee {
		step()
		if c.Assignee == "" && g.chance(0.5) {
			_, err = g.s.Claim(target(r.assignee))
		} else {
			_, err = g.s.Assign(target("lena"), r.assignee)
		}
		if err != nil {
			return err
		}
		worker = r.assignee
	}
	if worker == "" {
		worker = "lena"
	}
	for i := 0; i < r.comments; i++ {
		step()
		if _, err := g.s.Comment(target(worker), pick(g, commentPool)); err != nil {
			return err
		}
	}
	for _, st := range path(r.wf, r.final) {
		step()
		if err := g.move(r.name, worker, st); err != nil {
			return err
		}
	}
	return nil
}

// move takes one step, by whoever may: the case's assignee (a side effect
// may have handed it to another team), its worker, or a lead.
func (g *generator) move(name, worker string, st *workflows.Status) error {
	ch := store.StatusChange{Status: st.Name}
	if st.RequireComment || g.chance(0.3) {
		ch.Comment = pick(g, commentPool)
	}
	if len(st.Reasons) > 0 && (st.RequireReason || g.chance(0.6)) {
		ch.Reason = pick(g, st.Reasons)
	}
	c, err := g.s.Case(name)
	if err != nil {
		return err
	}
	var last error
	for _, actor := range []string{c.Assignee, worker, "lena", g.opt.OSUser} {
		if actor == "" {
			continue
		}
		_, last = g.s.SetStatus(store.Target{Actor: actor, Case: name}, ch)
		if !errors.Is(last, model.ErrForbidden) {
			return last
		}
	}
	return last
}

// path is the shortest run of statuses from the initial one to final
// (final included, the initial one not).
func path(w *workflows.Workflow, final *workflows.Status) []*workflows.Status {
	start := w.Initial()
	prev := map[string]*workflows.Status{start.Name: nil}
	queue := []*workflows.Status{start}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur.Name == final.Name {
			break
		}
		for i := range w.Statuses {
			next := &w.Statuses[i]
			if _, seen := prev[next.Name]; seen || !reaches(cur, next) {
				continue
			}
			prev[next.Name] = cur
			queue = append(queue, next)
		}
	}
	var out []*workflows.Status
	for s := final; s != nil && s.Name != start.Name; s = prev[s.Name] {
		out = append([]*workflows.Status{s}, out...)
	}
	return out
}

// reaches reports whether the workflow lets a case move from a to b.
func reaches(a, b *workflows.Status) bool {
	if b.From == nil {
		return a.Type != model.End
	}
	return slices.Contains(b.From, a.Name)
}
