package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"genuine"
)

// TestCheckoutScenario runs a sale through the HTTP interface, with the
// real simulated provider: a unit released to CN-GD is checked
// out in CN-GD-SZ and paid on the provider's pay page, whose notification
// settles it; the same unit again, a merchant outside the region and a
// forged code are refused before any payment; retries are idempotent; a
// checkout is canceled and the sale refunded; the brand's policy is set
// and applied; decisions and alerts say what happened.
func TestCheckoutScenario(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 100)
	ts.call("POST", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, map[string]any{"type": "release", "regions": []string{"CN-GD"}}, 201, nil)
	codes := ts.codes(w.brandKey, w.batch.ID)

	// A merchant in CN-GD-SZ checks out one unit: it passes, is reserved,
	// and the payment starts.
	cart := cartOf(1999, codes[0].Code)
	first := ts.checkout(w.merchantKey, "sale-1", cart)
	c := checkoutOf(t, first, 201)
	if c.Status != genuine.CheckoutAwaitingPayment || c.MerchantID != w.merchant.ID || c.Total != 1999 || c.Currency != "CNY" ||
		len(c.Items) != 1 || c.Items[0].Decision == nil || c.Items[0].Decision.Outcome != genuine.OutcomePass || c.Items[0].Serial != codes[0].Serial {
		t.Fatalf("checkout %s", first.body)
	}
	if c.Payment == nil || c.Payment.Provider != "simulated" || c.Payment.Reference == "" || c.Payment.Amount != 1999 ||
		!strings.HasPrefix(c.Payment.PayURL, ts.url+"/pay/simulated/") || !c.Payment.ExpiresAt.After(time.Now()) {
		t.Fatalf("payment %+v", c.Payment)
	}
	if v := ts.verify(codes[0].Code); v.State != genuine.StateReserved {
		t.Fatalf("unit in a checkout: %s", v.State)
	}

	// A retry gets the same answer; the key with another cart is a conflict.
	if again := ts.checkout(w.merchantKey, "sale-1", cart); again.status != 201 || !bytes.Equal(again.body, first.body) {
		t.Fatalf("replay: %d %s\nfirst: %s", again.status, again.body, first.body)
	}
	resp := ts.checkout(w.merchantKey, "sale-1", cartOf(2999, codes[0].Code))
	if p := resp.problem(t); resp.status != 409 || p.Code != genuine.EConflict || !strings.Contains(p.Detail, "Idempotency-Key") {
		t.Fatalf("key reused for another cart: %d %+v", resp.status, p)
	}

	// The buyer opens the pay page, served beside the API with the
	// security headers; another site cannot press its buttons.
	page := ts.do(request{method: "GET", path: c.Payment.PayURL})
	checkSecurityHeaders(t, page)
	if page.status != 200 || page.header.Get("Content-Type") != "text/html; charset=utf-8" || !bytes.Contains(page.body, []byte(c.Payment.Reference)) ||
		!strings.Contains(page.header.Get("Content-Security-Policy"), "form-action 'self'") {
		t.Fatalf("pay page: %d %v\n%s", page.status, page.header, page.body)
	}
	resp = ts.do(request{method: "POST", path: c.Payment.PayURL + "/pay", header: map[string]string{
		"Accept": "application/json", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}})
	if p := resp.problem(t); resp.status != 403 || p.Code != genuine.EForbidden {
		t.Fatalf("cross-origin Pay: %d %+v", resp.status, p)
	}
	// The buyer pays; the provider's notification settles the checkout.
	ts.pay(c)
	paid := ts.waitCheckout(w.merchantKey, c.ID, genuine.CheckoutPaid)
	if paid.Payment == nil || paid.Payment.Status != genuine.PaymentPaid || paid.Payment.PaidAt.IsZero() {
		t.Fatalf("paid checkout %+v", paid)
	}
	if v := ts.verify(codes[0].Code); v.State != genuine.StateSold {
		t.Fatalf("paid unit: %s", v.State)
	}

	// The same unit again is refused, before any payment.
	refused := refusedFor(t, ts.checkout(w.merchantKey, "sale-2", cartOf(1999, codes[0].Code)), genuine.EAlreadySold)
	// A merchant outside the batch's regions is refused.
	var bj genuine.Merchant
	ts.call("POST", "/v1/merchants", ts.admin, map[string]any{"name": "Beijing shop", "region": "CN-BJ"}, 201, &bj)
	bjKey := ts.newKey(map[string]any{"role": "merchant", "merchant_id": bj.ID})
	refusedFor(t, ts.checkout(bjKey, "bj-1", cartOf(1999, codes[1].Code)), genuine.ReasonOutsideRegion)
	if v := ts.verify(codes[1].Code); v.State != genuine.StateInChannel {
		t.Fatalf("unit refused outside its region: %s", v.State)
	}
	// A forged serial is refused; the retry of a refusal is the same refusal.
	forged := cartOf(1999, forge(codes[2].Code))
	first = ts.checkout(w.merchantKey, "sale-3", forged)
	refusedFor(t, first, genuine.ReasonCounterfeit)
	if again := ts.checkout(w.merchantKey, "sale-3", forged); again.status != 422 || !bytes.Equal(again.body, first.body) {
		t.Fatalf("replay of a refusal: %d %s\nfirst: %s", again.status, again.body, first.body)
	}
	var later genuine.Checkout
	ts.call("GET", "/v1/checkouts/"+refused.ID, w.merchantKey, nil, 200, &later)
	if later.Status != genuine.CheckoutRefused || later.Payment != nil {
		t.Fatalf("refused checkout later: %+v", later)
	}

	// A checkout is canceled: its payment is canceled, its unit released.
	c = checkoutOf(t, ts.checkout(w.merchantKey, "sale-4", cartOf(500, codes[3].Code)), 201)
	var canceled genuine.Checkout
	ts.call("POST", "/v1/checkouts/"+c.ID+"/cancel", w.merchantKey, nil, 200, &canceled)
	if canceled.Status != genuine.CheckoutCanceled || canceled.Payment == nil || canceled.Payment.Status != genuine.PaymentCanceled {
		t.Fatalf("canceled checkout %+v", canceled)
	}
	if v := ts.verify(codes[3].Code); v.State != genuine.StateInChannel {
		t.Fatalf("unit of a canceled checkout: %s", v.State)
	}
	resp = ts.do(request{method: "POST", path: c.Payment.PayURL + "/pay", header: map[string]string{"Accept": "application/json"}})
	if resp.status != 409 {
		t.Fatalf("Pay after cancel: %d %s", resp.status, resp.body)
	}
	resp = ts.do(request{method: "POST", path: "/v1/checkouts/" + c.ID + "/cancel", key: w.merchantKey})
	if p := resp.problem(t); resp.status != 409 || p.Code != genuine.EConflict {
		t.Fatalf("second cancel: %d %+v", resp.status, p)
	}

	// The sale is refunded: the unit returns to the channel.
	var refunded genuine.Checkout
	ts.call("POST", "/v1/checkouts/"+paid.ID+"/refund", w.merchantKey, nil, 200, &refunded)
	if refunded.Status != genuine.CheckoutRefunded || refunded.Payment.Status != genuine.PaymentRefunded {
		t.Fatalf("refunded checkout %+v", refunded)
	}
	if v := ts.verify(codes[0].Code); v.State != genuine.StateInChannel {
		t.Fatalf("refunded unit: %s", v.State)
	}
	resp = ts.do(request{method: "POST", path: "/v1/checkouts/" + paid.ID + "/refund", key: w.merchantKey})
	if p := resp.problem(t); resp.status != 409 || p.Code != genuine.EConflict {
		t.Fatalf("second refund: %d %+v", resp.status, p)
	}

	// The brand sets its policy: each version counts up; an invalid one is
	// refused with the offending rule named, and changes nothing.
	var pol genuine.Policy
	ts.call("GET", "/v1/policies/brand", w.brandKey, nil, 200, &pol)
	if pol.Version != 0 || pol.Scope != "default" {
		t.Fatalf("policy before any is set: %+v", pol)
	}
	priced := map[string]any{"rules": []any{
		map[string]any{"rule": "state"}, map[string]any{"rule": "region"},
		map[string]any{"rule": "price", "currency": "CNY", "min": 5000},
	}}
	ts.call("PUT", "/v1/policies/brand", w.brandKey, map[string]any{"rules": []any{map[string]any{"rule": "state"}}}, 200, &pol)
	if pol.Version != 1 || pol.Scope != "brand" || len(pol.Rules) != 2 || pol.Rules[0].Rule != genuine.RuleAuthentic {
		t.Fatalf("first policy %+v", pol)
	}
	ts.call("PUT", "/v1/policies/brand", w.brandKey, priced, 200, &pol)
	if pol.Version != 2 || len(pol.Rules) != 4 {
		t.Fatalf("second policy %+v", pol)
	}
	invalid := map[string]any{"rules": []any{map[string]any{"rule": "state"}, map[string]any{"rule": "price", "currency": "CNY", "min": 500, "max": 100}}}
	resp = ts.do(request{method: "PUT", path: "/v1/policies/brand", key: w.brandKey, body: invalid})
	if p := resp.problem(t); resp.status != 400 || p.Code != genuine.EInvalid || !strings.Contains(p.Detail, "rule 2 (price)") {
		t.Fatalf("invalid policy: %d %+v", resp.status, p)
	}
	ts.call("GET", "/v1/policies/brand", w.brandKey, nil, 200, &pol)
	if pol.Version != 2 {
		t.Fatalf("policy after an invalid one: %+v", pol)
	}
	// The policy applies at the next checkout.
	c = refusedFor(t, ts.checkout(w.merchantKey, "sale-5", cartOf(1999, codes[4].Code)), genuine.ReasonPriceOutOfRange)
	if c.Items[0].Decision.Policy != "brand@2" {
		t.Fatalf("decision by policy %q, want brand@2", c.Items[0].Decision.Policy)
	}

	// Decisions and alerts say what was refused, and why.
	var ds decisionList
	ts.call("GET", "/v1/decisions?outcome=refuse", w.brandKey, nil, 200, &ds)
	var reasons []string
	for _, d := range ds.Decisions {
		if d.Decision.Outcome != genuine.OutcomeRefuse || d.GTIN != w.product.GTIN || d.CheckoutID == "" {
			t.Errorf("refused decisions hold %+v", d)
		}
		for _, r := range d.Decision.Reasons {
			reasons = append(reasons, r.Code)
		}
	}
	for _, want := range []string{genuine.EAlreadySold, genuine.ReasonOutsideRegion, genuine.ReasonCounterfeit, genuine.ReasonPriceOutOfRange} {
		if !slices.Contains(reasons, want) {
			t.Errorf("refused decisions lack %s: %v", want, reasons)
		}
	}
	ts.call("GET", "/v1/decisions?outcome=pass&gtin="+w.product.GTIN, w.brandKey, nil, 200, &ds)
	if len(ds.Decisions) != 2 || ds.Decisions[0].Decision.Outcome != genuine.OutcomePass || ds.Decisions[0].Serial != codes[3].Serial {
		t.Fatalf("passed decisions, newest first: %+v", ds.Decisions)
	}
	ts.call("GET", "/v1/decisions?limit=1", w.brandKey, nil, 200, &ds)
	if len(ds.Decisions) != 1 || ds.Decisions[0].Serial != codes[4].Serial {
		t.Fatalf("the newest decision: %+v", ds.Decisions)
	}
	var as alertList
	ts.call("GET", "/v1/alerts", w.brandKey, nil, 200, &as)
	var alerted []string
	for _, a := range as.Alerts {
		alerted = append(alerted, a.Code)
	}
	for _, want := range []string{genuine.EAlreadySold, genuine.ReasonOutsideRegion, genuine.ReasonCounterfeit, genuine.ReasonPriceOutOfRange} {
		if !slices.Contains(alerted, want) {
			t.Errorf("alerts lack %s: %v", want, alerted)
		}
	}
	ts.call("GET", "/v1/alerts?limit=1", w.brandKey, nil, 200, &as)
	if len(as.Alerts) != 1 || as.Alerts[0].Code != genuine.ReasonPriceOutOfRange {
		t.Fatalf("the latest alert: %+v", as.Alerts)
	}
}

