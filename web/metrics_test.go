package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// metricsStub stands for package metrics' handler of /metrics.
var metricsStub = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	io.WriteString(w, "genuine_stub 1\n")
})

// TestMetricsRoute checks GET /metrics: 401 without a key, 403 for a key
// of any role but admin, the metrics handler's answer for an admin key,
// and 404 for an admin key on a server without metrics.
func TestMetricsRoute(t *testing.T) {
	ts := newTestServer(t, Config{MetricsHandler: metricsStub})
	w := ts.newWorld("Acme", "09520123456788", 1)
	for _, c := range []struct {
		name, key string
		status    int
	}{
		{"no key", "", 401},
		{"merchant", w.merchantKey, 403},
		{"brand", w.brandKey, 403},
		{"partner", w.partnerKey, 403},
		{"admin", ts.admin, 200},
	} {
		resp := ts.do(request{method: "GET", path: "/metrics", key: c.key})
		if resp.status != c.status {
			t.Errorf("%s: GET /metrics %d %s, want %d", c.name, resp.status, resp.body, c.status)
			continue
		}
		if c.status == 200 && string(resp.body) != "genuine_stub 1\n" {
			t.Errorf("%s: GET /metrics body %q", c.name, resp.body)
		}
		if c.status != 200 && resp.problem(t).Code == "" {
			t.Errorf("%s: GET /metrics %d without a problem code", c.name, resp.status)
		}
	}

	bare := newTestServer(t, Config{})
	if resp := bare.do(request{method: "GET", path: "/metrics", key: bare.admin}); resp.status != 404 {
		t.Errorf("admin, no metrics handler: %d %s, want 404", resp.status, resp.body)
	}
}

// requests is a RequestObserver that keeps what it is told.
type requests struct {
	mu   sync.Mutex
	seen []string // "route status", "route status took no time" if d <= 0
}

func (o *requests) ObserveRequest(route string, status int, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := route + " " + strconv.Itoa(status)
	if d <= 0 {
		s += " took no time"
	}
	o.seen = append(o.seen, s)
}

func (o *requests) has(want string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range o.seen {
		if s == want {
			return true
		}
	}
	return false
}

// TestRequestMetrics checks what Config.Metrics is told: each request's
// route pattern, never its path, "other" for a path no route matches, and
// its status, the refused ones included.
func TestRequestMetrics(t *testing.T) {
	obs := new(requests)
	ts := newTestServer(t, Config{Metrics: obs, PublicRateLimit: 0.01, PublicBurst: 1})
	w := ts.newWorld("Acme", "09520123456788", 1)
	ts.call("GET", "/healthz", "", nil, 200, nil)
	ts.do(request{method: "GET", path: "/no/such/path"})
	ts.do(request{method: "GET", path: "/v1/checkouts/chk_nope", key: w.merchantKey})
	ts.do(request{method: "GET", path: "/metrics"})
	ts.do(request{method: "POST", path: "/v1/verify", body: map[string]any{"code": "x"}})
	ts.do(request{method: "POST", path: "/v1/verify", body: map[string]any{"code": "x"}}) // over the limit
	// The line is told after the response is written: wait for the last.
	deadline := time.Now().Add(5 * time.Second)
	for !obs.has("POST /v1/verify 429") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for _, want := range []string{
		"POST /v1/brands 201",
		"GET /healthz 200",
		"other 404",
		"GET /v1/checkouts/{id} 404",
		"GET /metrics 401",
		"POST /v1/verify 400",
		"POST /v1/verify 429",
	} {
		if !obs.has(want) {
			t.Errorf("not observed: %s; observed %q", want, obs.seen)
		}
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	for _, s := range obs.seen {
		if strings.Contains(s, "chk_nope") || strings.Contains(s, "/no/such") {
			t.Errorf("a path was observed as a route: %s", s)
		}
		if strings.HasSuffix(s, "took no time") {
			t.Errorf("a request without its duration: %s", s)
		}
	}
}

// logBuffer is a buffer a JSON slog handler writes to from many
// goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the log records written so far.
func (b *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(b.buf.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, rec)
	}
	return out
}

