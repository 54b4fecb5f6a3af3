package metrics

import (
	"context"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"genuine"
	"genuine/postgres"
	"genuine/postgres/pgtest"
	"genuine/sqlite"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// sample returns the value of the series of metric name with exactly the
// given labels (pairs of name and value): a counter's or gauge's value, a
// histogram's count of observations; and whether there is one.
func sample(t *testing.T, m *Metrics, name string, labels ...string) (float64, bool) {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range s.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if !sameLabels(got, labels) {
				continue
			}
			switch {
			case s.Counter != nil:
				return s.Counter.GetValue(), true
			case s.Gauge != nil:
				return s.Gauge.GetValue(), true
			case s.Histogram != nil:
				return float64(s.Histogram.GetSampleCount()), true
			}
		}
	}
	return 0, false
}

// sameLabels reports whether got holds exactly the labels of want, pairs
// of name and value.
func sameLabels(got map[string]string, want []string) bool {
	if len(got) != len(want)/2 {
		return false
	}
	for i := 0; i < len(want); i += 2 {
		if v, ok := got[want[i]]; !ok || v != want[i+1] {
			return false
		}
	}
	return true
}

// expect checks the value of a series.
func expect(t *testing.T, m *Metrics, want float64, name string, labels ...string) {
	t.Helper()
	got, ok := sample(t, m, name, labels...)
	if !ok {
		t.Errorf("no series %s%v", name, labels)
	} else if got != want {
		t.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

// TestObserver drives every method of the Observer and of web's
// RequestObserver and reads the registry: each series has the labels and
// value it should.
func TestObserver(t *testing.T) {
	m := New()
	m.ObserveRequest("POST /v1/checkouts", 201, 3*time.Millisecond)
	m.ObserveRequest("POST /v1/checkouts", 201, 2*time.Millisecond)
	m.ObserveRequest("POST /v1/checkouts", 422, time.Millisecond)
	m.ObserveRequest("other", 404, time.Microsecond)
	m.Checkout(genuine.CheckoutAwaitingPayment)
	m.Checkout(genuine.CheckoutRefused)
	m.Checkout(genuine.CheckoutRefused)
	m.Refusal("already_sold")
	m.Refusal("outside_region")
	m.Refusal("already_sold")
	m.Payment("simulated", genuine.CheckoutPaid)
	m.Payment("simulated", genuine.CheckoutExpired)
	m.ProviderCall("stripe", "create", 40*time.Millisecond, false)
	m.ProviderCall("stripe", "create", 2*time.Second, true)
	m.ProviderCall("stripe", "refund", time.Second, false)
	m.ReconcilerPass(7, 90*time.Second)
	m.ReconcilerPass(3, 30*time.Second)
	m.VerificationFlush(12, 60*time.Millisecond)
	m.StoreCommit(27, 4*time.Millisecond)
	m.StoreCommit(1, time.Millisecond)

	expect(t, m, 2, "genuine_http_requests_total", "route", "POST /v1/checkouts", "code", "201")
	expect(t, m, 1, "genuine_http_requests_total", "route", "POST /v1/checkouts", "code", "422")
	expect(t, m, 1, "genuine_http_requests_total", "route", "other", "code", "404")
	expect(t, m, 3, "genuine_http_request_duration_seconds", "route", "POST /v1/checkouts")
	expect(t, m, 1, "genuine_checkouts_total", "outcome", "awaiting_payment")
	expect(t, m, 2, "genuine_checkouts_total", "outcome", "refused")
	expect(t, m, 2, "genuine_refusals_total", "reason", "already_sold")
	expect(t, m, 1, "genuine_refusals_total", "reason", "outside_region")
	expect(t, m, 1, "genuine_payments_total", "provider", "simulated", "status", "paid")
	expect(t, m, 1, "genuine_payments_total", "provider", "simulated", "status", "expired")
	expect(t, m, 2, "genuine_provider_call_duration_seconds", "provider", "stripe", "op", "create")
	expect(t, m, 1, "genuine_provider_call_duration_seconds", "provider", "stripe", "op", "refund")
	expect(t, m, 1, "genuine_provider_call_errors_total", "provider", "stripe", "op", "create")
	expect(t, m, 0, "genuine_provider_call_errors_total", "provider", "stripe", "op", "refund")
	expect(t, m, 3, "genuine_reconciler_backlog")
	expect(t, m, 30, "genuine_reconciler_lag_seconds")
	expect(t, m, 2, "genuine_reconciler_passes_total")
	expect(t, m, 1, "genuine_verification_flush_lag_seconds")
	expect(t, m, 12, "genuine_verification_flushed_units_total")
	expect(t, m, 2, "genuine_store_commit_seconds")
	expect(t, m, 2, "genuine_store_commit_updates")

	// The histograms put each observation in its bucket.
	if n := testutil.CollectAndCount(m.requestSeconds); n != 2 {
		t.Errorf("%d request duration series, want 2 (two routes)", n)
	}
	if sum := histogramSum(t, m, "genuine_store_commit_updates"); sum != 28 {
		t.Errorf("group sizes sum to %v, want 28", sum)
	}
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "genuine_store_commit_updates" {
			continue
		}
		for _, b := range f.GetMetric()[0].GetHistogram().GetBucket() {
			if b.GetUpperBound() == 16 && b.GetCumulativeCount() != 1 || b.GetUpperBound() == 32 && b.GetCumulativeCount() != 2 {
				t.Errorf("bucket le=%v holds %d", b.GetUpperBound(), b.GetCumulativeCount())
			}
		}
	}
}

// TestHandler checks what GET /metrics serves: genuine's metrics, the Go
// runtime's and the process's, in the text format.
func TestHandler(t *testing.T) {
	m := New()
	m.Checkout(genuine.CheckoutRefused)
	m.Refusal("counterfeit_suspected")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %v", rec.Code, rec.Header())
	}
	for _, want := range []string{
		`genuine_checkouts_total{outcome="refused"} 1`,
		`genuine_refusals_total{reason="counterfeit_suspected"} 1`,
		"# TYPE genuine_store_commit_seconds histogram",
		"# TYPE genuine_reconciler_backlog gauge",
		"go_goroutines ",
		"process_start_time_seconds ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("GET /metrics lacks %q", want)
		}
	}
}

