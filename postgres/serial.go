package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"genuine"
)

// insertRegisteredSerials inserts the serials of array $4, the i-th (from
// 1) with sequence number $3+i-1, in one statement.
const insertRegisteredSerials = `
	INSERT INTO registered_serials (gtin, serial, batch_id, seq)
	SELECT $1::text, s.serial, $2::text, $3::bigint + s.n - 1
	FROM unnest($4::text[]) WITH ORDINALITY AS s (serial, n)`

// addRegistered adds to a batch's count of registered serials.
const addRegistered = `
	INSERT INTO registration_counts (batch_id, registered)
	VALUES ($1, $2)
	ON CONFLICT (batch_id) DO UPDATE SET registered = registration_counts.registered + excluded.registered`

// RegisterSerials records serials a brand printed itself as the units of a
// batch, the i-th with sequence number b.FirstSeq+offset+i, and adds them
// to the batch's count; EConflict if a serial or a sequence number of the
// product is registered already. The
// list goes to the server in one statement, so the conflict's message
// names the serials' range rather than the one serial that was a
// duplicate.
func (t *tx) RegisterSerials(ctx context.Context, b *genuine.Batch, offset int64, serials []string) error {
	if len(serials) == 0 {
		return nil
	}
	// The count first: of two registrations at once, which read the same
	// count, the second then waits for the first's row and fails
	// serialization, to be run again, rather than collide on a sequence
	// number and seem a duplicate serial.
	if _, err := t.exec(ctx, addRegistered, b.ID, len(serials)); err != nil {
		return storeError(err, "count of registered serials of batch %s", b.ID)
	}
	first := b.FirstSeq + offset
	_, err := t.exec(ctx, insertRegisteredSerials, b.GTIN, b.ID, first, serials)
	return storeError(err, "a serial of units %d to %d of product %s", first, first+int64(len(serials))-1, b.GTIN)
}

const selectRegisteredCount = `
	SELECT registered
	FROM registration_counts
	WHERE batch_id = $1`

// RegisteredCount returns how many serials of a batch are registered: the
// count RegisterSerials keeps, in one look-up; 0 if none are.
func (t *tx) RegisteredCount(ctx context.Context, batchID string) (int64, error) {
	var n int64
	err := t.queryRow(ctx, selectRegisteredCount, batchID).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return n, storeError(err, "count of registered serials of batch %s", batchID)
}

const selectRegisteredSerial = `
	SELECT seq
	FROM registered_serials
	WHERE gtin = $1 AND serial = $2`

// RegisteredSerial returns the sequence number of a registered serial.
func (t *tx) RegisteredSerial(ctx context.Context, gtin, serial string) (int64, error) {
	var seq int64
	err := t.queryRow(ctx, selectRegisteredSerial, gtin, serial).Scan(&seq)
	if err != nil {
		return 0, storeError(err, "serial %s of product %s", serial, gtin)
	}
	return seq, nil
}

const selectRegisteredSerials = `
	SELECT seq, serial
	FROM registered_serials
	WHERE batch_id = $1
	ORDER BY seq`

// RegisteredSerials calls fn for each registered serial of a batch, in
// order of sequence number, stopping at fn's first error, which it returns
// as it is. The rows stream from the server while fn runs, so fn must not
// use the transaction: a connection runs one statement at a time.
func (t *tx) RegisteredSerials(ctx context.Context, batchID string, fn func(seq int64, serial string) error) error {
	rows, err := t.query(ctx, selectRegisteredSerials, batchID)
	if err != nil {
		return storeError(err, "registered serials of batch %s", batchID)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var serial string
		if err := rows.Scan(&seq, &serial); err != nil {
			return storeError(err, "registered serials of batch %s", batchID)
		}
		if err := fn(seq, serial); err != nil {
			return err
		}
	}
	return storeError(rows.Err(), "registered serials of batch %s", batchID)
}
