package genuine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"genuine"
)

// shop is a world whose merchant offers self-checkout and prices the
// world's product at 35.00 CNY, with released units.
type shop struct {
	*world
	id    string
	codes []string
}

func newShop(t *testing.T, units int64) *shop {
	t.Helper()
	w := newWorld(t)
	ctx := context.Background()
	s := &shop{world: w, id: w.merchant.MerchantID, codes: w.released(t, units)}
	if _, err := w.app.SetSelfCheckout(ctx, w.merchant, s.id, genuine.SelfCheckout{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.SetPrices(ctx, w.merchant, s.id, []genuine.Price{{GTIN: w.gtin, Price: 3500, Currency: "CNY"}}); err != nil {
		t.Fatal(err)
	}
	return s
}

// open opens a shopper's session at the shop.
func (s *shop) open(t *testing.T) string {
	t.Helper()
	token, _, err := s.app.OpenShop(context.Background(), s.id)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// add adds a code to a session's cart and wants it added.
func (s *shop) add(t *testing.T, token, code string) *genuine.CartAdd {
	t.Helper()
	add, err := s.app.AddToCart(context.Background(), token, s.id, code)
	if err != nil {
		t.Fatalf("AddToCart: %v", err)
	}
	if !add.Added {
		t.Fatalf("AddToCart did not add %s: %+v", code, add.Item.Decision)
	}
	return add
}

func wantErrCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if genuine.ErrorCode(err) != code {
		t.Errorf("%s: %v (code %q), want code %q", what, err, genuine.ErrorCode(err), code)
	}
}

// TestSelfCheckoutSetting: off by default, and then no shop session opens;
// the merchant turns it on for itself only, and its JSON shows the
// setting with the server's default number of carts.
func TestSelfCheckoutSetting(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	id := w.merchant.MerchantID
	m, err := w.app.Merchant(ctx, w.merchant, id)
	if err != nil || m.SelfCheckout.Enabled || m.SelfCheckout.MaxOpenCarts != genuine.DefaultMaxOpenCarts {
		t.Fatalf("new merchant: %+v, %v; want self-checkout off, %d carts", m, err, genuine.DefaultMaxOpenCarts)
	}
	_, _, err = w.app.OpenShop(ctx, id)
	wantErrCode(t, "OpenShop with self-checkout off", err, genuine.ESelfCheckoutOff)
	_, _, err = w.app.OpenShop(ctx, "mer_00000000000000000000")
	wantErrCode(t, "OpenShop of no merchant", err, genuine.ENotFound)

	other := w.newMerchant(t, "CN-GD")
	_, err = w.app.SetSelfCheckout(ctx, other, id, genuine.SelfCheckout{Enabled: true})
	wantErrCode(t, "another merchant's SetSelfCheckout", err, genuine.ENotFound)
	_, err = w.app.SetSelfCheckout(ctx, w.brand, id, genuine.SelfCheckout{Enabled: true})
	wantErrCode(t, "a brand's SetSelfCheckout", err, genuine.EForbidden)
	_, err = w.app.SetSelfCheckout(ctx, w.merchant, id, genuine.SelfCheckout{Enabled: true, MaxOpenCarts: genuine.MaxOpenCartsLimit + 1})
	wantErrCode(t, "SetSelfCheckout of too many carts", err, genuine.EInvalid)

	m, err = w.app.SetSelfCheckout(ctx, w.merchant, id, genuine.SelfCheckout{Enabled: true, MaxOpenCarts: 7})
	if err != nil || !m.SelfCheckout.Enabled || m.SelfCheckout.MaxOpenCarts != 7 {
		t.Fatalf("SetSelfCheckout: %+v, %v", m, err)
	}
	token, session, err := w.app.OpenShop(ctx, id)
	if err != nil || !strings.HasPrefix(token, "gc_") || session.ExpiresAt.Sub(session.CreatedAt) != genuine.ShopSessionTTL {
		t.Fatalf("OpenShop: %q, %+v, %v", token, session, err)
	}
	if c, err := w.app.ShopCart(ctx, token, id); err != nil || c.ID != "" || len(c.Items) != 0 || c.Shop.Name != "Shop CN-GD-SZ" {
		t.Fatalf("ShopCart of a new session: %+v, %v", c, err)
	}
	// Turned off, it ends every session at once.
	if _, err := w.app.SetSelfCheckout(ctx, w.admin, id, genuine.SelfCheckout{}); err != nil {
		t.Fatal(err)
	}
	_, err = w.app.ShopCart(ctx, token, id)
	wantErrCode(t, "ShopCart once self-checkout is off", err, genuine.ESelfCheckoutOff)
	// The session ends after ShopSessionTTL.
	w.app.SetSelfCheckout(ctx, w.admin, id, genuine.SelfCheckout{Enabled: true})
	w.clock.add(genuine.ShopSessionTTL)
	_, err = w.app.ShopCart(ctx, token, id)
	wantErrCode(t, "ShopCart of an expired session", err, genuine.EUnauthorized)
}

// TestShopScanAndPay: a genuine, priced unit is added once however often
// it is scanned; a forged one and one the price list does not price are
// refused and not added; Pay makes a self-checkout of the cart at list
// prices, reserved for 5 minutes, by the self-checkout actor; paying
// again gives the same checkout; once paid, the cart is paid.
func TestShopScanAndPay(t *testing.T) {
	s := newShop(t, 3)
	ctx := context.Background()
	token := s.open(t)
	add := s.add(t, token, s.codes[0])
	if add.Item.Price != 3500 || add.Currency != "CNY" || add.Item.Product == nil || add.Item.Product.Name != "Acme Tonic" || add.Item.Decision.Outcome != "pass" {
		t.Fatalf("added: %+v", add)
	}
	if c := add.Cart; c.ID == "" || len(c.Items) != 1 || c.Total != 3500 || c.Currency != "CNY" || c.Status != genuine.CartOpen {
		t.Fatalf("cart after one add: %+v", c)
	}
	again, err := s.app.AddToCart(ctx, token, s.id, s.codes[0])
	if err != nil || again.Added || !again.Duplicate || len(again.Cart.Items) != 1 {
		t.Fatalf("the same unit again: %+v, %v", again, err)
	}
	forged, err := s.app.AddToCart(ctx, token, s.id, forgedCode(s.codes[1]))
	if err != nil || forged.Added || forged.Item.Decision.Outcome != "refuse" || forged.Item.Decision.Reasons[0].Code != genuine.ReasonCounterfeit {
		t.Fatalf("a forged unit: %+v, %v", forged, err)
	}
	if _, err := s.app.SetPrices(ctx, s.merchant, s.id, nil); err != nil {
		t.Fatal(err)
	}
	unpriced, err := s.app.AddToCart(ctx, token, s.id, s.codes[1])
	if err != nil || unpriced.Added || !refusedFor(unpriced.Item.Decision, genuine.ReasonNotPriced) {
		t.Fatalf("an unpriced unit: %+v, %v", unpriced, err)
	}
	if c, _ := s.app.ShopCart(ctx, token, s.id); len(c.Items) != 1 {
		t.Fatalf("refused units were added: %+v", c.Items)
	}

	cart, k, err := s.app.PayCart(ctx, token, s.id)
	if err != nil {
		t.Fatal(err)
	}
	if k.Status != genuine.CheckoutAwaitingPayment || k.Channel != genuine.ChannelSelfCheckout || k.Total != 3500 || k.Currency != "CNY" ||
		k.Provider != "simulated" || k.Payment == nil || k.Payment.PayURL == "" || !k.Deadline.Equal(s.clock.now().Add(5*time.Minute)) {
		t.Fatalf("self-checkout: %+v", k)
	}
	if cart.Status != genuine.CartPaying || cart.CheckoutID != k.ID {
		t.Fatalf("cart once paying: %+v", cart)
	}
	if _, k2, err := s.app.PayCart(ctx, token, s.id); err != nil || k2.ID != k.ID {
		t.Fatalf("Pay again: %+v, %v; want checkout %s", k2, err, k.ID)
	}
	_, err = s.app.RemoveFromCart(ctx, token, s.id, s.codes[0])
	wantErrCode(t, "RemoveFromCart of a paying cart", err, genuine.EConflict)
	ds, err := s.app.Decisions(ctx, s.brand, genuine.DecisionFilter{})
	if err != nil || len(ds) != 1 || ds[0].KeyID != genuine.ShopActor || ds[0].CheckoutID != k.ID {
		t.Fatalf("decisions: %+v, %v; want one by %s", ds, err, genuine.ShopActor)
	}
	if err := s.sim.Pay(ctx, k.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	s.waitStatus(t, s.merchant, k.ID, genuine.CheckoutPaid)
	cart, err = s.app.ShopCart(ctx, token, s.id)
	if err != nil || cart.Status != genuine.CartPaid || cart.Checkout == nil || cart.Checkout.Status != genuine.CheckoutPaid {
		t.Fatalf("cart once paid: %+v, %v", cart, err)
	}
	if v := s.verify(t, s.codes[0]); v.State != genuine.StateSold {
		t.Errorf("paid unit: %s", v.State)
	}
	// The next scan starts a new cart.
	if _, err := s.app.SetPrices(ctx, s.merchant, s.id, []genuine.Price{{GTIN: s.gtin, Price: 100, Currency: "CNY"}}); err != nil {
		t.Fatal(err)
	}
	if next := s.add(t, token, s.codes[2]); next.Cart.ID == cart.ID || len(next.Cart.Items) != 1 {
		t.Fatalf("a scan after paying: %+v", next.Cart)
	}
}

func refusedFor(d *genuine.Decision, code string) bool {
	for _, r := range d.Reasons {
		if r.Code == code {
			return d.Outcome == "refuse"
		}
	}
	return false
}

// TestShopLimits: a cart holds 20 units; a session has at most 2 carts
// open; a merchant at most its number; each refusal says so in its code.
func TestShopLimits(t *testing.T) {
	s := newShop(t, 30)
	ctx := context.Background()
	token := s.open(t)
	for _, code := range s.codes[:genuine.MaxCartUnits] {
		s.add(t, token, code)
	}
	_, err := s.app.AddToCart(ctx, token, s.id, s.codes[20])
	wantErrCode(t, "the 21st unit", err, genuine.ECartFull)
	// Paying carts stay open: a scan then starts another, and a third is
	// refused.
	if _, _, err := s.app.PayCart(ctx, token, s.id); err != nil {
		t.Fatal(err)
	}
	second := s.add(t, token, s.codes[21])
	if _, _, err := s.app.PayCart(ctx, token, s.id); err != nil {
		t.Fatal(err)
	}
	_, err = s.app.AddToCart(ctx, token, s.id, s.codes[22])
	wantErrCode(t, "a third open cart", err, genuine.ETooManyCarts)

	// The merchant allows 3 open carts: this session holds 2, so one more
	// session may start one, and the next is refused.
	if _, err := s.app.SetSelfCheckout(ctx, s.merchant, s.id, genuine.SelfCheckout{Enabled: true, MaxOpenCarts: 3}); err != nil {
		t.Fatal(err)
	}
	s.add(t, s.open(t), s.codes[23])
	_, err = s.app.AddToCart(ctx, s.open(t), s.id, s.codes[24])
	wantErrCode(t, "a cart over the merchant's number", err, genuine.EShopBusy)
	if genuine.RetryAfter(err) <= 0 {
		t.Errorf("EShopBusy without a Retry-After")
	}
	// A cart that expires unpaid no longer counts.
	s.clock.add(genuine.ShopReservation + time.Minute)
	if _, err := s.app.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if c, err := s.app.ShopCart(ctx, token, s.id); err != nil || c.ID != second.Cart.ID || c.Status != genuine.CartOpen {
		t.Fatalf("after the reservations expired: %+v, %v; want cart %s open again", c, err, second.Cart.ID)
	}
}

// TestShopPayRefused: a unit sold at the till after it was scanned makes
// the cart's checkout refused: nothing is reserved or paid, the cart is
// open again with the refusal on that unit, and once it is removed the
// cart pays.
func TestShopPayRefused(t *testing.T) {
	s := newShop(t, 2)
	ctx := context.Background()
	token := s.open(t)
	s.add(t, token, s.codes[0])
	s.add(t, token, s.codes[1])
	sold, err := s.app.Checkout(ctx, s.merchant, "till", cart(3500, s.codes[1]))
	if err != nil {
		t.Fatal(err)
	}
	s.sim.Pay(ctx, sold.Payment.Reference)
	s.waitStatus(t, s.merchant, sold.ID, genuine.CheckoutPaid)

	cart, k, err := s.app.PayCart(ctx, token, s.id)
	if err != nil {
		t.Fatal(err)
	}
	if k.Status != genuine.CheckoutRefused || k.Payment != nil {
		t.Fatalf("checkout of a cart with a sold unit: %+v", k)
	}
	if cart.Status != genuine.CartOpen || cart.Items[0].Decision.Outcome != "pass" || !refusedFor(cart.Items[1].Decision, genuine.EAlreadySold) {
		t.Fatalf("cart after the refusal: %+v", cart)
	}
	if v := s.verify(t, s.codes[0]); v.State != genuine.StateInChannel {
		t.Errorf("the other unit is %s, want in_channel: nothing reserved", v.State)
	}
	if cart, err = s.app.RemoveFromCart(ctx, token, s.id, s.codes[1]); err != nil || len(cart.Items) != 1 {
		t.Fatalf("RemoveFromCart: %+v, %v", cart, err)
	}
	if _, k2, err := s.app.PayCart(ctx, token, s.id); err != nil || k2.Status != genuine.CheckoutAwaitingPayment || k2.ID == k.ID || k2.Total != 3500 {
		t.Fatalf("Pay once the sold unit is removed: %+v, %v", k2, err)
	}
}

// TestShopReservation: a self-checkout holds its units 5 minutes, not the
// till's 15; once expired, the cart is open again and pays anew.
func TestShopReservation(t *testing.T) {
	s := newShop(t, 2)
	ctx := context.Background()
	token := s.open(t)
	s.add(t, token, s.codes[0])
	_, k, err := s.app.PayCart(ctx, token, s.id)
	if err != nil {
		t.Fatal(err)
	}
	s.clock.add(genuine.ShopReservation - time.Second)
	if _, err := s.app.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if v := s.verify(t, s.codes[0]); v.State != genuine.StateReserved {
		t.Fatalf("before the deadline the unit is %s", v.State)
	}
	s.clock.add(2 * time.Second)
	if _, err := s.app.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if c := s.waitStatus(t, s.merchant, k.ID, genuine.CheckoutExpired); c.Channel != genuine.ChannelSelfCheckout {
		t.Errorf("expired checkout's channel %q", c.Channel)
	}
	if v := s.verify(t, s.codes[0]); v.State != genuine.StateInChannel {
		t.Fatalf("after the deadline the unit is %s", v.State)
	}
	paying, k2, err := s.app.PayCart(ctx, token, s.id)
	if err != nil || k2.ID == k.ID || k2.Status != genuine.CheckoutAwaitingPayment || paying.Status != genuine.CartPaying {
		t.Fatalf("Pay after expiry: %+v, %+v, %v", paying, k2, err)
	}
	// The till's checkouts keep the App's reservation.
	till, err := s.app.Checkout(ctx, s.merchant, "till", cart(3500, s.codes[1]))
	if err != nil || till.Channel != "" || !till.Deadline.Equal(s.clock.now().Add(15*time.Minute)) {
		t.Fatalf("a till's checkout: %+v, %v; want the 15 minutes' reservation", till, err)
	}
}

// TestShopSessionsApart: a session sees and changes its own carts only,
// and at its own shop only.
func TestShopSessionsApart(t *testing.T) {
	s := newShop(t, 2)
	ctx := context.Background()
	a, b := s.open(t), s.open(t)
	s.add(t, a, s.codes[0])
	if c, err := s.app.ShopCart(ctx, b, s.id); err != nil || len(c.Items) != 0 {
		t.Fatalf("another session's cart: %+v, %v", c, err)
	}
	_, err := s.app.RemoveFromCart(ctx, b, s.id, s.codes[0])
	wantErrCode(t, "RemoveFromCart of another session's unit", err, genuine.ENotFound)
	_, _, err = s.app.PayCart(ctx, b, s.id)
	wantErrCode(t, "PayCart of an empty cart", err, genuine.EInvalid)
	other := s.newMerchant(t, "CN-GD")
	s.app.SetSelfCheckout(ctx, other, other.MerchantID, genuine.SelfCheckout{Enabled: true})
	_, err = s.app.ShopCart(ctx, a, other.MerchantID)
	wantErrCode(t, "a session at another shop", err, genuine.EUnauthorized)
	_, err = s.app.ShopCart(ctx, "gc_"+strings.Repeat("a", 52), s.id)
	wantErrCode(t, "a token of no session", err, genuine.EUnauthorized)
	if c, err := s.app.ShopCart(ctx, a, s.id); err != nil || len(c.Items) != 1 {
		t.Fatalf("own cart: %+v, %v", c, err)
	}
}

// TestShopPrune: an hour after a shop session ends, Prune deletes it with
// its carts; its sale stays.
func TestShopPrune(t *testing.T) {
	s := newShop(t, 1)
	ctx := context.Background()
	token := s.open(t)
	s.add(t, token, s.codes[0])
	_, k, err := s.app.PayCart(ctx, token, s.id)
	if err != nil {
		t.Fatal(err)
	}
	s.sim.Pay(ctx, k.Payment.Reference)
	s.waitStatus(t, s.merchant, k.ID, genuine.CheckoutPaid)
	s.clock.add(genuine.ShopSessionTTL + 59*time.Minute)
	if got, err := s.app.Prune(ctx); err != nil || got.ShopSessions != 0 {
		t.Fatalf("Prune before the hour: %+v, %v", got, err)
	}
	s.clock.add(2 * time.Minute)
	if got, err := s.app.Prune(ctx); err != nil || got.ShopSessions != 1 {
		t.Fatalf("Prune: %+v, %v; want one shop session", got, err)
	}
	_, err = s.app.ShopCart(ctx, token, s.id)
	wantErrCode(t, "ShopCart of a pruned session", err, genuine.EUnauthorized)
	if c, err := s.app.GetCheckout(ctx, s.merchant, k.ID); err != nil || c.Status != genuine.CheckoutPaid {
		t.Errorf("the sale after pruning: %+v, %v", c, err)
	}
}
