package genuine_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"genuine"
)

// hookStore is a store that counts its Views (and Peeks) and Updates and
// can run a function after a View or Peek, between the read a checkout is
// decided on and the write that commits it.
type hookStore struct {
	genuine.Store
	updates   atomic.Int64
	views     atomic.Int64
	mu        sync.Mutex
	afterView func() // run once, after the next View
}

func (s *hookStore) View(ctx context.Context, fn func(genuine.Tx) error) error {
	return s.read(ctx, s.Store.View, fn)
}

func (s *hookStore) Peek(ctx context.Context, fn func(genuine.Tx) error) error {
	return s.read(ctx, s.Store.Peek, fn)
}

// read runs fn with the store's View or Peek, then the hook if one is set.
func (s *hookStore) read(ctx context.Context, view func(context.Context, func(genuine.Tx) error) error, fn func(genuine.Tx) error) error {
	s.views.Add(1)
	err := view(ctx, fn)
	s.mu.Lock()
	hook := s.afterView
	s.afterView = nil
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return err
}

func (s *hookStore) Update(ctx context.Context, fn func(genuine.Tx) error) error {
	s.updates.Add(1)
	return s.Store.Update(ctx, fn)
}

// onceAfterView sets the function the next View or Peek runs after it.
func (s *hookStore) onceAfterView(f func()) {
	s.mu.Lock()
	s.afterView = f
	s.mu.Unlock()
}

// appOn returns another App of the world's store, through s, with the
// given providers.
func (w *world) appOn(t testing.TB, s genuine.Store, providers ...genuine.Provider) *genuine.App {
	t.Helper()
	app := genuine.NewApp(s, genuine.Config{BaseURL: "https://genuine.test", Now: w.clock.now, Providers: providers, Sealer: w.sealer})
	t.Cleanup(func() { app.Close() })
	return app
}

// With a provider that prepares its payments, a passing checkout is one
// durable commit: its units reserved and its payment stored together. The
// payment is then the provider's as any other: pending, payable, and paid
// it sells the units.
func TestCheckoutIsOneCommit(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 2)
	s := &hookStore{Store: w.db}
	app := w.appOn(t, s, w.sim)
	c, err := app.Checkout(ctx, w.merchant, "one", cart(100, codes[0], codes[1]))
	if err != nil {
		t.Fatal(err)
	}
	if n := s.updates.Load(); n != 1 {
		t.Errorf("a checkout made %d write transactions, want 1", n)
	}
	if c.Status != genuine.CheckoutAwaitingPayment || c.Payment == nil || c.Payment.Status != genuine.PaymentPending {
		t.Fatalf("checkout: %+v", c)
	}
	stored, err := w.app.GetCheckout(ctx, w.merchant, c.ID)
	if err != nil || stored.Payment == nil || stored.Payment.Reference != c.Payment.Reference {
		t.Fatalf("stored checkout: %+v, %v; want its payment stored with it", stored, err)
	}
	if st, err := w.sim.Query(ctx, c.Payment.Reference); err != nil || st.Status != genuine.PaymentPending {
		t.Fatalf("provider's status of the prepared payment: %q, %v", st.Status, err)
	}
	if err := w.sim.Pay(ctx, c.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	w.waitStatus(t, w.merchant, c.ID, genuine.CheckoutPaid)
	for _, code := range codes {
		if v := w.verify(t, code); v.State != genuine.StateSold {
			t.Errorf("paid unit: %s", v.State)
		}
	}
	// A refused checkout is one commit too, and prepares nothing.
	s.updates.Store(0)
	r, err := app.Checkout(ctx, w.merchant, "two", cart(100, codes[0]))
	if err != nil || r.Status != genuine.CheckoutRefused || r.Payment != nil {
		t.Fatalf("checkout of a sold unit: %+v, %v", r, err)
	}
	if n := s.updates.Load(); n != 1 {
		t.Errorf("a refused checkout made %d write transactions, want 1", n)
	}
}

// A checkout is decided on a snapshot; if a unit or its batch changes
// before the commit, the commit decides again and refuses what no longer
// passes. Without that second look, each of these would reserve a unit
// that must not be sold.
func TestCheckoutDecidesAgainIfUnitChanged(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	s := &hookStore{Store: w.db}
	app := w.appOn(t, s, w.sim)
	for _, tt := range []struct {
		name   string
		change func(codes []string, b *genuine.Batch) error
		reason string
	}{
		{"stolen", func(codes []string, _ *genuine.Batch) error {
			_, err := w.app.RecordUnitEvents(ctx, w.brand, genuine.UnitEventInput{Type: "stolen", Codes: codes[:1]})
			return err
		}, genuine.EStolen},
		{"reserved by another till", func(codes []string, _ *genuine.Batch) error {
			_, err := w.app.Checkout(ctx, w.merchant, "other-till", cart(100, codes[0]))
			return err
		}, genuine.EInCheckout},
		{"batch recalled", func(_ []string, b *genuine.Batch) error {
			_, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "recall"})
			return err
		}, genuine.ERecalled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := w.batch(t, 2)
			if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "release"}); err != nil {
				t.Fatal(err)
			}
			codes := w.codes(t, b)
			// Fill the App's caches first: the View to run the change after
			// must be the one the checkout is decided in.
			if _, err := app.Check(ctx, codes[1]); err != nil {
				t.Fatal(err)
			}
			var changed error
			s.onceAfterView(func() { changed = tt.change(codes, b) })
			c, err := app.Checkout(ctx, w.merchant, "till-"+strings.ReplaceAll(tt.name, " ", "-"), cart(100, codes[0], codes[1]))
			if changed != nil {
				t.Fatalf("change: %v", changed)
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != genuine.CheckoutRefused || c.Payment != nil || !hasReason(c, tt.reason) {
				t.Fatalf("checkout after the unit changed: %+v; want refused with %s", c, tt.reason)
			}
			// Refused whole: the other unit is not reserved either.
			if v := w.verify(t, codes[1]); v.State == genuine.StateReserved {
				t.Errorf("the other unit of a refused cart is reserved")
			}
		})
	}
}

