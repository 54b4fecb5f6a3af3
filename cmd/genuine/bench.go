package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"genuine/metrics"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"genuine"
	"genuine/payment"
)

const benchUsage = `Usage:
  genuine bench [--store embedded|postgres://…] [--duration 10s] [--connections 64]
                [--scenario checkout,verify,forged,export,preview] [--json]
                [--provider simulated,stripe,alipay,wechatpay] [--cpuprofile PREFIX]

Measures genuine under load on this machine (docs/benchmarks.md). It
starts a genuine server in this process on a loopback port — a fresh
embedded store in a temporary directory, removed afterwards; no public rate
limit — and sets it up through the HTTP API: a brand, a merchant in
CN-GD-SZ, a product, and batches released to CN-GD. Then it drives each
scenario for --duration with --connections concurrent clients over real
HTTP on loopback, and stops by itself:

  checkout  POST /v1/checkouts, one fresh unit per cart, simulated provider
            (success: 201 awaiting_payment); the units come from batches of
            8,192 minted as the run needs them. With --provider, once for each
            provider named, in order: "checkout:stripe" and so on pay through
            that provider's real SDK and its local fake, started in this
            process and answering at once, to the merchant's test account
  verify    POST /v1/verify of authentic codes (success: 200, authentic)
  forged    POST /v1/verify of serials with one character changed
            (success: 200, not authentic, counterfeit_suspected)
  export    GET /v1/batches/{id}/codes?format=csv of a batch of 100,000
            units; ops are codes, latency is that of one whole export
  preview   POST /v1/checkouts/preview of one authentic code, as a till
            checks each scan (success: 200, pass); nothing is reserved

Before and after each scenario it measures the ceiling for as long: an
empty handler that answers "ok" on another loopback port of this process,
with the same client and connections. For each scenario it prints ops/s,
p50 and p99 latency, errors (answers other than the success above, and
transport errors), the resident memory of this process in MB — server and
load generator together, read at the end of the scenario — the ceiling's
ops/s (the mean of the two around the scenario), and the scenario's ops/s as
a fraction of it. Server and load generator share this machine's CPUs, and
its speed drifts, so compare ratios.

For a checkout through a real provider it also prints its ops/s as a
fraction of the simulated provider's checkouts in the same run (vs sim;
"vs_simulated" in JSON), when the run has those.

With --cpuprofile PREFIX it writes a CPU profile of this process (server
and load generator) for each scenario to PREFIX-SCENARIO.pprof, for
"go tool pprof".

With --json it prints one JSON object per line per scenario:
{"scenario","store","ops_per_s","p50_ms","p99_ms","errors","ceiling_ops_per_s","rss_mb",…}.
Ctrl-C ends the run early.
`

// Bounds of a run, so that the load it makes is bounded in time and count.
const (
	maxBenchDuration    = 10 * time.Minute
	maxBenchConnections = 1024
	// maxCheckouts bounds the checkouts of a scenario, one fresh unit each.
	maxCheckouts = 10_000_000
	// feedChunk is how many units each batch of the checkout scenario has.
	feedChunk = 8192
	// poolSize is how many authentic codes verify and forged cycle through.
	poolSize = 4096
	// exportBatchSize is the batch each export request streams whole.
	exportBatchSize = 100_000
	// benchGrace is how long a request may still run after the end of its
	// scenario before it counts as an error.
	benchGrace = 30 * time.Second
	benchGTIN  = "09520123456788"
)

var benchScenarios = []string{"checkout", "verify", "forged", "export", "preview"}

// benchConfig is what bench needs, from its flags.
type benchConfig struct {
	store       string // "embedded", or a PostgreSQL DSN
	duration    time.Duration
	connections int
	scenarios   []string
	json        bool
	cpuprofile  string // file name prefix; empty: no profiles
	// providers are those the checkout scenario runs through, in order.
	providers []string
}

