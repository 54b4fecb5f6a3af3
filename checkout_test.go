package genuine_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"genuine"
)

// released returns the codes of a released batch of n units.
func (w *world) released(t testing.TB, n int64) []string {
	t.Helper()
	b := w.batch(t, n)
	if _, err := w.app.RecordBatchEvent(context.Background(), w.brand, b.ID, genuine.BatchEventInput{Type: "release"}); err != nil {
		t.Fatal(err)
	}
	return w.codes(t, b)
}

func cart(price int64, codes ...string) genuine.CheckoutInput {
	in := genuine.CheckoutInput{Currency: "CNY", Provider: "simulated"}
	for _, c := range codes {
		in.Items = append(in.Items, genuine.CartItem{Code: c, Price: price})
	}
	return in
}

// waitStatus waits for the provider's notification to reach a checkout.
func (w *world) waitStatus(t testing.TB, p *genuine.Principal, id string, want genuine.CheckoutStatus) *genuine.Checkout {
	t.Helper()
	var c *genuine.Checkout
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		var err error
		if c, err = w.app.GetCheckout(context.Background(), p, id); err != nil {
			t.Fatal(err)
		}
		if c.Status == want {
			return c
		}
	}
	t.Fatalf("checkout %s is %s, want %s", id, c.Status, want)
	return nil
}

func TestCheckoutPaySell(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 3)
	c, err := w.app.Checkout(ctx, w.merchant, "k1", cart(3500, codes[0], codes[1]))
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != genuine.CheckoutAwaitingPayment || c.Payment == nil || c.Total != 7000 || c.Items[0].Decision.Outcome != "pass" {
		t.Fatalf("checkout: %+v", c)
	}
	if v := w.verify(t, codes[0]); v.State != genuine.StateReserved {
		t.Errorf("reserved unit: %s", v.State)
	}
	if err := w.sim.Pay(ctx, c.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	w.waitStatus(t, w.merchant, c.ID, genuine.CheckoutPaid)
	for _, code := range codes[:2] {
		if v := w.verify(t, code); v.State != genuine.StateSold {
			t.Errorf("paid unit: %s", v.State)
		}
	}
	// Sold once: the same unit again is refused with already_sold, and no
	// payment is started.
	again, err := w.app.Checkout(ctx, w.merchant, "k2", cart(3500, codes[0]))
	if err != nil || again.Status != genuine.CheckoutRefused || again.Payment != nil || !hasReason(again, "already_sold") {
		t.Fatalf("second sale: %+v, %v", again, err)
	}
	// Same key and cart: the same answer; same key, another cart: conflict.
	replay, err := w.app.Checkout(ctx, w.merchant, "k1", cart(3500, codes[0], codes[1]))
	if err != nil || replay.ID != c.ID || replay.Status != genuine.CheckoutPaid {
		t.Errorf("replay: %+v, %v", replay, err)
	}
	if _, err := w.app.Checkout(ctx, w.merchant, "k1", cart(3600, codes[0], codes[1])); genuine.ErrorCode(err) != genuine.EConflict {
		t.Errorf("key reuse: %v", err)
	}
	// Refund returns the units to the channel.
	r, err := w.app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{})
	if err != nil || r.Status != genuine.CheckoutRefunded {
		t.Fatalf("refund: %+v, %v", r, err)
	}
	if v := w.verify(t, codes[1]); v.State != genuine.StateInChannel {
		t.Errorf("refunded unit: %s", v.State)
	}
	if _, err := w.app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{}); genuine.ErrorCode(err) != genuine.EConflict {
		t.Errorf("second refund: %v", err)
	}
}

func hasReason(c *genuine.Checkout, code string) bool {
	for _, it := range c.Items {
		for _, r := range it.Decision.Reasons {
			if r.Code == code {
				return true
			}
		}
	}
	return false
}

