package genuine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
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
	if c, err := a.replay(ctx, p, idempotencyKey, hash); c != nil || err != nil {
		return c, err
	}
	m, err := a.Merchant(ctx, p, p.MerchantID)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	c := &Checkout{
		ID: newID("chk"), MerchantID: m.ID, Currency: in.Currency, Provider: prov.Name(),
		IdempotencyKey: idempotencyKey, RequestHash: hash, CreatedAt: now, UpdatedAt: now,
		Deadline: now.Add(a.reservationTTL),
	}
	for _, it := range in.Items {
		c.Total += it.Price
		c.Items = append(c.Items, CheckoutItem{Code: it.Code, Price: it.Price})
	}
	codes := make([]string, len(in.Items))
	for i, it := range in.Items {
		codes[i] = it.Code
	}
	checks, err := a.checkCodes(ctx, codes)
	if err != nil {
		return nil, err
	}
	err = a.store.Update(ctx, func(tx Tx) error { return a.authorize(ctx, tx, c, m, checks) })
	if ErrorCode(err) == EConflict {
		// The same key raced another request: answer as that one did.
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
	return a.startPayment(ctx, c)
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

// authorize decides every item of a checkout in tx and, if all pass,
// reserves their units; it stores the checkout either way.
func (a *App) authorize(ctx context.Context, tx Tx, c *Checkout, m *Merchant, checks []checked) error {
	seen := make(map[string]bool, len(c.Items))
	refused := false
	now := a.Now()
	c.Status = ""
	for i := range c.Items {
		it := &c.Items[i]
		f, id, err := a.facts(ctx, tx, checks[i], m, it.Price, c.Currency)
		if err != nil {
			return err
		}
		pol := DefaultPolicy()
		if id != nil && id.reason == "" {
			key := id.gtin + "/" + strconv.FormatInt(id.seq, 10)
			if seen[key] {
				return Errorf(EInvalid, "item %d names a unit that item %d names too", i+1, indexOfUnit(c.Items[:i], id))
			}
			seen[key] = true
			it.GTIN, it.Serial, it.Seq, it.BatchID, it.BrandID = id.gtin, id.serial, id.seq, id.batch.ID, id.brandID
			if pol, err = a.policyFor(ctx, tx, id.brandID, id.gtin, id.batch.ID); err != nil {
				return err
			}
		} else if id != nil {
			it.GTIN, it.Serial, it.BrandID = id.gtin, id.serial, id.brandID
		}
		d := Evaluate(pol, f)
		if d.Outcome == "pass" && id != nil && id.reason == "" {
			// A unit is never reserved twice, whatever a policy allows.
			if _, err := UnitTransition(EventReserve, id.state, ""); err != nil {
				d.Outcome = "refuse"
				d.Reasons = append(d.Reasons, Reason{Rule: "state", Code: ErrorCode(err), Message: ErrorMessage(err), Action: "refuse"})
			}
		}
		it.Decision = &d
		refused = refused || d.Outcome != "pass"
		if err := a.recordDecision(ctx, tx, c, it, m, now); err != nil {
			return err
		}
		if id != nil && id.reason == "" && m.Lat != nil {
			if err := tx.RecordScan(ctx, id.gtin, id.seq, ScanPoint{Lat: *m.Lat, Lon: *m.Lon, At: now}); err != nil {
				return err
			}
		}
	}
	c.Status = CheckoutAwaitingPayment
	if refused {
		c.Status = CheckoutRefused
	}
	if err := tx.CreateCheckout(ctx, c); err != nil {
		return err
	}
	if refused {
		return nil
	}
	for _, it := range c.Items {
		if err := a.moveUnit(ctx, tx, c, it, EventReserve, now); err != nil {
			return err
		}
	}
	return nil
}

func indexOfUnit(items []CheckoutItem, id *identity) int {
	for i, it := range items {
		if it.GTIN == id.gtin && it.Seq == id.seq && it.BatchID != "" {
			return i + 1
		}
	}
	return 0
}

// facts gathers what a decision on one scanned code is made from.
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
	if f.Scans, f.LastScan, err = tx.Scan(ctx, id.gtin, id.seq); err != nil {
		return f, nil, err
	}
	return f, id, nil
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

// moveUnit moves the unit of a checkout item through a checkout event and
// records it.
func (a *App) moveUnit(ctx context.Context, tx Tx, c *Checkout, it CheckoutItem, t EventType, now time.Time) error {
	b, err := tx.Batch(ctx, it.BatchID)
	if err != nil {
		return err
	}
	u, err := tx.Unit(ctx, it.GTIN, it.Seq)
	switch {
	case ErrorCode(err) == ENotFound:
		u = &Unit{GTIN: it.GTIN, Serial: it.Serial, Seq: it.Seq, BatchID: it.BatchID}
	case err != nil:
		return err
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
	if err := tx.PutUnit(ctx, u); err != nil {
		return err
	}
	seq := it.Seq
	m, err := tx.Merchant(ctx, c.MerchantID)
	if err != nil {
		return err
	}
	return tx.AddEvent(ctx, &Event{
		ID: newID("evt"), Type: t, BrandID: b.BrandID, BatchID: b.ID, GTIN: it.GTIN, Serial: it.Serial,
		FromSeq: &seq, ToSeq: &seq, Location: m.Region, Role: RoleMerchant, Note: c.ID, CreatedAt: now,
	})
}

// moveUnits moves every unit of a checkout through an event.
func (a *App) moveUnits(ctx context.Context, tx Tx, c *Checkout, t EventType) error {
	now := a.Now()
	for _, it := range c.Items {
		if err := a.moveUnit(ctx, tx, c, it, t, now); err != nil {
			return err
		}
	}
	return nil
}