// TestPaymentNotifications posts signed notifications as a provider does:
// one delivered three times is applied once; a tampered, stale, unsigned
// or malformed one changes nothing; an unknown provider is 404. The route
// takes no key, allows no other origin to read it, refuses no other
// origin's request (providers send none of the headers that would tell),
// and is not rate-limited, unlike the pay pages.
func TestPaymentNotifications(t *testing.T) {
	ts := newTestServer(t, Config{PublicRateLimit: 0.01, PublicBurst: 1})
	w := ts.newWorld("Acme", "09520123456788", 10)
	ts.call("POST", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, map[string]any{"type": "release"}, 201, nil)
	codes := ts.codes(w.brandKey, w.batch.ID)
	c := checkoutOf(t, ts.checkout(w.merchantKey, "n-1", cartOf(1999, codes[0].Code)), 201)
	notify := func(path string, body []byte, signature string) *response {
		h := map[string]string{"Content-Type": "application/json", "Origin": "https://provider.example", "Sec-Fetch-Site": "cross-site"}
		if signature != "" {
			h["Genuine-Signature"] = signature
		}
		resp := ts.do(request{method: "POST", path: path, body: body, header: h})
		if resp.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("a notification answer is readable from other origins: %v", resp.header)
		}
		return resp
	}
	notifySigned := func(path string, n genuine.Notification) *response {
		body, sig := ts.sim.Sign(n)
		return notify(path, body, sig)
	}
	const path = "/v1/payments/simulated/notify"
	refuse := func(name string, resp *response, status int, code string) {
		t.Helper()
		if p := resp.problem(t); resp.status != status || p.Code != code {
			t.Errorf("%s: %d %+v, want %d %s", name, resp.status, p, status, code)
		}
	}

	// Before the real one, notifications that must change nothing.
	paidNote := genuine.Notification{ID: "ntf_test_paid", Reference: c.Payment.Reference, Status: genuine.PaymentPaid, At: time.Now(),
		Amount: c.Total, Currency: c.Currency, Account: c.Payment.Account}
	body, sig := ts.sim.Sign(paidNote)
	cheap := paidNote
	cheap.ID, cheap.Amount, cheap.Currency = "ntf_test_cheap", 100, "USD"
	refuse("another amount", notifySigned(path, cheap), 422, genuine.EPaymentMismatch)
	refuse("not paid at the provider", notify(path, body, sig), 409, genuine.EConflict)
	refuse("unsigned", notify(path, body, ""), 401, genuine.EUnauthorized)
	refuse("tampered", notify(path, bytes.Replace(body, []byte(`"paid"`), []byte(`"failed"`), 1), sig), 401, genuine.EUnauthorized)
	stale := paidNote
	stale.ID, stale.At = "ntf_test_stale", time.Now().Add(-time.Hour)
	refuse("stale", notifySigned(path, stale), 401, genuine.EUnauthorized)
	noID := paidNote
	noID.ID = ""
	refuse("malformed", notifySigned(path, noID), 400, genuine.EInvalid)
	refuse("unknown provider", notify("/v1/payments/paypal/notify", body, sig), 404, genuine.ENotFound)
	refuse("too large", notify(path, bytes.Repeat([]byte(" "), 64<<10+1), sig), 413, genuine.ETooLarge)
	ts.call("GET", "/v1/checkouts/"+c.ID, w.merchantKey, nil, 200, &c)
	if c.Status != genuine.CheckoutAwaitingPayment {
		t.Fatalf("after refused notifications: %s", c.Status)
	}

	// The real one, three times once the buyer paid: applied once, 200
	// each time.
	if err := ts.sim.Pay(t.Context(), c.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		resp := notify(path, body, sig)
		var ok struct{ Status string }
		if resp.status != 200 || json.Unmarshal(resp.body, &ok) != nil || ok.Status != "ok" {
			t.Fatalf("delivery %d: %d %s", i+1, resp.status, resp.body)
		}
	}
	ts.call("GET", "/v1/checkouts/"+c.ID, w.merchantKey, nil, 200, &c)
	if c.Status != genuine.CheckoutPaid {
		t.Fatalf("after the notification: %s", c.Status)
	}
	var evs eventList
	ts.call("GET", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, nil, 200, &evs)
	sells := 0
	for _, e := range evs.Events {
		if e.Type == genuine.EventSell && e.Serial == codes[0].Serial {
			sells++
		}
	}
	if sells != 1 {
		t.Fatalf("%d sale events after one notification delivered three times", sells)
	}
	// A later "failed" for the same payment does not undo the sale.
	failed := paidNote
	failed.ID, failed.Status = "ntf_test_failed", genuine.PaymentFailed
	if resp := notifySigned(path, failed); resp.status != 200 {
		t.Fatalf("late failed notification: %d %s", resp.status, resp.body)
	}
	ts.call("GET", "/v1/checkouts/"+c.ID, w.merchantKey, nil, 200, &c)
	if c.Status != genuine.CheckoutPaid {
		t.Fatalf("after a late failed notification: %s", c.Status)
	}

	// Public browser routes, the pay pages among them, are limited.
	resp := ts.do(request{method: "GET", path: c.Payment.PayURL})
	if resp.status != 200 {
		t.Fatalf("pay page: %d", resp.status)
	}
	checkPage(t, ts.do(request{method: "GET", path: c.Payment.PayURL}), 429)
}

