package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"time"
)

const serveUsage = `Usage:
  genuine serve [--db FILE] [--addr HOST:PORT] [--base-url URL]

Serves the genuine API, the GS1 Digital Link resolver and the pages on the
embedded store FILE (default ./genuine.db, created if missing), until
interrupted; then it finishes the requests in flight and exits.

On the first start of a new store it prints an admin key, once.
Environment: GENUINE_DB, GENUINE_ADDR, GENUINE_BASE_URL; GENUINE_FAILPOINT
(crash tests only) makes the process die at a named point.
`

func (m *Main) runServe(ctx context.Context, args []string) error {
	fs := m.newFlagSet("serve", serveUsage)
	var cfg serviceConfig
	fs.StringVar(&cfg.db, "db", envOr("GENUINE_DB", "genuine.db"), "embedded store file, or a postgres:// DSN")
	fs.StringVar(&cfg.addr, "addr", envOr("GENUINE_ADDR", "127.0.0.1:8080"), "address to listen on")
	fs.StringVar(&cfg.baseURL, "base-url", os.Getenv("GENUINE_BASE_URL"), "public URL of the server, the stem of codes (default http://ADDR)")
	fs.Float64Var(&cfg.publicRate, "public-rate", 50, "requests per second per client on public endpoints (0: unlimited)")
	fs.DurationVar(&cfg.reconcileEvery, "reconcile-every", 5*time.Second, "how often the reconciler runs")
	fs.DurationVar(&cfg.reservationTTL, "reservation-ttl", 15*time.Minute, "how long a checkout holds its units unpaid")
	fs.DurationVar(&cfg.notifyGrace, "notify-grace", 30*time.Second, "how long to wait for a provider's notification before asking it")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usagef("serve takes no arguments")
	}
	logger := slog.New(slog.NewTextHandler(m.Stderr, nil))
	cfg.logger, cfg.failpoint = logger, os.Getenv("GENUINE_FAILPOINT")
	svc, err := openService(ctx, cfg)
	if err != nil {
		return err
	}
	if svc.adminKey != "" {
		fmt.Fprintf(m.Stderr, "New store %s. Admin key (shown once; keep it safe):\n%s\n", redact(cfg.db), svc.adminKey)
	}
	fmt.Fprintf(m.Stderr, "genuine serving on %s (store %s)\n", svc.baseURL, redact(cfg.db))
	go func() {
		<-ctx.Done()
		fmt.Fprintln(m.Stderr, "shutting down: finishing requests in flight")
	}()
	return svc.run(ctx, cfg.reconcileEvery)
}

// redact hides the password of a DSN before it is printed.
func redact(db string) string {
	if u, err := url.Parse(db); err == nil && u.User != nil {
		return u.Redacted()
	}
	return db
}

// envOr returns the environment variable name, or def if it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}
