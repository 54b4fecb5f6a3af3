package genuine

import (
	"context"
	"net/http"
	"time"
)

// startPayment starts the payment of a checkout whose units are reserved,
// outside any transaction. If the provider fails, the units are released
// and the checkout fails.
func (a *App) startPayment(ctx context.Context, c *Checkout) (*Checkout, error) {
	prov := a.providers[c.Provider]
	pay, err := prov.Create(ctx, paymentRequest(c))
	if err != nil {
		a.logf("checkout %s: payment provider %s: %v", c.ID, c.Provider, err)
		rerr := a.store.Update(ctx, func(tx Tx) error {
			cur, err := tx.Checkout(ctx, c.ID)
			if err != nil || cur.Status != CheckoutAwaitingPayment {
				return err
			}
			if err := a.moveUnits(ctx, tx, cur, EventUnreserve); err != nil {
				return err
			}
			cur.Status, cur.UpdatedAt = CheckoutFailed, a.Now()
			return tx.UpdateCheckout(ctx, cur)
		})
		if rerr != nil {
			return nil, rerr
		}
		return nil, Errorf(EUnavailable, "the payment provider %s did not start the payment; the units are released", c.Provider)
	}
	var stale bool
	err = a.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.Checkout(ctx, c.ID)
		if err != nil {
			return err
		}
		if cur.Status != CheckoutAwaitingPayment || cur.Payment != nil {
			stale = true // the reconciler ended it meanwhile
			*c = *cur
			return nil
		}
		cur.Payment, cur.UpdatedAt = pay, a.Now()
		*c = *cur
		return tx.UpdateCheckout(ctx, cur)
	})
	if err != nil {
		return nil, err
	}
	if stale {
		prov.Cancel(ctx, pay.Reference)
	}
	return c, nil
}

// ApplyNotification applies a provider's signed notification about a
// payment. The same notification delivered again is applied once; they may
// arrive in any order, and a payment already final stays so. A payment that
// lands after its units were released is refunded.
func (a *App) ApplyNotification(ctx context.Context, provider string, r *http.Request, body []byte) error {
	prov, ok := a.providers[provider]
	if !ok {
		return Errorf(ENotFound, "unknown payment provider %.40q", provider)
	}
	n, err := prov.ParseNotification(r, body)
	if err != nil {
		return err
	}
	if n.Status == PaymentPaid {
		a.failpoint("before-sold")
	}
	var refund *Checkout
	err = a.store.Update(ctx, func(tx Tx) error {
		refund = nil
		fresh, err := tx.MarkNotification(ctx, provider, n.ID, n.At)
		if err != nil || !fresh {
			return err
		}
		c, err := tx.CheckoutByPayment(ctx, provider, n.Reference)
		if err != nil {
			return err
		}
		if refund, err = a.applyPayment(ctx, tx, c, n.Status); refund != nil {
			refund = c
		}
		return err
	})
	if err != nil || refund == nil {
		return err
	}
	return a.refundLate(ctx, refund)
}

// applyPayment moves a checkout by its payment's new status, in tx. It
// returns the checkout if its payment landed after its units were released
// and must be refunded.
func (a *App) applyPayment(ctx context.Context, tx Tx, c *Checkout, status PaymentStatus) (*Checkout, error) {
	if c.Payment == nil {
		return nil, nil
	}
	now := a.Now()
	switch c.Status {
	case CheckoutAwaitingPayment:
		switch status {
		case PaymentPaid:
			if err := a.moveUnits(ctx, tx, c, EventSell); err != nil {
				return nil, err
			}
			c.Status, c.Payment.Status, c.Payment.PaidAt = CheckoutPaid, PaymentPaid, now
		case PaymentFailed, PaymentCanceled:
			if err := a.moveUnits(ctx, tx, c, EventUnreserve); err != nil {
				return nil, err
			}
			c.Status, c.Payment.Status = CheckoutFailed, status
			if status == PaymentCanceled {
				c.Status = CheckoutCanceled
			}
		default:
			return nil, nil
		}
	case CheckoutExpired, CheckoutCanceled, CheckoutFailed:
		if status != PaymentPaid || c.Payment.Status == PaymentRefunded {
			return nil, nil
		}
		c.Payment.Status = PaymentPaid
		c.UpdatedAt = now
		return c, tx.UpdateCheckout(ctx, c)
	default:
		return nil, nil // paid and refunded are final
	}
	c.UpdatedAt = now
	return nil, tx.UpdateCheckout(ctx, c)
}

