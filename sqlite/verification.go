package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"genuine"
)

// addVerifications adds the counts of JSON array ?, one [gtin, seq, n,
// last_at, clients] per unit, in one statement: per-statement costs, not
// SQLite's work, dominate a flush of thousands of small upserts. The WHERE
// clause tells SQLite's parser that ON CONFLICT belongs to the INSERT.
const addVerifications = `
	INSERT INTO verifications (gtin, seq, count, last_at, clients)
	SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4
	FROM json_each(?)
	WHERE true
	ON CONFLICT (gtin, seq) DO UPDATE SET
		count = count + excluded.count,
		last_at = max(last_at, excluded.last_at),
		clients = clients + excluded.clients
	RETURNING gtin, seq, count`

// addVerificationClients stores the clients of JSON array ?, one [gtin,
// seq, hex client] each, and returns the units of those not stored before.
const addVerificationClients = `
	INSERT INTO verification_clients (gtin, seq, client)
	SELECT value ->> 0, value ->> 1, unhex(value ->> 2)
	FROM json_each(?)
	WHERE true
	ON CONFLICT DO NOTHING
	RETURNING gtin, seq`

// unit names a unit in the rows a statement returns.
type unit struct {
	gtin string
	seq  int64
}

// AddVerifications adds counts of public verifications to the stored ones,
// keeping the latest time of each unit, stores their clients not stored
// before and counts those and the anonymous ones as the unit's clients,
// and sets each Total to the unit's new count.
func (t *tx) AddVerifications(ctx context.Context, counts []genuine.VerificationCount) error {
	if len(counts) == 0 {
		return nil
	}
	added, err := t.addVerificationClients(ctx, counts)
	if err != nil {
		return err
	}
	rows := make([][5]any, len(counts))
	index := make(map[unit]int, len(counts))
	for i, c := range counts {
		u := unit{c.GTIN, c.Seq}
		rows[i] = [5]any{c.GTIN, c.Seq, c.N, timeValue(c.LastAt), c.Anonymous + added[u]}
		index[u] = i
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

// addVerificationClients stores the clients of counts and returns, by unit,
// how many were not stored before.
func (t *tx) addVerificationClients(ctx context.Context, counts []genuine.VerificationCount) (map[unit]int64, error) {
	var rows [][3]any
	for _, c := range counts {
		for _, h := range c.Clients {
			rows = append(rows, [3]any{c.GTIN, c.Seq, hex.EncodeToString(h[:])})
		}
	}
	if rows == nil {
		return nil, nil
	}
	data, err := json.Marshal(rows)
	if err != nil {
		return nil, err
	}
	res, err := t.query(ctx, addVerificationClients, string(data))
	if err != nil {
		return nil, storeError(err, "clients of verifications of %d units", len(counts))
	}
	defer res.Close()
	added := make(map[unit]int64)
	for res.Next() {
		var u unit
		if err := res.Scan(&u.gtin, &u.seq); err != nil {
			return nil, storeError(err, "clients of verifications of %d units", len(counts))
		}
		added[u]++
	}
	return added, storeError(res.Err(), "clients of verifications of %d units", len(counts))
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
