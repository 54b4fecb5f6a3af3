package genuine

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"
)

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
		currency := d.c.Currency
		if checks[i].currency != "" {
			currency = checks[i].currency
		}
		f, id, err := a.facts(ctx, tx, checks[i], m, it.Price, currency)
		if err != nil {
			return nil, err
		}
		f.NoPrice = checks[i].noPrice
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
		if err := saleDetails(ctx, tx, d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// saleDetails adds to each already_sold reason of a refused cart when
// and by which shop the unit was sold (Reason.Detail "date" and "shop"),
// so that a till can say "Already sold on 3 Dec 2026 at Shop X". A sale
// whose checkout is gone (pruned) keeps its reason without them.
func saleDetails(ctx context.Context, tx Tx, d *decided) error {
	for i := range d.c.Items {
		it, id := &d.c.Items[i], d.ids[i]
		if it.Decision == nil || id == nil || id.unit == nil || id.unit.CheckoutID == "" {
			continue
		}
		for j := range it.Decision.Reasons {
			r := &it.Decision.Reasons[j]
			if r.Code != EAlreadySold {
				continue
			}
			c, err := tx.Checkout(ctx, id.unit.CheckoutID)
			if ErrorCode(err) == ENotFound {
				break
			}
			if err != nil {
				return err
			}
			m, err := tx.Merchant(ctx, c.MerchantID)
			if err != nil {
				return err
			}
			at := id.unit.UpdatedAt
			if c.Payment != nil && !c.Payment.PaidAt.IsZero() {
				at = c.Payment.PaidAt
			}
			r.Detail = map[string]string{"date": at.UTC().Format(time.RFC3339), "shop": m.Name}
		}
	}
	return nil
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
func (a *App) commitCheckout(ctx context.Context, tx Tx, keyID string, m *Merchant, d *decided) (*Checkout, error) {
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
		if err := a.recordDecision(ctx, tx, &c, it, keyID, m, now); err != nil {
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
	f.State, f.Batch, f.ForeignHost = id.state, id.batch, id.foreignHost
	return f, id, nil // the scans are read once the policy is known (decide)
}

// recordDecision stores an item's decision, made for the API key keyID,
// and raises its alerts.
func (a *App) recordDecision(ctx context.Context, tx Tx, c *Checkout, it *CheckoutItem, keyID string, m *Merchant, now time.Time) error {
	rec := &DecisionRecord{
		ID: newID("dec"), BrandID: it.BrandID, GTIN: it.GTIN, Serial: it.Serial, BatchID: it.BatchID,
		MerchantID: m.ID, CheckoutID: c.ID, KeyID: keyID, Decision: *it.Decision, CreatedAt: now,
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
		FromSeq: &seq, ToSeq: &seq, Location: region, Role: RoleMerchant, Org: c.MerchantID,
		MerchantID: c.MerchantID, Note: c.ID, CreatedAt: now,
	})
}
