package simulated

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"genuine"
	"genuine/sqlite"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

// clock is a settable Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// receiver is the App's end of notifications: it verifies each delivery
// with ParseNotification and records it, answering the first statuses
// given in answers before it answers 200.
type receiver struct {
	p        *Provider
	mu       sync.Mutex
	answers  []int
	calls    int
	received []*genuine.Notification
	refused  []error
	arrived  chan *genuine.Notification
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.calls++
	if len(rc.answers) > 0 {
		status := rc.answers[0]
		rc.answers = rc.answers[1:]
		rc.mu.Unlock()
		w.WriteHeader(status)
		return
	}
	n, err := rc.p.ParseNotification(r, body)
	if err != nil {
		rc.refused = append(rc.refused, err)
		rc.mu.Unlock()
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	rc.received = append(rc.received, n)
	rc.mu.Unlock()
	rc.arrived <- n
}

// counts returns how many deliveries came and the notifications accepted.
func (rc *receiver) counts() (calls int, received []*genuine.Notification) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.calls, append([]*genuine.Notification(nil), rc.received...)
}

// wait returns the next notification to arrive.
func (rc *receiver) wait(t *testing.T) *genuine.Notification {
	t.Helper()
	select {
	case n := <-rc.arrived:
		return n
	case <-time.After(20 * time.Second):
		t.Fatal("no notification arrived")
		return nil
	}
}

// fixture is a provider on a real SQLite store behind a test server that
// serves its pages and receives its notifications.
type fixture struct {
	path  string
	db    *sqlite.DB
	p     *Provider
	clock *clock
	recv  *receiver
	srv   *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		path:  t.TempDir() + "/x.db",
		clock: &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
		recv:  &receiver{arrived: make(chan *genuine.Notification, 100)},
	}
	db, err := sqlite.Open(f.path)
	if err != nil {
		t.Fatal(err)
	}
	f.db = db
	t.Cleanup(func() { db.Close() })
	mux := http.NewServeMux()
	mux.Handle("POST "+NotifyPath, f.recv)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	f.p = f.newProvider(t, db)
	f.recv.p = f.p
	mux.Handle("/pay/simulated/", f.p.Handler())
	return f
}

// newProvider returns a provider of the fixture's server on store. It is
// closed at the end of the test, before the server and the store, which
// were registered for cleanup earlier.
func (f *fixture) newProvider(t *testing.T, store genuine.Store) *Provider {
	p := New(Config{BaseURL: f.srv.URL, Secret: secret, Store: store, Now: f.clock.Now})
	p.retryDelay = 10 * time.Millisecond
	t.Cleanup(p.Close)
	return p
}

// create starts a pending payment of 19.99 CNY.
func (f *fixture) create(t *testing.T) *genuine.Payment {
	t.Helper()
	pm, err := f.p.Create(context.Background(), genuine.PaymentRequest{
		CheckoutID: "chk_1", MerchantID: "mer_1", Amount: 1999, Currency: "CNY", Description: "2 bottles",
	})
	if err != nil {
		t.Fatal(err)
	}
	return pm
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if genuine.ErrorCode(err) != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, genuine.ErrorCode(err), code)
	}
}

func TestCreate(t *testing.T) {
	f := newFixture(t)
	pm := f.create(t)
	if !regexp.MustCompile(`^sim_[0-9A-V]{20}$`).MatchString(pm.Reference) {
		t.Errorf("reference %q, want sim_ and 20 base32 (extended hex) characters", pm.Reference)
	}
	want := genuine.Payment{
		Provider: "simulated", Reference: pm.Reference, Status: genuine.PaymentPending,
		Amount: 1999, Currency: "CNY",
		PayURL:    f.srv.URL + "/pay/simulated/" + pm.Reference,
		QR:        f.srv.URL + "/pay/simulated/" + pm.Reference,
		ExpiresAt: f.clock.Now().Add(15 * time.Minute),
		Account:   "mer_1",
	}
	if !reflect.DeepEqual(*pm, want) {
		t.Errorf("Create = %+v\nwant %+v", *pm, want)
	}
	if other := f.create(t); other.Reference == pm.Reference {
		t.Errorf("two payments share reference %s", pm.Reference)
	}
	// References sort in the order they were made, a millisecond apart.
	refs := []string{pm.Reference}
	for range 20 {
		f.clock.Add(time.Millisecond)
		refs = append(refs, f.create(t).Reference)
	}
	if !slices.IsSorted(refs) {
		t.Errorf("references made a millisecond apart are out of order: %q", refs)
	}
	expires := f.clock.Now().Add(time.Hour)
	pm, err := f.p.Create(context.Background(), genuine.PaymentRequest{CheckoutID: "c", Currency: "JPY", ExpiresAt: expires})
	if err != nil || !pm.ExpiresAt.Equal(expires) || pm.Amount != 0 {
		t.Errorf("Create with an expiry and amount 0 = %+v, %v", pm, err)
	}
	if s, err := f.p.Query(context.Background(), pm.Reference); err != nil || s.Status != genuine.PaymentPending {
		t.Errorf("Query = %q, %v; want pending", s.Status, err)
	}
}

