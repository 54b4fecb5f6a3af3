package genuine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
)

// CheckoutStatus is where a checkout stands.
type CheckoutStatus string

// Checkout statuses.
const (
	CheckoutRefused         CheckoutStatus = "refused"          // a unit failed its policy; no payment started
	CheckoutAwaitingPayment CheckoutStatus = "awaiting_payment" // units reserved, payment started
	CheckoutPaid            CheckoutStatus = "paid"             // units sold
	CheckoutFailed          CheckoutStatus = "failed"           // payment failed; units released
	CheckoutCanceled        CheckoutStatus = "canceled"         // canceled by the merchant; units released
	CheckoutExpired         CheckoutStatus = "expired"          // the deadline passed unpaid; units released
	CheckoutRefunded        CheckoutStatus = "refunded"         // paid, then every unit refunded and back in the channel
	// CheckoutPartiallyRefunded is paid, then some units refunded (their
	// items say which) and back in the channel; the others stay sold.
	CheckoutPartiallyRefunded CheckoutStatus = "partially_refunded"
)

// Checkout is one sale attempt at a merchant's till: a cart of units, a
// decision for each, and, if all passed, a payment.
type Checkout struct {
	ID         string         `json:"id"`
	MerchantID string         `json:"merchant_id"`
	Status     CheckoutStatus `json:"status"`
	Currency   string         `json:"currency"`
	Total      int64          `json:"total"`
	Items      []CheckoutItem `json:"items"`
	Provider   string         `json:"provider"`
	Payment    *Payment       `json:"payment,omitempty"`
	// Channel is where the sale was made: "" at a till,
	// ChannelSelfCheckout on a shopper's own phone.
	Channel string `json:"channel,omitempty"`
	// Deadline is when reserved units are released if unpaid.
	Deadline time.Time `json:"deadline"`
	// IdempotencyKey and RequestHash make a retried request return the
	// same checkout, and a reused key with another body a conflict.
	IdempotencyKey string    `json:"-"`
	RequestHash    []byte    `json:"-"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// CheckoutItem is one unit of a cart with its decision.
type CheckoutItem struct {
	Code     string    `json:"code"`
	Price    int64     `json:"price"`
	GTIN     string    `json:"gtin,omitempty"`
	Serial   string    `json:"serial,omitempty"`
	Seq      int64     `json:"-"`
	BatchID  string    `json:"-"`
	BrandID  string    `json:"-"`
	Decision *Decision `json:"decision"`
	// Refunded is set on the items of a checkout as read once a refund of
	// their unit is recorded (Payment.Refunds); stores never keep it.
	Refunded bool `json:"refunded,omitempty"`
}

// storedItem is a checkout item as stores keep it: with the unit's sequence
// number, batch and brand, which the item's JSON for the API leaves out and
// the App needs to sell or release the unit.
type storedItem struct {
	CheckoutItem
	Seq     int64  `json:"seq"`
	BatchID string `json:"batch_id,omitempty"`
	BrandID string `json:"brand_id,omitempty"`
}

// MarshalItems returns the JSON document under which stores keep a
// checkout's items; every store uses this one form.
func MarshalItems(items []CheckoutItem) ([]byte, error) {
	stored := make([]storedItem, len(items))
	for i, it := range items {
		it.Refunded = false
		stored[i] = storedItem{CheckoutItem: it, Seq: it.Seq, BatchID: it.BatchID, BrandID: it.BrandID}
	}
	return json.Marshal(stored)
}

// UnmarshalItems reads items written by MarshalItems; no items read as nil.
func UnmarshalItems(doc []byte) ([]CheckoutItem, error) {
	var stored []storedItem
	if err := json.Unmarshal(doc, &stored); err != nil {
		return nil, err
	}
	if len(stored) == 0 {
		return nil, nil
	}
	items := make([]CheckoutItem, len(stored))
	for i, it := range stored {
		items[i] = it.CheckoutItem
		items[i].Seq, items[i].BatchID, items[i].BrandID = it.Seq, it.BatchID, it.BrandID
	}
	return items, nil
}

// CheckoutInput is a till's cart.
type CheckoutInput struct {
	Items    []CartItem `json:"items"`
	Currency string     `json:"currency"`
	Provider string     `json:"provider"`
	// Channel is where the sale is made: "" at a till, or
	// ChannelSelfCheckout. The App sets it; no request body can.
	Channel string `json:"-"`
	// Reservation is how long the units are held unpaid, if shorter than
	// the App's ReservationTTL; 0 for that TTL. The App sets it (a
	// self-checkout's is ShopReservation); no request body can.
	Reservation time.Duration `json:"-"`
}

// ChannelSelfCheckout is the Channel of a checkout a shopper paid on
// their own phone (/shop/{merchant}).
const ChannelSelfCheckout = "self_checkout"

// CartItem is one unit of a cart: its code as scanned and its price.
type CartItem struct {
	Code  string `json:"code"`
	Price int64  `json:"price"` // minor units
}

// Limits of a cart.
const (
	MaxCartItems = 100
	// MaxPrice bounds one unit's price in minor units, so that no total
	// can overflow.
	MaxPrice = 1_000_000_000_000
)

// Checkout authenticates a cart at a merchant's till and, only if every
// unit passes its brand's policy, reserves them all and starts the payment.
// The same idempotency key with the same cart returns the same checkout;
// with another cart it is a conflict. A refused checkout is returned with
// status CheckoutRefused and every item's decision, and no provider is
// called. A unit is never reserved twice: the cart is decided on reads
// outside the write transaction (Store.Peek), which reserves each unit
// only if it and its batch are still as decided on (Tx.SwapUnit), and
// decides again if not (docs/architecture.md, "A checkout").
func (a *App) Checkout(ctx context.Context, p *Principal, idempotencyKey string, in CheckoutInput) (*Checkout, error) {
	if err := require(p, RoleMerchant); err != nil {
		return nil, err
	}
	if err := validIdempotencyKey(idempotencyKey); err != nil {
		return nil, err
	}
	prov, err := a.validCart(ctx, p.MerchantID, in)
	if err != nil {
		return nil, err
	}
	hash := cartHash(in)
	codes := make([]string, len(in.Items))
	for i, it := range in.Items {
		codes[i] = it.Code
	}
	checks, err := a.checkCodes(ctx, codes)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	base := Checkout{
		ID: newID("chk"), MerchantID: p.MerchantID, Currency: in.Currency, Provider: prov.Name(),
		IdempotencyKey: idempotencyKey, RequestHash: hash, CreatedAt: now, UpdatedAt: now,
		Deadline: now.Add(a.reservationTTL), Channel: in.Channel,
	}
	if in.Reservation > 0 && in.Reservation < a.reservationTTL {
		base.Deadline = now.Add(in.Reservation)
	}
	for _, it := range in.Items {
		base.Total += it.Price
		base.Items = append(base.Items, CheckoutItem{Code: it.Code, Price: it.Price})
	}
	var (
		m *Merchant
		d *decided
	)
	// A retry is not looked for first: retries are rare, and the key's
	// unique index finds one when its checkout is stored, failing that
	// write transaction whole (EConflict, below). So a checkout's read is
	// a statement shorter. It needs no snapshot of its own (a Peek): the
	// write checks every unit and batch it was decided on again.
	err = a.store.Peek(ctx, func(tx Tx) (err error) {
		snap := snapshotTx{Tx: tx, a: a}
		if m, err = snap.Merchant(ctx, p.MerchantID); err != nil {
			return err
		}
		d, err = a.decide(ctx, snap, &base, m, checks)
		return err
	})
	if err != nil {
		return nil, err
	}
	// created is a payment started at the provider for this request,
	// canceled there if the checkout is not stored with it after all.
	var created *Payment
	if !d.refused {
		if d.payment, created, err = a.paymentFirst(ctx, prov, &d.c); err != nil {
			return nil, err
		}
	}
	var c *Checkout
	defer func() {
		if created != nil && (c == nil || c.Payment == nil || c.Payment.Reference != created.Reference) {
			a.cancelUnused(ctx, prov, created)
		}
	}()
	err = a.store.Update(ctx, func(tx Tx) (err error) {
		c, err = a.commitCheckout(ctx, tx, p.KeyID, m, d)
		return err
	})
	if errors.Is(err, errStale) || errors.Is(err, ErrUnitChanged) {
		// A unit or batch changed since it was read (as commitCheckout
		// found, or the store when it swapped the unit's row at the
		// commit): decide again, inside the write transaction this time,
		// on what it reads. A checkout first refused may pass now: its
		// payment is started first, or else after the commit.
		payment := d.payment
		if payment == nil {
			// d.c is base with its units' GTINs, for the products' names.
			if payment, created, err = a.paymentFirst(ctx, prov, &d.c); err != nil {
				a.logf(ctx, "checkout %s: %v (the payment is started after the commit)", base.ID, err)
			}
		}
		err = a.store.Update(ctx, func(tx Tx) error {
			fresh, err := a.decide(ctx, tx, &base, m, checks)
			if err != nil {
				return err
			}
			for _, id := range fresh.ids {
				if id != nil && id.batch != nil {
					a.cacheBatch(id.batch) // as it is now
				}
			}
			if !fresh.refused {
				fresh.payment = payment
			}
			c, err = a.commitCheckout(ctx, tx, p.KeyID, m, fresh)
			return err
		})
	}
	if ErrorCode(err) == EConflict {
		// The key was used before, or by a request running beside this
		// one: answer as that one did. Nothing of this one was stored.
		if c, rerr := a.replay(ctx, p, idempotencyKey, hash); c != nil || rerr != nil {
			return c, rerr
		}
	}
	if err != nil {
		return nil, err
	}
	a.observeCheckout(c)
	if c.Status == CheckoutRefused {
		return c, nil
	}
	a.failpoint("after-reserve")
	if c.Payment != nil {
		return c, nil
	}
	return a.startPayment(ctx, c)
}

// validCart checks a cart and returns its provider.
func (a *App) validCart(ctx context.Context, merchantID string, in CheckoutInput) (Provider, error) {
	if len(in.Items) == 0 || len(in.Items) > MaxCartItems {
		return nil, Errorf(EInvalid, "items must hold 1 to %d units", MaxCartItems)
	}
	for i, it := range in.Items {
		if it.Code == "" || len(it.Code) > 4096 {
			return nil, Errorf(EInvalid, "item %d: code is required (at most 4096 bytes)", i+1)
		}
		if it.Price < 0 || it.Price > MaxPrice {
			return nil, Errorf(EInvalid, "item %d: price must be 0 to %d minor units", i+1, int64(MaxPrice))
		}
	}
	if !ValidCurrency(in.Currency) {
		return nil, Errorf(EInvalid, "currency %.10q is not an ISO 4217 code such as CNY", in.Currency)
	}
	if in.Channel != "" && in.Channel != ChannelSelfCheckout {
		return nil, Errorf(EInvalid, "channel %.20q is not a sales channel", in.Channel)
	}
	if in.Reservation < 0 {
		return nil, Errorf(EInvalid, "a reservation cannot last %s", in.Reservation)
	}
	if _, ok := a.connectors[in.Provider]; ok {
		return a.accountProvider(ctx, in.Provider, merchantID)
	}
	prov, ok := a.providers[in.Provider]
	if !ok {
		names := make([]string, 0, len(a.providers)+len(a.connectors))
		for name := range a.providers {
			names = append(names, name)
		}
		for name := range a.connectors {
			names = append(names, name)
		}
		slices.Sort(names)
		return nil, Errorf(EInvalid, "payment provider %.40q is not available on this server; it offers: %s", in.Provider, strings.Join(names, ", "))
	}
	return prov, nil
}

// accountProvider returns the Provider of a merchant's account at a
// provider a checkout names: EInvalid if it has none there, so that the
// checkout is refused before any unit is reserved.
func (a *App) accountProvider(ctx context.Context, name, merchantID string) (Provider, error) {
	prov, err := a.accounts.provider(ctx, a, a.connectors[name], merchantID)
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(EInvalid, "merchant %s has no account at %s: set one with PUT /v1/merchants/%s/providers/%s", merchantID, name, merchantID, name)
	}
	return prov, err
}

func validIdempotencyKey(k string) error {
	if k == "" {
		return Errorf(EInvalid, "the Idempotency-Key header is required")
	}
	if len(k) > 255 {
		return Errorf(EInvalid, "Idempotency-Key is longer than 255 characters")
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return Errorf(EInvalid, "Idempotency-Key must be printable ASCII without spaces")
		}
	}
	return nil
}

// cartHash fingerprints a cart, to tell a retry from a reuse of its key.
func cartHash(in CheckoutInput) []byte {
	b, _ := json.Marshal(in)
	h := sha256.Sum256(b)
	return h[:]
}

// replay returns the checkout a merchant made before with the key, nil if
// none; EConflict if the key was used for another cart.
func (a *App) replay(ctx context.Context, p *Principal, key string, hash []byte) (*Checkout, error) {
	var c *Checkout
	err := a.store.View(ctx, func(tx Tx) (err error) {
		c, err = tx.CheckoutByIdempotencyKey(ctx, p.MerchantID, key)
		return err
	})
	if ErrorCode(err) == ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return a.replayed(ctx, c, key, hash)
}

// replayed answers a request with the checkout made before with its key.
func (a *App) replayed(ctx context.Context, c *Checkout, key string, hash []byte) (*Checkout, error) {
	if !bytes.Equal(c.RequestHash, hash) {
		return nil, Errorf(EConflict, "Idempotency-Key %q was used for another request", key)
	}
	switch {
	case c.Status == CheckoutAwaitingPayment && c.Payment == nil && a.Now().Before(c.Deadline):
		// The first request stopped before its payment started.
		return a.startPayment(ctx, c)
	case c.Status == CheckoutFailed && c.Payment == nil:
		// The first answer was that the payment could not start.
		return nil, Errorf(EUnavailable, "checkout %s: the payment could not be started and its units were released; start a new checkout", c.ID)
	}
	return c, nil
}

// GetCheckout returns one of the merchant's checkouts.
func (a *App) GetCheckout(ctx context.Context, p *Principal, id string) (*Checkout, error) {
	if err := require(p, RoleMerchant, RoleAdmin); err != nil {
		return nil, err
	}
	if !validID(id, "chk") {
		return nil, Errorf(ENotFound, "checkout not found")
	}
	var c *Checkout
	err := a.store.View(ctx, func(tx Tx) (err error) {
		c, err = tx.Checkout(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if p.Role == RoleMerchant && c.MerchantID != p.MerchantID {
		return nil, Errorf(ENotFound, "checkout %s not found", id)
	}
	markRefunded(c)
	return c, nil
}

// CancelCheckout cancels a checkout awaiting payment: the payment is
// canceled at the provider first, then the units are released. A checkout
// paid meanwhile is not canceled (refund it instead).
func (a *App) CancelCheckout(ctx context.Context, p *Principal, id string) (*Checkout, error) {
	if err := require(p, RoleMerchant); err != nil {
		return nil, err
	}
	c, err := a.GetCheckout(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if c.Status != CheckoutAwaitingPayment {
		return nil, Errorf(EConflict, "checkout %s is %s and cannot be canceled", c.ID, c.Status)
	}
	return a.endUnpaid(ctx, c, CheckoutCanceled, authorOf(p))
}

// endUnpaid ends a checkout awaiting payment as canceled or expired, as by:
// cancel at the provider, then release the units; if the provider says it
// was paid, the sale stands instead, unless what was paid is not the
// checkout's (an alert EPaymentMismatch, and the units are released).
func (a *App) endUnpaid(ctx context.Context, c *Checkout, end CheckoutStatus, by Author) (*Checkout, error) {
	st := PaymentState{Status: PaymentCanceled}
	if c.Payment != nil {
		prov, err := a.providerOf(ctx, c.Provider, c.MerchantID)
		if err != nil {
			return nil, err
		}
		if err := prov.Cancel(ctx, c.Payment.Reference); err != nil {
			if ErrorCode(err) != EConflict {
				return nil, Errorf(EUnavailable, "the payment provider did not cancel the payment: %v", ErrorMessage(err))
			}
			if st, err = prov.Query(ctx, c.Payment.Reference); err != nil {
				return nil, Errorf(EUnavailable, "the payment provider did not answer: %v", ErrorMessage(err))
			}
		}
	}
	var (
		out   *Checkout
		moved bool
	)
	err := a.store.Update(ctx, func(tx Tx) error {
		moved = false
		cur, err := tx.Checkout(ctx, c.ID)
		if err != nil {
			return err
		}
		out = cur
		if cur.Status != CheckoutAwaitingPayment {
			return nil
		}
		moved = true
		fromPay := paymentStatus(cur)
		if st.Status == PaymentPaid {
			why := mismatch(cur, st)
			if why == "" {
				if _, err := a.applyPayment(ctx, tx, cur, PaymentPaid); err != nil {
					return err
				}
				return a.auditCheckout(ctx, tx, by, cur, CheckoutAwaitingPayment, fromPay)
			}
			if err := a.raiseMismatch(ctx, tx, cur, why); err != nil {
				return err
			}
		}
		if err := a.moveUnits(ctx, tx, cur, EventUnreserve); err != nil {
			return err
		}
		if cur.Payment != nil && st.Status != PaymentPaid {
			cur.Payment.Status = PaymentCanceled
		}
		cur.Status, cur.UpdatedAt = end, a.Now()
		if err := tx.UpdateCheckout(ctx, cur); err != nil {
			return err
		}
		return a.auditCheckout(ctx, tx, by, cur, CheckoutAwaitingPayment, fromPay)
	})
	if err != nil {
		return nil, err
	}
	if moved {
		a.observePayment(out, CheckoutAwaitingPayment)
	}
	if out.Status == CheckoutPaid && end == CheckoutCanceled {
		return nil, Errorf(EConflict, "checkout %s was paid before it could be canceled; refund it instead", c.ID)
	}
	return out, nil
}
