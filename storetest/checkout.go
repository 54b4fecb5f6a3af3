package storetest

import (
	"fmt"
	"testing"
	"time"

	"genuine"
)

// newDecision returns a decision with the given outcome that names a
// failed rule for each reason code given.
func newDecision(outcome string, codes ...string) *genuine.Decision {
	d := &genuine.Decision{Outcome: outcome, Policy: "brand@3", Reasons: []genuine.Reason{},
		Rules: []genuine.RuleOutcome{{Rule: genuine.RuleAuthentic, Outcome: "pass"}}}
	for _, code := range codes {
		d.Reasons = append(d.Reasons, genuine.Reason{Rule: genuine.RuleState, Code: code,
			Message: "the unit is " + code, Action: genuine.ActionRefuse})
		d.Rules = append(d.Rules, genuine.RuleOutcome{Rule: genuine.RuleState, Outcome: "fail", Code: code})
	}
	return d
}

// newCheckout returns a checkout numbered n of a merchant to create:
// awaiting payment, without one, with two units of the world's brand,
// created at at(n) with its deadline 15 minutes later.
func newCheckout(n int, merchantID string) *genuine.Checkout {
	return &genuine.Checkout{
		ID: id("chk", n), MerchantID: merchantID, Status: genuine.CheckoutAwaitingPayment,
		Currency: "CNY", Total: 12345,
		Items: []genuine.CheckoutItem{
			{Code: "https://example.com/01/" + gtinA + "/21/S1", Price: 10000, GTIN: gtinA, Serial: "S1",
				Seq: 7, BatchID: id("bat", 1), BrandID: id("brd", 1), Decision: newDecision("pass")},
			{Code: "]d201" + gtinB + "21S2", Price: 2345, GTIN: gtinB, Serial: "S2",
				Seq: 1 << 40, BatchID: id("bat", 2), BrandID: id("brd", 1), Decision: newDecision("pass")},
		},
		Provider: "simulated", Deadline: at(n + 900),
		IdempotencyKey: fmt.Sprintf("key-%d", n), RequestHash: []byte{byte(n), 0xfe, 0},
		CreatedAt: at(n), UpdatedAt: at(n),
	}
}

// newPayment returns a payment at a provider, numbered n, in a status.
func newPayment(provider string, n int, status genuine.PaymentStatus) *genuine.Payment {
	ref := fmt.Sprintf("pay_%d", n)
	return &genuine.Payment{
		Provider: provider, Reference: ref, Status: status, Amount: 12345, Currency: "CNY",
		PayURL: "https://genuine.example/pay/" + ref, QR: "weixin://wxpay/bizpayurl?pr=" + ref,
		Secret: "secret_" + ref, ExpiresAt: at(n + 900),
	}
}

// createCheckouts creates checkouts in one Update.
func createCheckouts(t *testing.T, s genuine.Store, cs ...*genuine.Checkout) {
	t.Helper()
	update(t, s, func(tx genuine.Tx) error {
		for _, c := range cs {
			if err := tx.CreateCheckout(t.Context(), c); err != nil {
				return err
			}
		}
		return nil
	})
}

// createCheckout creates a checkout in an Update of its own.
func createCheckout(t *testing.T, s genuine.Store, c *genuine.Checkout) error {
	return s.Update(t.Context(), func(tx genuine.Tx) error { return tx.CreateCheckout(t.Context(), c) })
}

// updateCheckout updates a checkout in an Update of its own.
func updateCheckout(t *testing.T, s genuine.Store, c *genuine.Checkout) error {
	return s.Update(t.Context(), func(tx genuine.Tx) error { return tx.UpdateCheckout(t.Context(), c) })
}

// checkout reads a checkout by id in a View of its own.
func checkout(t *testing.T, s genuine.Store, id string) (*genuine.Checkout, error) {
	var c *genuine.Checkout
	err := s.View(t.Context(), func(tx genuine.Tx) (err error) {
		c, err = tx.Checkout(t.Context(), id)
		return err
	})
	return c, err
}

