package stripe_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"genuine"
)

func TestPaymentPaid(t *testing.T) {
	f := newFake(t)
	m := newMerchant(t, f)
	ctx := context.Background()
	now := f.Now()
	pay := create(t, m, request(f, "chk_1", 1250, "EUR"))
	switch {
	case !strings.HasPrefix(pay.Reference, "cs_test_"):
		t.Errorf("Reference = %q, want a test Checkout Session id", pay.Reference)
	case pay.PayURL == "" || pay.QR != pay.PayURL:
		t.Errorf("PayURL %q, QR %q: want the session's URL in both", pay.PayURL, pay.QR)
	case pay.Account != m.account || pay.Amount != 1250 || pay.Currency != "EUR" || pay.Status != genuine.PaymentPending:
		t.Errorf("Payment = %+v", pay)
	case pay.ExpiresAt.Before(now.Add(45*time.Minute)) || pay.ExpiresAt.After(now.Add(46*time.Minute)):
		t.Errorf("ExpiresAt = %v, want 30 min after the checkout's deadline (Stripe's least)", pay.ExpiresAt)
	}
	want := genuine.PaymentState{Status: genuine.PaymentPending, Amount: 1250, Currency: "EUR", Account: m.account}
	if st := query(t, m, pay.Reference); st != want {
		t.Errorf("Query before paying = %+v, want %+v", st, want)
	}

	if err := f.Pay(ctx, pay.Reference); err != nil {
		t.Fatal(err)
	}
	ns := m.notifications()
	if len(ns) != 1 || ns[0] == nil {
		t.Fatalf("notifications = %v, want one", ns)
	}
	n := ns[0]
	if n.Status != genuine.PaymentPaid || n.Reference != pay.Reference || n.CheckoutID != "chk_1" ||
		n.Amount != 1250 || n.Currency != "EUR" || n.Account != m.account || !strings.HasPrefix(n.ID, "evt_") {
		t.Errorf("notification = %+v", n)
	}
	want.Status = genuine.PaymentPaid
	if st := query(t, m, pay.Reference); st != want {
		t.Errorf("Query after paying = %+v, want %+v", st, want)
	}
	if st, _ := f.State(pay.Reference); st != want {
		t.Errorf("fake's State = %+v, want %+v", st, want)
	}
	wantCode(t, f.Pay(ctx, pay.Reference), genuine.EConflict)
}

func TestCreateIdempotent(t *testing.T) {
	f := newFake(t)
	m := newMerchant(t, f)
	r := request(f, "chk_1", 500, "USD")
	first := create(t, m, r)
	f.Advance(time.Minute) // a retry a minute later asks the same
	again := create(t, m, r)
	if again.Reference != first.Reference {
		t.Errorf("the same idempotency key made two sessions: %s, %s", first.Reference, again.Reference)
	}
	r.Amount = 600
	_, err := m.prov.Create(context.Background(), r)
	wantCode(t, err, genuine.EConflict)
	r.IdempotencyKey = "chk_2"
	if other := create(t, m, r); other.Reference == first.Reference {
		t.Error("another idempotency key gave the same session")
	}
}

func TestCreateRefused(t *testing.T) {
	f := newFake(t)
	m := newMerchant(t, f)
	ctx := context.Background()
	r := request(f, "chk_1", 12345, "MGA") // Stripe takes MGA in whole units
	_, err := m.prov.Create(ctx, r)
	wantCode(t, err, genuine.EInvalid)
	r = request(f, "chk_1", 100, "USD")
	r.ExpiresAt = f.Now().Add(-time.Second)
	_, err = m.prov.Create(ctx, r)
	wantCode(t, err, genuine.EInvalid)
}

func TestDecline(t *testing.T) {
	f := newFake(t)
	m := newMerchant(t, f)
	ctx := context.Background()
	pay := create(t, m, request(f, "chk_1", 900, "EUR"))
	if err := f.Decline(ctx, pay.Reference); err != nil {
		t.Fatal(err)
	}
	ns := m.notifications()
	if len(ns) != 2 || ns[0] != nil || ns[1] == nil || ns[1].Status != genuine.PaymentFailed || ns[1].CheckoutID != "chk_1" {
		t.Fatalf("notifications = %v, want the unpaid completion ignored (nil) and a failure", ns)
	}
	if st := query(t, m, pay.Reference); st.Status != genuine.PaymentFailed {
		t.Errorf("Query = %+v, want failed", st)
	}
	if st, _ := f.State(pay.Reference); st.Status != genuine.PaymentFailed {
		t.Errorf("fake's State = %+v, want failed", st)
	}
	if err := m.prov.Cancel(ctx, pay.Reference); err != nil {
		t.Errorf("Cancel of a failed payment: %v", err)
	}
}

