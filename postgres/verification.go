package postgres

import (
	"context"
	"time"
)

const countVerification = `
	INSERT INTO verifications (gtin, seq, count, last_at)
	VALUES ($1, $2, 1, $3)
	ON CONFLICT (gtin, seq) DO UPDATE SET
		count = verifications.count + 1,
		last_at = greatest(verifications.last_at, excluded.last_at)
	RETURNING count - 1`

// CountVerification records a public verification of a unit at the given
// time and returns how many came before it.
func (t *tx) CountVerification(ctx context.Context, gtin string, seq int64, at time.Time) (int64, error) {
	var before int64
	err := t.queryRow(ctx, countVerification, gtin, seq, at).Scan(&before)
	if err != nil {
		return 0, storeError(err, "verifications of unit %d of product %s", seq, gtin)
	}
	return before, nil
}
