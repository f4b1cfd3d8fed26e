package store

import (
	"slices"
	"strings"

	"docket/model"
	"docket/store/backend"
)

// Webhook subscriptions. An admin subscribes a URL to some case events;
// each subscription has its own secret(s), with which every delivery is
// signed. The secrets must be kept as they are (a signature needs them),
// so the record holds them; they never leave the store except to sign.
//
// Decisions consult the subscriptions on every change, so the store keeps
// them in memory (hookSet), reloaded when a change to them commits: a
// database without subscriptions pays one pointer load per change.

const (
	webhookIDPrefix  = "wh_"
	webhookSecretPre = "whsec_"
	minSecretBytes   = 16
	maxSecretBytes   = 512
	maxSecrets       = 4
	maxWebhooks      = 100
)

// NewWebhook is what AddWebhook needs. Secrets empty: the store makes one
// and returns it, once.
type NewWebhook struct {
	URL     string
	Events  []string // names as model.ParseWebhookEvents reads them
	Secrets [][]byte // several while a receiver rotates
}

// AddedWebhook is a subscription just made, and the secret the store made
// for it ("" when the caller gave the secrets).
type AddedWebhook struct {
	model.Webhook
	Secret string
}

// AddWebhook subscribes a URL to case events (admins only).
func (s *Store) AddWebhook(actor string, nw NewWebhook) (AddedWebhook, error) {
	url, err := model.ValidateWebhookURL(nw.URL)
	if err != nil {
		return AddedWebhook{}, err
	}
	events, err := model.ParseWebhookEvents(nw.Events)
	if err != nil {
		return AddedWebhook{}, err
	}
	secrets, made := nw.Secrets, ""
	if len(secrets) == 0 {
		made = webhookSecretPre + randomText(32)
		secrets = [][]byte{[]byte(made)}
	}
	if err := checkSecrets(secrets); err != nil {
		return AddedWebhook{}, err
	}
	id := webhookIDPrefix + randomText(9)
	var out AddedWebhook
	err = s.update(func(x *txn) error {
		a, err := x.actorMay(actor, model.ActWebhooks)
		if err != nil {
			return err
		}
		if n, err := x.be.WebhookCount(); err != nil || n >= maxWebhooks {
			if err != nil {
				return err
			}
			return model.Invalidf("docket keeps at most %d webhooks; remove one first", maxWebhooks)
		}
		w := model.Webhook{ID: id, URL: url, Events: events, CreatedAt: x.now, CreatedBy: a.Name}
		out = AddedWebhook{Webhook: w, Secret: made}
		x.afterCommit(s.reloadHooks)
		return x.putWebhook(w, secrets)
	})
	return out, err
}

func checkSecrets(secrets [][]byte) error {
	if len(secrets) > maxSecrets {
		return model.Invalidf("a webhook takes at most %d secrets (one per line, while a receiver rotates)", maxSecrets)
	}
	for i, sec := range secrets {
		if len(sec) < minSecretBytes || len(sec) > maxSecretBytes {
			return model.Invalidf("secret %d is %d bytes; a webhook secret must be %d to %d bytes (leave it out and docket makes a strong one)",
				i+1, len(sec), minSecretBytes, maxSecretBytes)
		}
	}
	return nil
}

// Webhooks lists the subscriptions, oldest first, without their secrets
// (admins only).
func (s *Store) Webhooks(actor string) ([]model.Webhook, error) {
	out := []model.Webhook{}
	err := s.view(func(x *txn) error {
		if _, err := x.actorMay(actor, model.ActWebhooks); err != nil {
			return err
		}
		hooks, err := x.webhooks()
		for _, h := range hooks {
			out = append(out, h.Webhook)
		}
		return err
	})
	return out, err
}

// RemoveWebhook ends a subscription (admins only). Its deliveries still
// pending are marked failed ("the webhook was removed"), so the listing
// says what never left.
func (s *Store) RemoveWebhook(actor, id string) (model.Webhook, error) {
	var out model.Webhook
	err := s.update(func(x *txn) error {
		if _, err := x.actorMay(actor, model.ActWebhooks); err != nil {
			return err
		}
		h, ok, err := x.webhook(id)
		if err != nil {
			return err
		}
		if !ok {
			return x.noSuchWebhook(id)
		}
		out = h.Webhook
		if err := x.failPending(id, "the webhook was removed"); err != nil {
			return err
		}
		x.afterCommit(s.reloadHooks)
		return x.be.DropWebhook(id)
	})
	return out, err
}