func TestCheckoutRefusals(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 5)
	beijing := w.newMerchant(t, "CN-BJ")
	tests := []struct {
		name   string
		p      *genuine.Principal
		in     genuine.CheckoutInput
		reason string
	}{
		{"outside region", beijing, cart(100, codes[0]), "outside_region"},
		{"forged", w.merchant, cart(100, "(01)"+w.gtin+"(21)0000000000ABCDEFGHJ"), "counterfeit_suspected"},
		{"not GS1", w.merchant, cart(100, "hello"), "invalid_code"},
		{"unknown product", w.merchant, cart(100, "(01)09506000134352(21)X"), "unknown_product"},
		{"one bad unit refuses the cart", w.merchant, cart(100, codes[1], "(01)"+w.gtin+"(21)0000000000ABCDEFGHJ"), "counterfeit_suspected"},
	}
	for i, tt := range tests {
		c, err := w.app.Checkout(ctx, tt.p, fmt.Sprint("r", i), tt.in)
		if err != nil || c.Status != genuine.CheckoutRefused || c.Payment != nil || !hasReason(c, tt.reason) {
			t.Errorf("%s: %+v, %v", tt.name, c, err)
		}
	}
	// The refused cart reserved nothing.
	if v := w.verify(t, codes[1]); v.State != genuine.StateInChannel {
		t.Errorf("unit of a refused cart: %s", v.State)
	}
	// Bad requests are 4xx and change nothing.
	for _, tt := range []struct {
		name string
		p    *genuine.Principal
		key  string
		in   genuine.CheckoutInput
		code string
	}{
		{"no key", nil, "x", cart(1, codes[2]), genuine.EUnauthorized},
		{"brand key", w.brand, "x", cart(1, codes[2]), genuine.EForbidden},
		{"no idempotency key", w.merchant, "", cart(1, codes[2]), genuine.EInvalid},
		{"empty cart", w.merchant, "x", cart(1), genuine.EInvalid},
		{"negative price", w.merchant, "x", cart(-1, codes[2]), genuine.EInvalid},
		{"overflowing price", w.merchant, "x", cart(1<<62, codes[2]), genuine.EInvalid},
		{"unit twice", w.merchant, "x", cart(1, codes[2], codes[2]), genuine.EInvalid},
		{"unknown currency", w.merchant, "x", genuine.CheckoutInput{Items: cart(1, codes[2]).Items, Currency: "XYZ", Provider: "simulated"}, genuine.EInvalid},
		{"unknown provider", w.merchant, "x", genuine.CheckoutInput{Items: cart(1, codes[2]).Items, Currency: "CNY", Provider: "bank"}, genuine.EInvalid},
	} {
		if _, err := w.app.Checkout(ctx, tt.p, tt.key, tt.in); genuine.ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
	if v := w.verify(t, codes[2]); v.State != genuine.StateInChannel {
		t.Errorf("unit after bad requests: %s", v.State)
	}
	// Alerts were raised, once per unit and reason.
	if _, err := w.app.Checkout(ctx, beijing, "again", cart(100, codes[0])); err != nil {
		t.Fatal(err)
	}
	alerts, err := w.app.Alerts(ctx, w.brand, 0)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, a := range alerts {
		counts[a.Code] += a.Count
		if a.Code == "outside_region" && a.Count != 2 {
			t.Errorf("outside_region alert counted %d, want 2", a.Count)
		}
	}
	if counts["outside_region"] != 2 || counts["counterfeit_suspected"] == 0 {
		t.Errorf("alerts: %v", counts)
	}
	ds, err := w.app.Decisions(ctx, w.brand, genuine.DecisionFilter{Outcome: "refuse"})
	if err != nil || len(ds) == 0 {
		t.Errorf("decisions: %d, %v", len(ds), err)
	}
}