// failingCreate is a provider that cannot prepare payments and fails to
// start them.
type failingCreate struct{ genuine.Provider }

func (failingCreate) Create(context.Context, genuine.PaymentRequest) (*genuine.Payment, error) {
	return nil, errors.New("provider down")
}

// callOnly hides a provider's Prepare: the App must call it, as it does a
// provider across the network.
type callOnly struct{ genuine.Provider }

// With a provider that cannot prepare its payments, the payment is created
// at the provider first, and the units reserved and the payment stored in
// one commit. If the provider fails, nothing is reserved, and a retry with
// the same key tries again.
func TestPaymentStartedBeforeReserve(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 2)
	s := &hookStore{Store: w.db}
	app := w.appOn(t, s, callOnly{w.sim})
	c, err := app.Checkout(ctx, w.merchant, "call", cart(100, codes[0]))
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != genuine.CheckoutAwaitingPayment || c.Payment == nil {
		t.Fatalf("checkout: %+v", c)
	}
	if n := s.updates.Load(); n != 1 {
		t.Errorf("%d write transactions, want one: the reservation with its payment", n)
	}
	if st, err := w.sim.Query(ctx, c.Payment.Reference); err != nil || st.Status != genuine.PaymentPending {
		t.Fatalf("provider's status of the payment: %q, %v", st.Status, err)
	}

	down := w.appOn(t, w.db, failingCreate{w.sim})
	_, err = down.Checkout(ctx, w.merchant, "down", cart(100, codes[1]))
	if genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Fatalf("checkout with the provider down: %v, want %s", err, genuine.EUnavailable)
	}
	if v := w.verify(t, codes[1]); v.State != genuine.StateInChannel {
		t.Errorf("unit of a checkout whose payment did not start: %s, want never reserved", v.State)
	}
	again, err := app.Checkout(ctx, w.merchant, "down", cart(100, codes[1]))
	if err != nil || again.Status != genuine.CheckoutAwaitingPayment {
		t.Fatalf("the retry once the provider is back: %+v, %v", again, err)
	}
	if n, err := app.Reconcile(ctx); err != nil || n != 0 {
		t.Errorf("reconcile with nothing left: %d, %v", n, err)
	}
}

// A payment created for a checkout that is then not stored with it (its
// cart refused when decided again, another till having taken the unit
// meanwhile) is canceled at the provider: nobody was shown it.
func TestUnusedPaymentCanceled(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 1)
	s := &hookStore{Store: w.db}
	made := make(chan string, 2)
	app := w.appOn(t, s, recordCreate{callOnly{w.sim}, made})
	other := w.newMerchant(t, "CN-GD-GZ")
	// The brand's keys cached, the next read is the checkout's decision.
	if _, err := app.Check(ctx, codes[0]); err != nil {
		t.Fatal(err)
	}
	var taken error
	s.onceAfterView(func() {
		_, taken = w.app.Checkout(ctx, other, "first", cart(100, codes[0]))
	})
	c, err := app.Checkout(ctx, w.merchant, "second", cart(100, codes[0]))
	if err != nil || taken != nil {
		t.Fatalf("checkout: %v; the other till's: %v", err, taken)
	}
	if c.Status != genuine.CheckoutRefused || !hasReason(c, "in_checkout") {
		t.Fatalf("checkout of a unit another till took meanwhile: %+v", c)
	}
	var ref string
	select {
	case ref = <-made:
	default:
		t.Fatal("no payment was created: the cart was refused at its first decision")
	}
	if st, err := w.sim.Query(ctx, ref); err != nil || st.Status != genuine.PaymentCanceled {
		t.Errorf("the payment created for it: %q, %v; want canceled", st.Status, err)
	}
}

// recordCreate names the payments its provider's Create made.
type recordCreate struct {
	genuine.Provider
	made chan string
}

func (p recordCreate) Create(ctx context.Context, r genuine.PaymentRequest) (*genuine.Payment, error) {
	pay, err := p.Provider.Create(ctx, r)
	if err == nil {
		p.made <- pay.Reference
	}
	return pay, err
}

// recordRequest keeps the requests its provider's Create was given.
type recordRequest struct {
	genuine.Provider
	got chan genuine.PaymentRequest
}

func (p recordRequest) Create(ctx context.Context, r genuine.PaymentRequest) (*genuine.Payment, error) {
	p.got <- r
	return p.Provider.Create(ctx, r)
}

// A provider is told the shop's name and each item with its product's
// name and price, for its page to show the buyer.
func TestPaymentRequestLines(t *testing.T) {
	w := newWorld(t)
	codes := w.released(t, 2)
	got := make(chan genuine.PaymentRequest, 1)
	app := w.appOn(t, w.db, recordRequest{callOnly{w.sim}, got})
	in := cart(100, codes...)
	in.Items[1].Price = 250
	c, err := app.Checkout(context.Background(), w.merchant, "lines", in)
	if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Fatalf("checkout: %+v, %v", c, err)
	}
	r := <-got
	want := []genuine.PaymentLine{{Name: "Acme Tonic", Amount: 100}, {Name: "Acme Tonic", Amount: 250}}
	if r.Shop != "Shop CN-GD-SZ" || !slices.Equal(r.Lines, want) || r.Amount != 350 {
		t.Errorf("payment request: shop %q, lines %+v, amount %d; want Shop CN-GD-SZ, %+v, 350", r.Shop, r.Lines, r.Amount, want)
	}
}