// fullRefund returns a function that refunds the whole of a payment under
// one idempotency key, as the tables of operations call it.
func fullRefund(p *Provider) func(context.Context, string) error {
	return func(ctx context.Context, ref string) error {
		st, err := p.Query(ctx, ref)
		if err != nil {
			return err
		}
		return p.Refund(ctx, genuine.RefundRequest{Reference: ref, Amount: st.Amount, Currency: st.Currency, IdempotencyKey: "full"})
	}
}

func TestCreateInvalid(t *testing.T) {
	f := newFixture(t)
	ok := genuine.PaymentRequest{CheckoutID: "chk_1", Amount: 100, Currency: "EUR"}
	for name, change := range map[string]func(*genuine.PaymentRequest){
		"negative amount":    func(r *genuine.PaymentRequest) { r.Amount = -1 },
		"lower-case":         func(r *genuine.PaymentRequest) { r.Currency = "eur" },
		"short currency":     func(r *genuine.PaymentRequest) { r.Currency = "EU" },
		"long currency":      func(r *genuine.PaymentRequest) { r.Currency = "EURO" },
		"no currency":        func(r *genuine.PaymentRequest) { r.Currency = "" },
		"non-ASCII currency": func(r *genuine.PaymentRequest) { r.Currency = "ÉUR" },
		"no checkout":        func(r *genuine.PaymentRequest) { r.CheckoutID = "" },
		"expired":            func(r *genuine.PaymentRequest) { r.ExpiresAt = f.clock.Now() },
	} {
		r := ok
		change(&r)
		pm, err := f.p.Create(context.Background(), r)
		if pm != nil {
			t.Errorf("%s: Create returned a payment", name)
		}
		wantCode(t, name, err, genuine.EInvalid)
	}
}

func TestQueryUnknown(t *testing.T) {
	f := newFixture(t)
	for _, ref := range []string{"sim_AAAAAAAAAAAAAAAAAAAA", "", "sim_", "nonsense", "sim_aaaaaaaaaaaaaaaaaaaa"} {
		_, err := f.p.Query(context.Background(), ref)
		wantCode(t, "Query "+ref, err, genuine.ENotFound)
		for name, op := range map[string]func(context.Context, string) error{
			"Cancel": f.p.Cancel, "Refund": fullRefund(f.p), "Pay": f.p.Pay, "Decline": f.p.Decline,
		} {
			wantCode(t, name+" "+ref, op(context.Background(), ref), genuine.ENotFound)
		}
	}
}

// A prepared payment is known to the provider only once the App has
// stored it with its checkout: one whose checkout was never stored (the
// commit failed, or the process died first) is unknown, and every
// operation on it says so. Prepare validates as Create does.
func TestPrepare(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pm, err := f.p.Prepare(genuine.PaymentRequest{CheckoutID: "chk_1", Amount: 1999, Currency: "CNY"})
	if err != nil || pm.Status != genuine.PaymentPending || pm.PayURL != f.srv.URL+"/pay/simulated/"+pm.Reference {
		t.Fatalf("Prepare = %+v, %v", pm, err)
	}
	_, err = f.p.Query(ctx, pm.Reference)
	wantCode(t, "Query of a prepared payment never stored", err, genuine.ENotFound)
	wantCode(t, "Pay of a prepared payment never stored", f.p.Pay(ctx, pm.Reference), genuine.ENotFound)
	_, err = f.p.Prepare(genuine.PaymentRequest{CheckoutID: "chk_1", Amount: -1, Currency: "CNY"})
	wantCode(t, "Prepare of a negative amount", err, genuine.EInvalid)
}