// TestCheckoutProviderDown checks that a provider that cannot start a
// payment is a 503 the till may retry, and that the units are released.
func TestCheckoutProviderDown(t *testing.T) {
	// A 503 is logged as an error, on purpose here.
	ts := newTestServer(t, Config{Logger: slog.New(slog.DiscardHandler)}, downProvider{})
	w := ts.newWorld("Acme", "09520123456788", 10)
	ts.call("POST", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, map[string]any{"type": "release"}, 201, nil)
	codes := ts.codes(w.brandKey, w.batch.ID)
	cart := cartOf(1999, codes[0].Code)
	cart["provider"] = "down"
	resp := ts.checkout(w.merchantKey, "down-1", cart)
	if p := resp.problem(t); resp.status != 503 || p.Code != genuine.EUnavailable || !strings.Contains(p.Detail, "down") {
		t.Fatalf("provider down: %d %+v", resp.status, p)
	}
	if v := ts.verify(codes[0].Code); v.State != genuine.StateInChannel {
		t.Fatalf("unit after the provider failed: %s", v.State)
	}
	checkoutOf(t, ts.checkout(w.merchantKey, "down-2", cartOf(1999, codes[0].Code)), 201)
}

// downProvider is a payment provider that is always down.
type downProvider struct{}

var errDown = errors.New("connection refused")

