package genuine

import (
	"context"
	"slices"
	"strings"
	"time"

	"genuine/gs1"
)

// RefundInput names the units of a checkout to refund by their codes, in
// any form a scanner gives; none means every unit not refunded yet.
type RefundInput struct {
	Items []string `json:"items,omitempty"`
}

// RefundCheckout refunds some or all of the units of a paid checkout and
// returns them to the channel, under the undo rules: only the merchant
// that sold them, within the refund window, and never a unit whose batch
// is recalled, withdrawn, destroyed or expired, or that is stolen (or no
// longer sold); a unit is refunded once. The refund is a durable intent
// first (PaymentIntent), then the provider refunds the units' amount with
// the intent's id as our idempotency key, then the refund is recorded: the
// units go back, and the checkout is partially_refunded, or refunded once
// every unit is. A provider that fails leaves the intent pending, and the
// reconciler finishes it (EUnavailable); one that refuses it ends it
// (EConflict), and nothing changes. Asked again for the same units while
// their refund is pending, it carries out that intent.
func (a *App) RefundCheckout(ctx context.Context, p *Principal, id string, in RefundInput) (*Checkout, error) {
	if err := require(p, RoleMerchant); err != nil {
		return nil, err
	}
	c, err := a.GetCheckout(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if c.Status != CheckoutPaid && c.Status != CheckoutPartiallyRefunded {
		return nil, Errorf(EConflict, "checkout %s is %s; only a paid checkout is refunded", c.ID, c.Status)
	}
	if a.Now().Sub(c.Payment.PaidAt) > a.refundWindow {
		return nil, Errorf(EConflict, "checkout %s was paid more than %d days ago", c.ID, int(a.refundWindow.Hours()/24))
	}
	picked, err := pickItems(c, in.Items)
	if err != nil {
		return nil, err
	}
	var intent *PaymentIntent
	err = a.store.Update(ctx, func(tx Tx) (err error) {
		intent, err = a.refundIntent(ctx, tx, c.ID, picked)
		return err
	})
	if err != nil {
		return nil, err
	}
	a.failpoint("before-refund")
	return a.carryOutRefund(ctx, intent, authorOf(p))
}

// pickItems returns the positions of the items of c that codes name, in
// order, or of every item not refunded yet if codes is empty.
func pickItems(c *Checkout, codes []string) ([]int, error) {
	done := refundedItems(c)
	if len(codes) == 0 {
		var all []int
		for i := range c.Items {
			if !done[i] {
				all = append(all, i)
			}
		}
		return all, nil
	}
	if len(codes) > len(c.Items) {
		return nil, Errorf(EInvalid, "items names %d units; checkout %s has %d", len(codes), c.ID, len(c.Items))
	}
	var picked []int
	for n, code := range codes {
		i := itemOf(c, code)
		switch {
		case i < 0:
			return nil, Errorf(EInvalid, "item %d (%.80q) is not a unit of checkout %s", n+1, code, c.ID)
		case slices.Contains(picked, i):
			return nil, Errorf(EInvalid, "item %d names a unit named before", n+1)
		case done[i]:
			return nil, Errorf(EConflict, "unit %s of checkout %s is refunded already", c.Items[i].Serial, c.ID)
		}
		picked = append(picked, i)
	}
	slices.Sort(picked)
	return picked, nil
}

// itemOf returns the position of the item of c whose unit code names, as
// scanned or in any other form of the same GTIN and serial; -1 if none.
func itemOf(c *Checkout, code string) int {
	for i, it := range c.Items {
		if it.Code == code {
			return i
		}
	}
	msg, err := gs1.Parse(strings.TrimSpace(code))
	if err != nil {
		return -1
	}
	gtin, serial := msg.GTIN(), msg.Serial()
	if d, ok := DecodeSerial(serial); ok {
		serial = d.Canonical
	}
	for i, it := range c.Items {
		if it.GTIN == gtin && it.Serial == serial && gtin != "" {
			return i
		}
	}
	return -1
}

// refundedItems returns the positions of the items of c whose refund is
// recorded.
func refundedItems(c *Checkout) map[int]bool {
	done := make(map[int]bool)
	if c.Payment != nil {
		for _, r := range c.Payment.Refunds {
			for _, i := range r.Items {
				done[i] = true
			}
		}
	}
	return done
}

// markRefunded sets Refunded on the items of c whose refund is recorded.
func markRefunded(c *Checkout) {
	for i := range refundedItems(c) {
		if i >= 0 && i < len(c.Items) {
			c.Items[i].Refunded = true
		}
	}
}

// refundIntent writes, in tx, the intent to refund the items picked of a
// checkout, once it has checked that each may be refunded now: the
// checkout is paid, no other refund names the item, and its unit is sold
// by this checkout, in a batch neither terminal nor expired. If a pending
// intent names exactly these items, it returns that one instead.
func (a *App) refundIntent(ctx context.Context, tx Tx, id string, picked []int) (*PaymentIntent, error) {
	c, err := tx.Checkout(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Status != CheckoutPaid && c.Status != CheckoutPartiallyRefunded {
		return nil, Errorf(EConflict, "checkout %s is %s; only a paid checkout is refunded", c.ID, c.Status)
	}
	pending, err := tx.PaymentIntents(ctx, IntentFilter{CheckoutID: c.ID, Status: IntentPending})
	if err != nil {
		return nil, err
	}
	for _, in := range pending {
		if slices.Equal(in.Items, picked) {
			return in, nil
		}
		for _, i := range in.Items {
			if slices.Contains(picked, i) {
				return nil, Errorf(EConflict, "unit %s of checkout %s is being refunded already", c.Items[i].Serial, c.ID)
			}
		}
	}
	if len(picked) == 0 {
		return nil, Errorf(EConflict, "checkout %s has no unit left to refund", c.ID)
	}
	done := refundedItems(c)
	now := a.Now()
	var amount int64
	for _, i := range picked {
		if done[i] {
			return nil, Errorf(EConflict, "unit %s of checkout %s is refunded already", c.Items[i].Serial, c.ID)
		}
		if err := a.mayRefund(ctx, tx, c, c.Items[i], now); err != nil {
			return nil, err
		}
		amount += c.Items[i].Price
	}
	in := &PaymentIntent{
		ID: newID("rfd"), CheckoutID: c.ID, Kind: IntentRefund, Status: IntentPending, Items: picked,
		Amount: amount, Currency: c.Currency, CreatedAt: now, UpdatedAt: now,
	}
	return in, tx.CreatePaymentIntent(ctx, in)
}

// mayRefund checks, in tx, that the unit of an item of c may go back to
// the channel: its batch is neither recalled, withdrawn, destroyed nor
// expired, and it is sold by c (not stolen, consumed or anything else).
func (a *App) mayRefund(ctx context.Context, tx Tx, c *Checkout, it CheckoutItem, now time.Time) error {
	b, err := tx.Batch(ctx, it.BatchID)
	if err != nil {
		return err
	}
	if b.Disposition.Terminal() {
		return Errorf(string(b.Disposition), "unit %s cannot be taken back: its batch is %s", it.Serial, b.Disposition)
	}
	if b.Expired(now) {
		return Errorf(ExpiredCode, "unit %s cannot be taken back: its batch expired", it.Serial)
	}
	u, err := tx.Unit(ctx, it.GTIN, it.Seq)
	if ErrorCode(err) == ENotFound {
		u, err = &Unit{}, nil
	}
	if err != nil {
		return err
	}
	if _, err := UnitTransition(EventRefund, EffectiveState(b.Disposition, u.State), u.LockedFrom); err != nil {
		return Errorf(ErrorCode(err), "unit %s cannot be taken back: %s", it.Serial, ErrorMessage(err))
	}
	if u.CheckoutID != c.ID {
		return Errorf(EConflict, "unit %s was not sold by checkout %s", it.Serial, c.ID)
	}
	return nil
}

// carryOutRefund has the provider refund a pending refund intent, with its
// id as our idempotency key, and records it, as by. A provider that refuses ends
// the intent as failed (EConflict); one that fails leaves it pending for
// the reconciler (EUnavailable).
func (a *App) carryOutRefund(ctx context.Context, in *PaymentIntent, by Author) (*Checkout, error) {
	var c *Checkout
	err := a.store.View(ctx, func(tx Tx) (err error) {
		c, err = tx.Checkout(ctx, in.CheckoutID)
		return err
	})
	if err != nil {
		return nil, err
	}
	prov, err := a.providerOf(ctx, c.Provider, c.MerchantID)
	if err != nil {
		return nil, err
	}
	req := RefundRequest{Reference: c.Payment.Reference, Amount: in.Amount, Currency: in.Currency, PaymentAmount: c.Total, IdempotencyKey: in.ID}
	if err := prov.Refund(ctx, req); err != nil {
		switch ErrorCode(err) {
		case EConflict, EInvalid, ENotFound:
			if ferr := a.failIntent(ctx, in, ErrorMessage(err)); ferr != nil {
				return nil, ferr
			}
			return nil, Errorf(EConflict, "the payment provider refused the refund: %v", ErrorMessage(err))
		}
		return nil, Errorf(EUnavailable, "the payment provider did not refund now: %v; the refund is pending and will be retried", ErrorMessage(err))
	}
	a.failpoint("after-refund")
	return a.recordRefund(ctx, in, by)
}

// failIntent ends a pending intent the provider refused.
func (a *App) failIntent(ctx context.Context, in *PaymentIntent, why string) error {
	return a.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.PaymentIntent(ctx, in.ID)
		if err != nil || cur.Status != IntentPending {
			return err
		}
		cur.Status, cur.Error, cur.UpdatedAt = IntentFailed, why, a.Now()
		return tx.UpdatePaymentIntent(ctx, cur)
	})
}

