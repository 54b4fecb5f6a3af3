package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"genuine"
)

const insertRegisteredSerial = `
	INSERT INTO registered_serials (gtin, serial, batch_id, seq)
	VALUES (?, ?, ?, ?)`

// addRegistered adds to a batch's count of registered serials.
const addRegistered = `
	INSERT INTO registration_counts (batch_id, registered)
	VALUES (?, ?)
	ON CONFLICT (batch_id) DO UPDATE SET registered = registered + excluded.registered`

// RegisterSerials records serials a brand printed itself as the units of a
// batch, the i-th with sequence number b.FirstSeq+offset+i, and adds them
// to the batch's count; EConflict if a serial or a sequence number of the
// product is registered already.
func (t *tx) RegisterSerials(ctx context.Context, b *genuine.Batch, offset int64, serials []string) error {
	if len(serials) == 0 {
		return nil
	}
	// One statement for the whole list: t.exec would add one per serial to
	// the transaction. insertRegisteredSerial is one of queries, so stmt is
	// not nil.
	stmt := t.stmt(ctx, insertRegisteredSerial)
	for i, serial := range serials {
		seq := b.FirstSeq + offset + int64(i)
		if _, err := stmt.ExecContext(t.context(ctx), b.GTIN, serial, b.ID, seq); err != nil {
			return storeError(err, "serial %s (unit %d) of product %s", serial, seq, b.GTIN)
		}
	}
	_, err := t.exec(ctx, addRegistered, b.ID, len(serials))
	return storeError(err, "count of registered serials of batch %s", b.ID)
}

const selectRegisteredCount = `
	SELECT registered
	FROM registration_counts
	WHERE batch_id = ?`

// RegisteredCount returns how many serials of a batch are registered: the
// count RegisterSerials keeps, in one look-up; 0 if none are.
func (t *tx) RegisteredCount(ctx context.Context, batchID string) (int64, error) {
	var n int64
	err := t.queryRow(ctx, selectRegisteredCount, batchID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, storeError(err, "count of registered serials of batch %s", batchID)
}

const selectRegisteredSerial = `
	SELECT seq
	FROM registered_serials
	WHERE gtin = ? AND serial = ?`

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
	WHERE batch_id = ?
	ORDER BY seq`

// RegisteredSerials calls fn for each registered serial of a batch, in
// order of sequence number, stopping at fn's first error, which it returns
// as it is.
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
