package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"genuine/genuine"
	"genuine/sqlite"
	"genuine/web"
)

const serveUsage = `Usage:
  genuine serve [--db FILE] [--addr HOST:PORT] [--base-url URL]

Serves the genuine API, the GS1 Digital Link resolver and the pages on the
embedded store FILE (default ./genuine.db, created if missing), until
interrupted; then it finishes the requests in flight and exits.

On the first start of a new store it prints an admin key, once.
Environment: GENUINE_DB, GENUINE_ADDR, GENUINE_BASE_URL.
`

// serveConfig is what serve needs, from flags and the environment.
type serveConfig struct {
	db, addr, baseURL string
	publicRate        float64
}

func (m *Main) runServe(ctx context.Context, args []string) error {
	fs := m.newFlagSet("serve", serveUsage)
	var cfg serveConfig
	fs.StringVar(&cfg.db, "db", envOr("GENUINE_DB", "genuine.db"), "embedded store file")
	fs.StringVar(&cfg.addr, "addr", envOr("GENUINE_ADDR", "127.0.0.1:8080"), "address to listen on")
	fs.StringVar(&cfg.baseURL, "base-url", os.Getenv("GENUINE_BASE_URL"), "public URL of the server, the stem of codes (default http://ADDR)")
	fs.Float64Var(&cfg.publicRate, "public-rate", 50, "requests per second per client on public endpoints (0: unlimited)")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usagef("serve takes no arguments")
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	defer ln.Close()
	if cfg.baseURL == "" {
		cfg.baseURL = "http://" + ln.Addr().String()
	}
	cfg.baseURL = strings.TrimSuffix(cfg.baseURL, "/")
	db, err := sqlite.Open(cfg.db)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	app := genuine.NewApp(db, genuine.Config{BaseURL: cfg.baseURL})
	if key, err := app.Bootstrap(ctx); err == nil {
		fmt.Fprintf(m.Stderr, "New store %s. Admin key (shown once; keep it safe):\n%s\n", cfg.db, key)
	} else if genuine.ErrorCode(err) != genuine.EConflict {
		return err
	}
	logger := slog.New(slog.NewTextHandler(m.Stderr, nil))
	srv := web.NewServer(app, web.Config{PublicRateLimit: cfg.publicRate, PublicBurst: int(cfg.publicRate * 2), Logger: logger})
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(m.Stderr, "genuine serving on %s (store %s)\n", cfg.baseURL, cfg.db)
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(m.Stderr, "shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// envOr returns the environment variable name, or def if it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}