// recordRefund records a refund the provider made, as by, in one Update,
// with its audit record: its units go back to the channel, the checkout's payment lists it, the
// checkout is partially_refunded or refunded, and the intent is done. An
// intent recorded before (by another server, or the reconciler) changes
// nothing. A unit that moved on since the intent was written (consumed,
// locked …) keeps its state; the money is recorded as refunded all the
// same, since the provider refunded it.
func (a *App) recordRefund(ctx context.Context, in *PaymentIntent, by Author) (*Checkout, error) {
	var (
		out   *Checkout
		moved bool
		from  CheckoutStatus
		kept  []string
	)
	err := a.store.Update(ctx, func(tx Tx) error {
		moved, kept = false, nil
		cur, err := tx.PaymentIntent(ctx, in.ID)
		if err != nil {
			return err
		}
		c, err := tx.Checkout(ctx, in.CheckoutID)
		if err != nil {
			return err
		}
		out, from = c, c.Status
		if cur.Status != IntentPending {
			return nil
		}
		now := a.Now()
		if kept, err = a.refundUnits(ctx, tx, c, cur.Items, now); err != nil {
			return err
		}
		c.Payment.Refunds = append(c.Payment.Refunds, Refund{ID: cur.ID, Items: cur.Items, Amount: cur.Amount, RefundedAt: now})
		c.Payment.Refunded += cur.Amount
		c.Status = CheckoutPartiallyRefunded
		if len(refundedItems(c)) == len(c.Items) {
			c.Status, c.Payment.Status = CheckoutRefunded, PaymentRefunded
		}
		c.UpdatedAt = now
		if err := tx.UpdateCheckout(ctx, c); err != nil {
			return err
		}
		cur.Status, cur.UpdatedAt = IntentDone, now
		moved = true
		if err := tx.UpdatePaymentIntent(ctx, cur); err != nil {
			return err
		}
		return a.auditRefund(ctx, tx, by, c, cur)
	})
	if err != nil {
		return nil, err
	}
	for _, serial := range kept {
		a.logf(ctx, "checkout %s: unit %s refunded but not returned to the channel: it moved on since the refund was asked", in.CheckoutID, serial)
	}
	if moved {
		a.observePayment(out, from)
	}
	markRefunded(out)
	return out, nil
}

