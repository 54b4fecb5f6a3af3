package main

// The load runner of genuine bench: scenarios, workers, latency histograms
// and the results table.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/bits"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"genuine"
)

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
		return b.checkoutScenario("simulated")
	case "verify":
		return b.verifyScenario("verify", b.verifyBodies, `"authentic":true`)
	case "forged":
		return b.verifyScenario("forged", b.forgedBodies, `"authentic":false`, `"reason":"counterfeit_suspected"`)
	case "preview":
		return b.postScenario("preview", "/v1/checkouts/preview", b.merchantKey, b.previewBodies, `"outcome":"pass"`)
	}
	return b.exportScenario()
}

// checkoutScenario checks out one fresh unit per cart, paid through a
// provider: "checkout" for the simulated one, "checkout:NAME" for another.
func (b *bench) checkoutScenario(provider string) benchScenario {
	name, tail := "checkout", []byte(`,"price":3500}],"currency":"CNY","provider":`+strconv.Quote(provider)+`}`)
	if provider != "simulated" {
		name += ":" + provider
	}
	return benchScenario{
		name: name, unit: "requests",
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
			w.body = append(w.body, tail...)
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
	return b.postScenario(name, "/v1/verify", "", bodies, want...)
}

// postScenario posts bodies to path in turn with key ("" for none); an
// answer other than 200 with every one of want is an error.
func (b *bench) postScenario(name, path, key string, bodies [][]byte, want ...string) benchScenario {
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
			status, body, err := b.send(ctx, w, "POST", b.server+path, key, w.body)
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
	retriesBefore := b.retries()
	stopProfile, err := b.startProfile(sc.name)
	if err != nil {
		return nil, err
	}
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
	if err := stopProfile(); err != nil {
		return nil, err
	}
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
	r.StoreRetries = b.retries() - retriesBefore
	r.RSSMB = residentMB()
	return r, nil
}

// startProfile starts the CPU profile of a scenario if one was asked for;
// the function it returns stops it.
func (b *bench) startProfile(scenario string) (func() error, error) {
	if b.cfg.cpuprofile == "" || scenario == "ceiling" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(b.cfg.cpuprofile + "-" + scenario + ".pprof")
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
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
	Scenario            string  `json:"scenario"`
	Store               string  `json:"store"`
	OpsPerSecond        float64 `json:"ops_per_s"`
	P50Millis           float64 `json:"p50_ms"`
	P99Millis           float64 `json:"p99_ms"`
	Errors              int64   `json:"errors"`
	CeilingOpsPerSecond float64 `json:"ceiling_ops_per_s"` // the mean of the two below
	RSSMB               float64 `json:"rss_mb"`
	Ratio               float64 `json:"ratio"` // ops_per_s ÷ ceiling_ops_per_s
	// The ceiling measured just before and just after the scenario: how
	// far apart they are tells how much the machine drifted meanwhile.
	CeilingBefore float64 `json:"ceiling_before_ops_per_s"`
	CeilingAfter  float64 `json:"ceiling_after_ops_per_s"`
	Unit          string  `json:"unit"` // what an op is: requests, or codes
	Ops           int64   `json:"ops"`
	Requests      uint64  `json:"requests"` // whole requests, the ones timed
	Seconds       float64 `json:"seconds"`
	Connections   int     `json:"connections"`
	// StoreRetries counts the transactions the store ran again after a
	// serialization failure or deadlock (PostgreSQL only).
	StoreRetries int64 `json:"store_retries,omitempty"`
	// VsSimulated is a checkout's ops/s through a real provider as a
	// fraction of the simulated provider's in the same run.
	VsSimulated   float64  `json:"vs_simulated,omitempty"`
	ErrorMessages []string `json:"error_messages,omitempty"`
}

// finish sets the figures relative to the ceiling, the mean of the ones
// measured before and after, and rounds the rest.
func (r *benchResult) finish(before, after float64) {
	ceiling := (before + after) / 2
	r.CeilingBefore, r.CeilingAfter = round(before, 1), round(after, 1)
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

func (b *bench) printHeader() {
	if b.cfg.json {
		return
	}
	fmt.Fprintf(b.m.Stdout, "genuine bench: %s store, %d connections, %s a scenario, on %d CPUs shared by server and load generator\n\n",
		b.storeName(), b.cfg.connections, b.cfg.duration, runtime.NumCPU())
	fmt.Fprintf(b.m.Stdout, "%-*s %12s %9s %9s %8s %8s %12s %10s", b.nameWidth(), "scenario", "ops/s", "p50 ms", "p99 ms", "errors", "RSS MB", "ceiling", "÷ ceiling")
	if len(b.fakes) > 0 {
		fmt.Fprintf(b.m.Stdout, " %8s", "vs sim")
	}
	fmt.Fprintln(b.m.Stdout)
}

// nameWidth is the width of the scenario column: wider when checkouts
// through real providers are named.
func (b *bench) nameWidth() int {
	if len(b.fakes) > 0 {
		return len("checkout:wechatpay")
	}
	return len("scenario ")
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
	fmt.Fprintf(b.m.Stdout, "%-*s %12s %9s %9s %8d %8.1f %12s %10.3f", b.nameWidth(),
		r.Scenario, thousands(r.OpsPerSecond), p50, p99, r.Errors, r.RSSMB, thousands(r.CeilingOpsPerSecond), r.Ratio)
	if r.VsSimulated > 0 {
		fmt.Fprintf(b.m.Stdout, " %8.3f", r.VsSimulated)
	}
	fmt.Fprintln(b.m.Stdout)
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