// refundLate refunds a payment that landed after its checkout's units were
// released; the reconciler retries it if the provider fails now.
func (a *App) refundLate(ctx context.Context, c *Checkout) error {
	if err := a.providers[c.Provider].Refund(ctx, c.Payment.Reference); err != nil {
		a.logf("checkout %s: refund of a late payment: %v (the reconciler retries)", c.ID, err)
		return nil
	}
	return a.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.Checkout(ctx, c.ID)
		if err != nil || cur.Payment == nil || cur.Payment.Status != PaymentPaid || cur.Status == CheckoutPaid {
			return err
		}
		cur.Payment.Status, cur.UpdatedAt = PaymentRefunded, a.Now()
		return tx.UpdateCheckout(ctx, cur)
	})
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
	return a.endUnpaid(ctx, c, CheckoutCanceled)
}

// endUnpaid ends a checkout awaiting payment as canceled or expired:
// cancel at the provider, then release the units; if the provider says it
// was paid, the sale stands instead.
func (a *App) endUnpaid(ctx context.Context, c *Checkout, end CheckoutStatus) (*Checkout, error) {
	status := PaymentCanceled
	if c.Payment != nil {
		prov := a.providers[c.Provider]
		if err := prov.Cancel(ctx, c.Payment.Reference); err != nil {
			if ErrorCode(err) != EConflict {
				return nil, Errorf(EUnavailable, "the payment provider did not cancel the payment: %v", ErrorMessage(err))
			}
			if status, err = prov.Query(ctx, c.Payment.Reference); err != nil {
				return nil, Errorf(EUnavailable, "the payment provider did not answer: %v", ErrorMessage(err))
			}
		}
	}
	var out *Checkout
	err := a.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.Checkout(ctx, c.ID)
		if err != nil {
			return err
		}
		out = cur
		if cur.Status != CheckoutAwaitingPayment {
			return nil
		}
		if status == PaymentPaid {
			_, err := a.applyPayment(ctx, tx, cur, PaymentPaid)
			return err
		}
		if err := a.moveUnits(ctx, tx, cur, EventUnreserve); err != nil {
			return err
		}
		if cur.Payment != nil {
			cur.Payment.Status = PaymentCanceled
		}
		cur.Status, cur.UpdatedAt = end, a.Now()
		return tx.UpdateCheckout(ctx, cur)
	})
	if err != nil {
		return nil, err
	}
	if out.Status == CheckoutPaid && end == CheckoutCanceled {
		return nil, Errorf(EConflict, "checkout %s was paid before it could be canceled; refund it instead", c.ID)
	}
	return out, nil
}

