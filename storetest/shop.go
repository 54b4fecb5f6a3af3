package storetest

import (
	"reflect"
	"testing"

	"genuine"
)

// testSelfCheckout checks that SetSelfCheckout writes a merchant's
// setting, which Merchant reads back, and is ENotFound for no merchant.
func testSelfCheckout(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	ms := newMerchants(t, s, 2)
	sc := genuine.SelfCheckout{Enabled: true, MaxOpenCarts: 12}
	update(t, s, func(tx genuine.Tx) error { return tx.SetSelfCheckout(ctx, ms[0].ID, sc) })
	view(t, s, func(tx genuine.Tx) error {
		for i, want := range []genuine.SelfCheckout{sc, {}} {
			m, err := tx.Merchant(ctx, ms[i].ID)
			if err != nil {
				return err
			}
			if m.SelfCheckout != want {
				t.Errorf("merchant %d: self-checkout %+v, want %+v", i+1, m.SelfCheckout, want)
			}
		}
		return nil
	})
	update(t, s, func(tx genuine.Tx) error { return tx.SetSelfCheckout(ctx, ms[0].ID, genuine.SelfCheckout{}) })
	view(t, s, func(tx genuine.Tx) error {
		m, err := tx.Merchant(ctx, ms[0].ID)
		if err == nil && m.SelfCheckout != (genuine.SelfCheckout{}) {
			t.Errorf("self-checkout turned off: %+v", m.SelfCheckout)
		}
		return err
	})
	err := s.Update(ctx, func(tx genuine.Tx) error { return tx.SetSelfCheckout(ctx, id("mer", 9), sc) })
	wantNotFound(t, "SetSelfCheckout of a missing merchant", err, id("mer", 9))
}

// shopSession returns a shop session numbered n of a merchant.
func shopSession(n int, merchantID string) *genuine.ShopSession {
	hash := make([]byte, 32)
	hash[0], hash[31] = byte(n), 0xee
	return &genuine.ShopSession{Hash: hash, MerchantID: merchantID, CreatedAt: at(n), ExpiresAt: at(n + 7200)}
}

// testShopSessions checks that CreateShopSession stores a session under
// its hash, once, and only for a merchant that exists, and that
// ShopSession reads it back, ENotFound for no session.
func testShopSessions(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	ms := newMerchants(t, s, 1)
	all := []*genuine.ShopSession{shopSession(1, ms[0].ID), shopSession(2, ms[0].ID)}
	update(t, s, func(tx genuine.Tx) error {
		for _, ses := range all {
			if err := tx.CreateShopSession(ctx, ses); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(tx genuine.Tx) error {
		for _, want := range all {
			got, err := tx.ShopSession(ctx, want.Hash)
			if err != nil {
				return err
			}
			same(t, "ShopSession", got, want)
		}
		_, err := tx.ShopSession(ctx, shopSession(9, ms[0].ID).Hash)
		wantCode(t, "ShopSession of no session", err, genuine.ENotFound)
		return nil
	})
	err := s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateShopSession(ctx, shopSession(1, ms[0].ID)) })
	wantCode(t, "CreateShopSession of a hash that exists", err, genuine.EConflict)
	if err := s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateShopSession(ctx, shopSession(8, id("mer", 8))) }); err == nil {
		t.Error("CreateShopSession at a merchant that does not exist succeeded")
	}
}