func (m *Main) runBench(ctx context.Context, args []string) error {
	cfg, err := m.benchFlags(args)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "genuine-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "genuine.db")
	var key masterKeySource
	if cfg.store != "embedded" {
		// The run's database lives as long as the run, and so does its key.
		key.key = genuine.NewMasterKey()
		// A run gets a database of its own on the server, dropped after.
		var drop func()
		if db, drop, err = freshDatabase(ctx, cfg.store); err != nil {
			return err
		}
		defer drop()
	}
	fakes := map[string]payment.Fake{}
	var connectors []genuine.Connector
	for _, p := range cfg.providers {
		if p == "simulated" {
			continue
		}
		fake, err := newFake(p)
		if err != nil {
			return err
		}
		defer fake.Close()
		fakes[p] = fake
		connectors = append(connectors, fake.Connector())
	}
	svc, err := openService(ctx, serviceConfig{
		db: db, addr: "127.0.0.1:0", publicRate: 0, masterKey: key, connectors: connectors,
		logger: slog.New(slog.DiscardHandler), metrics: metrics.New(),
		// Nobody pays during a run: long deadlines keep the reconciler from
		// expiring and querying the run's checkouts while later scenarios
		// are measured.
		reservationTTL: 24 * time.Hour, notifyGrace: 24 * time.Hour,
		// One brand exports on every connection: the export scenario
		// measures throughput, not the per-brand limit.
		limits: genuine.Limits{MaxExports: cfg.connections},
	})
	if err != nil {
		return err
	}
	// The server stops when the run is over, not at Ctrl-C: the run winds
	// down first.
	sctx, stopServer := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- svc.run(sctx, 5*time.Second) }()
	defer func() { stopServer(); <-served }()

	ceiling, err := startCeiling()
	if err != nil {
		return err
	}
	defer ceiling.Close()
	b := &bench{
		m: m, cfg: cfg, http: newBenchClient(cfg.connections), server: svc.baseURL,
		ceilingURL: "http://" + ceiling.Addr + "/", progress: isTerminal(m.Stderr), runID: rand.Text()[:8],
		fakes: fakes,
	}
	if r, ok := svc.db.(interface{ Retries() int64 }); ok {
		b.storeRetries = r.Retries
	}
	defer b.http.CloseIdleConnections()
	b.admin = &client{server: svc.baseURL, key: svc.adminKey, http: b.http}
	return b.run(ctx)
}

func (m *Main) benchFlags(args []string) (benchConfig, error) {
	fs := m.newFlagSet("bench", benchUsage)
	var cfg benchConfig
	var scenarios string
	fs.StringVar(&cfg.store, "store", "embedded", "embedded, or a postgres:// DSN")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long each scenario runs")
	fs.IntVar(&cfg.connections, "connections", 64, "concurrent clients, each on its own connection")
	fs.StringVar(&scenarios, "scenario", strings.Join(benchScenarios, ","), "comma-separated scenarios to run, in order")
	fs.BoolVar(&cfg.json, "json", false, "print one JSON object per line per scenario")
	fs.StringVar(&cfg.cpuprofile, "cpuprofile", "", "write a CPU profile of each scenario to `PREFIX`-SCENARIO.pprof")
	providers := fs.String("provider", "simulated", "comma-separated payment providers the checkout scenario runs through, in order")
	args, err := parseFlags(fs, args)
	switch {
	case err != nil:
		return cfg, err
	case len(args) > 0:
		return cfg, usagef("bench takes flags only")
	case cfg.duration <= 0 || cfg.duration > maxBenchDuration:
		return cfg, usagef("--duration must be more than 0 and at most %s", maxBenchDuration)
	case cfg.connections < 1 || cfg.connections > maxBenchConnections:
		return cfg, usagef("--connections must be from 1 to %d", maxBenchConnections)
	case cfg.store != "embedded" && !strings.HasPrefix(cfg.store, "postgres://") && !strings.HasPrefix(cfg.store, "postgresql://"):
		return cfg, usagef("--store must be embedded or a postgres:// DSN")
	}
	known := append([]string{"simulated"}, realProviders...)
	for _, p := range strings.Split(*providers, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(known, p) {
			return cfg, usagef("unknown provider %q; the providers are %s", p, strings.Join(known, ", "))
		}
		if !slices.Contains(cfg.providers, p) {
			cfg.providers = append(cfg.providers, p)
		}
	}
	seen := map[string]bool{}
	for _, s := range strings.Split(scenarios, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(benchScenarios, s) {
			return cfg, usagef("unknown scenario %q; the scenarios are %s", s, strings.Join(benchScenarios, ", "))
		}
		if !seen[s] {
			cfg.scenarios = append(cfg.scenarios, s)
			seen[s] = true
		}
	}
	return cfg, nil
}

