// Package metrics exposes genuine's metrics to Prometheus: it implements
// the domain's genuine.Observer (checkouts, refusals, payments, provider
// calls, the reconciler, verification flushes, store commits) and web's
// RequestObserver (requests by route and status) on a registry of its own,
// with the Go runtime and process collectors, and serves that registry at
// /metrics in the Prometheus exposition format (Handler).
//
// The hot paths — every request, checkout and verification — find the
// series they count in a cache by label value, so that counting one costs
// a map lookup and an atomic add, with no allocation and no lock.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"genuine"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is genuine's metrics on a registry of its own. It is safe for
// concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests *series[string, *routeSeries] // by route
	// requestCount and requestSeconds are the vectors of requests.
	requestCount   *prometheus.CounterVec
	requestSeconds *prometheus.HistogramVec

	checkouts     *series[genuine.CheckoutStatus, prometheus.Counter]
	refusals      *series[string, prometheus.Counter]
	payments      *series[[2]string, prometheus.Counter] // provider, status
	providerCalls *series[[2]string, *callSeries]        // provider, op

	reconcilerBacklog prometheus.Gauge
	reconcilerLag     prometheus.Gauge
	reconcilerPasses  prometheus.Counter
	flushLag          prometheus.Histogram
	flushedUnits      prometheus.Counter
	commitSeconds     prometheus.Histogram
	commitUpdates     prometheus.Histogram
}

var (
	_ genuine.Observer = (*Metrics)(nil)
	// Metrics is web's RequestObserver too; web does not import this
	// package, so the assertion is by method.
	_ interface {
		ObserveRequest(route string, status int, d time.Duration)
	} = (*Metrics)(nil)
)

// overflow is the label value of the series that counts what a label's
// values past maxSeries report.
const overflow = "other"

// Buckets of the histograms, in seconds or Updates.
var (
	requestBuckets  = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	providerBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	commitBuckets   = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}
	flushBuckets    = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	groupBuckets    = []float64{1, 2, 4, 8, 16, 32, 64}
)

// New returns Metrics on a new registry that holds genuine's metrics and
// the Go runtime and process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{reg: reg}
	f := factory{reg}
	m.requestCount = f.counterVec("genuine_http_requests_total",
		"HTTP requests answered, by route pattern (\"other\" for none) and status code.", "route", "code")
	m.requestSeconds = f.histogramVec("genuine_http_request_duration_seconds",
		"How long HTTP requests took to answer, by route pattern.", requestBuckets, "route")
	m.requests = newSeries(overflow, func(route string) *routeSeries {
		return &routeSeries{
			seconds: m.requestSeconds.WithLabelValues(route),
			codes: newSeries(0, func(code int) prometheus.Counter {
				return m.requestCount.WithLabelValues(route, strconv.Itoa(code))
			}),
		}
	})

	checkouts := f.counterVec("genuine_checkouts_total",
		"Checkouts created, by outcome: awaiting_payment (every unit passed) or refused.", "outcome")
	m.checkouts = newSeries(overflow, func(s genuine.CheckoutStatus) prometheus.Counter {
		return checkouts.WithLabelValues(string(s))
	})
	refusals := f.counterVec("genuine_refusals_total",
		"Reasons that refused an item of a checkout, by reason code.", "reason")
	m.refusals = newSeries(overflow, func(code string) prometheus.Counter { return refusals.WithLabelValues(code) })
	payments := f.counterVec("genuine_payments_total",
		"Payments that ended, by provider and the checkout's status: paid, failed, canceled, expired or refunded.", "provider", "status")
	m.payments = newSeries([2]string{overflow, overflow}, func(k [2]string) prometheus.Counter { return payments.WithLabelValues(k[0], k[1]) })

	callSeconds := f.histogramVec("genuine_provider_call_duration_seconds",
		"How long calls to payment providers took, by provider and operation (create, query, cancel, refund).", providerBuckets, "provider", "op")
	callErrors := f.counterVec("genuine_provider_call_errors_total",
		"Calls to payment providers that failed, by provider and operation.", "provider", "op")
	m.providerCalls = newSeries([2]string{overflow, overflow}, func(k [2]string) *callSeries {
		return &callSeries{seconds: callSeconds.WithLabelValues(k[0], k[1]), errors: callErrors.WithLabelValues(k[0], k[1])}
	})

	m.reconcilerBacklog = f.gauge("genuine_reconciler_backlog",
		"Checkouts the reconciler's last pass found to handle: expired, with a silent payment, or paid late.")
	m.reconcilerLag = f.gauge("genuine_reconciler_lag_seconds",
		"How long past its deadline the longest-expired checkout of the reconciler's last pass was.")
	m.reconcilerPasses = f.counter("genuine_reconciler_passes_total", "Passes of the reconciler.")
	m.flushLag = f.histogram("genuine_verification_flush_lag_seconds",
		"How long the oldest public verification count of a flush waited to be stored.", flushBuckets)
	m.flushedUnits = f.counter("genuine_verification_flushed_units_total",
		"Units whose verification counts flushes stored.")
	m.commitSeconds = f.histogram("genuine_store_commit_seconds",
		"How long the store's write transactions took, from begin to commit.", commitBuckets)
	m.commitUpdates = f.histogram("genuine_store_commit_updates",
		"How many Updates each write transaction of the store committed together (group commit).", groupBuckets)

	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry the metrics are on, to gather them or
// register more.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler returns the handler that serves the metrics in the Prometheus
// exposition format, as GET /metrics does.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// factory makes metrics and registers them on reg.
type factory struct{ reg *prometheus.Registry }

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(v)
	return v
}

func (f factory) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	v := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	f.reg.MustRegister(v)
	return v
}

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

func (f factory) histogram(name, help string, buckets []float64) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets})
	f.reg.MustRegister(h)
	return h
}
