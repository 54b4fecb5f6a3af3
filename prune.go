package genuine

import (
	"context"
	"time"
)

// Retention says how long history of use only for a while is kept before
// Prune deletes it. A zero field takes its default. Nothing the brand's
// traceability (events, decisions, alerts, units), the audit trail or
// money (paid, refunded or late-paid checkouts) needs is ever pruned.
type Retention struct {
	// Notifications is how long a provider's notification id is kept, so
	// that a replay of it is recognised (default DefaultNotificationRetention):
	// longer than any provider goes on retrying (Stripe for up to 3 days,
	// Alipay and WeChat Pay for about a day). A notification replayed
	// later still changes nothing, since a checkout's payment only moves
	// forward.
	Notifications time.Duration
	// Checkouts is how long after its deadline a checkout that ended
	// unpaid (refused, or expired, canceled or failed with no payment made)
	// is kept (default DefaultCheckoutRetention); with it goes its
	// idempotency key, so a till retrying that key later starts afresh.
	Checkouts time.Duration
	// Every is how often RunReconciler prunes (default 1 hour).
	Every time.Duration
}

// The default Retention.
const (
	DefaultNotificationRetention = 30 * 24 * time.Hour
	DefaultCheckoutRetention     = 90 * 24 * time.Hour
	DefaultPruneEvery            = time.Hour
)

func (r Retention) withDefaults() Retention {
	if r.Notifications <= 0 {
		r.Notifications = DefaultNotificationRetention
	}
	if r.Checkouts <= 0 {
		r.Checkouts = DefaultCheckoutRetention
	}
	if r.Every <= 0 {
		r.Every = DefaultPruneEvery
	}
	return r
}

// prunePage is how many rows one write of Prune deletes at most, so that
// pruning never holds the store's writer for long.
const prunePage = 1000

// Pruned counts what one Prune deleted.
type Pruned struct {
	Notifications int
	Checkouts     int
	Sessions      int
	ShopSessions  int
}

// Prune deletes the history older than its Retention, a page per write:
// notification ids and checkouts that ended unpaid; browser sessions that
// have expired, which open nothing any more; and shop sessions, with their
// carts, ended more than shopPruneAfter ago, once no cart of theirs can
// still be paying (their checkouts keep every sale).
func (a *App) Prune(ctx context.Context) (Pruned, error) {
	now := a.Now()
	var out Pruned
	var err error
	out.Notifications, err = a.prunePages(ctx, func(tx Tx) (int, error) {
		return tx.PruneNotifications(ctx, now.Add(-a.retention.Notifications), prunePage)
	})
	if err != nil {
		return out, err
	}
	out.Checkouts, err = a.prunePages(ctx, func(tx Tx) (int, error) {
		return tx.PruneCheckouts(ctx, now.Add(-a.retention.Checkouts), prunePage)
	})
	if err != nil {
		return out, err
	}
	out.Sessions, err = a.prunePages(ctx, func(tx Tx) (int, error) {
		return tx.PruneSessions(ctx, now, prunePage)
	})
	if err != nil {
		return out, err
	}
	out.ShopSessions, err = a.prunePages(ctx, func(tx Tx) (int, error) {
		return tx.PruneShopSessions(ctx, now.Add(-shopPruneAfter), prunePage)
	})
	return out, err
}

// shopPruneAfter is how long after a shop session ends Prune keeps it and
// its carts: longer than a cart pays after its session ended
// (ShopReservation and the reconciler's pass).
const shopPruneAfter = time.Hour

// prunePages runs del in writes of its own until it deletes less than a
// page, and returns how many rows it deleted in all.
func (a *App) prunePages(ctx context.Context, del func(Tx) (int, error)) (int, error) {
	total := 0
	for {
		var n int
		err := a.store.Update(ctx, func(tx Tx) (err error) {
			n, err = del(tx)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < prunePage {
			return total, nil
		}
	}
}