// TestStateMachine runs every operation on a payment in every state.
func TestStateMachine(t *testing.T) {
	ctx := context.Background()
	type op = func(*Provider) func(context.Context, string) error
	ops := map[string]op{
		"cancel":  func(p *Provider) func(context.Context, string) error { return p.Cancel },
		"refund":  fullRefund,
		"pay":     func(p *Provider) func(context.Context, string) error { return p.Pay },
		"decline": func(p *Provider) func(context.Context, string) error { return p.Decline },
	}
	// states brings a new payment into each state with the operations
	// named, a "+" for the clock passing its expiry.
	states := map[string][]string{
		"pending":  nil,
		"paid":     {"pay"},
		"failed":   {"decline"},
		"canceled": {"cancel"},
		"refunded": {"pay", "refund"},
		"expired":  {"+"},
	}
	type outcome struct {
		status genuine.PaymentStatus // after the operation
		code   string                // of its error
	}
	const (
		pending  = genuine.PaymentPending
		paid     = genuine.PaymentPaid
		failed   = genuine.PaymentFailed
		canceled = genuine.PaymentCanceled
		refunded = genuine.PaymentRefunded
		conflict = genuine.EConflict
	)
	want := map[string]map[string]outcome{
		"pending":  {"cancel": {canceled, ""}, "refund": {pending, conflict}, "pay": {paid, ""}, "decline": {failed, ""}},
		"paid":     {"cancel": {paid, conflict}, "refund": {refunded, ""}, "pay": {paid, conflict}, "decline": {paid, conflict}},
		"failed":   {"cancel": {failed, ""}, "refund": {failed, conflict}, "pay": {failed, conflict}, "decline": {failed, conflict}},
		"canceled": {"cancel": {canceled, ""}, "refund": {canceled, conflict}, "pay": {canceled, conflict}, "decline": {canceled, conflict}},
		"refunded": {"cancel": {refunded, conflict}, "refund": {refunded, ""}, "pay": {refunded, conflict}, "decline": {refunded, conflict}},
		"expired":  {"cancel": {canceled, ""}, "refund": {pending, conflict}, "pay": {pending, conflict}, "decline": {pending, conflict}},
	}
	for state, path := range states {
		for name, do := range ops {
			t.Run(state+"/"+name, func(t *testing.T) {
				f := newFixture(t)
				ref := f.create(t).Reference
				notified := 0
				for _, step := range path {
					if step == "+" {
						f.clock.Add(15 * time.Minute)
						continue
					}
					if err := ops[step](f.p)(ctx, ref); err != nil {
						t.Fatalf("%s: %v", step, err)
					}
					if step == "pay" || step == "decline" {
						notified++
					}
				}
				err := do(f.p)(ctx, ref)
				w := want[state][name]
				wantCode(t, name, err, w.code)
				if s, err := f.p.Query(ctx, ref); err != nil || s.Status != w.status {
					t.Errorf("after %s: Query = %q, %v; want %q", name, s.Status, err, w.status)
				}
				settled := err == nil && (name == "pay" || name == "decline")
				if settled {
					notified++
				}
				f.p.Close() // waits for every notification to be delivered
				_, received := f.recv.counts()
				if len(received) != notified {
					t.Fatalf("%d notifications, want %d", len(received), notified)
				}
				if settled {
					if n := received[notified-1]; n.Reference != ref || n.Status != w.status {
						t.Errorf("notification %+v, want %s %s", n, ref, w.status)
					}
				}
			})
		}
	}
}

// TestPayCancelRace races Pay against Cancel on one payment, half of the
// time through two providers on one store (two servers): exactly one
// wins, and the payment ends as the winner left it.
func TestPayCancelRace(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	other := f.newProvider(t, f.db)
	for i := range 20 {
		ref := f.create(t).Reference
		canceler := f.p
		if i%2 == 1 {
			canceler = other
		}
		var payErr, cancelErr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() { <-start; payErr = f.p.Pay(ctx, ref) })
		wg.Go(func() { <-start; cancelErr = canceler.Cancel(ctx, ref) })
		close(start)
		wg.Wait()
		if (payErr == nil) == (cancelErr == nil) {
			t.Fatalf("race %d: Pay %v, Cancel %v; want exactly one to win", i, payErr, cancelErr)
		}
		want := genuine.PaymentPaid
		if payErr != nil {
			wantCode(t, "losing Pay", payErr, genuine.EConflict)
			want = genuine.PaymentCanceled
		} else {
			wantCode(t, "losing Cancel", cancelErr, genuine.EConflict)
		}
		if s, err := other.Query(ctx, ref); err != nil || s.Status != want {
			t.Fatalf("race %d: Query = %q, %v; want %q", i, s.Status, err, want)
		}
	}
}