func TestCancel(t *testing.T) {
	f := newFake(t)
	m := newMerchant(t, f)
	ctx := context.Background()
	pay := create(t, m, request(f, "chk_1", 700, "USD"))
	if err := m.prov.Cancel(ctx, pay.Reference); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.State(pay.Reference); st.Status != genuine.PaymentCanceled {
		t.Errorf("fake's State after Cancel = %+v, want canceled", st)
	}
	if st := query(t, m, pay.Reference); st.Status != genuine.PaymentCanceled {
		t.Errorf("Query after Cancel = %+v, want canceled", st)
	}
	if err := m.prov.Cancel(ctx, pay.Reference); err != nil {
		t.Errorf("Cancel again: %v", err)
	}
	wantCode(t, f.Pay(ctx, pay.Reference), genuine.EConflict)
	m.await(t, 1) // Stripe tells of the expiry
	if ns := m.notifications(); len(ns) != 1 || ns[0].Status != genuine.PaymentCanceled || ns[0].Reference != pay.Reference {
		t.Errorf("notifications = %v, want checkout.session.expired as canceled", ns)
	}

	paid := create(t, m, request(f, "chk_2", 700, "USD"))
	if err := f.Pay(ctx, paid.Reference); err != nil {
		t.Fatal(err)
	}
	wantCode(t, m.prov.Cancel(ctx, paid.Reference), genuine.EConflict)
	if st, _ := f.State(paid.Reference); st.Status != genuine.PaymentPaid {
		t.Errorf("fake's State after a refused Cancel = %+v, want paid", st)
	}
}

// TestCancelProcessing: a session whose asynchronous payment is being
// processed cannot be expired and may yet be paid, so Cancel is a plain
// error to try again, not EConflict (on which the App asks, hears pending,
// and releases the units).
func TestCancelProcessing(t *testing.T) {
	f := newFake(t)
	m := newMerchant(t, f)
	ctx := context.Background()
	pay := create(t, m, request(f, "chk_1", 700, "EUR"))
	if err := f.Process(pay.Reference); err != nil {
		t.Fatal(err)
	}
	if st := query(t, m, pay.Reference); st.Status != genuine.PaymentPending {
		t.Fatalf("Query of a payment being processed = %+v, want pending", st)
	}
	err := m.prov.Cancel(ctx, pay.Reference)
	if err == nil || genuine.ErrorCode(err) == genuine.EConflict {
		t.Errorf("Cancel of a payment being processed: %v (code %q), want a plain error", err, genuine.ErrorCode(err))
	}
}

func TestExpiry(t *testing.T) {
	f := newFake(t)
	m := newMerchant(t, f)
	ctx := context.Background()
	pay := create(t, m, request(f, "chk_1", 700, "USD"))
	f.Advance(44 * time.Minute)
	if st := query(t, m, pay.Reference); st.Status != genuine.PaymentPending {
		t.Errorf("Query before the session's expiry = %+v, want pending", st)
	}
	f.Advance(2 * time.Minute)
	if st := query(t, m, pay.Reference); st.Status != genuine.PaymentCanceled {
		t.Errorf("Query after the session's expiry = %+v, want canceled", st)
	}
	wantCode(t, f.Pay(ctx, pay.Reference), genuine.EConflict)
	m.await(t, 1)
	if ns := m.notifications(); len(ns) != 1 || ns[0].Status != genuine.PaymentCanceled {
		t.Errorf("notifications = %v, want checkout.session.expired as canceled", ns)
	}
	if err := m.prov.Cancel(ctx, pay.Reference); err != nil {
		t.Errorf("Cancel of an expired session: %v", err)
	}
}

