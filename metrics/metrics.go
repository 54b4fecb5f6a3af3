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
	"github.com/prometheus/client_golang/prometheus/promauto"
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
	f := promauto.With(reg)
	m.requestCount = f.NewCounterVec(prometheus.CounterOpts{
		Name: "genuine_http_requests_total",
		Help: "HTTP requests answered, by route pattern (\"other\" for none) and status code.",
	}, []string{"route", "code"})
	m.requestSeconds = f.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "genuine_http_request_duration_seconds",
		Help:    "How long HTTP requests took to answer, by route pattern.",
		Buckets: requestBuckets,
	}, []string{"route"})
	m.requests = newSeries(overflow, func(route string) *routeSeries {
		return &routeSeries{
			seconds: m.requestSeconds.WithLabelValues(route),
			codes: newSeries(0, func(code int) prometheus.Counter {
				return m.requestCount.WithLabelValues(route, strconv.Itoa(code))
			}),
		}
	})

	checkouts := f.NewCounterVec(prometheus.CounterOpts{
		Name: "genuine_checkouts_total",
		Help: "Checkouts created, by outcome: awaiting_payment (every unit passed) or refused.",
	}, []string{"outcome"})
	m.checkouts = newSeries(overflow, func(s genuine.CheckoutStatus) prometheus.Counter {
		return checkouts.WithLabelValues(string(s))
	})
	refusals := f.NewCounterVec(prometheus.CounterOpts{
		Name: "genuine_refusals_total",
		Help: "Reasons that refused an item of a checkout, by reason code.",
	}, []string{"reason"})
	m.refusals = newSeries(overflow, func(code string) prometheus.Counter { return refusals.WithLabelValues(code) })
	payments := f.NewCounterVec(prometheus.CounterOpts{
		Name: "genuine_payments_total",
		Help: "Payments that ended, by provider and the checkout's status: paid, failed, canceled, expired, partially_refunded or refunded.",
	}, []string{"provider", "status"})
	m.payments = newSeries([2]string{overflow, overflow}, func(k [2]string) prometheus.Counter { return payments.WithLabelValues(k[0], k[1]) })

	callSeconds := f.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "genuine_provider_call_duration_seconds",
		Help:    "How long calls to payment providers took, by provider and operation (create, query, cancel, refund).",
		Buckets: providerBuckets,
	}, []string{"provider", "op"})
	callErrors := f.NewCounterVec(prometheus.CounterOpts{
		Name: "genuine_provider_call_errors_total",
		Help: "Calls to payment providers that failed, by provider and operation.",
	}, []string{"provider", "op"})
	m.providerCalls = newSeries([2]string{overflow, overflow}, func(k [2]string) *callSeries {
		return &callSeries{seconds: callSeconds.WithLabelValues(k[0], k[1]), errors: callErrors.WithLabelValues(k[0], k[1])}
	})

	m.reconcilerBacklog = f.NewGauge(prometheus.GaugeOpts{
		Name: "genuine_reconciler_backlog",
		Help: "Checkouts the reconciler's last pass found to handle: expired, with a silent payment, or paid late.",
	})
	m.reconcilerLag = f.NewGauge(prometheus.GaugeOpts{
		Name: "genuine_reconciler_lag_seconds",
		Help: "How long past its deadline the longest-expired checkout of the reconciler's last pass was.",
	})
	m.reconcilerPasses = f.NewCounter(prometheus.CounterOpts{
		Name: "genuine_reconciler_passes_total",
		Help: "Passes of the reconciler.",
	})
	m.flushLag = f.NewHistogram(prometheus.HistogramOpts{
		Name:    "genuine_verification_flush_lag_seconds",
		Help:    "How long the oldest public verification count of a flush waited to be stored.",
		Buckets: flushBuckets,
	})
	m.flushedUnits = f.NewCounter(prometheus.CounterOpts{
		Name: "genuine_verification_flushed_units_total",
		Help: "Units whose verification counts flushes stored.",
	})
	m.commitSeconds = f.NewHistogram(prometheus.HistogramOpts{
		Name:    "genuine_store_commit_seconds",
		Help:    "How long the store's write transactions took, from begin to commit.",
		Buckets: commitBuckets,
	})
	m.commitUpdates = f.NewHistogram(prometheus.HistogramOpts{
		Name:    "genuine_store_commit_updates",
		Help:    "How many Updates each write transaction of the store committed together (group commit).",
		Buckets: groupBuckets,
	})

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
