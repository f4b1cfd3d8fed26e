package pg

import (
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"docket/model"
)

// Webhook subscriptions, each row with its signing secrets and the digest
// of its record, taken as bbolt takes it (store/bolt/records.go, webhookSum).

func webhookSum(w model.Webhook, secrets [][]byte) (string, error) {
	return model.WebhookSum(w, secrets), nil
}

// canonWebhook is a subscription as its row gives it back: times to the
// microsecond, lists never nil (the columns are NOT NULL).
func canonWebhook(w model.Webhook, secrets [][]byte) (model.Webhook, [][]byte) {
	w.CreatedAt = micro(w.CreatedAt)
	w.Events = nonNil(w.Events)
	return w, nonNil(secrets)
}

type storedWebhook struct {
	w       model.Webhook
	secrets [][]byte
	sum     string
}

const webhookColumns = "id, url, events, created_at, created_by, secrets, sum"

func scanWebhook(r pgx.CollectableRow) (storedWebhook, error) {
	var s storedWebhook
	var created pgtype.Timestamptz
	err := r.Scan(&s.w.ID, &s.w.URL, &s.w.Events, &created, &s.w.CreatedBy, &s.secrets, &s.sum)
	s.w.CreatedAt = timeOf(created)
	s.w, s.secrets = canonWebhook(s.w, s.secrets)
	return s, err
}

// verify says whether a row matches its digest.
func (s storedWebhook) verify() error {
	if sum, err := webhookSum(s.w, s.secrets); err != nil || sum != s.sum {
		return errDigest
	}
	return nil
}

func (t *tx) Webhook(id string) (model.Webhook, [][]byte, bool, error) {
	rows, err := all(t, t.ctx, scanWebhook, "SELECT "+webhookColumns+" FROM webhooks WHERE id = $1", id)
	if err != nil || len(rows) == 0 {
		return model.Webhook{}, nil, false, err
	}
	s := rows[0]
	if err := s.verify(); err != nil {
		return s.w, s.secrets, true, t.damaged("webhook %s: %v", id, err)
	}
	return s.w, s.secrets, true, nil
}

// EachWebhook calls fn with every subscription, by id; one that does not
// match its digest comes with the reason, and what it reads as.
func (t *tx) EachWebhook(fn func(model.Webhook, [][]byte, error) error) error {
	rows, err := all(t, t.ctx, scanWebhook, "SELECT "+webhookColumns+" FROM webhooks ORDER BY id")
	if err != nil {
		return err
	}
	for _, s := range rows {
		var bad error
		if err := s.verify(); err != nil {
			bad = fmt.Errorf("webhook %s: %w", s.w.ID, err)
		}
		if err := fn(s.w, s.secrets, bad); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) PutWebhook(w model.Webhook, secrets [][]byte) error {
	w, secrets = canonWebhook(w, secrets)
	sum, err := webhookSum(w, secrets)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO webhooks (id, url, events, created_at, created_by, secrets, sum) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET url = excluded.url, events = excluded.events, created_at = excluded.created_at,
			created_by = excluded.created_by, secrets = excluded.secrets, sum = excluded.sum`,
		w.ID, w.URL, w.Events, stamp(w.CreatedAt), w.CreatedBy, secrets, sum)
}

func (t *tx) DropWebhook(id string) error { return t.exec("DELETE FROM webhooks WHERE id = $1", id) }

func (t *tx) WebhookCount() (int, error) {
	var n int
	_, err := t.one("SELECT count(*) FROM webhooks", nil, &n)
	return n, err
}
