package genuine

import (
	"context"
	"slices"
)

// PayCart pays for a session's open cart: a checkout through Checkout, as
// the merchant (ShopActor), of the cart's units at their prices in the
// list's currency, on channel ChannelSelfCheckout, holding the units for
// ShopReservation, to the merchant's payment provider (payProvider). It
// returns the cart and its checkout:
//   - awaiting payment: the cart is paying, and the checkout's Payment says
//     where the shopper pays;
//   - refused, since a unit changed after it was scanned: nothing was
//     reserved nor paid, and the cart is open again with the refusal on
//     each refused unit, for the shopper to remove.
//
// Paying again for a cart that is paying returns the same checkout: each
// attempt has one idempotency key (cartKey). If the checkout cannot be
// made (no provider answers), the cart is open again and the error
// returned.
func (a *App) PayCart(ctx context.Context, token, merchantID string) (*Cart, *Checkout, error) {
	var (
		cart *Cart
		k    *Checkout
	)
	// First the cart is marked paying, so that it cannot change while its
	// checkout is made from it.
	err := a.store.Update(ctx, func(tx Tx) error {
		now := a.Now()
		_, m, carts, err := a.shopCarts(ctx, tx, token, merchantID, now, true)
		if err != nil {
			return err
		}
		cur := current(carts)
		if cur == nil || len(cur.Items) == 0 {
			return Errorf(EInvalid, "your cart is empty: scan a product first")
		}
		cart, k = cur, cur.Checkout
		cart.Shop = shopOf(m)
		if cur.Status == CartPaying {
			return nil
		}
		cur.Status, cur.UpdatedAt, cur.ExpiresAt = CartPaying, now, now.Add(ShopReservation+cartGrace)
		return tx.UpdateCart(ctx, cur)
	})
	if err != nil {
		return nil, nil, err
	}
	if k != nil {
		return cart.shown(), k, nil // paid for already: the same checkout
	}
	in, err := a.cartCheckoutInput(ctx, cart)
	if err == nil {
		k, err = a.Checkout(ctx, shopPrincipal(merchantID), cartKey(cart.ID, cart.Attempt), in)
	}
	// Then the cart follows its checkout, or, if none was made, is open
	// again.
	attempt := cart.Attempt
	uerr := a.store.Update(ctx, func(tx Tx) error {
		now := a.Now()
		s, m, serr := a.shopIn(ctx, tx, token, merchantID, now)
		if serr != nil {
			return serr
		}
		carts, serr := tx.Carts(ctx, s.Hash)
		if serr != nil {
			return serr
		}
		i := slices.IndexFunc(carts, func(c *Cart) bool { return c.ID == cart.ID })
		if i < 0 {
			return Errorf(ENotFound, "your cart is gone")
		}
		c := carts[i]
		if c.Status == CartPaying && c.Attempt == attempt && k == nil {
			reopen(c, s, now)
			c.UpdatedAt = now
			if serr := tx.UpdateCart(ctx, c); serr != nil {
				return serr
			}
		}
		if serr := a.syncCart(ctx, tx, s, c, now, true); serr != nil {
			return serr
		}
		if k != nil && k.Status == CheckoutAwaitingPayment && c.Status == CartPaying {
			if serr := a.audit(ctx, tx, Author{KeyID: ShopActor, Role: string(RoleMerchant), Org: m.ID}, "", "cart.pay", c.ID,
				map[string]any{"checkout": k.ID, "attempt": attempt}); serr != nil {
				return serr
			}
		}
		cart = c.shown()
		cart.Shop = shopOf(m)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if uerr != nil {
		return nil, nil, uerr
	}
	return cart, k, nil
}

// cartCheckoutInput is the checkout of a cart at its merchant's provider.
func (a *App) cartCheckoutInput(ctx context.Context, c *Cart) (CheckoutInput, error) {
	prov, err := a.payProvider(ctx, c.MerchantID)
	if err != nil {
		return CheckoutInput{}, err
	}
	in := CheckoutInput{Currency: c.Currency, Provider: prov, Channel: ChannelSelfCheckout, Reservation: ShopReservation}
	for _, it := range c.Items {
		in.Items = append(in.Items, CartItem{Code: it.Code, Price: it.Price})
	}
	return in, nil
}

// payProvider names the provider a merchant's self-checkouts are paid
// through: its first account at a provider this server connects to, by
// name; else this server's first provider without accounts (the simulated
// one), by name. EUnavailable if there is none.
func (a *App) payProvider(ctx context.Context, merchantID string) (string, error) {
	var accts []*ProviderAccount
	err := a.store.View(ctx, func(tx Tx) (err error) {
		accts, err = tx.ProviderAccounts(ctx, merchantID)
		return err
	})
	if err != nil {
		return "", err
	}
	for _, acct := range accts {
		if _, ok := a.connectors[acct.Provider]; ok {
			return acct.Provider, nil
		}
	}
	names := make([]string, 0, len(a.providers))
	for name := range a.providers {
		names = append(names, name)
	}
	if len(names) == 0 {
		return "", Errorf(EUnavailable, "this shop takes no payments on phones right now: please pay at the till")
	}
	slices.Sort(names)
	return names[0], nil
}