func (downProvider) Name() string { return "down" }
func (downProvider) Create(context.Context, genuine.PaymentRequest) (*genuine.Payment, error) {
	return nil, errDown
}
func (downProvider) Query(context.Context, string) (genuine.PaymentState, error) {
	return genuine.PaymentState{}, errDown
}
func (downProvider) Cancel(context.Context, string) error                { return errDown }
func (downProvider) Refund(context.Context, genuine.RefundRequest) error { return errDown }
func (downProvider) ParseNotification(*http.Request, []byte) (*genuine.Notification, error) {
	return nil, errDown
}

// cartOf returns a cart of units at one price, in CNY, for the simulated
// provider.
func cartOf(price int64, codes ...string) map[string]any {
	items := make([]map[string]any, len(codes))
	for i, c := range codes {
		items[i] = map[string]any{"code": c, "price": price}
	}
	return map[string]any{"items": items, "currency": "CNY", "provider": "simulated"}
}

// checkout posts a cart as a merchant with an idempotency key.
func (ts *testServer) checkout(key, idempotencyKey string, cart any) *response {
	ts.tb.Helper()
	return ts.do(request{method: "POST", path: "/v1/checkouts", key: key, body: cart, header: map[string]string{"Idempotency-Key": idempotencyKey}})
}

