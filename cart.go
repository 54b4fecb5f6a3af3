package genuine

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"
)

// CartStatus is where a shopper's cart stands.
type CartStatus string

// Cart statuses. A cart is open, for the limits of carts, while it is
// CartOpen or CartPaying.
const (
	CartOpen    CartStatus = "open"    // units are being scanned into it
	CartPaying  CartStatus = "paying"  // its checkout awaits payment; it cannot change
	CartPaid    CartStatus = "paid"    // its checkout was paid
	CartExpired CartStatus = "expired" // left unpaid until it expired
)

// Limits of self-checkout carts.
const (
	// MaxCartUnits is how many units one cart holds at most.
	MaxCartUnits = 20
	// MaxSessionCarts is how many carts one shop session may have open.
	MaxSessionCarts = 2
	// CartIdleTTL is how long a cart stays open after its last change, at
	// most until its session ends.
	CartIdleTTL = 30 * time.Minute
	// ShopReservation is how long a self-checkout holds its units unpaid.
	ShopReservation = 5 * time.Minute
	// cartGrace is how long after its checkout's deadline a paying cart
	// still counts as open: the reconciler's pass.
	cartGrace = time.Minute
)

// Cart is a shopper's cart at a shop: the units scanned into it, each
// decided and priced from the merchant's list when scanned, and, once the
// shopper pays, its checkout. A unit that was refused when scanned is
// never in it.
type Cart struct {
	ID         string     `json:"id,omitempty"` // "" for a cart not started yet
	MerchantID string     `json:"merchant_id"`
	Status     CartStatus `json:"status"`
	// Currency is the price list's currency of its units; "" while empty.
	Currency string     `json:"currency,omitempty"`
	Items    []CartUnit `json:"items"`
	// Attempt counts the checkouts tried for the cart: each has the
	// idempotency key cartKey(ID, Attempt).
	Attempt int `json:"-"`
	// CheckoutID is the checkout paying for it, once known.
	CheckoutID string    `json:"checkout_id,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	// Session is the hash of its session's token.
	Session []byte `json:"-"`

	// Total is the sum of the items' prices, set when read.
	Total int64 `json:"total"`
	// Shop is the merchant, set when read.
	Shop *Shop `json:"shop,omitempty"`
	// Checkout is the checkout paying for it, set when read while it is
	// paying or once paid.
	Checkout *Checkout `json:"checkout,omitempty"`
}

// CartUnit is one unit of a cart: its code as scanned, product and list
// price, and its decision: the one made when it was scanned, or the
// refusal of the checkout that refused it since.
type CartUnit struct {
	Code     string         `json:"code"`
	GTIN     string         `json:"gtin"`
	Serial   string         `json:"serial"`
	Product  *PublicProduct `json:"product,omitempty"`
	Price    int64          `json:"price"`
	Decision *Decision      `json:"decision"`
}

// CartAdd is what adding a scanned code to a cart did: the unit as
// decided, whether it was added (a refused unit is not, nor a unit the
// cart holds already), and the cart.
type CartAdd struct {
	Item      CartUnit `json:"item"`
	Currency  string   `json:"currency,omitempty"`
	Added     bool     `json:"added"`
	Duplicate bool     `json:"duplicate,omitempty"`
	Cart      *Cart    `json:"cart"`
}

// errCartStale stops a read that found a cart to bring up to date, which
// only a write may do.
var errCartStale = errors.New("genuine: a cart must be brought up to date")

// ShopCart returns a session's current cart at a merchant: its newest open
// one; else its newest cart if that was paid (so that the page shows the
// payment done); else an empty cart not yet started (ID ""), which the
// first unit added starts. Each read brings the carts up to date with their
// checkouts: paid, or open again once a checkout ended unpaid or was
// refused.
func (a *App) ShopCart(ctx context.Context, token, merchantID string) (*Cart, error) {
	var c *Cart
	read := func(write bool) func(Tx) error {
		return func(tx Tx) error {
			now := a.Now()
			_, m, carts, err := a.shopCarts(ctx, tx, token, merchantID, now, write)
			if err != nil {
				return err
			}
			c = shownCart(carts, m.ID)
			c.Shop = shopOf(m)
			return nil
		}
	}
	err := a.store.View(ctx, read(false))
	if errors.Is(err, errCartStale) {
		err = a.store.Update(ctx, read(true))
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// shownCart is the cart ShopCart shows among a session's carts, newest
// first.
func shownCart(carts []*Cart, merchantID string) *Cart {
	if cur := current(carts); cur != nil {
		return cur.shown()
	}
	if len(carts) > 0 && carts[0].Status == CartPaid {
		return carts[0].shown()
	}
	return (&Cart{MerchantID: merchantID, Status: CartOpen}).shown()
}

// shown returns c with its total, and no nil items.
func (c *Cart) shown() *Cart {
	c.Total = 0
	for _, it := range c.Items {
		c.Total += it.Price
	}
	if c.Items == nil {
		c.Items = []CartUnit{}
	}
	return c
}

// current returns the newest open cart of carts, newest first; nil if none.
func current(carts []*Cart) *Cart {
	for _, c := range carts {
		if c.Status == CartOpen || c.Status == CartPaying {
			return c
		}
	}
	return nil
}

// shopCarts reads, in tx, the live session of token at a merchant and the
// merchant (shopIn), and the session's carts, newest first, each brought
// up to date (syncCart).
func (a *App) shopCarts(ctx context.Context, tx Tx, token, merchantID string, now time.Time, write bool) (*ShopSession, *Merchant, []*Cart, error) {
	s, m, err := a.shopIn(ctx, tx, token, merchantID, now)
	if err != nil {
		return nil, nil, nil, err
	}
	carts, err := tx.Carts(ctx, s.Hash)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, c := range carts {
		if err := a.syncCart(ctx, tx, s, c, now, write); err != nil {
			return nil, nil, nil, err
		}
	}
	return s, m, carts, nil
}

// syncCart brings a cart up to date, in tx: an open cart past its time
// expires; a paying cart whose checkout was paid is paid, and one whose
// checkout was refused or ended unpaid is open again (with the refusals on
// its units), as is one whose checkout never came to be. It sets
// c.Checkout while the cart pays or once paid. Without write, a cart that
// must change is errCartStale.
func (a *App) syncCart(ctx context.Context, tx Tx, s *ShopSession, c *Cart, now time.Time, write bool) error {
	was := *c
	switch c.Status {
	case CartOpen:
		if !now.Before(c.ExpiresAt) {
			c.Status = CartExpired
		}
	case CartPaying, CartPaid:
		k, err := a.cartCheckout(ctx, tx, c)
		if err != nil {
			return err
		}
		c.Checkout = k
		switch {
		case k == nil:
			if c.Status == CartPaying && !now.Before(c.ExpiresAt) {
				reopen(c, s, now) // the payment never started
			}
		case k.Status == CheckoutAwaitingPayment:
			c.CheckoutID = k.ID
		case k.Status == CheckoutPaid || k.Status == CheckoutRefunded || k.Status == CheckoutPartiallyRefunded:
			c.Status, c.CheckoutID = CartPaid, k.ID
		case k.Status == CheckoutRefused:
			c.Items = slices.Clone(c.Items)
			for i := range c.Items {
				if i < len(k.Items) {
					c.Items[i].Decision = k.Items[i].Decision
				}
			}
			c.Checkout = nil
			reopen(c, s, now)
		default: // failed, canceled, expired: nothing was paid
			c.Checkout = nil
			reopen(c, s, now)
		}
	}
	if c.Status == was.Status && c.Attempt == was.Attempt && c.CheckoutID == was.CheckoutID {
		return nil
	}
	if !write {
		*c = was
		return errCartStale
	}
	c.UpdatedAt = now
	return tx.UpdateCart(ctx, c)
}

// reopen makes a paying cart open again, for another checkout.
func reopen(c *Cart, s *ShopSession, now time.Time) {
	c.Status, c.CheckoutID = CartOpen, ""
	c.Attempt++
	c.ExpiresAt = idleUntil(s, now)
	if !now.Before(c.ExpiresAt) {
		c.Status = CartExpired
	}
}

// idleUntil is when a cart changed now expires unless changed again.
func idleUntil(s *ShopSession, now time.Time) time.Time {
	t := now.Add(CartIdleTTL)
	if s.ExpiresAt.Before(t) {
		return s.ExpiresAt
	}
	return t
}

// cartCheckout returns, in tx, the checkout of a cart's current attempt,
// nil if there is none.
func (a *App) cartCheckout(ctx context.Context, tx Tx, c *Cart) (*Checkout, error) {
	var (
		k   *Checkout
		err error
	)
	if c.CheckoutID != "" {
		k, err = tx.Checkout(ctx, c.CheckoutID)
	} else {
		k, err = tx.CheckoutByIdempotencyKey(ctx, c.MerchantID, cartKey(c.ID, c.Attempt))
	}
	if ErrorCode(err) == ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	markRefunded(k)
	return k, nil
}

// cartKey is the idempotency key of a cart's checkout of an attempt.
func cartKey(cartID string, attempt int) string {
	return "shop-" + cartID + "-" + strconv.Itoa(attempt)
}

// AddToCart decides a scanned code for a shopper as the merchant's till
// would (PreviewCheckout, at the merchant's list price in the list's
// currency) and, if it passes, adds the unit to the session's open cart,
// starting one when the session has none that may change. A refused unit
// is not added: its decision says why (ReasonNotPriced for a unit the
// list does not price). A unit the cart holds already is not added twice.
// Starting a cart is refused when the session has MaxSessionCarts open
// (ETooManyCarts) or the merchant its most (EShopBusy); a full cart is
// ECartFull.
func (a *App) AddToCart(ctx context.Context, token, merchantID, code string) (*CartAdd, error) {
	shown, err := a.ShopCart(ctx, token, merchantID)
	if err != nil {
		return nil, err
	}
	currency := ""
	if shown.Status == CartOpen {
		currency = shown.Currency
	}
	item, itemCurrency, err := a.decideUnit(ctx, merchantID, code, currency)
	if err != nil {
		return nil, err
	}
	add := &CartAdd{Item: item, Currency: itemCurrency, Cart: shown}
	if item.Decision.Outcome != "pass" {
		return add, nil
	}
	err = a.store.Update(ctx, func(tx Tx) error {
		now := a.Now()
		s, m, carts, err := a.shopCarts(ctx, tx, token, merchantID, now, true)
		if err != nil {
			return err
		}
		add.Added, add.Duplicate = false, false
		cur := current(carts)
		if cur != nil && cur.Status == CartPaying {
			cur = nil // it cannot change: start another
		}
		if cur != nil && slices.ContainsFunc(cur.Items, func(u CartUnit) bool { return u.GTIN == item.GTIN && u.Serial == item.Serial }) {
			add.Duplicate, add.Cart = true, cur.shown()
			add.Cart.Shop = shopOf(m)
			return nil
		}
		if cur == nil {
			if cur, err = a.startCart(ctx, tx, s, m, carts, itemCurrency, now); err != nil {
				return err
			}
		}
		if len(cur.Items) >= MaxCartUnits {
			return Errorf(ECartFull, "your cart is full (%d items): pay for these first", MaxCartUnits)
		}
		if cur.Currency != "" && cur.Currency != itemCurrency {
			return Errorf(EConflict, "the shop's prices changed meanwhile: scan the item again")
		}
		cur.Currency = itemCurrency
		cur.Items = append(slices.Clone(cur.Items), item)
		cur.UpdatedAt, cur.ExpiresAt = now, idleUntil(s, now)
		if err := tx.UpdateCart(ctx, cur); err != nil {
			return err
		}
		add.Added, add.Cart = true, cur.shown()
		add.Cart.Shop = shopOf(m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return add, nil
}

// startCart starts a new cart for a session, in tx, within the limits.
func (a *App) startCart(ctx context.Context, tx Tx, s *ShopSession, m *Merchant, carts []*Cart, currency string, now time.Time) (*Cart, error) {
	open := 0
	for _, c := range carts {
		if c.Status == CartOpen || c.Status == CartPaying {
			open++
		}
	}
	if open >= MaxSessionCarts {
		return nil, Errorf(ETooManyCarts, "you have %d carts open already: pay for one, or wait until it expires", open)
	}
	n, err := tx.CountOpenCarts(ctx, m.ID, now)
	if err != nil {
		return nil, err
	}
	if n >= a.maxOpenCarts(m) {
		e := Errorf(EShopBusy, "%s has too many self-checkout carts open right now: try again in a few minutes, or pay at the till", m.Name)
		e.RetryAfter = time.Minute
		return nil, e
	}
	c := &Cart{
		ID: newID("crt"), MerchantID: m.ID, Status: CartOpen, Currency: currency, Session: s.Hash,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: idleUntil(s, now),
	}
	if err := tx.CreateCart(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// decideUnit decides a scanned code at a merchant as PreviewCheckout does,
// priced from its list in currency ("" for the list's own), and returns it
// as a cart's unit with the currency of its price: refused with
// ReasonNotPriced if the list has no price for it.
func (a *App) decideUnit(ctx context.Context, merchantID, code, currency string) (CartUnit, string, error) {
	if code == "" || len(code) > 4096 {
		return CartUnit{}, "", Errorf(EInvalid, "scan a product's code (at most 4096 bytes)")
	}
	pv, err := a.PreviewCheckout(ctx, shopPrincipal(merchantID), PreviewInput{Items: []PreviewCartItem{{Code: code}}, Currency: currency})
	if err != nil {
		return CartUnit{}, "", err
	}
	it := pv.Items[0]
	u := CartUnit{Code: code, GTIN: it.GTIN, Serial: it.Serial, Product: it.Product, Decision: it.Decision}
	if it.PriceFrom != PriceFromList || it.Price == nil {
		dec := *it.Decision
		dec.Outcome = "refuse"
		dec.Reasons = append(slices.Clone(dec.Reasons), Reason{Rule: "price", Code: ReasonNotPriced, Action: ActionRefuse,
			Message: "not priced at this shop: ask at the till"})
		u.Decision = &dec
		return u, "", nil
	}
	u.Price = *it.Price
	return u, it.Currency, nil
}

// RemoveFromCart removes the unit of a code, as added, from the session's
// open cart: ENotFound if the cart does not hold it, EConflict if the cart
// is being paid.
func (a *App) RemoveFromCart(ctx context.Context, token, merchantID, code string) (*Cart, error) {
	var out *Cart
	err := a.store.Update(ctx, func(tx Tx) error {
		now := a.Now()
		s, m, carts, err := a.shopCarts(ctx, tx, token, merchantID, now, true)
		if err != nil {
			return err
		}
		cur := current(carts)
		if cur != nil && cur.Status == CartPaying {
			return Errorf(EConflict, "this cart is being paid for and cannot change")
		}
		i := -1
		if cur != nil {
			i = slices.IndexFunc(cur.Items, func(u CartUnit) bool { return u.Code == code })
		}
		if i < 0 {
			return Errorf(ENotFound, "that item is not in your cart")
		}
		cur.Items = slices.Delete(slices.Clone(cur.Items), i, i+1)
		if len(cur.Items) == 0 {
			cur.Currency = ""
		}
		cur.UpdatedAt, cur.ExpiresAt = now, idleUntil(s, now)
		if err := tx.UpdateCart(ctx, cur); err != nil {
			return err
		}
		out = cur.shown()
		out.Shop = shopOf(m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