// checkoutByKey reads a checkout by idempotency key in a View of its own.
func checkoutByKey(t *testing.T, s genuine.Store, merchantID, key string) (*genuine.Checkout, error) {
	var c *genuine.Checkout
	err := s.View(t.Context(), func(tx genuine.Tx) (err error) {
		c, err = tx.CheckoutByIdempotencyKey(t.Context(), merchantID, key)
		return err
	})
	return c, err
}

// checkoutByPayment reads a checkout by payment in a View of its own.
func checkoutByPayment(t *testing.T, s genuine.Store, provider, ref string) (*genuine.Checkout, error) {
	var c *genuine.Checkout
	err := s.View(t.Context(), func(tx genuine.Tx) (err error) {
		c, err = tx.CheckoutByPayment(t.Context(), provider, ref)
		return err
	})
	return c, err
}

// sameCheckout checks that got and want have equal fields in the sense of
// same, down to their items and payment.
func sameCheckout(t *testing.T, what string, got, want *genuine.Checkout) {
	t.Helper()
	if got == nil || want == nil {
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
		return
	}
	g, w := *got, *want
	g.Items, w.Items, g.Payment, w.Payment = nil, nil, nil, nil
	same(t, what, &g, &w)
	same(t, what+": Payment", got.Payment, want.Payment)
	if len(got.Items) != len(want.Items) {
		t.Errorf("%s: %d items, want %d", what, len(got.Items), len(want.Items))
		return
	}
	for i := range got.Items {
		same(t, fmt.Sprintf("%s: Items[%d]", what, i), &got.Items[i], &want.Items[i])
	}
}

func testCheckout(t *testing.T, s genuine.Store) {
	newWorld(t, s)
	ms := newMerchants(t, s, 2)
	paying := newCheckout(1, ms[0].ID)
	paying.Payment = newPayment("simulated", 1, genuine.PaymentPending)
	refused := newCheckout(2, ms[0].ID)
	refused.Status, refused.Total = genuine.CheckoutRefused, 12346
	refused.Channel = genuine.ChannelSelfCheckout
	refused.Items[1].Decision = newDecision("refuse", "already_sold", "stolen")
	// A code no brand owns has no unit to name.
	refused.Items = append(refused.Items, genuine.CheckoutItem{Code: "not a code", Price: 1,
		Decision: newDecision("refuse", "invalid_code")})
	createCheckouts(t, s, paying, refused)

	for _, want := range []*genuine.Checkout{paying, refused} {
		got, err := checkout(t, s, want.ID)
		if err != nil {
			t.Fatalf("Checkout(%s): %v", want.ID, err)
		}
		sameCheckout(t, "Checkout", got, want)
		got, err = checkoutByKey(t, s, want.MerchantID, want.IdempotencyKey)
		if err != nil {
			t.Fatalf("CheckoutByIdempotencyKey(%s): %v", want.IdempotencyKey, err)
		}
		sameCheckout(t, "CheckoutByIdempotencyKey", got, want)
	}
	got, err := checkoutByPayment(t, s, "simulated", paying.Payment.Reference)
	if err != nil {
		t.Fatalf("CheckoutByPayment: %v", err)
	}
	sameCheckout(t, "CheckoutByPayment", got, paying)

	_, err = checkout(t, s, id("chk", 9))
	wantNotFound(t, "Checkout of a missing id", err, id("chk", 9))
	_, err = checkoutByKey(t, s, ms[0].ID, "key-9")
	wantNotFound(t, "CheckoutByIdempotencyKey of an unused key", err, "key-9")
	_, err = checkoutByKey(t, s, ms[1].ID, paying.IdempotencyKey)
	wantNotFound(t, "CheckoutByIdempotencyKey of another merchant's key", err, paying.IdempotencyKey)
	_, err = checkoutByPayment(t, s, "simulated", "pay_9")
	wantNotFound(t, "CheckoutByPayment of an unknown payment", err, "pay_9")
	_, err = checkoutByPayment(t, s, "stripe", paying.Payment.Reference)
	wantNotFound(t, "CheckoutByPayment at another provider", err, paying.Payment.Reference)

	dup := newCheckout(1, ms[1].ID)
	dup.IdempotencyKey = "key-other"
	wantCode(t, "CreateCheckout with an existing id", createCheckout(t, s, dup), genuine.EConflict)
	orphan := newCheckout(3, id("mer", 9))
	wantCode(t, "CreateCheckout of a missing merchant", createCheckout(t, s, orphan), genuine.ENotFound)
}