// startCeiling serves the empty handler the ceiling is measured on, on its
// own loopback port.
func startCeiling() (*http.Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ok := []byte("ok")
	hs := &http.Server{
		Addr:              ln.Addr().String(),
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(ok) }),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go hs.Serve(ln)
	return hs, nil
}

// newBenchClient returns the one client every worker shares, with an idle
// connection kept for each.
func newBenchClient(connections int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 nil, // the load stays on loopback whatever HTTP_PROXY says
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   connections,
		IdleConnTimeout:       time.Minute,
		ResponseHeaderTimeout: benchGrace,
		DisableCompression:    true,
	}}
}

// bench is one run: the server, what was set up on it, and the client.
type bench struct {
	m          *Main
	cfg        benchConfig
	http       *http.Client
	admin      *client
	server     string
	ceilingURL string
	progress   bool   // show progress on standard error, a terminal
	runID      string // makes the run's idempotency keys unique
	// storeRetries counts the store's retried transactions; nil if it
	// does not retry.
	storeRetries func() int64

	brandKey, merchantKey string
	exportBatch           string
	verifyBodies          [][]byte // {"code": …} of authentic codes
	previewBodies         [][]byte // {"items": [{"code": …}]} of the same codes
	forgedBodies          [][]byte
	feed                  *codeFeed
	// fakes are the local fakes of the real providers the run pays
	// through; simulatedOps the simulated provider's checkouts/s.
	fakes        map[string]payment.Fake
	simulatedOps float64
}

func (b *bench) run(ctx context.Context) error {
	if err := b.setup(ctx); err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	b.printHeader()
	// The machine's speed drifts within a run, so each scenario is
	// compared with the mean of ceilings measured just before and just
	// after it; one measurement between two scenarios serves both.
	before, err := b.measure(ctx, b.ceilingScenario())
	if err != nil {
		return err
	}
	var scenarios []benchScenario
	for _, name := range b.cfg.scenarios {
		if name != "checkout" {
			scenarios = append(scenarios, b.scenario(name))
			continue
		}
		for _, p := range b.cfg.providers {
			scenarios = append(scenarios, b.checkoutScenario(p))
		}
	}
	for _, sc := range scenarios {
		r, err := b.measure(ctx, sc)
		if err != nil {
			return err
		}
		after, err := b.measure(ctx, b.ceilingScenario())
		if err != nil {
			return err
		}
		r.finish(before.OpsPerSecond, after.OpsPerSecond)
		switch {
		case sc.name == "checkout":
			b.simulatedOps = r.OpsPerSecond
		case strings.HasPrefix(sc.name, "checkout:") && b.simulatedOps > 0:
			r.VsSimulated = r.OpsPerSecond / b.simulatedOps
		}
		b.print(r)
		before = after
	}
	if !b.cfg.json {
		fmt.Fprintln(b.m.Stdout, "\nRSS is this whole process's: server and load generator together.")
		if slices.Contains(b.cfg.scenarios, "export") {
			fmt.Fprintf(b.m.Stdout, "export: ops are codes; latency is that of one export of %d codes.\n", exportBatchSize)
		}
	}
	return nil
}

