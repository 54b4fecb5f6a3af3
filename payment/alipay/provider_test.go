package alipay_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"genuine"
)

// TestPaymentPaid follows a payment from precreate to paid: the till's QR
// code, pending while nobody scanned it, the signed notification of its
// payment, and the query that confirms it.
func TestPaymentPaid(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	m := newMerchant(t, f)
	r := request(3550)
	pay, err := m.prov.Create(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if pay.Provider != "alipay" || pay.Reference != r.CheckoutID || pay.Status != genuine.PaymentPending ||
		pay.Amount != 3550 || pay.Currency != "CNY" || pay.Account != m.appID ||
		!pay.ExpiresAt.Equal(r.ExpiresAt.UTC()) || pay.QR == "" || pay.PayURL != pay.QR {
		t.Errorf("Create = %+v", pay)
	}
	again, err := m.prov.Create(ctx, r)
	if err != nil || again.QR != pay.QR {
		t.Errorf("Create again = %+v, %v; want the same qr_code %s", again, err, pay.QR)
	}
	st, err := m.prov.Query(ctx, pay.Reference)
	if err != nil || st.Status != genuine.PaymentPending || st.Account != m.appID {
		t.Errorf("Query before scan = %+v, %v; want pending", st, err)
	}
	if err := f.Pay(ctx, pay.Reference); err != nil {
		t.Fatal(err)
	}
	got := m.recv.all()
	if len(got) != 1 || got[0].err != nil || got[0].n == nil {
		t.Fatalf("receiver got %+v; want one notification", got)
	}
	n := got[0].n
	want := genuine.Notification{
		ID: n.ID, Reference: r.CheckoutID, CheckoutID: r.CheckoutID, Status: genuine.PaymentPaid,
		At: n.At, Amount: 3550, Currency: "CNY", Account: m.appID,
	}
	if *n != want || n.ID == "" || time.Since(n.At).Abs() > time.Minute {
		t.Errorf("notification %+v, want %+v, an id and now", *n, want)
	}
	st, err = m.prov.Query(ctx, pay.Reference)
	want2 := genuine.PaymentState{Status: genuine.PaymentPaid, Amount: 3550, Currency: "CNY", Account: m.appID}
	if err != nil || st != want2 {
		t.Errorf("Query after Pay = %+v, %v; want %+v", st, err, want2)
	}
	sent := f.Sent(pay.Reference)
	if len(sent) != 1 || sent[0].Status != 200 || sent[0].URL != m.recv.srv.URL || string(sent[0].Body) != string(got[0].body) {
		t.Errorf("Sent = %+v", sent)
	}
	// The trade paid, precreate says so rather than making another.
	if again, err := m.prov.Create(ctx, r); err != nil || again.Status != genuine.PaymentPaid || again.QR != "" {
		t.Errorf("Create of a paid checkout = %+v, %v; want paid, no QR", again, err)
	}
}

func TestCreateRefused(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	m := newMerchant(t, f)
	usd := request(100)
	usd.Currency = "USD"
	zero := request(0)
	past := request(100)
	past.ExpiresAt = time.Now().Add(-time.Second)
	badID := request(100)
	badID.CheckoutID = "chk-with-dashes"
	for name, r := range map[string]genuine.PaymentRequest{"USD": usd, "zero": zero, "past": past, "bad id": badID} {
		if _, err := m.prov.Create(ctx, r); code(err) != genuine.EInvalid {
			t.Errorf("%s: Create = %v; want %s", name, err, genuine.EInvalid)
		}
	}
	r := request(100)
	if _, err := m.prov.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	r.Amount = 200
	if _, err := m.prov.Create(ctx, r); code(err) != genuine.EConflict {
		t.Errorf("Create of the same checkout for another amount = %v; want %s", err, genuine.EConflict)
	}
}

// TestDecline checks that a buyer who does not pay closes the trade, as
// Alipay does, and the notification says canceled.
func TestDecline(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	m := newMerchant(t, f)
	pay, err := m.prov.Create(ctx, request(990))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Decline(ctx, pay.Reference); err != nil {
		t.Fatal(err)
	}
	got := m.recv.all()
	if len(got) != 1 || got[0].err != nil || got[0].n == nil || got[0].n.Status != genuine.PaymentCanceled ||
		got[0].n.Amount != 990 || got[0].n.CheckoutID != pay.Reference {
		t.Fatalf("receiver got %+v; want one canceled notification", got)
	}
	if st, err := m.prov.Query(ctx, pay.Reference); err != nil || st.Status != genuine.PaymentCanceled {
		t.Errorf("Query = %+v, %v; want canceled", st, err)
	}
	if err := f.Pay(ctx, pay.Reference); code(err) != genuine.EConflict {
		t.Errorf("Pay after Decline = %v; want %s", err, genuine.EConflict)
	}
}

// TestCancel cancels a payment nobody scanned (which does not exist at
// Alipay: nothing to close, and it stays payable until it expires), one
// scanned and not paid (trade.close), and one paid (never: EConflict, and
// nothing refunded).
func TestCancel(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	m := newMerchant(t, f)
	unscanned, _ := m.prov.Create(ctx, request(100))
	scanned, _ := m.prov.Create(ctx, request(200))
	paid, _ := m.prov.Create(ctx, request(300))
	if err := f.Scan(ctx, scanned.Reference); err != nil {
		t.Fatal(err)
	}
	if st, err := m.prov.Query(ctx, scanned.Reference); err != nil || st.Status != genuine.PaymentPending || st.Amount != 200 {
		t.Errorf("Query of a scanned trade = %+v, %v; want pending 200", st, err)
	}
	if err := f.Pay(ctx, paid.Reference); err != nil {
		t.Fatal(err)
	}
	if err := m.prov.Cancel(ctx, unscanned.Reference); err != nil {
		t.Errorf("Cancel of an unscanned trade = %v", err)
	}
	if st, err := f.State(unscanned.Reference); err != nil || st.Status != genuine.PaymentPending {
		t.Errorf("fake State of an unscanned trade after Cancel = %+v, %v; want pending (Alipay has nothing to close)", st, err)
	}
	for _, ref := range []string{scanned.Reference} {
		if err := m.prov.Cancel(ctx, ref); err != nil {
			t.Errorf("Cancel(%s) = %v", ref, err)
		}
		if st, err := f.State(ref); err != nil || st.Status != genuine.PaymentCanceled {
			t.Errorf("fake State(%s) = %+v, %v; want canceled", ref, st, err)
		}
		if st, err := m.prov.Query(ctx, ref); err != nil || st.Status != genuine.PaymentCanceled {
			t.Errorf("Query(%s) = %+v, %v; want canceled", ref, st, err)
		}
		if err := f.Pay(ctx, ref); code(err) != genuine.EConflict {
			t.Errorf("Pay(%s) after Cancel = %v; want %s", ref, err, genuine.EConflict)
		}
		if err := m.prov.Cancel(ctx, ref); err != nil {
			t.Errorf("Cancel(%s) again = %v; want nil", ref, err)
		}
	}
	if err := m.prov.Cancel(ctx, paid.Reference); code(err) != genuine.EConflict {
		t.Errorf("Cancel of a paid payment = %v; want %s", err, genuine.EConflict)
	}
	if st, err := f.State(paid.Reference); err != nil || st.Status != genuine.PaymentPaid || st.Refunded != 0 {
		t.Errorf("fake State of the paid payment after Cancel = %+v, %v; want paid, nothing refunded", st, err)
	}
}

// TestRefund refunds part of a payment, the same key again (once), more
// than is left (refused), and the rest.
func TestRefund(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	m := newMerchant(t, f)
	pay, _ := m.prov.Create(ctx, request(3500))
	if err := f.Pay(ctx, pay.Reference); err != nil {
		t.Fatal(err)
	}
	refund := func(key string, amount int64) error {
		return m.prov.Refund(ctx, genuine.RefundRequest{
			Reference: pay.Reference, Amount: amount, Currency: "CNY", PaymentAmount: 3500, IdempotencyKey: key,
		})
	}
	state := func() genuine.PaymentState {
		st, err := f.State(pay.Reference)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if err := refund("rfi_1", 1000); err != nil {
		t.Fatal(err)
	}
	if err := refund("rfi_1", 1000); err != nil {
		t.Errorf("the same refund again = %v; want nil", err)
	}
	if st := state(); st.Status != genuine.PaymentPaid || st.Refunded != 1000 {
		t.Errorf("after refunding 10.00 twice with one key: %+v; want paid, 1000 refunded", st)
	}
	if err := refund("rfi_1", 500); code(err) != genuine.EConflict {
		t.Errorf("the same key for another amount = %v; want %s", err, genuine.EConflict)
	}
	if err := refund("rfi_2", 2501); code(err) != genuine.EConflict {
		t.Errorf("refund of more than is left = %v; want %s", err, genuine.EConflict)
	}
	if err := m.prov.Refund(ctx, genuine.RefundRequest{Reference: pay.Reference, Amount: 100, Currency: "USD", IdempotencyKey: "rfi_3"}); code(err) != genuine.EInvalid {
		t.Errorf("refund in USD = %v; want %s", err, genuine.EInvalid)
	}
	if err := refund("", 100); code(err) != genuine.EInvalid {
		t.Errorf("refund without a key = %v; want %s", err, genuine.EInvalid)
	}
	if err := refund("rfi_2", 2500); err != nil {
		t.Fatal(err)
	}
	if st := state(); st.Status != genuine.PaymentRefunded || st.Refunded != 3500 {
		t.Errorf("after refunding all: %+v; want refunded, 3500", st)
	}
	if st, err := m.prov.Query(ctx, pay.Reference); err != nil || st.Status != genuine.PaymentRefunded || st.Refunded != 3500 {
		t.Errorf("Query after refunding all = %+v, %v; want refunded", st, err)
	}
	if err := refund("rfi_1", 1000); err != nil {
		t.Errorf("the first refund again, once all is refunded = %v; want nil", err)
	}
	// Alipay tells of each refund: the partial one is nothing the App acts
	// on, the last one closes the trade.
	got := m.recv.wait(t, 3)
	if got[1].err != nil || got[1].n != nil {
		t.Errorf("partial refund's notice parsed as %+v, %v; want nil, nil", got[1].n, got[1].err)
	}
	if got[2].err != nil || got[2].n == nil || got[2].n.Status != genuine.PaymentRefunded || got[2].n.Amount != 3500 {
		t.Errorf("full refund's notice parsed as %+v, %v; want refunded", got[2].n, got[2].err)
	}
}

func TestRefundUnpaid(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	m := newMerchant(t, f)
	unscanned, _ := m.prov.Create(ctx, request(100))
	scanned, _ := m.prov.Create(ctx, request(100))
	f.Scan(ctx, scanned.Reference)
	for ref, want := range map[string]string{unscanned.Reference: genuine.ENotFound, scanned.Reference: genuine.EConflict, "chk_none": genuine.ENotFound} {
		err := m.prov.Refund(ctx, genuine.RefundRequest{Reference: ref, Amount: 100, Currency: "CNY", IdempotencyKey: "rfi_x"})
		if code(err) != want {
			t.Errorf("Refund(%s) = %v; want %s", ref, err, want)
		}
	}
}

// TestExpiry checks that a trade cannot be paid after its expiry: scanned,
// Alipay closes it; unscanned, it never comes to exist, Query says pending,
// and Cancel has nothing to close.
func TestExpiry(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	m := newMerchant(t, f)
	short := func() genuine.PaymentRequest {
		r := request(100)
		r.ExpiresAt = time.Now().Add(time.Minute)
		return r
	}
	unscanned, err := m.prov.Create(ctx, short())
	if err != nil {
		t.Fatal(err)
	}
	scanned, _ := m.prov.Create(ctx, short())
	f.Scan(ctx, scanned.Reference)
	f.Advance(2 * time.Minute)
	for _, ref := range []string{unscanned.Reference, scanned.Reference} {
		if st, err := f.State(ref); err != nil || st.Status != genuine.PaymentCanceled {
			t.Errorf("fake State(%s) after expiry = %+v, %v; want canceled", ref, st, err)
		}
		if err := f.Pay(ctx, ref); code(err) != genuine.EConflict {
			t.Errorf("Pay(%s) after expiry = %v; want %s", ref, err, genuine.EConflict)
		}
	}
	if st, err := m.prov.Query(ctx, scanned.Reference); err != nil || st.Status != genuine.PaymentCanceled {
		t.Errorf("Query of the scanned trade after expiry = %+v, %v; want canceled", st, err)
	}
	if st, err := m.prov.Query(ctx, unscanned.Reference); err != nil || st.Status != genuine.PaymentPending {
		t.Errorf("Query of the unscanned trade after expiry = %+v, %v; want pending (unknown at Alipay)", st, err)
	}
	if err := m.prov.Cancel(ctx, unscanned.Reference); err != nil {
		t.Errorf("Cancel of the unscanned trade after expiry = %v", err)
	}
}

// TestUnavailable checks that a gateway that does not answer is a plain
// error, which the App tries again later, not one of genuine's codes.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	m := newMerchant(t, f)
	f.Close()
	_, err := m.prov.Query(ctx, "chk_1")
	if err == nil || code(err) != genuine.EInternal || !strings.Contains(err.Error(), "alipay query") {
		t.Errorf("Query of a closed gateway = %v (%s); want a plain error", err, code(err))
	}
}
