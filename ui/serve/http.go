package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// HTTP is the HTTP API docket serve answers beside SSH.
type HTTP struct {
	Addr     string // host:port
	CertFile string // TLS certificate and key; both, or neither for plain
	KeyFile  string // HTTP (loopback only)
	// Handler makes the API's handler, given the server's log.
	Handler func(log *slog.Logger) http.Handler
}

// web is the running HTTP server; the zero value serves nothing.
type web struct {
	srv    *http.Server
	failed chan error
}

// startHTTP listens and serves cfg, if any. Plain HTTP is for this host
// only: a bearer token must not cross a network in the clear.
func startHTTP(cfg *HTTP, log *slog.Logger) (*web, error) {
	w := &web{failed: make(chan error, 1)}
	if cfg == nil || cfg.Addr == "" {
		return w, nil
	}
	useTLS := cfg.CertFile != "" || cfg.KeyFile != ""
	var tlsConfig *tls.Config
	if useTLS {
		if cfg.CertFile == "" || cfg.KeyFile == "" {
			return nil, fmt.Errorf("serve: TLS needs both --tls-cert and --tls-key")
		}
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("serve: TLS: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if !useTLS && !loopback(cfg.Addr) {
		return nil, fmt.Errorf("serve: --http %s is reachable from other hosts; serve it with --tls-cert and --tls-key, or listen on 127.0.0.1", cfg.Addr)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("serve: HTTP: %w", err)
	}
	w.srv = &http.Server{
		Handler:           cfg.Handler(log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		TLSConfig:         tlsConfig,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	log.Info("serving the HTTP API", "url", scheme+"://"+ln.Addr().String()+"/api/v1/cases")
	go func() {
		var err error
		if useTLS {
			err = w.srv.ServeTLS(ln, "", "")
		} else {
			err = w.srv.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			w.failed <- fmt.Errorf("serve: HTTP: %w", err)
		}
	}()
	return w, nil
}

// stop stops accepting requests and waits for those running, until ctx
// ends.
func (w *web) stop(ctx context.Context) {
	if w.srv != nil {
		w.srv.Shutdown(ctx)
	}
}

// loopback reports whether addr listens on this host only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
