package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"genuine"
	"genuine/metrics"
	"genuine/web"
)

const serveUsage = `Usage:
  genuine serve [--db FILE] [--addr HOST:PORT] [--base-url URL]
                [--log-format text|json] [--metrics-addr HOST:PORT]
                [--simulated[=false]]
                [--max-batch N] [--max-range N] [--max-registration N]
                [--max-exports N] [--keep-notifications D]
                [--keep-checkouts D] [--prune-every D]
                [--trusted-proxy CIDR,…] [--public-rate N] [--key-rate N]
                [--auth-failure-rate N]
                [--master-key-file FILE]

Serves the genuine API, the GS1 Digital Link resolver and the pages on the
embedded store FILE (default ./genuine.db, created if missing), until
interrupted; then it finishes the requests in flight and exits.

The store's secrets are sealed under its master key: the file
--master-key-file names, or GENUINE_MASTER_KEY (64 hex digits), or else the
key file beside the embedded store (genuine.key beside genuine.db), made
for a new store. A store that has a master key does not start without it.

On the first start of a new store it prints an admin key, once.

The simulated payment provider, whose pay page anyone can press, runs only
when the server listens on a loopback address (127.0.0.1, ::1) and has no
--trusted-proxy, or with --simulated; --simulated=false turns it off.
Without it a checkout naming it is refused and its pages do not exist. Its
pages say TEST MODE.

Bulk work is bounded per brand, so that one brand cannot stall the others:
--max-batch units in a batch, --max-range units in a range event,
--max-registration serials in one registration, --max-exports exports of
codes at once per brand on this server. The reconciler deletes, every
--prune-every, providers' notification ids older than --keep-notifications
and checkouts that ended unpaid more than --keep-checkouts ago.

Logs go to stderr, one line per request and per event, as text or JSON
(--log-format); each line of a request carries its request_id, which the
response echoes in X-Request-Id. Prometheus metrics are served at
GET /metrics to admin keys, and, with --metrics-addr, without any key on a
second listener: bind that one to a private address (127.0.0.1:9090, or an
internal network), never to the internet.

Rate limits, each per server: --public-rate per client address on the
public endpoints, --key-rate per API key on the others, and
--auth-failure-rate failed authentications per client address, after which
that address is answered 429 on every keyed endpoint until it may fail
again. Behind a load balancer, list it with --trusted-proxy (repeatable, or
comma-separated; addresses or CIDR prefixes): the client address is then
taken from X-Forwarded-For for requests that come from it.

Environment: GENUINE_DB, GENUINE_ADDR, GENUINE_BASE_URL, GENUINE_LOG_FORMAT,
GENUINE_METRICS_ADDR, GENUINE_TRUSTED_PROXY (comma-separated),
GENUINE_SIMULATED (true or false), GENUINE_MASTER_KEY; GENUINE_FAILPOINT
(crash tests only) makes the process die at a named point.
`