// checkoutOf decodes a checkout answered with the given status.
func checkoutOf(tb testing.TB, resp *response, status int) genuine.Checkout {
	tb.Helper()
	var c genuine.Checkout
	decodeJSON(tb, resp, status, "application/json", &c)
	return c
}

// refusedFor checks a refused checkout: 422, the checkout itself (not a
// problem) without a payment member, since none was started, and the
// reason among its items' decisions.
func refusedFor(tb testing.TB, resp *response, reason string) genuine.Checkout {
	tb.Helper()
	c := checkoutOf(tb, resp, 422)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(resp.body, &raw); err != nil || raw["payment"] != nil || raw["id"] == nil {
		tb.Fatalf("refused checkout with a payment or without an id: %s", resp.body)
	}
	if c.Status != genuine.CheckoutRefused || len(c.Items) == 0 {
		tb.Fatalf("refused checkout: %s", resp.body)
	}
	for _, it := range c.Items {
		if it.Decision == nil {
			tb.Fatalf("item without a decision: %s", resp.body)
		}
		for _, r := range it.Decision.Reasons {
			if r.Code == reason && it.Decision.Outcome == genuine.OutcomeRefuse {
				return c
			}
		}
	}
	tb.Fatalf("refused checkout without reason %s: %s", reason, resp.body)
	return c
}