// TestPersistence reopens the store under a new provider: payments and
// their states survive, and the new provider carries on with them.
func TestPersistence(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	paid, pending := f.create(t).Reference, f.create(t).Reference
	if err := f.p.Pay(ctx, paid); err != nil {
		t.Fatal(err)
	}
	f.p.Close()
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(f.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p := f.newProvider(t, db)
	if s, err := p.Query(ctx, paid); err != nil || s.Status != genuine.PaymentPaid {
		t.Errorf("Query paid = %q, %v", s.Status, err)
	}
	if err := fullRefund(p)(ctx, paid); err != nil {
		t.Errorf("Refund after restart: %v", err)
	}
	if err := p.Pay(ctx, pending); err != nil {
		t.Errorf("Pay after restart: %v", err)
	}
	if s, err := p.Query(ctx, pending); err != nil || s.Status != genuine.PaymentPaid {
		t.Errorf("Query = %q, %v", s.Status, err)
	}
}

// Refund refunds part of a payment by amount, once per idempotency key:
// the same key again refunds nothing more, more than is left is a
// conflict, and the payment is refunded once all of it is.
func TestPartialRefund(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	ref := f.create(t).Reference // 1999 CNY
	refund := func(key string, amount int64, currency string) error {
		return f.p.Refund(ctx, genuine.RefundRequest{Reference: ref, Amount: amount, Currency: currency, IdempotencyKey: key})
	}
	wantCode(t, "refund of a pending payment", refund("a", 1000, "CNY"), genuine.EConflict)
	if err := f.p.Pay(ctx, ref); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"a", "a"} {
		if err := refund(key, 1000, "CNY"); err != nil {
			t.Fatalf("refund %s: %v", key, err)
		}
	}
	if st, err := f.p.Query(ctx, ref); err != nil || st.Status != genuine.PaymentPaid || st.Refunded != 1000 {
		t.Errorf("after refunding 1000 twice under one key: %+v, %v; want paid with 1000 refunded", st, err)
	}
	wantCode(t, "refund of more than is left", refund("b", 1000, "CNY"), genuine.EConflict)
	wantCode(t, "refund in another currency", refund("b", 999, "USD"), genuine.EInvalid)
	wantCode(t, "refund of nothing", refund("b", 0, "CNY"), genuine.EInvalid)
	wantCode(t, "refund without a key", refund("", 999, "CNY"), genuine.EInvalid)
	if err := refund("b", 999, "CNY"); err != nil {
		t.Fatal(err)
	}
	if st, err := f.p.Query(ctx, ref); err != nil || st.Status != genuine.PaymentRefunded || st.Refunded != 1999 {
		t.Errorf("after refunding the rest: %+v, %v; want refunded, 1999", st, err)
	}
	if err := refund("a", 1000, "CNY"); err != nil {
		t.Errorf("a key used before, once refunded in full: %v", err)
	}
}

// Create with an idempotency key it was given before makes no second
// payment: it returns the first, as it is now.
func TestCreateIdempotent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	r := genuine.PaymentRequest{CheckoutID: "chk_1", MerchantID: "mer_1", Amount: 500, Currency: "CNY", IdempotencyKey: "chk_1"}
	first, err := f.p.Create(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.p.Pay(ctx, first.Reference); err != nil {
		t.Fatal(err)
	}
	again, err := f.p.Create(ctx, r)
	if err != nil || again.Reference != first.Reference || again.Status != genuine.PaymentPaid {
		t.Errorf("Create again with the key: %+v, %v; want %s, paid", again, err, first.Reference)
	}
	r.IdempotencyKey = "chk_2"
	if other, err := f.p.Create(ctx, r); err != nil || other.Reference == first.Reference {
		t.Errorf("Create with another key: %+v, %v; want a new payment", other, err)
	}
}
