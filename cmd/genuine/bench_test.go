package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"genuine/postgres/pgtest"
)

// benchLine is a line of bench --json, with the members the contract names.
type benchLine struct {
	Scenario            string
	Store               string
	OpsPerSecond        float64 `json:"ops_per_s"`
	P50Millis           float64 `json:"p50_ms"`
	P99Millis           float64 `json:"p99_ms"`
	Errors              int64
	CeilingOpsPerSecond float64 `json:"ceiling_ops_per_s"`
	RSSMB               float64 `json:"rss_mb"`
}

func TestBenchJSON(t *testing.T) {
	stdout, stderr, code := run(t, "", "bench", "--duration", "1s", "--connections", "4", "--scenario", "checkout,verify,forged", "--json")
	if code != 0 {
		t.Fatalf("bench: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if stderr != "" {
		t.Errorf("bench wrote to stderr, not a terminal: %q", stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	want := []string{"checkout", "verify", "forged"}
	if len(lines) != len(want) {
		t.Fatalf("bench printed %d lines, want one per scenario (%d):\n%s", len(lines), len(want), stdout)
	}
	required := []string{"scenario", "store", "ops_per_s", "p50_ms", "p99_ms", "errors", "ceiling_ops_per_s", "rss_mb"}
	for i, line := range lines {
		if names := memberNames(t, line); len(names) < len(required) || strings.Join(names[:len(required)], ",") != strings.Join(required, ",") {
			t.Errorf("line %d has members %q, want %q first", i+1, names, required)
		}
		var r benchLine
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if r.Scenario != want[i] || r.Store != "embedded" {
			t.Errorf("line %d: scenario %q on %q, want %q on embedded", i+1, r.Scenario, r.Store, want[i])
		}
		if r.OpsPerSecond <= 0 || r.P50Millis <= 0 || r.P50Millis > r.P99Millis || r.Errors != 0 ||
			r.CeilingOpsPerSecond <= 0 || r.RSSMB <= 0 {
			t.Errorf("line %d has figures out of their range: %s", i+1, line)
		}
	}
}

// memberNames returns the names of a JSON object's members, in order.
func memberNames(t *testing.T, object string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(object))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", object)
	}
	var names []string
	for dec.More() {
		name, err := dec.Token()
		if err != nil {
			t.Fatalf("%v in %s", err, object)
		}
		names = append(names, name.(string))
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			t.Fatalf("%v in %s", err, object)
		}
	}
	return names
}

func TestBenchRefusesBadFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--duration", "0s"}, "--duration"},
		{[]string{"--duration", "11m"}, "--duration"},
		{[]string{"--duration", "soon"}, "invalid value"},
		{[]string{"--connections", "0"}, "--connections"},
		{[]string{"--connections", "100000"}, "--connections"},
		{[]string{"--scenario", "checkout,nope"}, `unknown scenario "nope"`},
		{[]string{"--scenario", ""}, `unknown scenario ""`},
		{[]string{"--store", "mysql://x"}, "--store"},
		{[]string{"--bogus"}, "bogus"},
		{[]string{"checkout"}, "flags only"},
	} {
		stdout, stderr, code := run(t, "", append([]string{"bench"}, tt.args...)...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tt.want) {
			t.Errorf("bench %q: exit %d, stdout %q, stderr %q; want exit 2 and a message with %q", tt.args, code, stdout, stderr, tt.want)
		}
	}
}

func TestLatencyHistogram(t *testing.T) {
	var h latencyHistogram
	if h.quantile(0.99) != 0 {
		t.Errorf("quantile of an empty histogram = %v, want 0", h.quantile(0.99))
	}
	// 1, 2, … 1000 µs: the p50 is 500 µs and the p99 990 µs, each reported
	// at most 1/64 above, never below.
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	var other latencyHistogram
	other.record(time.Hour)
	h.merge(&other)
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 501 * time.Microsecond},
		{0.99, 991 * time.Microsecond},
		{1, time.Hour},
		{0, time.Microsecond},
	} {
		got := h.quantile(tt.q)
		if got < tt.want || float64(got) > float64(tt.want)*(1+1.0/64) {
			t.Errorf("quantile(%v) = %v, want %v to %v", tt.q, got, tt.want, time.Duration(float64(tt.want)*(1+1.0/64)))
		}
	}
	// Every bucket's end is the largest duration it holds.
	for _, ns := range []uint64{0, 1, 63, 64, 127, 128, 129, 1000, 1 << 40, 1<<62 + 12345, math.MaxInt64} {
		i := histBucket(ns)
		if up := histUpper(i); uint64(up) < ns || (i > 0 && uint64(histUpper(i-1)) >= ns) {
			t.Errorf("%d ns is in bucket %d, which ends at %d and follows one ending at %d", ns, i, up, histUpper(i-1))
		}
	}
}

func TestForgeSerial(t *testing.T) {
	for in, want := range map[string]string{
		"http://h/01/09520123456788/21/000000000HMC2YW6H7R":   "http://h/01/09520123456788/21/000000000HMC2YW6H70",
		"http://h/01/09520123456788/10/LOT/21/ABC0?17=271231": "http://h/01/09520123456788/10/LOT/21/ABC1?17=271231",
		"https://h/p/01/09520123456788/21/X9/10/LOT":          "https://h/p/01/09520123456788/21/X0/10/LOT",
		"http://h/01/09520123456788":                          "http://h/01/09520123456788",
	} {
		if got := forgeSerial(in); got != want {
			t.Errorf("forgeSerial(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBenchPostgres runs the load on a database of its own on the
// PostgreSQL server GENUINE_TEST_POSTGRES names, if it is set.
func TestBenchPostgres(t *testing.T) {
	dsn := pgtest.DSN(t, "to run bench on PostgreSQL")
	stdout, stderr, code := run(t, "", "bench", "--store", dsn, "--duration", "1s", "--connections", "64", "--scenario", "checkout,verify", "--json")
	if code != 0 || strings.Count(stdout, "\n") != 2 || !strings.Contains(stdout, `"store":"postgres"`) {
		t.Fatalf("bench on PostgreSQL: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestUnexpectedAnswer(t *testing.T) {
	for _, tt := range []struct {
		status int
		body   string
		want   string
	}{
		{409, `{"type":"about:blank","status":409,"code":"conflict","detail":"unit is reserved"}`, "HTTP 409: unit is reserved (conflict)"},
		{422, `{"id":"chk_1","status":"refused","items":[{"code":"x","decision":{"outcome":"refuse","reasons":[{"code":"outside_region"},{"code":"expired"}]}}]}`,
			"HTTP 422: refused: outside_region, expired"},
		{200, `{"authentic":false,"reason":"invalid_code","gtin":"09520123456788"}`, "HTTP 200: reason invalid_code"},
		{502, "Bad Gateway", "HTTP 502: Bad Gateway"},
		{500, strings.Repeat("x", 500), "HTTP 500: " + strings.Repeat("x", 120) + "…"},
	} {
		if got := unexpected(tt.status, []byte(tt.body)).Error(); got != tt.want {
			t.Errorf("unexpected(%d, %.40q) = %q, want %q", tt.status, tt.body, got, tt.want)
		}
	}
}
