package metrics

import (
	"time"

	"genuine"

	"github.com/prometheus/client_golang/prometheus"
)

// routeSeries are the series of one route: its duration histogram and its
// request counters by status code.
type routeSeries struct {
	seconds prometheus.Observer
	codes   *series[int, prometheus.Counter]
}

// callSeries are the series of one operation of one payment provider.
type callSeries struct {
	seconds prometheus.Observer
	errors  prometheus.Counter
}

// ObserveRequest counts an HTTP request that route answered with status in
// d; route is a route pattern, or "other". It implements web's
// RequestObserver.
func (m *Metrics) ObserveRequest(route string, status int, d time.Duration) {
	r := m.requests.get(route)
	r.seconds.Observe(d.Seconds())
	r.codes.get(status).Inc()
}

// Checkout counts a checkout created, by its status.
func (m *Metrics) Checkout(status genuine.CheckoutStatus) {
	m.checkouts.get(status).Inc()
}

// Refusal counts a reason that refused an item of a checkout, by its code.
func (m *Metrics) Refusal(code string) {
	m.refusals.get(code).Inc()
}

// Payment counts a payment that ended, by provider and status.
func (m *Metrics) Payment(provider string, status genuine.CheckoutStatus) {
	m.payments.get([2]string{provider, string(status)}).Inc()
}

// ProviderCall records the duration of a call to a payment provider, and
// counts it if it failed.
func (m *Metrics) ProviderCall(provider, op string, d time.Duration, failed bool) {
	c := m.providerCalls.get([2]string{provider, op})
	c.seconds.Observe(d.Seconds())
	if failed {
		c.errors.Inc()
	}
}

// ReconcilerPass sets the reconciler's backlog and lag to those of its
// latest pass, and counts the pass.
func (m *Metrics) ReconcilerPass(backlog int, lag time.Duration) {
	m.reconcilerBacklog.Set(float64(backlog))
	m.reconcilerLag.Set(lag.Seconds())
	m.reconcilerPasses.Inc()
}

// VerificationFlush records a flush of verification counts: the lag of
// its oldest count, and the units it stored.
func (m *Metrics) VerificationFlush(units int, lag time.Duration) {
	m.flushLag.Observe(lag.Seconds())
	m.flushedUnits.Add(float64(units))
}

// StoreCommit records a write transaction of the store: its duration and
// how many Updates it committed.
func (m *Metrics) StoreCommit(updates int, d time.Duration) {
	m.commitSeconds.Observe(d.Seconds())
	m.commitUpdates.Observe(float64(updates))
}