func (x *txn) noSuchWebhook(id string) error {
	hooks, err := x.webhooks()
	if err != nil {
		return err
	}
	if len(hooks) == 0 {
		return model.NotFoundf("there are no webhooks, so not %q", id)
	}
	var ids []string
	for _, h := range hooks {
		ids = append(ids, h.ID)
	}
	return model.NotFoundf("no webhook %q (webhooks: %s)", id, strings.Join(ids, ", "))
}

// storedWebhook is a subscription as the backend keeps it: with the
// secrets its deliveries are signed with.
type storedWebhook struct {
	model.Webhook
	Secrets [][]byte `json:"secrets"`
}

func (x *txn) putWebhook(w model.Webhook, secrets [][]byte) error { return x.be.PutWebhook(w, secrets) }

// webhook reads one subscription.
func (x *txn) webhook(id string) (storedWebhook, bool, error) {
	w, secrets, ok, err := x.be.Webhook(id)
	return storedWebhook{Webhook: w, Secrets: secrets}, ok, err
}

// webhooks lists every subscription, oldest first.
func (x *txn) webhooks() ([]storedWebhook, error) {
	var out []storedWebhook
	err := forWebhooks(x.be, func(h storedWebhook, err error) error {
		if err != nil {
			return backend.Damaged(x.s.path, err.Error())
		}
		out = append(out, h)
		return nil
	})
	slices.SortStableFunc(out, func(a, b storedWebhook) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, err
}

// forWebhooks calls fn with each stored subscription, or the reason one
// cannot be read.
func forWebhooks(be backend.Webhooks, fn func(storedWebhook, error) error) error {
	return be.EachWebhook(func(w model.Webhook, secrets [][]byte, bad error) error {
		return fn(storedWebhook{Webhook: w, Secrets: secrets}, bad)
	})
}

// hookSet is the subscriptions as decisions consult them: for each event
// name, the ids of the subscriptions that want it.
type hookSet struct {
	byName map[string][]string
}

// subscribers are the subscriptions that want the named event (none on a
// nil set).
func (h *hookSet) subscribers(name string) []string {
	if h == nil {
		return nil
	}
	return h.byName[name]
}

// loadHooks reads the subscriptions into memory, as Open does. A record
// that does not verify is still used as it reads (so no event is dropped
// for it) and is said among the warnings; docket check names it too. One
// that does not decode at all cannot be used, and is said.
func (s *Store) loadHooks(be backend.Webhooks) error {
	set, warnings, err := readHooks(be)
	s.hooks.Store(set)
	s.warnings = append(s.warnings, warnings...)
	return err
}

// reloadHooks reloads the subscriptions after a change to them commits
// (what a record that does not verify says was said at Open).
func (s *Store) reloadHooks() {
	s.view(func(x *txn) error {
		set, _, err := readHooks(x.be)
		if err == nil {
			s.hooks.Store(set)
		}
		return err
	})
}

// readHooks reads the subscriptions (nil when there are none), with what
// is wrong with the records that do not verify.
func readHooks(be backend.Webhooks) (*hookSet, []string, error) {
	set := &hookSet{byName: map[string][]string{}}
	var warnings []string
	err := forWebhooks(be, func(h storedWebhook, err error) error {
		if err != nil {
			warnings = append(warnings, err.Error())
		}
		for _, name := range model.WebhookEvents {
			if h.ID != "" && h.Wants(name) {
				set.byName[name] = append(set.byName[name], h.ID)
			}
		}
		return nil
	})
	if len(set.byName) == 0 {
		set = nil
	}
	return set, warnings, err
}

// checkWebhooks checks each subscription record's digest and id.
func checkWebhooks(be backend.Webhooks, r *CheckReport) error {
	return forWebhooks(be, func(h storedWebhook, err error) error {
		if err != nil {
			r.add("webhooks", "%v", err)
		}
		return nil
	})
}