// setup makes, through the API, what the scenarios need: a brand with its
// product and batches, and a merchant in a region the batches may be sold in.
func (b *bench) setup(ctx context.Context) error {
	b.status("setting up: brand, merchant, product, batches")
	defer b.status("")
	var brand, merchant struct{ ID string }
	var brandKey, merchantKey struct{ Key string }
	// The keys' bodies point at ids the steps before them fill in.
	for _, s := range []struct {
		path      string
		body, out any
	}{
		{"/v1/brands", map[string]any{"name": "Bench Brand"}, &brand},
		{"/v1/merchants", map[string]any{"name": "Bench Shop", "region": "CN-GD-SZ"}, &merchant},
		{"/v1/keys", map[string]any{"role": "brand", "brand_id": &brand.ID}, &brandKey},
		{"/v1/keys", map[string]any{"role": "merchant", "merchant_id": &merchant.ID}, &merchantKey},
	} {
		if err := b.admin.do(ctx, "POST", s.path, s.body, s.out); err != nil {
			return err
		}
	}
	b.brandKey, b.merchantKey = brandKey.Key, merchantKey.Key
	for name, fake := range b.fakes {
		settings, err := fake.Account(b.server + genuine.NotifyPath(name, merchant.ID))
		if err != nil {
			return err
		}
		if err := b.as(b.merchantKey).do(ctx, "PUT", "/v1/merchants/"+merchant.ID+"/providers/"+name, json.RawMessage(settings), nil); err != nil {
			return err
		}
	}
	if err := b.as(b.brandKey).do(ctx, "POST", "/v1/products", map[string]any{"gtin": benchGTIN, "name": "Bench Tonic"}, nil); err != nil {
		return err
	}
	var err error
	if slices.Contains(b.cfg.scenarios, "export") {
		if b.exportBatch, err = b.batch(ctx, "BENCH-EXPORT", exportBatchSize); err != nil {
			return err
		}
	}
	if slices.ContainsFunc(b.cfg.scenarios, func(s string) bool { return s == "verify" || s == "forged" || s == "preview" }) {
		pool, err := b.batch(ctx, "BENCH-VERIFY", poolSize)
		if err != nil {
			return err
		}
		return b.streamCodes(ctx, pool, func(code string) bool {
			v, _ := json.Marshal(map[string]string{"code": code})
			f, _ := json.Marshal(map[string]string{"code": forgeSerial(code)})
			p, _ := json.Marshal(map[string]any{"items": []map[string]string{{"code": code}}})
			b.verifyBodies, b.forgedBodies = append(b.verifyBodies, v), append(b.forgedBodies, f)
			b.previewBodies = append(b.previewBodies, p)
			return true
		})
	}
	return nil
}

// retries returns how many transactions the store has retried.
func (b *bench) retries() int64 {
	if b.storeRetries == nil {
		return 0
	}
	return b.storeRetries()
}

// storeName names the store in the results, without a DSN's secrets.
func (b *bench) storeName() string {
	if b.cfg.store == "embedded" {
		return "embedded"
	}
	return "postgres"
}

// as returns a client of the server with another key.
func (b *bench) as(key string) *client { return &client{server: b.server, key: key, http: b.http} }

// batch mints a batch of the bench product and releases it to CN-GD.
func (b *bench) batch(ctx context.Context, lot string, quantity int64) (string, error) {
	var batch genuine.Batch
	in := genuine.BatchInput{
		GTIN: benchGTIN, Lot: lot, Quantity: quantity, Regions: []string{"CN-GD"},
		Expiry: genuine.NewDate(time.Now().Year()+3, time.December, 31),
	}
	c := b.as(b.brandKey)
	if err := c.do(ctx, "POST", "/v1/batches", in, &batch); err != nil {
		return "", err
	}
	return batch.ID, c.do(ctx, "POST", "/v1/batches/"+batch.ID+"/events", map[string]any{"type": "release"}, nil)
}