// auditRefund records, in tx, a refund of c that the provider made: one
// record per brand whose units it names, with those units and their amount.
func (a *App) auditRefund(ctx context.Context, tx Tx, by Author, c *Checkout, in *PaymentIntent) error {
	var brands []string
	serials := make(map[string][]string)
	amounts := make(map[string]int64)
	for _, i := range in.Items {
		it := c.Items[i]
		if _, ok := serials[it.BrandID]; !ok {
			brands = append(brands, it.BrandID)
		}
		serials[it.BrandID] = append(serials[it.BrandID], it.Serial)
		amounts[it.BrandID] += it.Price
	}
	for _, brandID := range brands {
		detail := map[string]any{
			"merchant_id": c.MerchantID, "refund": in.ID, "serials": serials[brandID], "units": len(serials[brandID]),
			"amount": amounts[brandID], "currency": c.Currency, "provider": c.Provider, "payment": c.Payment.Reference,
		}
		if err := a.audit(ctx, tx, by, brandID, "checkout."+string(c.Status), c.ID, detail); err != nil {
			return err
		}
	}
	return nil
}

// refundUnits moves the units of the items picked of c back to the
// channel, in tx, and returns the serials of those that can no longer go
// back.
func (a *App) refundUnits(ctx context.Context, tx Tx, c *Checkout, picked []int, now time.Time) ([]string, error) {
	m, err := tx.Merchant(ctx, c.MerchantID)
	if err != nil {
		return nil, err
	}
	var kept []string
	for _, i := range picked {
		if i < 0 || i >= len(c.Items) {
			return nil, Errorf(EInternal, "refund of checkout %s names item %d of %d", c.ID, i, len(c.Items))
		}
		it := c.Items[i]
		if err := a.mayRefund(ctx, tx, c, it, now); err != nil {
			kept = append(kept, it.Serial)
			continue
		}
		b, err := tx.Batch(ctx, it.BatchID)
		if err != nil {
			return nil, err
		}
		u, err := tx.Unit(ctx, it.GTIN, it.Seq)
		if ErrorCode(err) == ENotFound {
			u, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
		if err := a.applyMove(ctx, tx, c, it, b, u, EventRefund, m.Region, now); err != nil {
			return nil, err
		}
	}
	return kept, nil
}

// finishRefunds carries out the refund intents left pending since before
// (a crash, or a provider that failed), one page of them. It returns how
// many it recorded, how many it found, and the first error.
func (a *App) finishRefunds(ctx context.Context, before time.Time) (int, int, error) {
	var pending []*PaymentIntent
	err := a.store.View(ctx, func(tx Tx) (err error) {
		pending, err = tx.PaymentIntents(ctx, IntentFilter{Status: IntentPending, CreatedBefore: before, Limit: reconcilePage})
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	done := 0
	var firstErr error
	for _, in := range pending {
		if _, err := a.carryOutRefund(ctx, in, authorReconciler); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		done++
	}
	return done, len(pending), firstErr
}
