package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/bits"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"genuine/genuine"
)

const benchUsage = `Usage:
  genuine bench [--store embedded|postgres://…] [--duration 10s] [--connections 64]
                [--scenario checkout,verify,forged,export] [--json]

Measures genuine under load on this machine, the figures of DESIGN §10. It
starts a genuine server in this process on a loopback port — a fresh
embedded store in a temporary directory, removed afterwards; no public rate
limit — and sets it up through the HTTP API: a brand, a merchant in
CN-GD-SZ, a product, and batches released to CN-GD. Then it drives each
scenario for --duration with --connections concurrent clients over real
HTTP on loopback, and stops by itself:

  checkout  POST /v1/checkouts, one fresh unit per cart, simulated provider
            (success: 201 awaiting_payment); the units come from batches of
            8,192 minted as the run needs them
  verify    POST /v1/verify of authentic codes (success: 200, authentic)
  forged    POST /v1/verify of serials with one character changed
            (success: 200, not authentic, counterfeit_suspected)
  export    GET /v1/batches/{id}/codes?format=csv of a batch of 100,000
            units; ops are codes, latency is that of one whole export

First it measures the ceiling: an empty handler that answers "ok" on another
loopback port of this process, with the same client and connections. For
each scenario it prints ops/s, p50 and p99 latency, errors (answers other
than the success above, and transport errors), the resident memory of this
process in MB — server and load generator together, read at the end of the
scenario — and ops/s as a fraction of the ceiling's. Server and load
generator share this machine's CPUs, so compare ratios of one run.

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

var benchScenarios = []string{"checkout", "verify", "forged", "export"}

// benchConfig is what bench needs, from its flags.
type benchConfig struct {
	store       string // "embedded", or a PostgreSQL DSN
	duration    time.Duration
	connections int
	scenarios   []string
	json        bool
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
	if cfg.store != "embedded" {
		// A run gets a database of its own on the server, dropped after.
		var drop func()
		if db, drop, err = freshDatabase(ctx, cfg.store); err != nil {
			return err
		}
		defer drop()
	}
	svc, err := openService(ctx, serviceConfig{
		db: db, addr: "127.0.0.1:0", publicRate: 0,
		logger: slog.New(slog.DiscardHandler),
		// Nobody pays during a run: long deadlines keep the reconciler from
		// expiring and querying the run's checkouts while later scenarios
		// are measured.
		reservationTTL: 24 * time.Hour, notifyGrace: 24 * time.Hour,
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

	brandKey, merchantKey string
	exportBatch           string
	verifyBodies          [][]byte // {"code": …} of authentic codes
	forgedBodies          [][]byte
	feed                  *codeFeed
}

func (b *bench) run(ctx context.Context) error {
	ceiling, err := b.measure(ctx, b.ceilingScenario())
	if err != nil {
		return err
	}
	ceiling.finish(ceiling.OpsPerSecond)
	if err := b.setup(ctx); err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	b.printHeader(ceiling)
	for _, name := range b.cfg.scenarios {
		r, err := b.measure(ctx, b.scenario(name))
		if err != nil {
			return err
		}
		r.finish(ceiling.OpsPerSecond)
		b.print(r)
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
	if err := b.as(b.brandKey).do(ctx, "POST", "/v1/products", map[string]any{"gtin": benchGTIN, "name": "Bench Tonic"}, nil); err != nil {
		return err
	}
	var err error
	if slices.Contains(b.cfg.scenarios, "export") {
		if b.exportBatch, err = b.batch(ctx, "BENCH-EXPORT", exportBatchSize); err != nil {
			return err
		}
	}
	if slices.Contains(b.cfg.scenarios, "verify") || slices.Contains(b.cfg.scenarios, "forged") {
		pool, err := b.batch(ctx, "BENCH-VERIFY", poolSize)
		if err != nil {
			return err
		}
		return b.streamCodes(ctx, pool, func(code string) bool {
			v, _ := json.Marshal(map[string]string{"code": code})
			f, _ := json.Marshal(map[string]string{"code": forgeSerial(code)})
			b.verifyBodies, b.forgedBodies = append(b.verifyBodies, v), append(b.forgedBodies, f)
			return true
		})
	}
	return nil
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

// benchScenario is one kind of load. prepare, if set, readies a worker's
// next request, untimed, and reports false when there is no more work;
// once makes the request, timed, and returns how many ops it completed.
type benchScenario struct {
	name    string
	prepare func(w *benchWorker) bool
	once    func(ctx context.Context, w *benchWorker) (int64, error)
	// cut ends requests still running at the end of the scenario and
	// counts what they did so far: long exports.
	cut bool
	// unit names an op: a request, or a code for export.
	unit  string
	start func(ctx context.Context) error // before the workers start
	stop  func() error                    // after they stop
}

func (b *bench) ceilingScenario() benchScenario {
	return benchScenario{name: "ceiling", unit: "requests", once: func(ctx context.Context, w *benchWorker) (int64, error) {
		status, body, err := b.send(ctx, w, "GET", b.ceilingURL, "", nil)
		if err == nil && (status != http.StatusOK || string(body) != "ok") {
			err = unexpected(status, body)
		}
		return 1, err
	}}
}

func (b *bench) scenario(name string) benchScenario {
	switch name {
	case "checkout":
		return b.checkoutScenario()
	case "verify":
		return b.verifyScenario("verify", b.verifyBodies, `"authentic":true`)
	case "forged":
		return b.verifyScenario("forged", b.forgedBodies, `"authentic":false`, `"reason":"counterfeit_suspected"`)
	}
	return b.exportScenario()
}

func (b *bench) checkoutScenario() benchScenario {
	return benchScenario{
		name: "checkout", unit: "requests",
		start: func(ctx context.Context) (err error) {
			b.feed, err = b.openCodeFeed(ctx)
			return err
		},
		stop: func() error { return b.feed.close() },
		prepare: func(w *benchWorker) bool {
			code, ok := <-b.feed.codes
			if !ok {
				return false
			}
			w.body = append(w.body[:0], `{"items":[{"code":`...)
			w.body = strconv.AppendQuote(w.body, code)
			w.body = append(w.body, `,"price":3500}],"currency":"CNY","provider":"simulated"}`...)
			w.key = strconv.AppendInt(append(w.key[:0], w.keyPrefix...), int64(w.requests), 10)
			w.requests++
			return true
		},
		once: func(ctx context.Context, w *benchWorker) (int64, error) {
			status, body, err := b.send(ctx, w, "POST", b.server+"/v1/checkouts", b.merchantKey, w.body, "Idempotency-Key", string(w.key))
			if err == nil && (status != http.StatusCreated || !bytes.Contains(body, []byte(`"status":"awaiting_payment"`))) {
				err = unexpected(status, body)
			}
			return 1, err
		},
	}
}

// verifyScenario verifies bodies in turn, each worker from its own place,
// and expects 200 with every one of want in the answer.
func (b *bench) verifyScenario(name string, bodies [][]byte, want ...string) benchScenario {
	return benchScenario{
		name: name, unit: "requests",
		prepare: func(w *benchWorker) bool {
			if len(bodies) == 0 {
				return false
			}
			w.body = bodies[(w.id*len(bodies)/b.cfg.connections+w.requests)%len(bodies)]
			w.requests++
			return true
		},
		once: func(ctx context.Context, w *benchWorker) (int64, error) {
			status, body, err := b.send(ctx, w, "POST", b.server+"/v1/verify", "", w.body)
			if err == nil && status != http.StatusOK {
				err = unexpected(status, body)
			}
			for _, s := range want {
				if err == nil && !bytes.Contains(body, []byte(s)) {
					err = unexpected(status, body)
				}
			}
			return 1, err
		},
	}
}

func (b *bench) exportScenario() benchScenario {
	return benchScenario{name: "export", unit: "codes", cut: true, once: func(ctx context.Context, w *benchWorker) (int64, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", b.server+"/v1/batches/"+b.exportBatch+"/codes?format=csv", nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+b.brandKey)
		resp, err := b.http.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			body, _ := readBody(w.buf, resp.Body)
			return 0, unexpected(resp.StatusCode, body)
		}
		var lines int64
		if cap(w.buf) < 64<<10 {
			w.buf = make([]byte, 64<<10)
		}
		buf := w.buf[:cap(w.buf)]
		for {
			n, err := resp.Body.Read(buf)
			lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
			if err == io.EOF {
				break
			}
			if err != nil {
				return max(lines-1, 0), err
			}
		}
		if lines-1 != exportBatchSize {
			return max(lines-1, 0), fmt.Errorf("export ended after %d of %d codes", lines-1, exportBatchSize)
		}
		return lines - 1, nil // the header is not a code
	}}
}

// send makes a request with an optional bearer key, JSON body and one
// extra header, and returns the answer's status and body, which stays
// the worker's until its next request.
func (b *bench) send(ctx context.Context, w *benchWorker, method, url, key string, body []byte, header ...string) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if len(header) == 2 {
		req.Header.Set(header[0], header[1])
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	w.buf, err = readBody(w.buf, resp.Body)
	return resp.StatusCode, w.buf, err
}

// readBody reads r whole into buf's memory, growing it if need be.
func readBody(buf []byte, r io.Reader) ([]byte, error) {
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// unexpected describes an answer that is not the scenario's success: the
// problem's code and detail, a refused checkout's reasons, or the body.
func unexpected(status int, body []byte) error {
	var p struct {
		Code, Detail, Reason string
		Items                []genuine.CheckoutItem
	}
	json.Unmarshal(body, &p)
	var reasons []string
	for _, it := range p.Items {
		if it.Decision != nil {
			for _, r := range it.Decision.Reasons {
				reasons = append(reasons, r.Code)
			}
		}
	}
	switch {
	case p.Code != "":
		return fmt.Errorf("HTTP %d: %s (%s)", status, p.Detail, p.Code)
	case len(reasons) > 0:
		return fmt.Errorf("HTTP %d: refused: %s", status, strings.Join(reasons, ", "))
	case p.Reason != "":
		return fmt.Errorf("HTTP %d: reason %s", status, p.Reason)
	}
	const most = 120
	if len(body) > most {
		body = append(body[:most:most], "…"...)
	}
	return fmt.Errorf("HTTP %d: %s", status, body)
}

// benchWorker is one client of a scenario. Only its goroutine writes it,
// but for ops and errors, which progress reads atomically.
type benchWorker struct {
	id        int
	ops       atomic.Int64
	errors    atomic.Int64
	latency   latencyHistogram
	requests  int
	body      []byte
	buf       []byte // the last answer's body
	key       []byte // the last idempotency key
	keyPrefix []byte
}

// failures keeps the first few distinct messages of a scenario's errors;
// only failing requests take its lock.
type failures struct {
	mu    sync.Mutex
	first []string
}

func (f *failures) add(err error) {
	msg := err.Error()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.first) < 5 && !slices.Contains(f.first, msg) {
		f.first = append(f.first, msg)
	}
}

// measure runs a scenario for the configured duration and connections.
// It returns an error when the scenario cannot start or the run is
// interrupted; failed requests are counted in the result.
func (b *bench) measure(ctx context.Context, sc benchScenario) (*benchResult, error) {
	if sc.start != nil {
		if err := sc.start(ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", sc.name, err)
		}
	}
	workers := make([]*benchWorker, b.cfg.connections)
	for i := range workers {
		workers[i] = &benchWorker{id: i, buf: make([]byte, 0, 4<<10), keyPrefix: fmt.Appendf(nil, "bench-%s-%s-%d-", b.runID, sc.name, i)}
	}
	var fails failures
	start := time.Now()
	deadline := start.Add(b.cfg.duration)
	end := deadline.Add(benchGrace)
	if sc.cut {
		end = deadline
	}
	rctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() { b.work(ctx, rctx, sc, w, deadline, &fails) })
	}
	stopProgress := b.showProgress(sc.name, start, workers)
	wg.Wait()
	elapsed := time.Since(start)
	if sc.cut {
		// Requests are cut at the deadline: the moment they take to notice
		// is not the scenario's.
		elapsed = min(elapsed, b.cfg.duration)
	}
	stopProgress()
	r := &benchResult{Scenario: sc.name, Store: b.storeName(), Connections: b.cfg.connections, Unit: sc.unit, Seconds: round(elapsed.Seconds(), 3)}
	var h latencyHistogram
	for _, w := range workers {
		r.Ops += w.ops.Load()
		r.Errors += w.errors.Load()
		h.merge(&w.latency)
	}
	if sc.stop != nil {
		if err := sc.stop(); err != nil {
			r.Errors++
			fails.add(err)
		}
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted during %s", sc.name)
	}
	r.OpsPerSecond = float64(r.Ops) / elapsed.Seconds()
	r.P50Millis, r.P99Millis = h.quantile(0.50).Seconds()*1000, h.quantile(0.99).Seconds()*1000
	r.ErrorMessages, r.Requests = fails.first, h.n
	r.RSSMB = residentMB()
	return r, nil
}

// work is one worker's loop: requests one after the other until the
// deadline. A request that fails because the run was interrupted, or was
// cut off at the deadline, is not an error.
func (b *bench) work(ctx, rctx context.Context, sc benchScenario, w *benchWorker, deadline time.Time, fails *failures) {
	for ctx.Err() == nil && time.Now().Before(deadline) {
		if sc.prepare != nil && !sc.prepare(w) {
			return
		}
		start := time.Now()
		n, err := sc.once(rctx, w)
		took := time.Since(start)
		switch {
		case err == nil:
			w.latency.record(took)
			w.ops.Add(n)
		case ctx.Err() != nil:
			return
		case sc.cut && rctx.Err() != nil:
			w.ops.Add(n) // what it did before the end counts
			return
		default:
			w.latency.record(took)
			w.errors.Add(1)
			fails.add(err)
		}
	}
}

// showProgress rewrites one line on standard error every second while the
// workers run, when it is a terminal; the function it returns erases it.
func (b *bench) showProgress(name string, start time.Time, workers []*benchWorker) func() {
	if !b.progress {
		return func() {}
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		var last int64
		lastAt := start
		for {
			select {
			case <-done:
				b.status("")
				return
			case now := <-tick.C:
				var ops, errs int64
				for _, w := range workers {
					ops, errs = ops+w.ops.Load(), errs+w.errors.Load()
				}
				rate := float64(ops-last) / now.Sub(lastAt).Seconds()
				last, lastAt = ops, now
				b.status(fmt.Sprintf("%-8s %3.0fs of %s: %s ops, %s/s now, %d errors",
					name, now.Sub(start).Seconds(), b.cfg.duration, thousands(float64(ops)), thousands(rate), errs))
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// status rewrites the progress line, on a terminal only.
func (b *bench) status(msg string) {
	if b.progress {
		fmt.Fprintf(b.m.Stderr, "\r\033[K%s", msg)
	}
}

// residentMB returns the resident set of this whole process — the server
// and the load generator — in MB, or 0 where /proc does not tell.
func residentMB() float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return round(kb/1024, 1)
		}
	}
	return 0
}

// latencyHistogram counts durations in buckets no wider than 1/64 of
// their value (HDR style): a fixed 30 KB, however many requests, written
// by one worker only.
type latencyHistogram struct {
	counts [histBuckets]uint64
	n      uint64
}

const (
	histSubBits = 6
	histSub     = 1 << histSubBits
	// Durations under 64 ns get a bucket each; above, each power of two
	// is split into 64 buckets, up to the longest time.Duration, 2⁶³ ns.
	histBuckets = (64 - histSubBits) * histSub
)

func histBucket(ns uint64) int {
	if ns < histSub {
		return int(ns)
	}
	shift := bits.Len64(ns) - histSubBits - 1
	return (shift+1)*histSub + int(ns>>shift) - histSub
}

// histUpper returns the largest duration of a bucket.
func histUpper(i int) time.Duration {
	if i < histSub {
		return time.Duration(i)
	}
	shift := i/histSub - 1
	mantissa := uint64(i%histSub + histSub)
	return time.Duration((mantissa+1)<<shift - 1)
}

func (h *latencyHistogram) record(d time.Duration) {
	h.counts[histBucket(uint64(max(d, 0)))]++
	h.n++
}

func (h *latencyHistogram) merge(o *latencyHistogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}

// quantile returns the duration that a fraction q of the recorded ones do
// not exceed, rounded up to its bucket's end; 0 when none were recorded.
func (h *latencyHistogram) quantile(q float64) time.Duration {
	rank := uint64(math.Ceil(q * float64(h.n)))
	var seen uint64
	for i, c := range h.counts {
		if seen += c; c > 0 && seen >= max(rank, 1) {
			return histUpper(i)
		}
	}
	return 0
}

// benchResult is one scenario's figures; the JSON members up to rss_mb are
// the contract of --json, and members may be added after them.
type benchResult struct {
	Scenario            string   `json:"scenario"`
	Store               string   `json:"store"`
	OpsPerSecond        float64  `json:"ops_per_s"`
	P50Millis           float64  `json:"p50_ms"`
	P99Millis           float64  `json:"p99_ms"`
	Errors              int64    `json:"errors"`
	CeilingOpsPerSecond float64  `json:"ceiling_ops_per_s"`
	RSSMB               float64  `json:"rss_mb"`
	Ratio               float64  `json:"ratio"` // ops_per_s ÷ ceiling_ops_per_s
	Unit                string   `json:"unit"`  // what an op is: requests, or codes
	Ops                 int64    `json:"ops"`
	Requests            uint64   `json:"requests"` // whole requests, the ones timed
	Seconds             float64  `json:"seconds"`
	Connections         int      `json:"connections"`
	ErrorMessages       []string `json:"error_messages,omitempty"`
}

// finish sets the figures relative to the ceiling and rounds the rest.
func (r *benchResult) finish(ceiling float64) {
	r.CeilingOpsPerSecond = round(ceiling, 1)
	if ceiling > 0 {
		r.Ratio = round(r.OpsPerSecond/ceiling, 4)
	}
	r.OpsPerSecond = round(r.OpsPerSecond, 1)
	r.P50Millis, r.P99Millis = round(r.P50Millis, 3), round(r.P99Millis, 3)
}

func round(x float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(x*p) / p
}

func (b *bench) printHeader(ceiling *benchResult) {
	if b.cfg.json {
		return
	}
	fmt.Fprintf(b.m.Stdout, "genuine bench: %s store, %d connections, %s a scenario, on %d CPUs shared by server and load generator\n\n",
		ceiling.Store, b.cfg.connections, b.cfg.duration, runtime.NumCPU())
	fmt.Fprintf(b.m.Stdout, "%-9s %12s %9s %9s %8s %8s %10s\n", "scenario", "ops/s", "p50 ms", "p99 ms", "errors", "RSS MB", "÷ ceiling")
	b.print(ceiling)
}

func (b *bench) print(r *benchResult) {
	if b.cfg.json {
		json.NewEncoder(b.m.Stdout).Encode(r)
		return
	}
	p50, p99 := strconv.FormatFloat(r.P50Millis, 'f', 3, 64), strconv.FormatFloat(r.P99Millis, 'f', 3, 64)
	if r.Requests == 0 {
		p50, p99 = "-", "-" // no request was whole: exports cut off at the end
	}
	fmt.Fprintf(b.m.Stdout, "%-9s %12s %9s %9s %8d %8.1f %10.3f\n",
		r.Scenario, thousands(r.OpsPerSecond), p50, p99, r.Errors, r.RSSMB, r.Ratio)
	for _, msg := range r.ErrorMessages {
		fmt.Fprintf(b.m.Stdout, "          error: %s\n", msg)
	}
}

// thousands formats x rounded to a whole number, with thousands separated.
func thousands(x float64) string {
	s := strconv.FormatInt(int64(math.Round(x)), 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// freshDatabase creates a database for one run on the PostgreSQL server a
// DSN names and returns its DSN and a function that drops it.
func freshDatabase(ctx context.Context, dsn string) (string, func(), error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, usagef("--store: %v", err)
	}
	conn, err := pgx.Connect(ctx, dsn)
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