// RefundCheckout refunds a paid checkout and returns its units to the
// channel, under the undo rules: only the merchant that sold them, within
// the refund window, and never for a unit whose batch is recalled,
// withdrawn or expired.
func (a *App) RefundCheckout(ctx context.Context, p *Principal, id string) (*Checkout, error) {
	if err := require(p, RoleMerchant); err != nil {
		return nil, err
	}
	c, err := a.GetCheckout(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if c.Status != CheckoutPaid {
		return nil, Errorf(EConflict, "checkout %s is %s; only a paid checkout is refunded", c.ID, c.Status)
	}
	if a.Now().Sub(c.Payment.PaidAt) > a.refundWindow {
		return nil, Errorf(EConflict, "checkout %s was paid more than %d days ago", c.ID, int(a.refundWindow.Hours()/24))
	}
	err = a.store.View(ctx, func(tx Tx) error {
		for _, it := range c.Items {
			b, err := tx.Batch(ctx, it.BatchID)
			if err != nil {
				return err
			}
			if b.Disposition.Terminal() {
				return Errorf(string(b.Disposition), "unit %s cannot be taken back: its batch is %s", it.Serial, b.Disposition)
			}
			if b.Expired(a.Now()) {
				return Errorf(ExpiredCode, "unit %s cannot be taken back: its batch expired", it.Serial)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := a.providers[c.Provider].Refund(ctx, c.Payment.Reference); err != nil {
		return nil, Errorf(EUnavailable, "the payment provider did not refund: %v", ErrorMessage(err))
	}
	var out *Checkout
	err = a.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.Checkout(ctx, c.ID)
		if err != nil {
			return err
		}
		out = cur
		if cur.Status != CheckoutPaid {
			return nil // refunded by a concurrent request
		}
		if err := a.moveUnits(ctx, tx, cur, EventRefund); err != nil {
			return err
		}
		cur.Status, cur.Payment.Status, cur.UpdatedAt = CheckoutRefunded, PaymentRefunded, a.Now()
		return tx.UpdateCheckout(ctx, cur)
	})
	return out, err
}

// reconcilePage is how many checkouts the reconciler reads at a time.
const reconcilePage = 500

// ExpiredCode is the code of a refusal because a batch expired.
const ExpiredCode = "expired"

// Reconcile makes one pass of the reconciler, which runs inside serve on
// every server at once: it ends checkouts whose deadline passed (canceling
// their payment at the provider before releasing the units), asks the
// provider about payments whose notification never came, and refunds
// payments that landed after their units were released. It returns how
// many checkouts it changed, and the first error, having gone on past it.
//
// The checkouts are read reconcilePage at a time. A pass ends every
// checkout whose deadline had passed when it began and refunds every late
// payment, page after page, however many there are. It asks about one page
// of silent payments: a payment still pending changes nothing, so the next
// pass goes on after the last one asked about, and after the last page
// starts again from the first.
func (a *App) Reconcile(ctx context.Context) (int, error) {
	now := a.Now()
	awaiting := []CheckoutStatus{CheckoutAwaitingPayment}
	changed := 0
	var firstErr error
	note := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	_, err := a.eachPage(ctx, CheckoutFilter{Statuses: awaiting, DeadlineBefore: now}, -1, func(c *Checkout) {
		out, err := a.endUnpaid(ctx, c, CheckoutExpired)
		note(err)
		if err == nil && out.Status != CheckoutAwaitingPayment {
			changed++
		}
	})
	note(err)

	a.staleMu.Lock()
	after := a.staleAfter
	a.staleMu.Unlock()
	next, err := a.eachPage(ctx, CheckoutFilter{Statuses: awaiting, UpdatedBefore: now.Add(-a.notifyGrace), After: after}, 1, func(c *Checkout) {
		if !c.Deadline.After(now) {
			return // expired, ended above
		}
		n, err := a.reconcileStale(ctx, c)
		note(err)
		changed += n
	})
	note(err)
	if err == nil {
		a.staleMu.Lock()
		a.staleAfter = next
		a.staleMu.Unlock()
	}

	late := CheckoutFilter{Statuses: []CheckoutStatus{CheckoutExpired, CheckoutCanceled, CheckoutFailed}, PaymentStatus: PaymentPaid}
	_, err = a.eachPage(ctx, late, -1, func(c *Checkout) {
		note(a.refundLate(ctx, c))
		changed++
	})
	note(err)
	return changed, firstErr
}

// eachPage calls fn for each checkout f selects, in the order of
// Tx.Checkouts, reading them reconcilePage at a time, each page in a View
// of its own and after the last checkout of the page before, for at most
// pages pages (no limit if negative) or until ctx ends. It returns the
// position of the last checkout read if the last page was full, where a
// search for more would go on; nil if it came to the end.
func (a *App) eachPage(ctx context.Context, f CheckoutFilter, pages int, fn func(*Checkout)) (*CheckoutPosition, error) {
	f.Limit = reconcilePage
	for ; pages != 0; pages-- {
		var page []*Checkout
		err := a.store.View(ctx, func(tx Tx) (err error) {
			page, err = tx.Checkouts(ctx, f)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			fn(c)
		}
		if len(page) < reconcilePage {
			return nil, nil
		}
		last := page[len(page)-1]
		f.After = &CheckoutPosition{Deadline: last.Deadline, ID: last.ID}
		if err := ctx.Err(); err != nil {
			return f.After, err
		}
	}
	return f.After, nil
}

// reconcileStale asks the provider about a payment whose notification has
// not come; a checkout whose payment never started (the server stopped
// between reserving and calling the provider) fails and frees its units.
func (a *App) reconcileStale(ctx context.Context, c *Checkout) (int, error) {
	if c.Payment == nil {
		_, err := a.endUnpaid(ctx, c, CheckoutFailed)
		return 1, err
	}
	status, err := a.providers[c.Provider].Query(ctx, c.Payment.Reference)
	if err != nil || status == PaymentPending {
		return 0, err
	}
	var refund *Checkout
	err = a.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.Checkout(ctx, c.ID)
		if err != nil {
			return err
		}
		refund, err = a.applyPayment(ctx, tx, cur, status)
		return err
	})
	if err != nil {
		return 0, err
	}
	if refund != nil {
		return 1, a.refundLate(ctx, refund)
	}
	return 1, nil
}

// RunReconciler runs Reconcile every interval until ctx ends.
func (a *App) RunReconciler(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := a.Reconcile(ctx); err != nil && ctx.Err() == nil {
			a.logf("reconciler: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