// checkoutAtOnce runs a checkout of code at each of tills, all at once,
// with the same idempotency key, and returns their answers in order; an
// error fails the test.
func (w *world) checkoutAtOnce(t *testing.T, tills []*genuine.Principal, key, code string) []*genuine.Checkout {
	t.Helper()
	results := make([]*genuine.Checkout, len(tills))
	errs := make([]error, len(tills))
	var wg sync.WaitGroup
	for i, p := range tills {
		wg.Go(func() { results[i], errs[i] = w.app.Checkout(context.Background(), p, key, cart(100, code)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("checkout %d: %v", i, err)
		}
	}
	return results
}

// Many tills try to sell one unit at once: exactly one reserves it.
func TestConcurrentCheckoutsReserveOnce(t *testing.T) {
	w := newWorld(t)
	code := w.released(t, 1)[0]
	tills := make([]*genuine.Principal, 16)
	for i := range tills {
		tills[i] = w.newMerchant(t, "CN-GD-SZ")
	}
	results := w.checkoutAtOnce(t, tills, "same", code)
	reserved := 0
	for i := range results {
		switch results[i].Status {
		case genuine.CheckoutAwaitingPayment:
			reserved++
		case genuine.CheckoutRefused:
			if !hasReason(results[i], "in_checkout") {
				t.Errorf("refused for the wrong reason: %+v", results[i].Items[0].Decision)
			}
		}
	}
	if reserved != 1 {
		t.Fatalf("%d checkouts reserved the unit, want exactly 1", reserved)
	}
}

// A till that sends the same checkout several times at once (a retry
// racing the first try) gets one checkout every time, and only that
// checkout's decision is stored: the retries find the key when they store
// their own, and store nothing.
func TestConcurrentRetriesGetOneCheckout(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	code := w.released(t, 1)[0]
	results := w.checkoutAtOnce(t, slices.Repeat([]*genuine.Principal{w.merchant}, 16), "retried", code)
	for i := range results {
		if results[i].ID != results[0].ID || results[i].Status != genuine.CheckoutAwaitingPayment {
			t.Errorf("try %d: checkout %s %s, want %s awaiting payment", i, results[i].ID, results[i].Status, results[0].ID)
		}
	}
	ds, err := w.app.Decisions(ctx, w.brand, genuine.DecisionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].CheckoutID != results[0].ID || ds[0].Decision.Outcome != genuine.OutcomePass {
		t.Errorf("decisions stored: %d, want the one of checkout %s", len(ds), results[0].ID)
	}
	// A retry later: the same checkout, and nothing more stored.
	again, err := w.app.Checkout(ctx, w.merchant, "retried", cart(100, code))
	if err != nil || again.ID != results[0].ID {
		t.Fatalf("a later retry: %+v, %v", again, err)
	}
	if ds, err = w.app.Decisions(ctx, w.brand, genuine.DecisionFilter{}); err != nil || len(ds) != 1 {
		t.Errorf("decisions after a later retry: %d, %v; want 1", len(ds), err)
	}
}

// A notification delivered three times, and a stale failure after it, are
// applied once.
func TestNotificationsAppliedOnce(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	code := w.released(t, 1)[0]
	c, err := w.app.Checkout(ctx, w.merchant, "n1", cart(100, code))
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(id string, status genuine.PaymentStatus) error {
		return w.deliver(t, genuine.Notification{ID: id, Reference: c.Payment.Reference, Status: status,
			Amount: c.Total, Currency: c.Currency, Account: c.Payment.Account})
	}
	// The buyer pays; the provider's own notification is held, and the
	// test delivers its copies.
	w.holdNotifications.Store(true)
	if err := w.sim.Pay(ctx, c.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := deliver("ntf_paid", genuine.PaymentPaid); err != nil {
			t.Fatal(err)
		}
	}
	if err := deliver("ntf_failed_late", genuine.PaymentFailed); err != nil {
		t.Fatal(err)
	}
	got, _ := w.app.GetCheckout(ctx, w.merchant, c.ID)
	if got.Status != genuine.CheckoutPaid {
		t.Fatalf("after paid ×3 and a late failure: %s", got.Status)
	}
	v := w.verify(t, code)
	sells := 0
	for _, e := range v.Events {
		if e.Type == genuine.EventSell {
			sells++
		}
	}
	if v.State != genuine.StateSold || sells != 1 {
		t.Errorf("unit %s with %d sale events, want sold once", v.State, sells)
	}
	// Unsigned or tampered notifications change nothing.
	body, sig := w.sim.Sign(genuine.Notification{ID: "x", Reference: c.Payment.Reference, Status: genuine.PaymentRefunded, At: w.clock.now()})
	r := httptest.NewRequest("POST", "/", strings.NewReader(string(body)))
	r.Header.Set("Genuine-Signature", sig+"00")
	if err := w.app.ApplyNotification(ctx, "simulated", "", r, body); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("tampered: %v", err)
	}
	if err := w.app.ApplyNotification(ctx, "nope", "", r, body); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("unknown provider: %v", err)
	}
}

