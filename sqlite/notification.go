package sqlite

import (
	"context"
	"time"
)

// insertNotification inserts a notification's id, or nothing if it is
// there already: a replay is no error, which on PostgreSQL would abort
// the transaction.
const insertNotification = `
	INSERT INTO notifications (provider, id, at)
	VALUES (?, ?, ?)
	ON CONFLICT (provider, id) DO NOTHING`

// MarkNotification records a provider's notification id and reports
// whether it is new; a replayed notification gives false and changes
// nothing.
func (t *tx) MarkNotification(ctx context.Context, provider, id string, at time.Time) (bool, error) {
	res, err := t.exec(ctx, insertNotification, provider, id, timeValue(at))
	if err != nil {
		return false, storeError(err, "notification %s of provider %s", id, provider)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, storeError(err, "notification %s of provider %s", id, provider)
	}
	return n == 1, nil
}
