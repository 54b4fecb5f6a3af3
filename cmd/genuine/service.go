package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"genuine"
	"genuine/metrics"
	"genuine/payment/simulated"
	"genuine/postgres"
	"genuine/sqlite"
	"genuine/web"
)

// serviceConfig is what a running genuine needs.
type serviceConfig struct {
	db, addr, baseURL string
	publicRate        float64
	reservationTTL    time.Duration
	notifyGrace       time.Duration
	reconcileEvery    time.Duration
	// verificationFlush is how often counted verifications are stored;
	// 0 means the App's default.
	verificationFlush time.Duration
	logger            *slog.Logger
	// metrics, if set, is told by the App, the store and the server what
	// they do, and served at GET /metrics to admin keys.
	metrics *metrics.Metrics
	// metricsAddr, if set, is where /metrics is also served, without a
	// key; it needs metrics.
	metricsAddr string
	// failpoint names the point at which the process dies at once, for
	// crash tests ($GENUINE_FAILPOINT); "" in production.
	failpoint string
}

// service is genuine running: store, payment providers, App, HTTP server
// and reconciler, wired as serve and demo both run them.
type service struct {
	db      genuine.Store
	app     *genuine.App
	sim     *simulated.Provider
	web     *web.Server
	ln      net.Listener
	baseURL string
	// adminKey is set when the store was new and an admin key was made.
	adminKey string
	// metrics serves /metrics on metricsLn, if --metrics-addr is set.
	metrics   *http.Server
	metricsLn net.Listener
}

// openService opens the store and builds everything on a listening socket.
func openService(ctx context.Context, cfg serviceConfig) (*service, error) {
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	s := &service{ln: ln, baseURL: strings.TrimSuffix(cfg.baseURL, "/")}
	if s.baseURL == "" {
		s.baseURL = "http://" + ln.Addr().String()
	}
	if s.db, err = openStore(ctx, cfg.db); err != nil {
		ln.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	secret, err := providerSecret(ctx, s.db)
	if err != nil {
		s.close()
		return nil, err
	}
	s.sim = simulated.New(simulated.Config{BaseURL: s.baseURL, Secret: secret, Store: s.db, Logger: cfg.logger})
	clients, err := clientKey(ctx, s.db)
	if err != nil {
		s.close()
		return nil, err
	}
	appCfg := genuine.Config{
		BaseURL: s.baseURL, Providers: []genuine.Provider{s.sim}, ReservationTTL: cfg.reservationTTL,
		NotifyGrace: cfg.notifyGrace, VerificationFlush: cfg.verificationFlush, Logger: cfg.logger,
		Failpoint: failpoint(cfg.failpoint), ClientKey: clients,
	}
	webCfg := web.Config{
		PublicRateLimit: cfg.publicRate, PublicBurst: int(cfg.publicRate * 2), Logger: cfg.logger,
		Pages: map[string]http.Handler{"/pay/simulated/": s.sim.Handler()},
	}
	if cfg.metrics != nil {
		appCfg.Observer = cfg.metrics
		webCfg.Metrics, webCfg.MetricsHandler = cfg.metrics, cfg.metrics.Handler()
		if o, ok := s.db.(observable); ok {
			o.SetObserver(cfg.metrics)
		}
	}
	if cfg.metricsAddr != "" {
		if cfg.metrics == nil {
			s.close()
			return nil, errors.New("a metrics address without metrics")
		}
		if s.metricsLn, err = net.Listen("tcp", cfg.metricsAddr); err != nil {
			s.close()
			return nil, fmt.Errorf("listen on %s for metrics: %w", cfg.metricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", cfg.metrics.Handler())
		s.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute}
		if cfg.logger != nil {
			s.metrics.ErrorLog = slog.NewLogLogger(cfg.logger.Handler(), slog.LevelWarn)
		}
	}
	s.app = genuine.NewApp(s.db, appCfg)
	if key, err := s.app.Bootstrap(ctx); err == nil {
		s.adminKey = key
	} else if genuine.ErrorCode(err) != genuine.EConflict {
		s.close()
		return nil, err
	}
	s.web = web.NewServer(s.app, webCfg)
	return s, nil
}

// observable is a store that reports its commits to an Observer: both
// stores are.
type observable interface {
	SetObserver(genuine.Observer)
}

// openStore opens the store a --db value names: a PostgreSQL DSN
// ("postgres://…"), or else the file of the embedded SQLite store.
func openStore(ctx context.Context, db string) (genuine.Store, error) {
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		pg, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, err
		}
		return pg, nil
	}
	lite, err := sqlite.Open(db)
	if err != nil {
		return nil, err
	}
	return lite, nil
}

// failpoint returns the App's crash hook: the process exits at once, as if
// killed, when it reaches the named point.
func failpoint(name string) func(string) {
	if name == "" {
		return nil
	}
	return func(at string) {
		if at == name {
			os.Exit(86)
		}
	}
}

// providerSecret returns the key that signs the simulated provider's
// notifications, made once per store so that every server on it agrees.
func providerSecret(ctx context.Context, db genuine.Store) ([]byte, error) {
	return storedSecret(ctx, db, "simulated", "secret")
}

// clientKey returns the key under which the addresses of clients that
// verify units are hashed (genuine.Config.ClientKey), made once per store
// so that every server on it counts a client once.
func clientKey(ctx context.Context, db genuine.Store) ([]byte, error) {
	return storedSecret(ctx, db, "genuine", "client-key")
}

// storedSecret returns 32 random bytes kept as the record name of owner,
// made the first time it is asked for.
func storedSecret(ctx context.Context, db genuine.Store, owner, name string) ([]byte, error) {
	var secret []byte
	err := db.Update(ctx, func(tx genuine.Tx) error {
		s, err := tx.ProviderRecord(ctx, owner, name)
		if err == nil {
			secret = s
			return nil
		}
		if genuine.ErrorCode(err) != genuine.ENotFound {
			return err
		}
		secret = make([]byte, 32)
		rand.Read(secret)
		return tx.PutProviderRecord(ctx, owner, name, secret)
	})
	return secret, err
}

// run serves and reconciles until ctx ends, then shuts down gracefully:
// requests in flight finish, notifications in flight are sent, and the
// verifications counted are stored (close).
func (s *service) run(ctx context.Context, reconcileEvery time.Duration) error {
	defer s.close()
	rctx, stopReconciler := context.WithCancel(context.Background())
	reconciled := make(chan struct{})
	go func() {
		s.app.RunReconciler(rctx, reconcileEvery)
		close(reconciled)
	}()
	errc := make(chan error, 1)
	go func() { errc <- s.web.Serve(s.ln) }()
	if s.metrics != nil {
		go s.metrics.Serve(s.metricsLn)
		defer s.metrics.Close()
	}
	var err error
	select {
	case err = <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err = s.web.Shutdown(shutdownCtx)
		cancel()
	}
	stopReconciler()
	<-reconciled
	return err
}

// close stops what runs and closes the store. The App closes after the
// last request and before the store: it stores the verifications it has
// counted but not yet written.
func (s *service) close() {
	if s.sim != nil {
		s.sim.Close()
	}
	if s.app != nil {
		s.app.Close()
	}
	if s.db != nil {
		s.db.Close()
	}
	s.ln.Close()
	if s.metricsLn != nil {
		s.metricsLn.Close()
	}
}
