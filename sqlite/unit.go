package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"genuine"
)

// unitColumns are the columns scanUnit reads, in its order.
const unitColumns = `gtin, seq, serial, batch_id, state, locked_from, checkout_id, updated_at`

const selectUnit = `
	SELECT ` + unitColumns + `
	FROM units
	WHERE gtin = ? AND seq = ?`

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
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)
` + updateUnit

// PutUnit writes a unit's own row, inserting or replacing it.
func (t *tx) PutUnit(ctx context.Context, u *genuine.Unit) error {
	_, err := t.exec(ctx, upsertUnit,
		u.GTIN, u.Seq, u.Serial, u.BatchID, u.State, nullString(string(u.LockedFrom)),
		nullString(u.CheckoutID), timeValue(u.UpdatedAt))
	return storeError(err, "unit %d of product %s", u.Seq, u.GTIN)
}

// swapUnit is upsertUnit from a SELECT that gives the row only if the
// unit's batch is as it was read (the WHERE also tells SQLite's parser that
// ON CONFLICT is the upsert's), and updates only a row that is as it was.
const swapUnit = `
	INSERT INTO units (` + unitColumns + `)
	SELECT ?, ?, ?, ?, ?, ?, ?, ?
	WHERE EXISTS (SELECT 1 FROM batches WHERE id = ? AND disposition = ? AND regions = ?)
` + updateUnit + `
	WHERE units.state = ? AND units.checkout_id IS ? AND units.updated_at = ?`

// SwapUnit writes a unit's own row in place of old, only if the stored row
// is still old and the unit's batch still b's disposition and regions; if
// not, an error that wraps genuine.ErrUnitChanged. A nil old matches no
// row: the state compared with NULL is never true.
func (t *tx) SwapUnit(ctx context.Context, old, u *genuine.Unit, b *genuine.Batch) error {
	var state, checkout, updated any
	if old != nil {
		state, checkout, updated = string(old.State), nullString(old.CheckoutID), timeValue(old.UpdatedAt)
	}
	regions, err := regionsValue(b.Regions)
	if err != nil {
		return fmt.Errorf("unit %d of product %s: %w", u.Seq, u.GTIN, err)
	}
	res, err := t.exec(ctx, swapUnit,
		u.GTIN, u.Seq, u.Serial, u.BatchID, u.State, nullString(string(u.LockedFrom)),
		nullString(u.CheckoutID), timeValue(u.UpdatedAt), b.ID, b.Disposition, regions,
		state, checkout, updated)
	if err != nil {
		return storeError(err, "unit %d of product %s", u.Seq, u.GTIN)
	}
	if n, err := res.RowsAffected(); err != nil {
		return storeError(err, "unit %d of product %s", u.Seq, u.GTIN)
	} else if n == 0 {
		return fmt.Errorf("unit %d of product %s: %w", u.Seq, u.GTIN, genuine.ErrUnitChanged)
	}
	return nil
}

// selectUnits finds a batch's units by the units' primary key, (gtin, seq).
const selectUnits = `
	SELECT ` + unitColumns + `
	FROM units
	WHERE gtin = (SELECT gtin FROM batches WHERE id = ?1) AND seq BETWEEN ?2 AND ?3
		AND batch_id = ?1
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
	var lockedFrom, checkoutID sql.NullString
	err := s.Scan(&u.GTIN, &u.Seq, &u.Serial, &u.BatchID, &u.State, &lockedFrom, &checkoutID,
		scanTime(&u.UpdatedAt))
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
	serial, batchID, state, lockedFrom, checkout, updated sql.NullString
	count                                                 int64
}

func (j *joinedUnit) dest() []any {
	return []any{&j.serial, &j.batchID, &j.state, &j.lockedFrom, &j.checkout, &j.updated, &j.count}
}

// unit returns the unit's own row, nil if it has none.
func (j *joinedUnit) unit(gtin string, seq int64) (*genuine.Unit, error) {
	if !j.state.Valid {
		return nil, nil
	}
	u := &genuine.Unit{GTIN: gtin, Seq: seq, Serial: j.serial.String, BatchID: j.batchID.String, State: genuine.UnitState(j.state.String),
		LockedFrom: genuine.UnitState(j.lockedFrom.String), CheckoutID: j.checkout.String}
	if err := scanTime(&u.UpdatedAt).Scan(j.updated.String); err != nil {
		return nil, storeError(err, "unit %d of product %s", seq, gtin)
	}
	return u, nil
}

// selectUnitInBatch reads the batch owning unit ?2 of product ?1 (as
// selectBatchBySequence), the unit's own row and its verification count,
// NULLs and 0 if it has none.
const selectUnitInBatch = `
	SELECT b.*, ` + joinedUnitColumns + `
	FROM (
		SELECT ` + batchColumns + `
		FROM batches
		WHERE gtin = ?1 AND first_seq <= ?2
		ORDER BY first_seq DESC
		LIMIT 1
	) AS b
	LEFT JOIN units AS u ON u.gtin = ?1 AND u.seq = ?2
	LEFT JOIN verifications AS v ON v.gtin = ?1 AND v.seq = ?2`

// UnitInBatch returns the batch that owns a unit (ENotFound if none), the
// unit's own row (nil if it has none) and its stored verification count,
// in one statement.
func (t *tx) UnitInBatch(ctx context.Context, gtin string, seq int64) (*genuine.Batch, *genuine.Unit, int64, error) {
	var (
		b      genuine.Batch
		expiry string
		j      joinedUnit
	)
	err := t.queryRow(ctx, selectUnitInBatch, gtin, seq).Scan(append(batchDest(&b, &expiry), j.dest()...)...)
	if err == nil {
		err = batchExpiry(&b, expiry)
	}
	if err := batchOwning(&b, err, gtin, seq); err != nil {
		return nil, nil, 0, err
	}
	u, err := j.unit(gtin, seq)
	if err != nil {
		return nil, nil, 0, err
	}
	return &b, u, j.count, nil
}