func testCheckoutUniqueness(t *testing.T, s genuine.Store) {
	ms := newMerchants(t, s, 2)
	first := newCheckout(1, ms[0].ID)
	first.Payment = newPayment("simulated", 1, genuine.PaymentPending)
	createCheckouts(t, s, first)

	// An idempotency key is the merchant's own.
	again := newCheckout(2, ms[0].ID)
	again.IdempotencyKey = first.IdempotencyKey
	wantCode(t, "CreateCheckout with the merchant's used key", createCheckout(t, s, again), genuine.EConflict)
	theirs := newCheckout(3, ms[1].ID)
	theirs.IdempotencyKey = first.IdempotencyKey
	if err := createCheckout(t, s, theirs); err != nil {
		t.Fatalf("CreateCheckout with another merchant's key: %v", err)
	}
	for _, want := range []*genuine.Checkout{first, theirs} {
		got, err := checkoutByKey(t, s, want.MerchantID, want.IdempotencyKey)
		if err != nil {
			t.Fatalf("CheckoutByIdempotencyKey(%s, %s): %v", want.MerchantID, want.IdempotencyKey, err)
		}
		sameCheckout(t, "CheckoutByIdempotencyKey", got, want)
	}
	if _, err := checkout(t, s, again.ID); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("the checkout refused for its key exists: %v", err)
	}

	// A payment reference is the provider's own.
	samePayment := newCheckout(4, ms[1].ID)
	samePayment.Payment = newPayment("simulated", 1, genuine.PaymentPending)
	wantCode(t, "CreateCheckout with another checkout's payment", createCheckout(t, s, samePayment), genuine.EConflict)
	elsewhere := newCheckout(5, ms[1].ID)
	elsewhere.Provider, elsewhere.Payment = "stripe", newPayment("stripe", 1, genuine.PaymentPending)
	if err := createCheckout(t, s, elsewhere); err != nil {
		t.Fatalf("CreateCheckout with the same reference at another provider: %v", err)
	}
	for _, want := range []*genuine.Checkout{first, elsewhere} {
		got, err := checkoutByPayment(t, s, want.Provider, want.Payment.Reference)
		if err != nil {
			t.Fatalf("CheckoutByPayment(%s, %s): %v", want.Provider, want.Payment.Reference, err)
		}
		sameCheckout(t, "CheckoutByPayment", got, want)
	}
}

