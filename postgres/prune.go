package postgres

import (
	"context"
	"time"
)

const pruneNotifications = `
	DELETE FROM notifications
	WHERE (provider, id) IN (
		SELECT provider, id FROM notifications
		WHERE at < $1
		ORDER BY at
		LIMIT $2)`

// PruneNotifications deletes at most limit notification ids marked before
// the given time, oldest first, and returns how many it deleted.
func (t *tx) PruneNotifications(ctx context.Context, before time.Time, limit int) (int, error) {
	return t.prune(ctx, pruneNotifications, "notifications", before, limit)
}

// pruneCheckouts's condition is that of the partial index
// checkouts_ended_deadline (migration 0012), and names the same statuses.
const pruneCheckouts = `
	DELETE FROM checkouts
	WHERE id IN (
		SELECT id FROM checkouts
		WHERE status IN ('refused', 'expired', 'canceled', 'failed') AND deadline < $1
			AND (payment_status IS NULL OR payment_status IN ('failed', 'canceled'))
		ORDER BY deadline
		LIMIT $2)`

// PruneCheckouts deletes at most limit checkouts that ended unpaid, whose
// deadline is before the given time, oldest first, and returns how many it
// deleted.
func (t *tx) PruneCheckouts(ctx context.Context, before time.Time, limit int) (int, error) {
	return t.prune(ctx, pruneCheckouts, "checkouts", before, limit)
}

func (t *tx) prune(ctx context.Context, query, what string, before time.Time, limit int) (int, error) {
	tag, err := t.exec(ctx, query, before, limit)
	if err != nil {
		return 0, storeError(err, "prune %s", what)
	}
	return int(tag.RowsAffected()), nil
}
