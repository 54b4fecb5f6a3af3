package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"time"

	"genuine/metrics"
	"genuine/web"
)

const serveUsage = `Usage:
  genuine serve [--db FILE] [--addr HOST:PORT] [--base-url URL]
                [--log-format text|json] [--metrics-addr HOST:PORT]
                [--master-key-file FILE]

Serves the genuine API, the GS1 Digital Link resolver and the pages on the
embedded store FILE (default ./genuine.db, created if missing), until
interrupted; then it finishes the requests in flight and exits.

The store's secrets are sealed under its master key: the file
--master-key-file names, or GENUINE_MASTER_KEY (64 hex digits), or else the
key file beside the embedded store (genuine.key beside genuine.db), made
for a new store. A store that has a master key does not start without it.

On the first start of a new store it prints an admin key, once.

Logs go to stderr, one line per request and per event, as text or JSON
(--log-format); each line of a request carries its request_id, which the
response echoes in X-Request-Id. Prometheus metrics are served at
GET /metrics to admin keys, and, with --metrics-addr, without any key on a
second listener: bind that one to a private address (127.0.0.1:9090, or an
internal network), never to the internet.

Environment: GENUINE_DB, GENUINE_ADDR, GENUINE_BASE_URL, GENUINE_LOG_FORMAT,
GENUINE_METRICS_ADDR, GENUINE_MASTER_KEY; GENUINE_FAILPOINT (crash tests only) makes the process
die at a named point.
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
	logFormat := fs.String("log-format", envOr("GENUINE_LOG_FORMAT", "text"), "log format: text or json")
	fs.StringVar(&cfg.metricsAddr, "metrics-addr", os.Getenv("GENUINE_METRICS_ADDR"), "also serve /metrics, without a key, on this private address")
	addMasterKeyFlag(fs, &cfg.masterKey)
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usagef("serve takes no arguments")
	}
	logger, err := newLogger(m.Stderr, *logFormat)
	if err != nil {
		return err
	}
	cfg.logger, cfg.failpoint = logger, os.Getenv("GENUINE_FAILPOINT")
	cfg.metrics = metrics.New()
	svc, err := openService(ctx, cfg)
	if err != nil {
		return err
	}
	if svc.metricsLn != nil {
		fmt.Fprintf(m.Stderr, "metrics on http://%s/metrics\n", svc.metricsLn.Addr())
	}
	if svc.newKeyFile != "" {
		fmt.Fprint(m.Stderr, newKeyNote(svc.newKeyFile))
	}
	if svc.adminKey != "" {
		fmt.Fprintf(m.Stderr, "New store %s. Admin key (shown once; keep it safe):\n%s\n%s", redact(cfg.db), svc.adminKey, lostKeyHint(redact(cfg.db)))
	}
	fmt.Fprintf(m.Stderr, "genuine serving on %s (store %s)\n", svc.baseURL, redact(cfg.db))
	go func() {
		<-ctx.Done()
		fmt.Fprintln(m.Stderr, "shutting down: finishing requests in flight")
	}()
	return svc.run(ctx, cfg.reconcileEvery)
}

// newLogger returns the logger of serve, writing to w in format "text" or
// "json"; every line logged while serving a request carries its id.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	var h slog.Handler
	switch format {
	case "text":
		h = slog.NewTextHandler(w, nil)
	case "json":
		h = slog.NewJSONHandler(w, nil)
	default:
		return nil, usagef("--log-format %q: want text or json", format)
	}
	return slog.New(web.LogHandler(h)), nil
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