// testCarts checks that CreateCart and UpdateCart store a cart with its
// items, that Carts returns a session's carts newest first (and no other
// session's), that CountOpenCarts counts a merchant's open and paying
// carts that have not expired, and the errors of each.
func testCarts(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	ms := newMerchants(t, s, 2)
	a, b, other := shopSession(1, ms[0].ID), shopSession(2, ms[0].ID), shopSession(3, ms[1].ID)
	update(t, s, func(tx genuine.Tx) error {
		for _, ses := range []*genuine.ShopSession{a, b, other} {
			if err := tx.CreateShopSession(ctx, ses); err != nil {
				return err
			}
		}
		return nil
	})
	price := genuine.Decision{Outcome: "pass", Policy: "brand@1", Reasons: []genuine.Reason{}, Rules: []genuine.RuleOutcome{}}
	cart := func(n int, ses *genuine.ShopSession, status genuine.CartStatus, expires int) *genuine.Cart {
		return &genuine.Cart{
			ID: id("crt", n), MerchantID: ses.MerchantID, Session: ses.Hash, Status: status, Items: []genuine.CartUnit{},
			CreatedAt: at(n), UpdatedAt: at(n), ExpiresAt: at(expires),
		}
	}
	carts := []*genuine.Cart{
		cart(1, a, genuine.CartPaid, 100),
		cart(2, a, genuine.CartOpen, 100),
		cart(3, a, genuine.CartPaying, 100),
		cart(4, b, genuine.CartOpen, 50),
		cart(5, b, genuine.CartExpired, 200),
		cart(6, other, genuine.CartOpen, 100),
	}
	carts[1].Currency = "CNY"
	carts[1].Items = []genuine.CartUnit{{
		Code: "https://id.example/01/" + gtinA + "/21/ABC", GTIN: gtinA, Serial: "ABC", Price: 3500, Decision: &price,
		Product: &genuine.PublicProduct{GTIN: gtinA, Name: "Tonic", Brand: "Acme"},
	}}
	update(t, s, func(tx genuine.Tx) error {
		for _, c := range carts {
			if err := tx.CreateCart(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	sessionCarts := func(ses *genuine.ShopSession) []*genuine.Cart {
		t.Helper()
		var got []*genuine.Cart
		view(t, s, func(tx genuine.Tx) (err error) {
			got, err = tx.Carts(ctx, ses.Hash)
			return err
		})
		return got
	}
	sameCarts := func(what string, got, want []*genuine.Cart) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d carts, want %d", what, len(got), len(want))
		}
		for i := range want {
			g, w := *got[i], *want[i]
			g.Items, w.Items = nil, nil
			same(t, what, &g, &w)
			if !reflect.DeepEqual(got[i].Items, want[i].Items) {
				t.Errorf("%s: cart %s items %+v, want %+v", what, want[i].ID, got[i].Items, want[i].Items)
			}
		}
	}
	sameCarts("Carts of session a", sessionCarts(a), []*genuine.Cart{carts[2], carts[1], carts[0]})
	sameCarts("Carts of session b", sessionCarts(b), []*genuine.Cart{carts[4], carts[3]})
	sameCarts("Carts of no session", sessionCarts(shopSession(9, ms[0].ID)), nil)

	count := func(merchantID string, now int) int {
		t.Helper()
		var n int
		view(t, s, func(tx genuine.Tx) (err error) {
			n, err = tx.CountOpenCarts(ctx, merchantID, at(now))
			return err
		})
		return n
	}
	// At 60, carts 2 and 3 are open; 4 expired at 50, 1 is paid and 5
	// expired.
	for _, c := range []struct{ now, want int }{{10, 3}, {60, 2}, {100, 0}} {
		if n := count(ms[0].ID, c.now); n != c.want {
			t.Errorf("CountOpenCarts at %d = %d, want %d", c.now, n, c.want)
		}
	}
	if n := count(ms[1].ID, 10); n != 1 {
		t.Errorf("CountOpenCarts of the other merchant = %d, want 1", n)
	}

	changed := *carts[1]
	changed.Status, changed.Attempt, changed.CheckoutID = genuine.CartPaying, 2, id("chk", 1)
	changed.Currency, changed.Items = "", []genuine.CartUnit{}
	changed.UpdatedAt, changed.ExpiresAt = at(70), at(400)
	update(t, s, func(tx genuine.Tx) error { return tx.UpdateCart(ctx, &changed) })
	sameCarts("Carts after UpdateCart", sessionCarts(a), []*genuine.Cart{carts[2], &changed, carts[0]})
	if n := count(ms[0].ID, 150); n != 1 {
		t.Errorf("CountOpenCarts after UpdateCart = %d, want 1", n)
	}
	missing := cart(9, a, genuine.CartOpen, 100)
	err := s.Update(ctx, func(tx genuine.Tx) error { return tx.UpdateCart(ctx, missing) })
	wantNotFound(t, "UpdateCart of a missing cart", err, missing.ID)
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateCart(ctx, cart(1, a, genuine.CartOpen, 100)) })
	wantCode(t, "CreateCart with an existing id", err, genuine.EConflict)
	if err := s.Update(ctx, func(tx genuine.Tx) error {
		return tx.CreateCart(ctx, cart(8, shopSession(8, ms[0].ID), genuine.CartOpen, 100))
	}); err == nil {
		t.Error("CreateCart of a session that does not exist succeeded")
	}

	// Pruning takes the sessions that expired first, a page at a time,
	// with their carts.
	prune := func(before, limit int) int {
		t.Helper()
		var n int
		update(t, s, func(tx genuine.Tx) (err error) {
			n, err = tx.PruneShopSessions(ctx, at(before), limit)
			return err
		})
		return n
	}
	if n := prune(7202, 1); n != 1 {
		t.Errorf("PruneShopSessions with limit 1 deleted %d, want 1", n)
	}
	if n := prune(7202, 10); n != 0 {
		t.Errorf("PruneShopSessions again deleted %d, want 0: the session expiring at the time given has not expired before it", n)
	}
	sameCarts("Carts of a pruned session", sessionCarts(a), nil)
	sameCarts("Carts of a session kept", sessionCarts(b), []*genuine.Cart{carts[4], carts[3]})
	err = s.View(ctx, func(tx genuine.Tx) error { _, err := tx.ShopSession(ctx, a.Hash); return err })
	wantCode(t, "ShopSession of a pruned session", err, genuine.ENotFound)
}
