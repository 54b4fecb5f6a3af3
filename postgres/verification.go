package postgres

import (
	"context"
	"errors"
	"time"

	"genuine"

	"github.com/jackc/pgx/v5"
)

// addVerifications adds the counts of arrays $1 to $4, one element per
// unit, in one statement: a flush of thousands of units is one round trip.
// Units are locked in the order of the arrays.
const addVerifications = `
	INSERT INTO verifications AS v (gtin, seq, count, last_at)
	SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[])
	ON CONFLICT (gtin, seq) DO UPDATE SET
		count = v.count + excluded.count,
		last_at = greatest(v.last_at, excluded.last_at)
	RETURNING gtin, seq, count`

// AddVerifications adds counts of public verifications to the stored ones,
// keeping the latest time of each unit, and sets each Total to the unit's
// new count. A unit named twice fails the statement, as PostgreSQL does not
// update one row twice in one INSERT.
func (t *tx) AddVerifications(ctx context.Context, counts []genuine.VerificationCount) error {
	if len(counts) == 0 {
		return nil
	}
	gtins := make([]string, len(counts))
	seqs := make([]int64, len(counts))
	ns := make([]int64, len(counts))
	lastAts := make([]time.Time, len(counts))
	// The rows come back in no promised order: index them by unit.
	type unit struct {
		gtin string
		seq  int64
	}
	index := make(map[unit]int, len(counts))
	for i, c := range counts {
		gtins[i], seqs[i], ns[i], lastAts[i] = c.GTIN, c.Seq, c.N, c.LastAt
		index[unit{c.GTIN, c.Seq}] = i
	}
	rows, err := t.query(ctx, addVerifications, gtins, seqs, ns, lastAts)
	if err != nil {
		return storeError(err, "verifications of %d units", len(counts))
	}
	defer rows.Close()
	for rows.Next() {
		var u unit
		var total int64
		if err := rows.Scan(&u.gtin, &u.seq, &total); err != nil {
			return storeError(err, "verifications of %d units", len(counts))
		}
		if i, ok := index[u]; ok {
			counts[i].Total = total
		}
	}
	return storeError(rows.Err(), "verifications of %d units", len(counts))
}

const selectVerifications = `
	SELECT count, last_at
	FROM verifications
	WHERE gtin = $1 AND seq = $2`

// Verifications returns how many public verifications of a unit are stored
// and when the last was; 0 and the zero time if none.
func (t *tx) Verifications(ctx context.Context, gtin string, seq int64) (int64, time.Time, error) {
	var n int64
	var last time.Time
	err := t.queryRow(ctx, selectVerifications, gtin, seq).Scan(&n, &last)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, storeError(err, "verifications of unit %d of product %s", seq, gtin)
	}
	return n, last, nil
}
