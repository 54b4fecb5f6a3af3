package postgres

import (
	"context"
	"time"
)

// insertNotification inserts a notification's id, or nothing if it is
// there already: a replay is no error, which would abort the transaction.
const insertNotification = `
	INSERT INTO notifications (provider, id, at)
	VALUES ($1, $2, $3)
	ON CONFLICT (provider, id) DO NOTHING`

// MarkNotification records a provider's notification id and reports
// whether it is new; a replayed notification gives false and changes
// nothing. Of two Updates that mark one notification at once, the server
// aborts the second, which Update runs again and which then sees the
// first's.
func (t *tx) MarkNotification(ctx context.Context, provider, id string, at time.Time) (bool, error) {
	tag, err := t.exec(ctx, insertNotification, provider, id, at)
	if err != nil {
		return false, storeError(err, "notification %s of provider %s", id, provider)
	}
	return tag.RowsAffected() == 1, nil
}
