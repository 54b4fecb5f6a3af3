package postgres

import (
	"context"
	"errors"
	"time"

	"genuine"

	"github.com/jackc/pgx/v5"
)

// addVerifications adds the counts of arrays $1 to $5, one element per
// unit, and stores the clients of arrays $6 to $8, one element per client,
// in one statement: a flush of thousands of units is one round trip. Each
// unit's clients are those of $5 and those of its clients not stored
// before. Clients, then units, are locked in the order of the arrays.
const addVerifications = `
	WITH added AS (
		INSERT INTO verification_clients (gtin, seq, client)
		SELECT * FROM unnest($6::text[], $7::bigint[], $8::bytea[])
		ON CONFLICT DO NOTHING
		RETURNING gtin, seq
	), per_unit AS (
		SELECT gtin, seq, count(*) AS n FROM added GROUP BY gtin, seq
	)
	INSERT INTO verifications AS v (gtin, seq, count, last_at, clients)
	SELECT u.gtin, u.seq, u.n, u.last_at, u.anonymous + coalesce(p.n, 0)
	FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::bigint[])
		WITH ORDINALITY AS u (gtin, seq, n, last_at, anonymous, i)
	LEFT JOIN per_unit AS p ON p.gtin = u.gtin AND p.seq = u.seq
	ORDER BY u.i
	ON CONFLICT (gtin, seq) DO UPDATE SET
		count = v.count + excluded.count,
		last_at = greatest(v.last_at, excluded.last_at),
		clients = v.clients + excluded.clients
	RETURNING gtin, seq, count`

// AddVerifications adds counts of public verifications to the stored ones,
// keeping the latest time of each unit, stores their clients not stored
// before and counts those and the anonymous ones as the unit's clients,
// and sets each Total to the unit's new count. A unit named twice fails
// the statement, as PostgreSQL does not update one row twice in one
// INSERT.
func (t *tx) AddVerifications(ctx context.Context, counts []genuine.VerificationCount) error {
	if len(counts) == 0 {
		return nil
	}
	gtins := make([]string, len(counts))
	seqs := make([]int64, len(counts))
	ns := make([]int64, len(counts))
	lastAts := make([]time.Time, len(counts))
	anonymous := make([]int64, len(counts))
	var clientGTINs []string
	var clientSeqs []int64
	var clients [][]byte
	// The rows come back in no promised order: index them by unit.
	type unit struct {
		gtin string
		seq  int64
	}
	index := make(map[unit]int, len(counts))
	for i, c := range counts {
		gtins[i], seqs[i], ns[i], lastAts[i], anonymous[i] = c.GTIN, c.Seq, c.N, c.LastAt, c.Anonymous
		index[unit{c.GTIN, c.Seq}] = i
		for _, h := range c.Clients {
			clientGTINs, clientSeqs, clients = append(clientGTINs, c.GTIN), append(clientSeqs, c.Seq), append(clients, h[:])
		}
	}
	rows, err := t.query(ctx, addVerifications, gtins, seqs, ns, lastAts, anonymous, clientGTINs, clientSeqs, clients)
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
