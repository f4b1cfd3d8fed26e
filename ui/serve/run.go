package serve

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"docket/store"
)

// Config is what docket serve is told on its command line.
type Config struct {
	Addr    string    // SSH listen address
	LogPath string    // the log file (besides Stderr)
	Stderr  io.Writer // where serve writes its log lines too
	Options           // the host key, and how sessions are served
	HTTP    *HTTP     // the HTTP API, when served
}

// shutdownGrace is how long running commands get to finish after a
// first signal; a second signal ends the process at once.
const shutdownGrace = 30 * time.Second

// Run serves st until SIGTERM or SIGINT: then it stops accepting, tells
// connected workstations, lets running commands finish their writes and
// returns, so the caller closes the store. A second signal exits at once.
func Run(st *store.Store, cfg Config) error {
	logFile, err := os.OpenFile(cfg.LogPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("serve: log file: %w", err)
	}
	defer logFile.Close()
	cfg.Log = slog.New(slog.NewTextHandler(io.MultiWriter(cfg.Stderr, logFile), nil))
	srv, err := New(st, cfg.Options)
	if err != nil {
		return err
	}
	stopWebhooks := deliverWebhooks(st, cfg.Log) // webhooks out, see deliver.go
	defer stopWebhooks()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	web, err := startHTTP(cfg.HTTP, cfg.Log)
	if err != nil {
		ln.Close()
		return err
	}
	if store.IsServer(st.Path()) {
		// On a database server every process opens the database itself:
		// nothing to join through a socket.
	} else if local, err := ListenLocal(st.Path()); err != nil {
		cfg.Log.Warn("the local command line cannot run through this server", "error", err.Error())
	} else {
		defer os.Remove(SocketPath(st.Path()))
		go srv.ServeLocal(local)
	}
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(signals)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		web.stop(context.Background())
		return err
	case err := <-web.failed:
		srv.Shutdown(context.Background())
		return err
	case sig := <-signals:
		cfg.Log.Info("signal", "signal", sig.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	go func() {
		sig := <-signals
		cfg.Log.Warn("second signal: exiting at once", "signal", sig.String())
		os.Exit(1)
	}()
	web.stop(ctx)
	return srv.Shutdown(ctx)
}
