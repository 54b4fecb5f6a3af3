package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"genuine"
)

// batchColumns are the columns scanBatch reads, in its order.
const batchColumns = `id, brand_id, gtin, lot, expiry, quantity, first_seq, regions,
	disposition, serials, key_id, created_at`

const insertBatch = `
	INSERT INTO batches (` + batchColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateBatch inserts a batch; EConflict if its id exists or another batch
// of the product starts at the same sequence number, ENotFound if its
// product or brand does not exist.
func (t *tx) CreateBatch(ctx context.Context, b *genuine.Batch) error {
	regions, err := regionsValue(b.Regions)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, insertBatch,
		b.ID, b.BrandID, b.GTIN, b.Lot, b.Expiry.String(), b.Quantity, b.FirstSeq, regions,
		b.Disposition, b.Serials, b.KeyID, timeValue(b.CreatedAt))
	return storeError(err, "batch %s", b.ID)
}

const selectBatch = `
	SELECT ` + batchColumns + `
	FROM batches
	WHERE id = ?`

// Batch returns the batch with the given id.
func (t *tx) Batch(ctx context.Context, id string) (*genuine.Batch, error) {
	b, err := scanBatch(t.queryRow(ctx, selectBatch, id))
	if err != nil {
		return nil, storeError(err, "batch %s", id)
	}
	return b, nil
}

const selectBatchBySequence = `
	SELECT ` + batchColumns + `
	FROM batches
	WHERE gtin = ? AND first_seq <= ?
	ORDER BY first_seq DESC
	LIMIT 1`

// BatchBySequence returns the batch of a product that owns seq: the one
// starting last at or before seq, if seq is within its quantity.
func (t *tx) BatchBySequence(ctx context.Context, gtin string, seq int64) (*genuine.Batch, error) {
	b, err := scanBatch(t.queryRow(ctx, selectBatchBySequence, gtin, seq))
	if err := batchOwning(b, err, gtin, seq); err != nil {
		return nil, err
	}
	return b, nil
}

// batchOwning checks the batch read as the one of product gtin starting
// last at or before seq, b, or the read's error: ENotFound if there is no
// such batch or seq is past its end.
func batchOwning(b *genuine.Batch, err error, gtin string, seq int64) error {
	if err != nil {
		return storeError(err, "batch of product %s with unit %d", gtin, seq)
	}
	if !b.Contains(seq) {
		return genuine.Errorf(genuine.ENotFound, "no batch of product %s has unit %d", gtin, seq)
	}
	return nil
}

const selectBatches = `
	SELECT ` + batchColumns + `
	FROM batches
	WHERE brand_id = ?
	ORDER BY created_at DESC, rowid DESC`

// Batches returns a brand's batches, newest first; those created at the
// same time, the last added first.
func (t *tx) Batches(ctx context.Context, brandID string) ([]*genuine.Batch, error) {
	rows, err := t.query(ctx, selectBatches, brandID)
	if err != nil {
		return nil, storeError(err, "batches of brand %s", brandID)
	}
	defer rows.Close()
	var bs []*genuine.Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, storeError(err, "batches of brand %s", brandID)
		}
		bs = append(bs, b)
	}
	return bs, storeError(rows.Err(), "batches of brand %s", brandID)
}

const updateBatch = `
	UPDATE batches
	SET disposition = ?, regions = ?
	WHERE id = ?`

// UpdateBatch writes a batch's disposition and regions; its other fields
// never change.
func (t *tx) UpdateBatch(ctx context.Context, b *genuine.Batch) error {
	regions, err := regionsValue(b.Regions)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, updateBatch, b.Disposition, regions, b.ID)
	return updated(res, err, "batch %s", b.ID)
}

// scanBatch reads the batchColumns of one row.
func scanBatch(s scanner) (*genuine.Batch, error) {
	var b genuine.Batch
	var expiry string
	if err := s.Scan(batchDest(&b, &expiry)...); err != nil {
		return nil, err
	}
	if err := batchExpiry(&b, expiry); err != nil {
		return nil, err
	}
	return &b, nil
}

// batchDest returns where the batchColumns of a row go: into b, but its
// expiry as text into expiry, for batchExpiry.
func batchDest(b *genuine.Batch, expiry *string) []any {
	return []any{&b.ID, &b.BrandID, &b.GTIN, &b.Lot, expiry, &b.Quantity, &b.FirstSeq,
		scanRegions(&b.Regions), &b.Disposition, &b.Serials, &b.KeyID, scanTime(&b.CreatedAt)}
}

// batchExpiry sets b's expiry from its stored text.
func batchExpiry(b *genuine.Batch, expiry string) (err error) {
	if b.Expiry, err = genuine.ParseDate(expiry); err != nil {
		// %v, not %w: a damaged row is an internal error, not the caller's EInvalid.
		return fmt.Errorf("batch %s: stored expiry: %v", b.ID, err)
	}
	return nil
}

// regionsValue returns the JSON array under which a list of regions is
// stored.
func regionsValue(regions []string) (string, error) {
	if len(regions) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(regions)
	return string(b), err
}

// regionsScanner reads a list stored by regionsValue; an empty list reads
// as nil.
type regionsScanner struct{ r *[]string }

// scanRegions returns a sql.Scanner that reads a list stored by regionsValue.
func scanRegions(r *[]string) regionsScanner { return regionsScanner{r} }

// Scan implements sql.Scanner.
func (s regionsScanner) Scan(v any) error {
	text, ok := v.(string)
	if !ok {
		return fmt.Errorf("regions stored as %T, not text", v)
	}
	*s.r = nil
	if err := json.Unmarshal([]byte(text), s.r); err != nil {
		return fmt.Errorf("stored regions: %w", err)
	}
	if len(*s.r) == 0 {
		*s.r = nil
	}
	return nil
}