// TestRequestID checks that every request gets an id: the X-Request-Id it
// came with if that is 1 to 64 characters of [A-Za-z0-9._:-], a new one
// otherwise, echoed in the response and carried by the request's log line
// and by what the App logs while serving it; and that keys are not logged.
func TestRequestID(t *testing.T) {
	logs := new(logBuffer)
	ts := newTestServer(t, Config{Logger: slog.New(slog.NewJSONHandler(logs, nil))}, downProvider{})
	w := ts.newWorld("Acme", "09520123456788", 1)
	generated := regexp.MustCompile(`^[0-9a-f]{16}$`)
	long := strings.Repeat("a", 65)
	seen := map[string]bool{}
	for _, c := range []struct {
		name, given string
		kept        bool
	}{
		{"none", "", false},
		{"sane", "till-7:req_0042.a", true},
		{"64 characters", strings.Repeat("Z", 64), true},
		{"too long", long, false},
		{"space", "abc def", false},
		{"markup", "<script>", false},
		{"newline", "a\nrequest_id=forged", false},
		{"non-ASCII", "réq", false},
	} {
		r, err := http.NewRequest("GET", ts.url+"/healthz", nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.given != "" {
			r.Header[requestIDHeader] = []string{c.given}
		}
		resp, err := ts.client.Do(r)
		if err != nil {
			if c.name == "newline" {
				continue // the client refuses to send it
			}
			t.Fatal(err)
		}
		resp.Body.Close()
		id := resp.Header.Get(requestIDHeader)
		switch {
		case c.kept && id != c.given:
			t.Errorf("%s: X-Request-Id %q echoed as %q", c.name, c.given, id)
		case !c.kept && !generated.MatchString(id):
			t.Errorf("%s: X-Request-Id %q answered with %q, want 16 new hex digits", c.name, c.given, id)
		}
		if seen[id] {
			t.Errorf("%s: id %q given twice", c.name, id)
		}
		seen[id] = true
	}

	// A checkout whose provider is down: the App logs the provider's
	// failure and the server the 503, each with the request's id.
	ts.call("POST", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, map[string]any{"type": "release"}, 201, nil)
	cart := cartOf(1999, ts.codes(w.brandKey, w.batch.ID)[0].Code)
	cart["provider"] = "down"
	resp := ts.do(request{method: "POST", path: "/v1/checkouts", key: w.merchantKey, body: cart,
		header: map[string]string{"Idempotency-Key": "down-1", requestIDHeader: "checkout-down-1"}})
	if resp.status != 503 || resp.header.Get(requestIDHeader) != "checkout-down-1" {
		t.Fatalf("checkout with the provider down: %d %v", resp.status, resp.header)
	}

	var requestLines, appLines int
	for range 100 { // the request line is written after the response
		requestLines, appLines = 0, 0
		for _, rec := range logs.records(t) {
			id, _ := rec["request_id"].(string)
			if rec["msg"] == "request" {
				requestLines++
				if !seen[id] && id != "checkout-down-1" && !generated.MatchString(id) {
					t.Fatalf("request line with request_id %q: %v", id, rec)
				}
			}
			if id == "checkout-down-1" && strings.Contains(rec["msg"].(string), "payment provider down") {
				appLines++
			}
		}
		if appLines > 0 && requestLines >= len(seen)+1 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if appLines == 0 {
		t.Errorf("the App's line about the provider does not carry the request id:\n%s", logs.buf.String())
	}
	for _, rec := range logs.records(t) {
		if rec["msg"] == "request" && rec["request_id"] == nil {
			t.Errorf("request line without a request_id: %v", rec)
		}
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	for _, key := range []string{ts.admin, w.merchantKey, w.brandKey} {
		if strings.Contains(logs.buf.String(), key) || strings.Contains(logs.buf.String(), key[:12]) {
			t.Errorf("an API key was logged")
		}
	}
	if strings.Contains(logs.buf.String(), "Bearer") {
		t.Errorf("an Authorization header was logged")
	}
}

var _ RequestObserver = (*requests)(nil)

// TestLogHandler checks that LogHandler adds the request id once, however
// often a handler is wrapped (genuine serve wraps its logger's, and the
// Server wraps the one it is given), through With too, and nothing to a
// line logged without a request's context.
func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(LogHandler(slog.NewJSONHandler(&buf, nil)))).With("app", "genuine")
	ctx := context.WithValue(context.Background(), requestInfoKey{}, &requestInfo{id: "r-1"})
	log.InfoContext(ctx, "in a request")
	log.Info("outside")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || strings.Count(lines[0], `"request_id":"r-1"`) != 1 || !strings.Contains(lines[0], `"app":"genuine"`) || strings.Contains(lines[1], "request_id") {
		t.Errorf("log lines:\n%s", buf.String())
	}
}
