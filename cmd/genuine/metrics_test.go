package main

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// get fetches url with a key (none if "") and an X-Request-Id (none if
// ""), and returns the status, the body and the echoed X-Request-Id.
func get(t *testing.T, url, key, requestID string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if requestID != "" {
		req.Header.Set("X-Request-Id", requestID)
	}
	resp, err := clusterClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header.Get("X-Request-Id")
}

// serve --log-format json --metrics-addr: every log line is a JSON record,
// each request's line carries its request_id (the one the client sent if
// sane), and /metrics — on the private listener without a key, on the
// main one to admin keys only — counts the checkouts by outcome, the
// refusals by reason, the requests by route, and the store's commits.
func TestServeMetricsAndJSONLogs(t *testing.T) {
	db := filepath.Join(t.TempDir(), "genuine.db")
	admin := initStore(t, db)
	s := startServerWith(t, db, nil, "--log-format", "json", "--metrics-addr", "127.0.0.1:0")
	m := regexp.MustCompile(`metrics on (http://\S+/metrics)`).FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("serve did not say where metrics are: %s", s.stderr)
	}
	metricsURL := m[1]
	w := newClusterWorld(t, s, admin, []string{"CN-GD-SZ"}, 3)

	sale := postCheckout(s.url, w.merchantKeys[0], "sale-1", w.codes[0])
	if sale.status != 201 || !pressPay(sale.payURL) {
		t.Fatalf("sale: %d %v", sale.status, sale.err)
	}
	forged := w.codes[1][:len(w.codes[1])-1] + map[bool]string{true: "1", false: "0"}[strings.HasSuffix(w.codes[1], "0")]
	if refused := postCheckout(s.url, w.merchantKeys[0], "refused-1", forged); refused.status != 422 {
		t.Fatalf("forged checkout: %d %v", refused.status, refused.err)
	}
	if st, _, id := get(t, s.url+"/healthz", "", "till-7.req-42"); st != 200 || id != "till-7.req-42" {
		t.Errorf("healthz with a sane X-Request-Id: %d, echoed %q", st, id)
	}
	if st, _, id := get(t, s.url+"/healthz", "", "not sane!"); st != 200 || !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
		t.Errorf("healthz with a bad X-Request-Id: %d, echoed %q", st, id)
	}

	for _, c := range []struct {
		name, key string
		status    int
	}{{"no key", "", 401}, {"merchant", w.merchantKeys[0], 403}, {"admin", admin, 200}} {
		if st, body, _ := get(t, s.url+"/metrics", c.key, ""); st != c.status || c.status == 200 && !strings.Contains(body, "genuine_checkouts_total") {
			t.Errorf("GET /metrics on the main listener, %s: %d, want %d", c.name, st, c.status)
		}
	}
	st, body, _ := get(t, metricsURL, "", "")
	if st != 200 {
		t.Fatalf("GET %s: %d", metricsURL, st)
	}
	for _, want := range []string{
		`genuine_checkouts_total{outcome="awaiting_payment"} 1`,
		`genuine_checkouts_total{outcome="refused"} 1`,
		`genuine_refusals_total{reason="counterfeit_suspected"} 1`,
		`genuine_http_requests_total{code="201",route="POST /v1/checkouts"} 1`,
		`genuine_http_requests_total{code="422",route="POST /v1/checkouts"} 1`,
		`genuine_http_request_duration_seconds_count{route="GET /healthz"} 2`,
		"genuine_store_commit_updates_bucket",
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if regexp.MustCompile(`genuine_store_commit_seconds_count [1-9]`).FindString(body) == "" {
		t.Errorf("/metrics counts no store commits")
	}
	// The sale's payment lands through the provider's notification.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(body, `genuine_payments_total{provider="simulated",status="paid"} 1`) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		_, body, _ = get(t, metricsURL, "", "")
	}
	if !strings.Contains(body, `genuine_payments_total{provider="simulated",status="paid"} 1`) {
		t.Errorf("/metrics counts no paid payment")
	}

	stopServer(t, s)
	requests, sane := 0, false
	for line := range strings.Lines(s.stderr.String()) {
		if strings.Contains(line, "level=") {
			t.Errorf("a text log line: %q", line)
		}
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("a log line is not JSON: %q", line)
			continue
		}
		if rec["time"] == nil || rec["level"] == nil || rec["msg"] == nil {
			t.Errorf("a log line without time, level or msg: %q", line)
		}
		if rec["msg"] != "request" {
			continue
		}
		requests++
		id, _ := rec["request_id"].(string)
		if id == "" {
			t.Errorf("a request line without a request_id: %q", line)
		}
		sane = sane || id == "till-7.req-42"
	}
	if requests < 10 || !sane {
		t.Errorf("%d request lines, the sane X-Request-Id among them: %v", requests, sane)
	}
	if strings.Contains(s.stderr.String(), w.merchantKeys[0]) {
		t.Error("a merchant's API key was logged")
	}
}

// An unknown --log-format is a usage error that names the formats.
func TestServeRefusesLogFormat(t *testing.T) {
	_, stderr, code := run(t, "", "serve", "--db", filepath.Join(t.TempDir(), "g.db"), "--addr", "127.0.0.1:0", "--log-format", "xml")
	if code != 2 || !strings.Contains(stderr, "text") || !strings.Contains(stderr, "json") {
		t.Errorf("serve --log-format xml: exit %d, %q", code, stderr)
	}
}