func testUpdateCheckout(t *testing.T, s genuine.Store) {
	ms := newMerchants(t, s, 1)
	c := newCheckout(1, ms[0].ID)
	other := newCheckout(2, ms[0].ID)
	other.Payment = newPayment("simulated", 2, genuine.PaymentPending)
	createCheckouts(t, s, c, other)
	want := *c

	// check reads c back by id and by each reference given, which must
	// find it, and each of gone, which must not.
	check := func(what string, found []string, gone ...string) {
		t.Helper()
		got, err := checkout(t, s, c.ID)
		if err != nil {
			t.Fatalf("%s: Checkout: %v", what, err)
		}
		sameCheckout(t, what, got, &want)
		for _, ref := range found {
			got, err := checkoutByPayment(t, s, "simulated", ref)
			if err != nil {
				t.Errorf("%s: CheckoutByPayment(%s): %v", what, ref, err)
				continue
			}
			sameCheckout(t, what+": CheckoutByPayment", got, &want)
		}
		for _, ref := range gone {
			_, err := checkoutByPayment(t, s, "simulated", ref)
			wantNotFound(t, what+": CheckoutByPayment of a former payment", err, ref)
		}
	}
	check("before UpdateCheckout", nil, "pay_1")

	// Only status, payment and UpdatedAt are written.
	change := *newCheckout(1, ms[0].ID)
	change.Payment, change.UpdatedAt = newPayment("simulated", 1, genuine.PaymentPending), at(50)
	change.Currency, change.Total, change.Items, change.Deadline = "USD", 1, nil, at(9999)
	change.IdempotencyKey, change.RequestHash, change.CreatedAt = "changed", []byte("changed"), at(9999)
	if err := updateCheckout(t, s, &change); err != nil {
		t.Fatal(err)
	}
	want.Payment, want.UpdatedAt = change.Payment, change.UpdatedAt
	check("after starting its payment", []string{"pay_1"})

	pay := *change.Payment
	pay.Status = genuine.PaymentPaid
	want.Status, want.Payment, want.UpdatedAt = genuine.CheckoutPaid, &pay, at(51)
	if err := updateCheckout(t, s, &want); err != nil {
		t.Fatal(err)
	}
	check("after it was paid", []string{"pay_1"})
	if got := checkoutIDs(checkouts(t, s, genuine.CheckoutFilter{PaymentStatus: genuine.PaymentPaid})); fmt.Sprint(got) != fmt.Sprint([]string{c.ID}) {
		t.Errorf("Checkouts of paid payments after UpdateCheckout = %v, want [%s]", got, c.ID)
	}

	want.Payment, want.UpdatedAt = newPayment("simulated", 3, genuine.PaymentPending), at(52)
	if err := updateCheckout(t, s, &want); err != nil {
		t.Fatal(err)
	}
	check("after its payment changed", []string{"pay_3"}, "pay_1")

	want.Payment, want.UpdatedAt = nil, at(53)
	if err := updateCheckout(t, s, &want); err != nil {
		t.Fatal(err)
	}
	check("after its payment was removed", nil, "pay_3")
	if got := checkouts(t, s, genuine.CheckoutFilter{PaymentStatus: genuine.PaymentPaid}); len(got) != 0 {
		t.Errorf("Checkouts of paid payments after the payment was removed = %v, want none", checkoutIDs(got))
	}

	taken := want
	taken.Payment = other.Payment
	wantCode(t, "UpdateCheckout to another checkout's payment", updateCheckout(t, s, &taken), genuine.EConflict)
	missing := want
	missing.ID = id("chk", 9)
	wantNotFound(t, "UpdateCheckout of a missing checkout", updateCheckout(t, s, &missing), missing.ID)
}

// checkouts returns the checkouts that match f, read in a View of its own.
func checkouts(t *testing.T, s genuine.Store, f genuine.CheckoutFilter) []*genuine.Checkout {
	t.Helper()
	var cs []*genuine.Checkout
	view(t, s, func(tx genuine.Tx) (err error) {
		cs, err = tx.Checkouts(t.Context(), f)
		return err
	})
	return cs
}

// checkoutIDs lists the ids of checkouts, for comparisons and messages.
func checkoutIDs(cs []*genuine.Checkout) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}

