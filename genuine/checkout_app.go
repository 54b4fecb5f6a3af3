package genuine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"
)

// CheckoutInput is a till's cart.
type CheckoutInput struct {
	Items    []CartItem `json:"items"`
	Currency string     `json:"currency"`
	Provider string     `json:"provider"`
}

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
// called.
//
// The decisions are made on reads that run beside other checkouts, with no
// transaction of their own (Store.Peek), the merchant, batches and
// policies read through the App's caches (snapshotTx). The write
// transaction then swaps
// each unit's row for the reserved one only if it is still the row decided
// on and its batch still has the disposition and regions decided on
// (Tx.SwapUnit: one statement, no read, so that on PostgreSQL checkouts of
// neighbouring units do not fail serialization); a refusal reads its
// batches again instead. If anything changed, the checkout is decided
// again inside a second write transaction, and the batches it reads are
// cached. So a unit is never reserved twice, and the writer — one
// connection on SQLite — does a handful of statements per checkout. With a
// provider that can prepare a payment (a Preparer), the payment is stored
// in that same commit: one durable commit per checkout.
func (a *App) Checkout(ctx context.Context, p *Principal, idempotencyKey string, in CheckoutInput) (*Checkout, error) {
	if err := require(p, RoleMerchant); err != nil {
		return nil, err
	}
	if err := validIdempotencyKey(idempotencyKey); err != nil {
		return nil, err
	}
	prov, err := a.validCart(in)
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
		Deadline: now.Add(a.reservationTTL),
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
	if !d.refused {
		d.payment = a.preparePayment(prov, &d.c)
	}
	var c *Checkout
	err = a.store.Update(ctx, func(tx Tx) (err error) {
		c, err = a.commitCheckout(ctx, tx, m, d)
		return err
	})
	if errors.Is(err, errStale) || errors.Is(err, ErrUnitChanged) {
		// A unit or batch changed since it was read (as commitCheckout
		// found, or the store when it swapped the unit's row at the
		// commit): decide again, inside the write transaction this time,
		// on what it reads. A checkout first refused may pass now: its
		// payment is prepared first.
		payment := d.payment
		if payment == nil {
			payment = a.preparePayment(prov, &base)
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
			c, err = a.commitCheckout(ctx, tx, m, fresh)
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
	if c.Status == CheckoutRefused {
		return c, nil
	}
	a.failpoint("after-reserve")
	if c.Payment != nil {
		return c, nil
	}
	return a.startPayment(ctx, c)
}

// preparePayment names the payment of a checkout if its provider can do so
// without a call (a Preparer); nil otherwise, or if it refuses, and the
// payment is started after the units are reserved.
func (a *App) preparePayment(prov Provider, c *Checkout) *Payment {
	prep, ok := prov.(Preparer)
	if !ok {
		return nil
	}
	pay, err := prep.Prepare(paymentRequest(c))
	if err != nil {
		a.logf("checkout %s: payment provider %s: prepare: %v", c.ID, c.Provider, err)
		return nil
	}
	return pay
}

// paymentRequest is what a provider is asked for the payment of c.
func paymentRequest(c *Checkout) PaymentRequest {
	return PaymentRequest{
		CheckoutID: c.ID, MerchantID: c.MerchantID, Amount: c.Total, Currency: c.Currency,
		Description: "checkout " + c.ID, ExpiresAt: c.Deadline,
	}
}

// validCart checks a cart and returns its provider.
func (a *App) validCart(in CheckoutInput) (Provider, error) {
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
	prov, ok := a.providers[in.Provider]
	if !ok {
		return nil, Errorf(EInvalid, "unknown payment provider %.40q", in.Provider)
	}
	return prov, nil
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

// decided is a checkout decided in a transaction: the checkout with every
// item's decision, and what each decision was made on.
type decided struct {
	c       Checkout
	ids     []*identity // per item; nil for a code that is not GS1 data
	refused bool
	payment *Payment // prepared, stored with the checkout if it passes
}

// decide decides every item of a checkout (base, which it leaves as it is)
// in tx. An item naming a unit another item names too is an error.
func (a *App) decide(ctx context.Context, tx Tx, base *Checkout, m *Merchant, checks []checked) (*decided, error) {
	d := &decided{c: *base, ids: make([]*identity, len(base.Items))}
	d.c.Items = slices.Clone(base.Items)
	seen := make(map[string]bool, len(d.c.Items))
	for i := range d.c.Items {
		it := &d.c.Items[i]
		f, id, err := a.facts(ctx, tx, checks[i], m, it.Price, d.c.Currency)
		if err != nil {
			return nil, err
		}
		d.ids[i] = id
		pol := DefaultPolicy()
		if id != nil && id.reason == "" {
			key := id.gtin + "/" + strconv.FormatInt(id.seq, 10)
			if seen[key] {
				return nil, Errorf(EInvalid, "item %d names a unit that item %d names too", i+1, indexOfUnit(d.c.Items[:i], id))
			}
			seen[key] = true
			it.GTIN, it.Serial, it.Seq, it.BatchID, it.BrandID = id.gtin, id.serial, id.seq, id.batch.ID, id.brandID
			if pol, err = a.policyFor(ctx, tx, id.brandID, id.gtin, id.batch.ID); err != nil {
				return nil, err
			}
			// Only the velocity rule reads the unit's scans: under a
			// policy without one a checkout's read is a statement (on
			// PostgreSQL a round trip) shorter.
			if pol.has(RuleVelocity) {
				if f.Scans, f.LastScan, err = tx.Scan(ctx, id.gtin, id.seq); err != nil {
					return nil, err
				}
			}
		} else if id != nil {
			it.GTIN, it.Serial, it.BrandID = id.gtin, id.serial, id.brandID
		}
		dec := Evaluate(pol, f)
		if dec.Outcome == "pass" && id != nil && id.reason == "" {
			// A unit is never reserved twice, whatever a policy allows.
			if _, err := UnitTransition(EventReserve, id.state, ""); err != nil {
				dec.Outcome = "refuse"
				dec.Reasons = append(dec.Reasons, Reason{Rule: "state", Code: ErrorCode(err), Message: ErrorMessage(err), Action: "refuse"})
			}
		}
		it.Decision = &dec
		d.refused = d.refused || dec.Outcome != "pass"
	}
	d.c.Status = CheckoutAwaitingPayment
	if d.refused {
		d.c.Status = CheckoutRefused
	}
	return d, nil
}

// errStale is commitCheckout's answer when a unit or batch a checkout was
// decided on has changed since.
var errStale = errors.New("genuine: a unit or batch changed since the checkout was decided")

// commitCheckout stores a decided checkout in tx and, if it passed,
// reserves its units, and returns the checkout stored. If a unit or batch
// it was decided on has changed since — a unit's row (for a checkout that
// passed), a batch's disposition or regions (for any) — it returns
// errStale, or the Update fails with an error that wraps ErrUnitChanged
// (a store may check a swap only at the commit: Tx.SwapUnit). It does not
// change d, since a transaction may run again.
func (a *App) commitCheckout(ctx context.Context, tx Tx, m *Merchant, d *decided) (*Checkout, error) {
	c := d.c
	c.Items = slices.Clone(d.c.Items)
	now := a.Now()
	if d.refused {
		// The batches may have been decided on from the cache: a refusal,
		// too, must stand on each batch as it is.
		for _, id := range d.ids {
			if id == nil || id.batch == nil {
				continue
			}
			b, err := tx.Batch(ctx, id.batch.ID)
			if err != nil {
				return nil, err
			}
			if b.Disposition != id.batch.Disposition || !slices.Equal(b.Regions, id.batch.Regions) {
				a.cacheBatch(b)
				return nil, errStale
			}
		}
	} else {
		c.Payment = d.payment
		for i, it := range c.Items {
			id := d.ids[i]
			if id == nil || id.batch == nil || id.reason != "" {
				return nil, Errorf(EInternal, "item %d passed without a unit to reserve", i+1)
			}
			// The unit's row is swapped only if it is still the one
			// decided on and its batch still has the disposition and
			// regions decided on: one statement, and no read.
			err := a.applyMove(ctx, tx, &c, it, id.batch, id.unit, EventReserve, m.Region, now)
			if ErrorCode(err) == EConflict {
				return nil, errStale
			}
			if err != nil {
				return nil, err
			}
		}
	}
	for i := range c.Items {
		it, id := &c.Items[i], d.ids[i]
		if err := a.recordDecision(ctx, tx, &c, it, m, now); err != nil {
			return nil, err
		}
		if id != nil && id.reason == "" && m.Lat != nil {
			if err := tx.RecordScan(ctx, id.gtin, id.seq, ScanPoint{Lat: *m.Lat, Lon: *m.Lon, At: now}); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.CreateCheckout(ctx, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func indexOfUnit(items []CheckoutItem, id *identity) int {
	for i, it := range items {
		if it.GTIN == id.gtin && it.Seq == id.seq && it.BatchID != "" {
			return i + 1
		}
	}
	return 0
}

// facts gathers what a decision on one scanned code is made from, but for
// the unit's scans, which only some policies need.
func (a *App) facts(ctx context.Context, tx Tx, code checked, m *Merchant, price int64, currency string) (Facts, *identity, error) {
	f := Facts{Merchant: m, Price: price, Currency: currency, Now: a.Now()}
	id, err := a.identifyIn(ctx, tx, code)
	var e *Error
	if errors.As(err, &e) && e.Code == EInvalid {
		f.Reason, f.ReasonMessage = ReasonInvalidCode, e.Message
		return f, nil, nil
	}
	if err != nil {
		return f, nil, err
	}
	if id.reason != "" {
		f.Reason, f.ReasonMessage = id.reason, id.message
		return f, id, nil
	}
	f.State, f.Batch = id.state, id.batch
	return f, id, nil // the scans are read once the policy is known (decide)
}

// recordDecision stores an item's decision and raises its alerts.
func (a *App) recordDecision(ctx context.Context, tx Tx, c *Checkout, it *CheckoutItem, m *Merchant, now time.Time) error {
	rec := &DecisionRecord{
		ID: newID("dec"), BrandID: it.BrandID, GTIN: it.GTIN, Serial: it.Serial, BatchID: it.BatchID,
		MerchantID: m.ID, CheckoutID: c.ID, Decision: *it.Decision, CreatedAt: now,
	}
	if err := tx.AddDecision(ctx, rec); err != nil {
		return err
	}
	if it.BrandID == "" {
		return nil // a code no brand owns: nobody to alert
	}
	for _, r := range it.Decision.Reasons {
		al := &Alert{
			ID: newID("alr"), BrandID: it.BrandID, GTIN: it.GTIN, Serial: it.Serial, Rule: r.Rule, Code: r.Code,
			Action: r.Action, Message: r.Message, MerchantID: m.ID, Count: 1, FirstAt: now, LastAt: now,
		}
		if err := tx.RaiseAlert(ctx, al); err != nil {
			return err
		}
	}
	return nil
}

// moveUnits moves every unit of a checkout through an event.
func (a *App) moveUnits(ctx context.Context, tx Tx, c *Checkout, t EventType) error {
	now := a.Now()
	m, err := tx.Merchant(ctx, c.MerchantID)
	if err != nil {
		return err
	}
	for _, it := range c.Items {
		b, err := tx.Batch(ctx, it.BatchID)
		if err != nil {
			return err
		}
		u, err := tx.Unit(ctx, it.GTIN, it.Seq)
		if ErrorCode(err) == ENotFound {
			u, err = nil, nil
		}
		if err != nil {
			return err
		}
		if err := a.applyMove(ctx, tx, c, it, b, u, t, m.Region, now); err != nil {
			return err
		}
	}
	return nil
}

// applyMove moves the unit of a checkout item through a checkout event at
// a merchant in region, and records it. b is the unit's batch and old its
// own row as read (nil if it has none); the row is written only if it is
// still old and b's disposition and regions are still the stored ones, and
// EConflict returned if not.
func (a *App) applyMove(ctx context.Context, tx Tx, c *Checkout, it CheckoutItem, b *Batch, old *Unit, t EventType, region string, now time.Time) error {
	u := Unit{GTIN: it.GTIN, Serial: it.Serial, Seq: it.Seq, BatchID: it.BatchID}
	if old != nil {
		u = *old
	}
	if t != EventReserve && u.CheckoutID != c.ID {
		return Errorf(EConflict, "unit %s is not held by checkout %s", it.Serial, c.ID)
	}
	state, err := UnitTransition(t, EffectiveState(b.Disposition, u.State), u.LockedFrom)
	if err != nil {
		return err
	}
	u.State, u.UpdatedAt = state, now
	switch t {
	case EventReserve, EventSell:
		u.CheckoutID = c.ID
	default:
		u.CheckoutID = ""
	}
	if err := tx.SwapUnit(ctx, old, &u, b); err != nil {
		return err
	}
	seq := it.Seq
	return tx.AddEvent(ctx, &Event{
		ID: newID("evt"), Type: t, BrandID: b.BrandID, BatchID: b.ID, GTIN: it.GTIN, Serial: it.Serial,
		FromSeq: &seq, ToSeq: &seq, Location: region, Role: RoleMerchant, Note: c.ID, CreatedAt: now,
	})
}