// streamCodes reads a batch's codes as the server streams them, handing
// every one to each until it returns false. Minted codes need no CSV quoting.
func (b *bench) streamCodes(ctx context.Context, batchID string, each func(code string) bool) error {
	resp, err := b.as(b.brandKey).request(ctx, "GET", "/v1/batches/"+batchID+"/codes?format=csv", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	if _, err := r.ReadSlice('\n'); err != nil { // the header
		return fmt.Errorf("export of batch %s: %w", batchID, err)
	}
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			_, code, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(","))
			if !each(string(code)) {
				return nil
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("export of batch %s: %w", batchID, err)
		}
	}
}

// codeFeed hands out fresh codes, one unit per checkout, as tills scan
// them. It fetches them in chunks, each a new batch of feedChunk units:
// minting is O(1), a chunk is read whole at once so that no export waits
// on a slow reader, and memory holds at most two chunks.
type codeFeed struct {
	codes  chan string // closed when the feed ends
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// openCodeFeed returns a feed with its first chunk ready.
func (b *bench) openCodeFeed(ctx context.Context) (*codeFeed, error) {
	ctx, cancel := context.WithCancel(ctx)
	f := &codeFeed{codes: make(chan string, feedChunk), cancel: cancel, done: make(chan struct{})}
	first, err := b.chunk(ctx, 0)
	if err != nil {
		cancel()
		return nil, err
	}
	for _, code := range first {
		f.codes <- code
	}
	go func() {
		defer close(f.done)
		defer close(f.codes)
		for n := 1; n < maxCheckouts/feedChunk; n++ {
			codes, err := b.chunk(ctx, n)
			if err != nil {
				f.err = err
				return
			}
			for _, code := range codes {
				select {
				case f.codes <- code:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return f, nil
}

// chunk mints and releases the feed's nth batch and returns its codes.
func (b *bench) chunk(ctx context.Context, n int) ([]string, error) {
	id, err := b.batch(ctx, fmt.Sprintf("CHK-%s-%d", b.runID, n), feedChunk)
	if err != nil {
		return nil, err
	}
	codes := make([]string, 0, feedChunk)
	err = b.streamCodes(ctx, id, func(code string) bool {
		codes = append(codes, code)
		return true
	})
	return codes, err
}

// close stops the feed and returns why it failed, if it did.
func (f *codeFeed) close() error {
	f.cancel()
	for range f.codes {
	}
	<-f.done
	if errors.Is(f.err, context.Canceled) {
		return nil
	}
	return f.err
}

// forgeSerial changes the last character of a code's serial (AI 21), as a
// counterfeiter guessing a serial would.
func forgeSerial(code string) string {
	i := strings.Index(code, "/21/")
	if i < 0 {
		return code
	}
	end := i + 4 + strings.IndexAny(code[i+4:]+"?", "/?#")
	if end == i+4 {
		return code
	}
	swap := "0"
	if code[end-1] == '0' {
		swap = "1"
	}
	return code[:end-1] + swap + code[end:]
}

// freshDatabase creates a database for one run on the PostgreSQL server a
// DSN names and returns its DSN and a function that drops it.
func freshDatabase(ctx context.Context, dsn string) (string, func(), error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, usagef("--store: %v", err)
	}
	// pgx.Connect takes no pool settings (pool_max_conns …), which the
	// run's own DSN keeps.
	admin := *u
	q := admin.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	admin.RawQuery = q.Encode()
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", u.Redacted(), err)
	}
	name := "genuine_bench_" + strings.ToLower(rand.Text()[:10])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	drop := func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn.Exec(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.Close(dctx)
	}
	return u.String(), drop, nil
}
