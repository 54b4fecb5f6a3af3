package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
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
	// publicRate, keyRate and authFailureRate are the rate limits of
	// web.Config; 0 is no limit.
	publicRate, keyRate, authFailureRate float64
	// trustedProxies are the proxies whose X-Forwarded-For is believed.
	trustedProxies []netip.Prefix
	reservationTTL time.Duration
	// maxOpenCarts is the App's default bound on a merchant's open
	// self-checkout carts; 0 means genuine.DefaultMaxOpenCarts.
	maxOpenCarts   int
	notifyGrace    time.Duration
	reconcileEvery time.Duration
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
	// simulated says whether the simulated provider runs: nil means only
	// on a loopback address with no trusted proxy (simulatedByDefault).
	simulated *bool
	// limits bound each brand's bulk work, and retention how long history
	// is kept; zero fields mean the App's defaults.
	limits    genuine.Limits
	retention genuine.Retention
	// masterKey is where the store's master key comes from.
	masterKey masterKeySource
	// connectors are the payment providers paid to merchants' own
	// accounts; nil means the real ones (realConnectors), and demo and
	// bench give their local fakes'.
	connectors []genuine.Connector
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
	// newKeyFile is set when the store was new and its master key was
	// written to this file.
	newKeyFile string
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
	opened, err := openSealedStore(ctx, cfg.db, cfg.masterKey)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.db = opened.db
	if opened.newKey {
		s.newKeyFile = opened.keyFile
	}
	clients, err := genuine.StoredSecret(ctx, s.db, opened.sealer, "client-key")
	if err != nil {
		s.close()
		return nil, err
	}
	appCfg := genuine.Config{
		BaseURL: s.baseURL, ReservationTTL: cfg.reservationTTL, MaxOpenCarts: cfg.maxOpenCarts,
		NotifyGrace: cfg.notifyGrace, VerificationFlush: cfg.verificationFlush, Logger: cfg.logger,
		Failpoint: failpoint(cfg.failpoint), Limits: cfg.limits, Retention: cfg.retention,
		Sealer: opened.sealer, ClientKey: clients,
	}
	webCfg := web.Config{
		PublicRateLimit: cfg.publicRate, PublicBurst: int(cfg.publicRate * 2),
		KeyRateLimit: cfg.keyRate, KeyBurst: int(cfg.keyRate * 2),
		AuthFailureRate: cfg.authFailureRate, AuthFailureBurst: max(10, int(cfg.authFailureRate*2)),
		ReportRateLimit: reportRate(cfg.publicRate), ReportBurst: reportBurst,
		TrustedProxies: cfg.trustedProxies, Logger: cfg.logger,
		Pages: map[string]http.Handler{},
	}
	if on := cfg.simulated; (on == nil && simulatedByDefault(ln.Addr(), cfg.trustedProxies)) || (on != nil && *on) {
		secret, err := genuine.ProviderSecret(ctx, s.db, opened.sealer, "simulated")
		if err != nil {
			s.close()
			return nil, err
		}
		s.sim = simulated.New(simulated.Config{BaseURL: s.baseURL, Secret: secret, Store: s.db, Logger: cfg.logger})
		appCfg.Providers = append(appCfg.Providers, s.sim)
		webCfg.Pages["/pay/simulated/"] = s.sim.Handler()
	}
	// Merchants' live accounts are refused while anyone may press the
	// simulated pay page.
	appCfg.Connectors, appCfg.TestMode = cfg.connectors, s.sim != nil
	if appCfg.Connectors == nil {
		appCfg.Connectors = realConnectors()
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

// simulatedByDefault reports whether the simulated provider runs when
// serve is not told: only on a loopback address, which nothing but this
// machine reaches, and not behind proxies, which bring others there. On
// any other address anyone could pay its checkouts.
func simulatedByDefault(addr net.Addr, proxies []netip.Prefix) bool {
	a, ok := addr.(*net.TCPAddr)
	return ok && a.IP.IsLoopback() && len(proxies) == 0
}

// observable is a store that reports its commits to an Observer: both
// stores are.
type observable interface {
	SetObserver(genuine.Observer)
}

// openStore opens the store a --db value names: a PostgreSQL DSN
// ("postgres://…"), or else the file of the embedded SQLite store.
func openStore(ctx context.Context, db string) (genuine.Store, error) {
	if isPostgres(db) {
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

// auditChainEvery is how often a server chains the audit records written
// since (App.ChainAudit): how long a record may stay outside the chain.
const auditChainEvery = time.Second

// run serves, reconciles and chains audit records until ctx ends, then
// shuts down gracefully: requests in flight finish, notifications in
// flight are sent, the last audit records are chained, and the
// verifications counted are stored (close).
func (s *service) run(ctx context.Context, reconcileEvery time.Duration) error {
	defer s.close()
	rctx, stopReconciler := context.WithCancel(context.Background())
	reconciled, chained := make(chan struct{}), make(chan struct{})
	go func() {
		s.app.RunReconciler(rctx, reconcileEvery)
		close(reconciled)
	}()
	go func() {
		s.app.RunAuditChainer(rctx, auditChainEvery)
		close(chained)
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
	<-chained
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

// reportBurst is how many shoppers' reports one client address may make
// at once.
const reportBurst = 10

// reportRate is the rate of shoppers' reports per client address, a
// second: one a minute once its burst is spent, unless the public limit
// is off (0), which turns this one off too.
func reportRate(publicRate float64) float64 {
	if publicRate <= 0 {
		return 0
	}
	return 1.0 / 60
}
