package postgres

import (
	"context"
	"fmt"
	"time"

	"genuine"

	"github.com/jackc/pgx/v5/pgtype"
)

// unitColumns are the columns scanUnit reads, in its order.
const unitColumns = `gtin, seq, serial, batch_id, state, locked_from, checkout_id, updated_at`

const selectUnit = `
	SELECT ` + unitColumns + `
	FROM units
	WHERE gtin = $1 AND seq = $2`

// Unit returns the unit's own row; ENotFound if nothing has happened to it
// alone.
func (t *tx) Unit(ctx context.Context, gtin string, seq int64) (*genuine.Unit, error) {
	u, err := scanUnit(t.queryRow(ctx, selectUnit, gtin, seq))
	if err != nil {
		return nil, storeError(err, "unit %d of product %s", seq, gtin)
	}
	return u, nil
}

// updateUnit is the ON CONFLICT clause of an insert into units: where the
// unit has a row already, the new row's columns are written over it.
const updateUnit = `
	ON CONFLICT (gtin, seq) DO UPDATE SET
		serial = excluded.serial,
		batch_id = excluded.batch_id,
		state = excluded.state,
		locked_from = excluded.locked_from,
		checkout_id = excluded.checkout_id,
		updated_at = excluded.updated_at`

const upsertUnit = `
	INSERT INTO units (` + unitColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
` + updateUnit

// swapUnit is upsertUnit from a SELECT that gives the row only if the
// unit's batch is as it was read, and updates only a row that is as it was.
const swapUnit = `
	INSERT INTO units (` + unitColumns + `)
	SELECT $1, $2, $3, $4, $5, $6, $7, $8::timestamptz
	WHERE EXISTS (SELECT 1 FROM batches WHERE id = $12 AND disposition = $13 AND regions = $14)
