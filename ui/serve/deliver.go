package serve

import (
	"context"
	"log/slog"

	"docket/store"
	"docket/ui/hooks"
)

// deliverWebhooks runs the webhook deliverer while the server runs: the
// process that owns the database sends what its outbox holds. (A
// workstation that holds the file does not: what it queues waits for
// docket serve.) stop ends it, abandoning attempts in flight, which stay
// pending for the next start.
func deliverWebhooks(st *store.Store, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		hooks.NewDeliverer(st, hooks.Options{Log: log}).Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}