// TestSeriesBounded checks that a label reported with more values than
// maxSeries counts the rest in the series "other", not in new ones.
func TestSeriesBounded(t *testing.T) {
	m := New()
	for i := range maxSeries + 10 {
		m.Refusal("code_" + strconv.Itoa(i))
	}
	if n := testutil.CollectAndCount(m.Registry(), "genuine_refusals_total"); n != maxSeries+1 {
		t.Errorf("%d refusal series, want %d", n, maxSeries+1)
	}
	expect(t, m, 10, "genuine_refusals_total", "reason", "other")
}

// TestNoAllocations checks that counting a request, a checkout, a refusal,
// a payment, a provider call and a store commit allocates nothing once
// their series exist: these run on every request, checkout and commit.
func TestNoAllocations(t *testing.T) {
	m := New()
	route := strings.Clone("POST /v1/checkouts")
	calls := map[string]func(){
		"ObserveRequest": func() { m.ObserveRequest(route, 201, time.Millisecond) },
		"Checkout":       func() { m.Checkout(genuine.CheckoutAwaitingPayment) },
		"Refusal":        func() { m.Refusal("already_sold") },
		"Payment":        func() { m.Payment("simulated", genuine.CheckoutPaid) },
		"ProviderCall":   func() { m.ProviderCall("simulated", "create", time.Millisecond, false) },
		"StoreCommit":    func() { m.StoreCommit(8, time.Millisecond) },
	}
	for name, f := range calls {
		f()
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations a call, want 0", name, n)
		}
	}
}

// TestStoreCommits checks that each store reports its commits to the
// Metrics given to SetObserver: concurrent Updates, committed in groups,
// are each counted once among the group sizes.
func TestStoreCommits(t *testing.T) {
	stores := map[string]func(t *testing.T) observable{
		"sqlite": func(t *testing.T) observable {
			db, err := sqlite.Open(filepath.Join(t.TempDir(), "genuine.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		"postgres": func(t *testing.T) observable {
			dsn := pgtest.Database(t, "to check PostgreSQL's commits")
			db, err := postgres.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			m := New()
			db.SetObserver(m)
			ctx := context.Background()
			const updates = 40
			var wg sync.WaitGroup
			for i := range updates {
				wg.Go(func() {
					err := db.Update(ctx, func(tx genuine.Tx) error {
						return tx.PutProviderRecord(ctx, "test", strconv.Itoa(i), []byte("v"))
					})
					if err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			commits, _ := sample(t, m, "genuine_store_commit_seconds")
			groups, _ := sample(t, m, "genuine_store_commit_updates")
			if commits < 1 || commits > updates || groups != commits {
				t.Errorf("%v commits timed, %v group sizes, for %d Updates", commits, groups, updates)
			}
			if sum := histogramSum(t, m, "genuine_store_commit_updates"); sum != updates {
				t.Errorf("group sizes sum to %v, want %d", sum, updates)
			}
			db.SetObserver(nil)
			if err := db.Update(ctx, func(tx genuine.Tx) error { return tx.PutProviderRecord(ctx, "test", "after", nil) }); err != nil {
				t.Fatal(err)
			}
			if after, _ := sample(t, m, "genuine_store_commit_seconds"); after != commits {
				t.Errorf("a commit was reported after SetObserver(nil)")
			}
		})
	}
}

// observable is a store that reports its commits.
type observable interface {
	genuine.Store
	SetObserver(genuine.Observer)
}

// histogramSum returns the sum of the observations of histogram name,
// which has no labels.
func histogramSum(t *testing.T, m *Metrics, name string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetHistogram().GetSampleSum()
		}
	}
	t.Fatalf("no histogram %s", name)
	return 0
}
