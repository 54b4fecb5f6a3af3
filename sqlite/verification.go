package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"genuine"
)

// addVerifications adds the counts of JSON array ?, one [gtin, seq, n,
// last_at] per unit, in one statement: per-statement costs, not SQLite's
// work, dominate a flush of thousands of small upserts. The WHERE clause
// tells SQLite's parser that ON CONFLICT belongs to the INSERT.
const addVerifications = `
	INSERT INTO verifications (gtin, seq, count, last_at)
	SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3
	FROM json_each(?)
	WHERE true
	ON CONFLICT (gtin, seq) DO UPDATE SET
		count = count + excluded.count,
		last_at = max(last_at, excluded.last_at)
	RETURNING gtin, seq, count`

// AddVerifications adds counts of public verifications to the stored ones,
// keeping the latest time of each unit, and sets each Total to the unit's
// new count.
func (t *tx) AddVerifications(ctx context.Context, counts []genuine.VerificationCount) error {
	if len(counts) == 0 {
		return nil
	}
	type unit struct {
		gtin string
		seq  int64
	}
	rows := make([][4]any, len(counts))
	index := make(map[unit]int, len(counts))
	for i, c := range counts {
		rows[i] = [4]any{c.GTIN, c.Seq, c.N, timeValue(c.LastAt)}
		index[unit{c.GTIN, c.Seq}] = i
	}
	data, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	// The rows come back in no promised order: index them by unit.
	res, err := t.query(ctx, addVerifications, string(data))
	if err != nil {
		return storeError(err, "verifications of %d units", len(counts))
	}
	defer res.Close()
	for res.Next() {
		var u unit
		var total int64
		if err := res.Scan(&u.gtin, &u.seq, &total); err != nil {
			return storeError(err, "verifications of %d units", len(counts))
		}
		if i, ok := index[u]; ok {
			counts[i].Total = total
		}
	}
	return storeError(res.Err(), "verifications of %d units", len(counts))
}

const selectVerifications = `
	SELECT count, last_at
	FROM verifications
	WHERE gtin = ? AND seq = ?`

// Verifications returns how many public verifications of a unit are stored
// and when the last was; 0 and the zero time if none.
func (t *tx) Verifications(ctx context.Context, gtin string, seq int64) (int64, time.Time, error) {
	var n int64
	var last time.Time
	err := t.queryRow(ctx, selectVerifications, gtin, seq).Scan(&n, scanTime(&last))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, storeError(err, "verifications of unit %d of product %s", seq, gtin)
	}
	return n, last, nil
}