func TestRefund(t *testing.T) {
	f := newFake(t)
	m := newMerchant(t, f)
	ctx := context.Background()
	pay := create(t, m, request(f, "chk_1", 1000, "USD"))
	refund := func(amount int64, key string) error {
		return m.prov.Refund(ctx, genuine.RefundRequest{
			Reference: pay.Reference, Amount: amount, Currency: "USD", PaymentAmount: 1000, IdempotencyKey: key,
		})
	}
	wantCode(t, refund(300, "rf_1"), genuine.EConflict) // not paid yet
	if err := f.Pay(ctx, pay.Reference); err != nil {
		t.Fatal(err)
	}
	if err := refund(300, "rf_1"); err != nil {
		t.Fatal(err)
	}
	if err := refund(300, "rf_1"); err != nil {
		t.Fatalf("the same key again: %v", err)
	}
	f.Advance(25 * time.Hour) // Stripe forgets idempotency keys after 24 hours
	if err := refund(300, "rf_1"); err != nil {
		t.Fatalf("the same key a day later: %v", err)
	}
	want := genuine.PaymentState{Status: genuine.PaymentPaid, Amount: 1000, Currency: "USD", Account: m.account, Refunded: 300}
	if st := query(t, m, pay.Reference); st != want {
		t.Errorf("Query after a partial refund = %+v, want %+v", st, want)
	}
	wantCode(t, refund(800, "rf_2"), genuine.EConflict)
	wantCode(t, m.prov.Refund(ctx, genuine.RefundRequest{Reference: pay.Reference, Amount: 100, Currency: "EUR", IdempotencyKey: "rf_3"}), genuine.EInvalid)
	wantCode(t, refund(0, "rf_4"), genuine.EInvalid)
	wantCode(t, refund(100, ""), genuine.EInvalid)
	if err := refund(700, "rf_5"); err != nil {
		t.Fatal(err)
	}
	want.Status, want.Refunded = genuine.PaymentRefunded, 1000
	if st := query(t, m, pay.Reference); st != want {
		t.Errorf("Query after refunding the rest = %+v, want %+v", st, want)
	}
	if st, _ := f.State(pay.Reference); st != want {
		t.Errorf("fake's State = %+v, want %+v", st, want)
	}
	wantCode(t, refund(1, "rf_6"), genuine.EConflict)
	if err := refund(700, "rf_5"); err != nil {
		t.Errorf("the last key again, once all is refunded: %v", err)
	}
}

func TestZeroDecimalCurrency(t *testing.T) {
	f := newFake(t)
	m := newMerchant(t, f)
	ctx := context.Background()
	// ISK: genuine counts krónur (no decimals), Stripe hundredths.
	pay := create(t, m, request(f, "chk_1", 5, "ISK"))
	if err := f.Pay(ctx, pay.Reference); err != nil {
		t.Fatal(err)
	}
	if n := m.notifications(); len(n) != 1 || n[0].Amount != 5 || n[0].Currency != "ISK" {
		t.Errorf("notifications = %+v, want 5 ISK", n)
	}
	if err := m.prov.Refund(ctx, genuine.RefundRequest{Reference: pay.Reference, Amount: 2, Currency: "ISK", IdempotencyKey: "k"}); err != nil {
		t.Fatal(err)
	}
	if st := query(t, m, pay.Reference); st.Amount != 5 || st.Refunded != 2 {
		t.Errorf("Query = %+v, want 5 ISK with 2 refunded", st)
	}
}

func TestQueryNotFound(t *testing.T) {
	f := newFake(t)
	m := newMerchant(t, f)
	other := newMerchant(t, f)
	ctx := context.Background()
	pay := create(t, other, request(f, "chk_1", 100, "USD"))
	for _, ref := range []string{"cs_test_doesnotexist0000", pay.Reference, "junk", ""} {
		_, err := m.prov.Query(ctx, ref)
		wantCode(t, err, genuine.ENotFound)
	}
	wantCode(t, m.prov.Cancel(ctx, pay.Reference), genuine.ENotFound)
	wantCode(t, m.prov.Refund(ctx, genuine.RefundRequest{Reference: pay.Reference, Amount: 1, Currency: "USD", IdempotencyKey: "k"}), genuine.ENotFound)
}

func TestFakeRefusesWrongKey(t *testing.T) {
	f := newFake(t)
	newMerchant(t, f)
	settings := []byte(`{"mode":"test","secret_key":"sk_test_notregisteredatthefake","webhook_secret":"whsec_abcdefghijkl","account_id":"acct_abcdefghijkl"}`)
	prov, _ := connect(t, f.Connector(), settings)
	_, err := prov.Create(context.Background(), request(f, "chk_1", 100, "USD"))
	wantCode(t, err, genuine.EUnauthorized)

	req, _ := http.NewRequest(http.MethodGet, f.URL()+"/v1/checkout/sessions/cs_test_x", nil)
	req.Header.Set("Authorization", "Bearer sk_test_notregisteredatthefake")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error struct{ Type, Message string }
	}
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &body); err != nil || resp.StatusCode != http.StatusUnauthorized ||
		body.Error.Type != "invalid_request_error" || !strings.HasPrefix(body.Error.Message, "Invalid API Key provided") {
		t.Errorf("answer %s %s, want 401 with Stripe's error JSON", resp.Status, data)
	}
	if strings.Contains(string(data), "notregisteredatthefake") {
		t.Errorf("the error shows the key: %s", data)
	}
}