func (m *Main) runServe(ctx context.Context, args []string) error {
	fs := m.newFlagSet("serve", serveUsage)
	var cfg serviceConfig
	fs.StringVar(&cfg.db, "db", envOr("GENUINE_DB", "genuine.db"), "embedded store file, or a postgres:// DSN")
	fs.StringVar(&cfg.addr, "addr", envOr("GENUINE_ADDR", "127.0.0.1:8080"), "address to listen on")
	fs.StringVar(&cfg.baseURL, "base-url", os.Getenv("GENUINE_BASE_URL"), "public URL of the server, the stem of codes (default http://ADDR)")
	fs.Float64Var(&cfg.publicRate, "public-rate", 50, "requests per second per client on public endpoints (0: unlimited)")
	fs.Float64Var(&cfg.keyRate, "key-rate", 100, "requests per second per API key on keyed endpoints (0: unlimited)")
	fs.Float64Var(&cfg.authFailureRate, "auth-failure-rate", 1, "failed authentications per second per client, after a burst of 10 (0: unlimited)")
	proxies := prefixList{}
	if err := proxies.setDefault(os.Getenv("GENUINE_TRUSTED_PROXY")); err != nil {
		return usagef("GENUINE_TRUSTED_PROXY: %v", err)
	}
	fs.Var(&proxies, "trusted-proxy", "address or CIDR prefix of a proxy whose X-Forwarded-For names the client; repeatable or comma-separated")
	fs.DurationVar(&cfg.reconcileEvery, "reconcile-every", 5*time.Second, "how often the reconciler runs")
	fs.DurationVar(&cfg.reservationTTL, "reservation-ttl", 15*time.Minute, "how long a checkout holds its units unpaid")
	fs.IntVar(&cfg.maxOpenCarts, "max-open-carts", genuine.DefaultMaxOpenCarts, "how many self-checkout carts may be open at once at a merchant that sets no number of its own")
	fs.DurationVar(&cfg.notifyGrace, "notify-grace", 30*time.Second, "how long to wait for a provider's notification before asking it")
	fs.Int64Var(&cfg.limits.MaxBatch, "max-batch", genuine.DefaultMaxBatch, "the most units one batch may have")
	fs.Int64Var(&cfg.limits.MaxRange, "max-range", genuine.DefaultMaxRange, "the most units one range event may move")
	fs.IntVar(&cfg.limits.MaxRegistration, "max-registration", genuine.DefaultMaxRegistration, "the most serials one request may register")
	fs.IntVar(&cfg.limits.MaxExports, "max-exports", genuine.DefaultMaxExports, "exports of codes one brand may run at once on this server")
	fs.DurationVar(&cfg.retention.Notifications, "keep-notifications", genuine.DefaultNotificationRetention, "how long providers' notification ids are kept to recognise replays")
	fs.DurationVar(&cfg.retention.Checkouts, "keep-checkouts", genuine.DefaultCheckoutRetention, "how long after their deadline checkouts that ended unpaid are kept")
	fs.DurationVar(&cfg.retention.Every, "prune-every", genuine.DefaultPruneEvery, "how often what is past its retention is deleted")
	logFormat := fs.String("log-format", envOr("GENUINE_LOG_FORMAT", "text"), "log format: text or json")
	fs.StringVar(&cfg.metricsAddr, "metrics-addr", os.Getenv("GENUINE_METRICS_ADDR"), "also serve /metrics, without a key, on this private address")
	simulated := fs.Bool("simulated", false, "run the simulated payment provider on any address (default: only on loopback)")
	addMasterKeyFlag(fs, &cfg.masterKey)
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usagef("serve takes no arguments")
	}
	if cfg.maxOpenCarts < 1 || cfg.maxOpenCarts > genuine.MaxOpenCartsLimit {
		return usagef("--max-open-carts %d: want 1 to %d", cfg.maxOpenCarts, genuine.MaxOpenCartsLimit)
	}
	if v, ok := os.LookupEnv("GENUINE_SIMULATED"); ok {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return usagef("GENUINE_SIMULATED=%q: want true or false", v)
		}
		cfg.simulated = &on
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "simulated" {
			cfg.simulated = simulated
		}
	})
	logger, err := newLogger(m.Stderr, *logFormat)
	if err != nil {
		return err
	}
	cfg.logger, cfg.failpoint = logger, os.Getenv("GENUINE_FAILPOINT")
	cfg.trustedProxies = proxies.prefixes
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
	if svc.sim != nil {
		fmt.Fprintf(m.Stderr, "TEST MODE: the simulated payment provider is on; anyone who reaches %s/pay/simulated/ can pay its checkouts\n", svc.baseURL)
	}
	fmt.Fprintf(m.Stderr, "payment providers: %s, paid to each merchant's own account (PUT /v1/merchants/{id}/providers/{name})\n", strings.Join(realProviders, ", "))
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

// prefixList is the value of a flag that lists network prefixes, given
// as addresses ("10.0.0.1", one host) or CIDR prefixes ("10.0.0.0/8"),
// comma-separated, the flag repeated or both. Given on the command line,
// it replaces the default taken from the environment.
type prefixList struct {
	prefixes []netip.Prefix
	set      bool // the flag was given
}

// setDefault sets the list from the environment's value.
func (l *prefixList) setDefault(v string) error {
	if v == "" {
		return nil
	}
	err := l.Set(v)
	l.set = false
	return err
}

// Set adds the prefixes of v.
func (l *prefixList) Set(v string) error {
	if !l.set {
		l.prefixes, l.set = nil, true
	}
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			addr, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return fmt.Errorf("%q is neither an address nor a CIDR prefix", s)
			}
			p = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
		}
		l.prefixes = append(l.prefixes, p.Masked())
	}
	return nil
}

func (l *prefixList) String() string {
	var s []string
	for _, p := range l.prefixes {
		s = append(s, p.String())
	}
	return strings.Join(s, ",")
}