// The velocity rule decides on the unit's stored verifications and its
// last located scan, read at checkout only under a policy that has it.
func TestCheckoutVelocity(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 3)
	located := func(region string, lat, lon float64) *genuine.Principal {
		m := &genuine.Merchant{Name: "Shop " + region, Region: region, Lat: &lat, Lon: &lon}
		if err := w.app.CreateMerchant(ctx, w.admin, m); err != nil {
			t.Fatal(err)
		}
		return w.key(t, &genuine.APIKey{Role: genuine.RoleMerchant, MerchantID: m.ID})
	}
	shenzhen, guangzhou := located("CN-GD-SZ", 22.54, 114.06), located("CN-GD-GZ", 23.13, 113.26)
	for range 3 {
		w.verify(t, codes[0])
		w.verify(t, codes[1])
	}
	if err := w.app.FlushVerifications(ctx); err != nil {
		t.Fatal(err)
	}
	// The default policy has no velocity rule: verifications do not count.
	c, err := w.app.Checkout(ctx, w.merchant, "default", cart(100, codes[0]))
	if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Fatalf("checkout of a unit verified 3 times under the default policy: %+v, %v", c, err)
	}
	doc := []byte(`{"rules": [{"rule": "state"}, {"rule": "velocity", "max_scans": 2, "max_speed_kmh": 900}]}`)
	if _, err := w.app.SetPolicy(ctx, w.brand, "brand", doc); err != nil {
		t.Fatal(err)
	}
	c, err = w.app.Checkout(ctx, w.merchant, "verified", cart(100, codes[1]))
	if err != nil || c.Status != genuine.CheckoutRefused || !hasReason(c, genuine.ReasonAnomalousScans) {
		t.Errorf("checkout of a unit verified 3 times, at most 2 allowed: %+v, %v; want refused", c, err)
	}
	// A unit sold in Shenzhen, then, its checkout canceled, in Guangzhou
	// (some 120 km away) a second later, cannot have made the journey.
	c, err = w.app.Checkout(ctx, shenzhen, "shenzhen", cart(100, codes[2]))
	if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Fatalf("first located checkout: %+v, %v", c, err)
	}
	if _, err := w.app.CancelCheckout(ctx, shenzhen, c.ID); err != nil {
		t.Fatal(err)
	}
	w.clock.add(time.Second)
	c, err = w.app.Checkout(ctx, guangzhou, "guangzhou", cart(100, codes[2]))
	if err != nil || c.Status != genuine.CheckoutRefused || !hasReason(c, genuine.ReasonAnomalousScans) {
		t.Errorf("checkout 120 km from the last, a second later: %+v, %v; want refused", c, err)
	}
	// An hour later the journey is possible.
	w.clock.add(time.Hour)
	c, err = w.app.Checkout(ctx, guangzhou, "later", cart(100, codes[2]))
	if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Errorf("checkout 120 km from the last, an hour later: %+v, %v; want awaiting payment", c, err)
	}
}

// TestVelocityCountsClients: under max_scans 3, five verifications by one
// client leave a unit sellable, four clients make it anomalous, and one
// code sold in Shanghai, then in Beijing an hour later, is anomalous too.
func TestVelocityCountsClients(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 3)
	doc := []byte(`{"rules": [{"rule": "state"}, {"rule": "velocity", "max_scans": 3, "max_speed_kmh": 900}]}`)
	if _, err := w.app.SetPolicy(ctx, w.brand, "brand", doc); err != nil {
		t.Fatal(err)
	}
	phone := genuine.WithClient(ctx, "203.0.113.7")
	for i := range 5 {
		v, err := w.app.Verify(phone, codes[0])
		if err != nil || v.Verifications != int64(i) {
			t.Fatalf("verification %d by one phone: %+v, %v", i+1, v, err)
		}
	}
	for i := range 4 {
		if _, err := w.app.Verify(genuine.WithClient(ctx, "198.51.100."+strconv.Itoa(i)), codes[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.app.FlushVerifications(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := w.app.Checkout(ctx, w.merchant, "one-phone", cart(100, codes[0]))
	if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Errorf("checkout of a unit one phone verified 5 times: %+v, %v; want awaiting payment", c, err)
	}
	c, err = w.app.Checkout(ctx, w.merchant, "four-phones", cart(100, codes[1]))
	if err != nil || c.Status != genuine.CheckoutRefused || !hasReason(c, genuine.ReasonAnomalousScans) {
		t.Errorf("checkout of a unit four phones verified: %+v, %v; want refused", c, err)
	}

	located := func(region string, lat, lon float64) *genuine.Principal {
		m := &genuine.Merchant{Name: "Shop " + region, Region: region, Lat: &lat, Lon: &lon}
		if err := w.app.CreateMerchant(ctx, w.admin, m); err != nil {
			t.Fatal(err)
		}
		return w.key(t, &genuine.APIKey{Role: genuine.RoleMerchant, MerchantID: m.ID})
	}
	shanghai, beijing := located("CN-SH", 31.23, 121.47), located("CN-BJ", 39.90, 116.41)
	c, err = w.app.Checkout(ctx, shanghai, "shanghai", cart(100, codes[2]))
	if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Fatalf("checkout in Shanghai: %+v, %v", c, err)
	}
	if _, err := w.app.CancelCheckout(ctx, shanghai, c.ID); err != nil {
		t.Fatal(err)
	}
	w.clock.add(time.Hour)
	c, err = w.app.Checkout(ctx, beijing, "beijing", cart(100, codes[2]))
	if err != nil || c.Status != genuine.CheckoutRefused || !hasReason(c, genuine.ReasonAnomalousScans) {
		t.Errorf("checkout in Beijing, some 1070 km away, an hour later: %+v, %v; want refused", c, err)
	}
}