` + updateUnit + `
	WHERE units.state = $9 AND units.checkout_id IS NOT DISTINCT FROM $10 AND units.updated_at = $11`

// checkedSwapUnit is swapUnit that fails if it wrote no row.
var checkedSwapUnit = checkedSwap(swapUnit)

// SwapUnit writes a unit's own row in place of old, only if the stored row
// is still old and the unit's batch still b's disposition and regions. A
// nil old matches no row: the state compared with NULL is never true. The
// swap is sent with the transaction's next statement, its last writes
// then (a checkout's write is one round trip); if it finds the row or
// batch changed, it aborts the transaction, and that statement, or the
// Update, fails with an error that wraps genuine.ErrUnitChanged.
func (t *tx) SwapUnit(ctx context.Context, old, u *genuine.Unit, b *genuine.Batch) error {
	var state, checkout pgtype.Text
	var updated pgtype.Timestamptz
	if old != nil {
		state = pgtype.Text{String: string(old.State), Valid: true}
		checkout = pgtype.Text{String: old.CheckoutID, Valid: old.CheckoutID != ""}
		updated = pgtype.Timestamptz{Time: old.UpdatedAt, Valid: true}
	}
	t.swapLater(fmt.Sprintf("unit %d of product %s", u.Seq, u.GTIN), checkedSwapUnit,
		u.GTIN, u.Seq, u.Serial, u.BatchID, u.State, nullString(string(u.LockedFrom)),
		nullString(u.CheckoutID), u.UpdatedAt, state, checkout, updated,
		b.ID, b.Disposition, regionsValue(b.Regions))
	return nil
}

// PutUnit writes a unit's own row, inserting or replacing it.
func (t *tx) PutUnit(ctx context.Context, u *genuine.Unit) error {
	_, err := t.exec(ctx, upsertUnit,
		u.GTIN, u.Seq, u.Serial, u.BatchID, u.State, nullString(string(u.LockedFrom)),
		nullString(u.CheckoutID), u.UpdatedAt)
	return storeError(err, "unit %d of product %s", u.Seq, u.GTIN)
}

// selectUnits finds a batch's units by the units' primary key, (gtin, seq).
const selectUnits = `
	SELECT ` + unitColumns + `
	FROM units
	WHERE gtin = (SELECT gtin FROM batches WHERE id = $1) AND seq BETWEEN $2 AND $3
		AND batch_id = $1
	ORDER BY seq`

// Units returns the rows of a batch's units with sequence numbers in
// [from, to], in order.
func (t *tx) Units(ctx context.Context, batchID string, from, to int64) ([]*genuine.Unit, error) {
	rows, err := t.query(ctx, selectUnits, batchID, from, to)
	if err != nil {
		return nil, storeError(err, "units of batch %s", batchID)
	}
	defer rows.Close()
	var us []*genuine.Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, storeError(err, "units of batch %s", batchID)
		}
		us = append(us, u)
	}
	return us, storeError(rows.Err(), "units of batch %s", batchID)
}

// scanUnit reads the unitColumns of one row.
func scanUnit(s scanner) (*genuine.Unit, error) {
	var u genuine.Unit
	var lockedFrom, checkoutID pgtype.Text
	err := s.Scan(&u.GTIN, &u.Seq, &u.Serial, &u.BatchID, &u.State, &lockedFrom, &checkoutID, &u.UpdatedAt)
	if err != nil {
		return nil, err
	}
	u.LockedFrom, u.CheckoutID = genuine.UnitState(lockedFrom.String), checkoutID.String
	return &u, nil
}

// joinedUnitColumns are a unit's own row and its verification count, from
// units u and verifications v joined LEFT to what a statement finds of its
// batch, as joinedUnit scans them.
const joinedUnitColumns = `u.serial, u.batch_id, u.state, u.locked_from, u.checkout_id, u.updated_at,
		coalesce(v.count, 0)`

// joinedUnit holds joinedUnitColumns as scanned: NULLs if the unit has no
// row of its own.
type joinedUnit struct {
	serial, batchID, state, lockedFrom, checkout pgtype.Text
	updated                                      *time.Time
	count                                        int64
}

func (j *joinedUnit) dest() []any {
	return []any{&j.serial, &j.batchID, &j.state, &j.lockedFrom, &j.checkout, &j.updated, &j.count}
}

// unit returns the unit's own row, nil if it has none.
func (j *joinedUnit) unit(gtin string, seq int64) *genuine.Unit {
	if !j.state.Valid {
		return nil
	}
	return &genuine.Unit{
		GTIN: gtin, Seq: seq, Serial: j.serial.String, BatchID: j.batchID.String, State: genuine.UnitState(j.state.String),
		LockedFrom: genuine.UnitState(j.lockedFrom.String), CheckoutID: j.checkout.String, UpdatedAt: *j.updated,
	}
}

// selectUnitInBatch reads the batch owning unit $2 of product $1 (as
// selectBatchBySequence), the unit's own row and its verification count,
// NULLs and 0 if it has none.
const selectUnitInBatch = `
	SELECT b.*, ` + joinedUnitColumns + `
	FROM (
		SELECT ` + batchColumns + `
		FROM batches
		WHERE gtin = $1 AND first_seq <= $2
		ORDER BY first_seq DESC
		LIMIT 1
	) AS b
	LEFT JOIN units AS u ON u.gtin = $1 AND u.seq = $2
	LEFT JOIN verifications AS v ON v.gtin = $1 AND v.seq = $2`

// UnitInBatch returns the batch that owns a unit (ENotFound if none), the
// unit's own row (nil if it has none) and its stored verification count,
// in one statement.
func (t *tx) UnitInBatch(ctx context.Context, gtin string, seq int64) (*genuine.Batch, *genuine.Unit, int64, error) {
	var (
		b      genuine.Batch
		expiry time.Time
		j      joinedUnit
	)
	err := t.queryRow(ctx, selectUnitInBatch, gtin, seq).Scan(append(batchDest(&b, &expiry), j.dest()...)...)
	if err := batchOwning(&b, err, gtin, seq); err != nil {
		return nil, nil, 0, err
	}
	batchRead(&b, expiry)
	return &b, j.unit(gtin, seq), j.count, nil
}