// pay presses Pay on a checkout's pay page, as a script does.
func (ts *testServer) pay(c genuine.Checkout) {
	ts.tb.Helper()
	resp := ts.do(request{method: "POST", path: c.Payment.PayURL + "/pay", header: map[string]string{"Accept": "application/json"}})
	var out struct{ Reference, Status string }
	if resp.status != 200 || json.Unmarshal(resp.body, &out) != nil || out.Reference != c.Payment.Reference || out.Status != "paid" {
		ts.tb.Fatalf("Pay: %d %s", resp.status, resp.body)
	}
}

// waitCheckout polls a checkout until it has the status, which the
// provider's notification brings asynchronously.
func (ts *testServer) waitCheckout(key, id string, status genuine.CheckoutStatus) genuine.Checkout {
	ts.tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var c genuine.Checkout
		ts.call("GET", "/v1/checkouts/"+id, key, nil, 200, &c)
		if c.Status == status {
			return c
		}
		if time.Now().After(deadline) {
			ts.tb.Fatalf("checkout %s is still %s, not %s", id, c.Status, status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// paidCheckout checks a unit out as a merchant and pays for it.
func (ts *testServer) paidCheckout(key, idempotencyKey, code string) genuine.Checkout {
	ts.tb.Helper()
	c := checkoutOf(ts.tb, ts.checkout(key, idempotencyKey, cartOf(1000, code)), 201)
	ts.pay(c)
	return ts.waitCheckout(key, c.ID, genuine.CheckoutPaid)
}

// A refund names some units of a checkout by their codes: only those go
// back, and the checkout says which; a body that is not a refund is 400.
func TestPartialRefundOverHTTP(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 3)
	ts.call("POST", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, map[string]any{"type": "release", "regions": []string{"CN-GD"}}, 201, nil)
	codes := ts.codes(w.brandKey, w.batch.ID)
	c := checkoutOf(t, ts.checkout(w.merchantKey, "three", cartOf(1000, codes[0].Code, codes[1].Code, codes[2].Code)), 201)
	ts.pay(c)
	ts.waitCheckout(w.merchantKey, c.ID, genuine.CheckoutPaid)

	resp := ts.do(request{method: "POST", path: "/v1/checkouts/" + c.ID + "/refund", key: w.merchantKey,
		body: []byte(`{"items": ["x"], "all": true}`), header: map[string]string{"Content-Type": "application/json"}})
	if p := resp.problem(t); resp.status != 400 || p.Code != genuine.EInvalid {
		t.Errorf("refund with an unknown member: %d %+v", resp.status, p)
	}
	var r genuine.Checkout
	ts.call("POST", "/v1/checkouts/"+c.ID+"/refund", w.merchantKey, map[string]any{"items": []string{codes[1].Code}}, 200, &r)
	if r.Status != genuine.CheckoutPartiallyRefunded || r.Payment.Refunded != 1000 || !r.Items[1].Refunded || r.Items[0].Refunded || r.Items[2].Refunded {
		t.Fatalf("after refunding one unit: %+v", r)
	}
	for i, want := range []genuine.UnitState{genuine.StateSold, genuine.StateInChannel, genuine.StateSold} {
		if v := ts.verify(codes[i].Code); v.State != want {
			t.Errorf("unit %d: %s, want %s", i, v.State, want)
		}
	}
	resp = ts.do(request{method: "POST", path: "/v1/checkouts/" + c.ID + "/refund", key: w.merchantKey,
		body: []byte(`{"items": ["` + codes[1].Code + `"]}`), header: map[string]string{"Content-Type": "application/json"}})
	if p := resp.problem(t); resp.status != 409 || p.Code != genuine.EConflict {
		t.Errorf("the same unit again: %d %+v", resp.status, p)
	}
	ts.call("POST", "/v1/checkouts/"+c.ID+"/refund", w.merchantKey, nil, 200, &r)
	if r.Status != genuine.CheckoutRefunded || r.Payment.Refunded != 3000 || r.Payment.Status != genuine.PaymentRefunded {
		t.Errorf("after refunding the rest: %+v", r)
	}
}