func testCheckouts(t *testing.T, s genuine.Store) {
	ms := newMerchants(t, s, 1)
	var all []*genuine.Checkout
	for _, spec := range []struct {
		n                 int
		status            genuine.CheckoutStatus
		payment           genuine.PaymentStatus // "": none
		deadline, updated int
	}{
		// Created out of deadline order, so that the store must order them.
		{1, genuine.CheckoutAwaitingPayment, genuine.PaymentPending, 10, 1},
		{2, genuine.CheckoutAwaitingPayment, "", 5, 2},
		{3, genuine.CheckoutAwaitingPayment, genuine.PaymentPending, 20, 3},
		{4, genuine.CheckoutFailed, genuine.PaymentPaid, 7, 4},
		{5, genuine.CheckoutExpired, genuine.PaymentPaid, 3, 5},
		{6, genuine.CheckoutPaid, genuine.PaymentPaid, 15, 6},
		{7, genuine.CheckoutRefused, "", 1, 0},
	} {
		c := newCheckout(spec.n, ms[0].ID)
		c.Status, c.Deadline, c.UpdatedAt = spec.status, at(spec.deadline), at(spec.updated)
		if spec.payment != "" {
			c.Payment = newPayment("simulated", spec.n, spec.payment)
		}
		all = append(all, c)
	}
	createCheckouts(t, s, all...)
	chk := func(ns ...int) []string {
		ids := make([]string, len(ns))
		for i, n := range ns {
			ids[i] = id("chk", n)
		}
		return ids
	}
	closed := []genuine.CheckoutStatus{genuine.CheckoutExpired, genuine.CheckoutCanceled, genuine.CheckoutFailed}
	awaiting := []genuine.CheckoutStatus{genuine.CheckoutAwaitingPayment}
	tests := []struct {
		name string
		f    genuine.CheckoutFilter
		want []string
	}{
		{"all", genuine.CheckoutFilter{}, chk(7, 5, 2, 4, 1, 6, 3)},
		{"one status", genuine.CheckoutFilter{Statuses: awaiting}, chk(2, 1, 3)},
		{"statuses", genuine.CheckoutFilter{Statuses: closed}, chk(5, 4)},
		{"a status none has", genuine.CheckoutFilter{Statuses: []genuine.CheckoutStatus{genuine.CheckoutRefunded}}, nil},
		{"payment status", genuine.CheckoutFilter{PaymentStatus: genuine.PaymentPaid}, chk(5, 4, 6)},
		{"pending payments", genuine.CheckoutFilter{PaymentStatus: genuine.PaymentPending}, chk(1, 3)},
		{"late payments", genuine.CheckoutFilter{Statuses: closed, PaymentStatus: genuine.PaymentPaid}, chk(5, 4)},
		{"status and payment status apart", genuine.CheckoutFilter{Statuses: awaiting, PaymentStatus: genuine.PaymentPaid}, nil},
		// Before is strict: a deadline or update at the time given is not before it.
		{"deadline", genuine.CheckoutFilter{DeadlineBefore: at(10)}, chk(7, 5, 2, 4)},
		{"expired", genuine.CheckoutFilter{Statuses: awaiting, DeadlineBefore: at(20)}, chk(2, 1)},
		{"updated", genuine.CheckoutFilter{UpdatedBefore: at(3)}, chk(7, 2, 1)},
		{"stale", genuine.CheckoutFilter{Statuses: awaiting, UpdatedBefore: at(3)}, chk(2, 1)},
		{"everything", genuine.CheckoutFilter{Statuses: awaiting, PaymentStatus: genuine.PaymentPending,
			DeadlineBefore: at(20), UpdatedBefore: at(2)}, chk(1)},
		// A time in another zone is the same instant.
		{"deadline in UTC", genuine.CheckoutFilter{DeadlineBefore: at(10).UTC().Add(time.Microsecond)}, chk(7, 5, 2, 4, 1)},
		// After is strict too, and orders by id within a deadline.
		{"after", genuine.CheckoutFilter{After: &genuine.CheckoutPosition{Deadline: at(7), ID: id("chk", 4)}}, chk(1, 6, 3)},
		{"after an id of the same deadline", genuine.CheckoutFilter{After: &genuine.CheckoutPosition{Deadline: at(7), ID: id("chk", 3)}}, chk(4, 1, 6, 3)},
		{"after a time between deadlines", genuine.CheckoutFilter{After: &genuine.CheckoutPosition{Deadline: at(6), ID: "~"}}, chk(4, 1, 6, 3)},
		{"stale, after", genuine.CheckoutFilter{Statuses: awaiting, UpdatedBefore: at(3), After: &genuine.CheckoutPosition{Deadline: at(5), ID: id("chk", 2)}}, chk(1)},
		{"limit", genuine.CheckoutFilter{Limit: 2}, chk(7, 5)},
		{"limit of a filter", genuine.CheckoutFilter{Statuses: awaiting, Limit: 1}, chk(2)},
	}
	for _, tt := range tests {
		got := checkoutIDs(checkouts(t, s, tt.f))
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("Checkouts(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	// Checkouts returns every field.
	got := checkouts(t, s, genuine.CheckoutFilter{Statuses: closed})
	if len(got) == 2 {
		sameCheckout(t, "Checkouts[0]", got[0], all[4])
		sameCheckout(t, "Checkouts[1]", got[1], all[3])
	}

	// Without a limit, at most 100; a greater limit is kept.
	var more []*genuine.Checkout
	for n := 100; n < 201; n++ {
		more = append(more, newCheckout(n, ms[0].ID))
	}
	createCheckouts(t, s, more...)
	if got := checkouts(t, s, genuine.CheckoutFilter{}); len(got) != 100 {
		t.Errorf("Checkouts without a limit returned %d, want 100", len(got))
	}
	if got := checkouts(t, s, genuine.CheckoutFilter{Limit: 150}); len(got) != len(all)+len(more) {
		t.Errorf("Checkouts with limit 150 returned %d, want all %d", len(got), len(all)+len(more))
	}
}

// ReconcilerSearch is one of the reconciler's searches of checkouts.
type ReconcilerSearch struct {
	Name   string // "expired", "stale", "stale, after" or "late"
	Filter genuine.CheckoutFilter
}

// ReconcilerSearches returns the searches genuine.App.Reconcile makes at
// time now, for each store's test of their plans: unpaid checkouts past
// their deadline, or not updated for a while (from the start, or after
// where the pass before stopped), and late payments, 500 at a time.
func ReconcilerSearches(now time.Time) []ReconcilerSearch {
	unpaid := []genuine.CheckoutStatus{genuine.CheckoutAwaitingPayment}
	closed := []genuine.CheckoutStatus{genuine.CheckoutExpired, genuine.CheckoutCanceled, genuine.CheckoutFailed}
	after := &genuine.CheckoutPosition{Deadline: now, ID: id("chk", 1)}
	return []ReconcilerSearch{
		{"expired", genuine.CheckoutFilter{Statuses: unpaid, DeadlineBefore: now, Limit: 500}},
		{"stale", genuine.CheckoutFilter{Statuses: unpaid, UpdatedBefore: now, Limit: 500}},
		{"stale, after", genuine.CheckoutFilter{Statuses: unpaid, UpdatedBefore: now, After: after, Limit: 500}},
		{"late", genuine.CheckoutFilter{Statuses: closed, PaymentStatus: genuine.PaymentPaid, Limit: 500}},
	}
}

// testMerchantCheckouts: a merchant's checkouts come newest first, by id
// within the same time, none of another merchant's, a page after another
// with a cursor that is strict.
func testMerchantCheckouts(t *testing.T, s genuine.Store) {
	ms := newMerchants(t, s, 2)
	var cs []*genuine.Checkout
	for n, created := range []int{5, 1, 9, 5, 3} {
		c := newCheckout(n+1, ms[0].ID)
		c.CreatedAt = at(created)
		cs = append(cs, c)
	}
	other := newCheckout(6, ms[1].ID)
	other.CreatedAt = at(7)
	createCheckouts(t, s, append(cs, other)...)
	page := func(merchantID string, before *genuine.CheckoutCursor, limit int) []string {
		var got []*genuine.Checkout
		view(t, s, func(tx genuine.Tx) (err error) {
			got, err = tx.MerchantCheckouts(t.Context(), merchantID, before, limit)
			return err
		})
		return checkoutIDs(got)
	}
	chk := func(ns ...int) []string {
		ids := make([]string, len(ns))
		for i, n := range ns {
			ids[i] = id("chk", n)
		}
		return ids
	}
	tests := []struct {
		name     string
		merchant string
		before   *genuine.CheckoutCursor
		limit    int
		want     []string
	}{
		{"all", ms[0].ID, nil, 0, chk(3, 4, 1, 5, 2)},
		{"limit", ms[0].ID, nil, 2, chk(3, 4)},
		{"before", ms[0].ID, &genuine.CheckoutCursor{CreatedAt: at(5), ID: id("chk", 4)}, 2, chk(1, 5)},
		{"before a time", ms[0].ID, &genuine.CheckoutCursor{CreatedAt: at(5), ID: ""}, 10, chk(5, 2)},
		// A time in another zone is the same instant.
		{"before in UTC", ms[0].ID, &genuine.CheckoutCursor{CreatedAt: at(9).UTC(), ID: id("chk", 3)}, 10, chk(4, 1, 5, 2)},
		{"another merchant", ms[1].ID, nil, 10, chk(6)},
		{"no merchant", id("mer", 9), nil, 10, nil},
	}
	for _, tt := range tests {
		if got := page(tt.merchant, tt.before, tt.limit); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("MerchantCheckouts(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	// Every field comes back.
	var got []*genuine.Checkout
	view(t, s, func(tx genuine.Tx) (err error) {
		got, err = tx.MerchantCheckouts(t.Context(), ms[1].ID, nil, 1)
		return err
	})
	if len(got) == 1 {
		sameCheckout(t, "MerchantCheckouts[0]", got[0], other)
	}
}
