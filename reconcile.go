package genuine

import (
	"context"
	"time"
)

// reconcilePage is how many checkouts the reconciler reads at a time.
const reconcilePage = 500

// ExpiredCode is the code of a refusal because a batch expired.
const ExpiredCode = "expired"

// Reconcile makes one pass of the reconciler, which runs inside serve on
// every server at once: it ends checkouts whose deadline passed (canceling
// their payment at the provider before releasing the units), asks the
// provider about payments whose notification never came, and refunds
// payments that landed after their units were released, carries out the
// refunds a crash or a provider's failure left pending, and finishes range
// events left half applied (recordRangeEvent). It returns how many
// checkouts and range events it changed, and the first error, having gone
// on past it.
// A pass ends every checkout whose deadline had passed when it began and
// refunds every late payment; it asks about one page of silent payments,
// after the last one the pass before asked about (docs/architecture.md,
// "The reconciler").
func (a *App) Reconcile(ctx context.Context) (int, error) {
	now := a.Now()
	awaiting := []CheckoutStatus{CheckoutAwaitingPayment}
	changed, backlog := 0, 0
	var lag time.Duration
	var firstErr error
	note := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	_, err := a.eachPage(ctx, CheckoutFilter{Statuses: awaiting, DeadlineBefore: now}, -1, func(c *Checkout) {
		backlog++
		lag = max(lag, now.Sub(c.Deadline))
		out, err := a.endUnpaid(ctx, c, CheckoutExpired, authorReconciler)
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
		backlog++
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
		backlog++
		err := a.refundLate(ctx, c, authorReconciler)
		note(err)
		if err == nil {
			changed++
		}
	})
	note(err)

	n, pending, err := a.finishRefunds(ctx, now.Add(-a.notifyGrace))
	note(err)
	changed, backlog = changed+n, backlog+pending

	finished, err := a.finishRanges(ctx)
	note(err)
	changed += finished
	a.observer.ReconcilerPass(backlog, lag)
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
// not come. A checkout without a payment (the server stopped between
// reserving and storing what the provider answered) fails and frees its
// units, once the provider, asked again under our idempotency key, has
// named the payment it may have made, which is then canceled, or sold if
// the buyer paid it.
func (a *App) reconcileStale(ctx context.Context, c *Checkout) (int, error) {
	if c.Payment == nil {
		cur, err := a.recoverPayment(ctx, c)
		if err != nil {
			return 0, err
		}
		_, err = a.endUnpaid(ctx, cur, CheckoutFailed, authorReconciler)
		return 1, err
	}
	prov, err := a.providerOf(ctx, c.Provider, c.MerchantID)
	if err != nil {
		return 0, err
	}
	st, err := prov.Query(ctx, c.Payment.Reference)
	if err != nil || st.Status == PaymentPending {
		return 0, err
	}
	var (
		refund, moved *Checkout
		from          CheckoutStatus
	)
	err = a.store.Update(ctx, func(tx Tx) error {
		refund, moved = nil, nil
		cur, err := tx.Checkout(ctx, c.ID)
		if err != nil {
			return err
		}
		if why := mismatch(cur, st); why != "" {
			// Asked again only after another grace, not on every pass.
			if err := a.raiseMismatch(ctx, tx, cur, why); err != nil {
				return err
			}
			cur.UpdatedAt = a.Now()
			return tx.UpdateCheckout(ctx, cur)
		}
		moved, from = cur, cur.Status
		fromPay := paymentStatus(cur)
		if refund, err = a.applyPayment(ctx, tx, cur, st.Status); err != nil {
			return err
		}
		return a.auditCheckout(ctx, tx, authorReconciler, cur, from, fromPay)
	})
	if err != nil || moved == nil {
		return 0, err
	}
	a.observePayment(moved, from)
	if refund != nil {
		return 1, a.refundLate(ctx, refund, authorReconciler)
	}
	return 1, nil
}

// recoverPayment asks the provider again for the payment of a checkout
// awaiting payment without one, with the checkout's id as our idempotency
// key: the payment made before the server stopped, or a new one. It stores
// it with the checkout and returns the checkout as stored.
func (a *App) recoverPayment(ctx context.Context, c *Checkout) (*Checkout, error) {
	prov, err := a.providerOf(ctx, c.Provider, c.MerchantID)
	if err != nil {
		return nil, err
	}
	pay, err := prov.Create(ctx, a.paymentRequest(ctx, c))
	if err != nil {
		return nil, Errorf(EUnavailable, "checkout %s: the payment provider did not answer for its payment: %v", c.ID, ErrorMessage(err))
	}
	var out *Checkout
	err = a.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.Checkout(ctx, c.ID)
		if err != nil {
			return err
		}
		out = cur
		if cur.Status != CheckoutAwaitingPayment || cur.Payment != nil {
			return nil
		}
		cur.Payment, cur.UpdatedAt = pay, a.Now()
		return tx.UpdateCheckout(ctx, cur)
	})
	return out, err
}

// RunReconciler runs Reconcile every interval, and Prune every
// Retention.Every, until ctx ends.
func (a *App) RunReconciler(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var pruned time.Time
	for {
		if _, err := a.Reconcile(ctx); err != nil && ctx.Err() == nil {
			a.logf(ctx, "reconciler: %v", err)
		}
		if now := a.Now(); now.Sub(pruned) >= a.retention.Every {
			pruned = now
			if _, err := a.Prune(ctx); err != nil && ctx.Err() == nil {
				a.logf(ctx, "pruning: %v", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
