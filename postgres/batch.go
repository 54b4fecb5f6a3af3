package postgres

import (
	"context"
	"time"

	"genuine"
)

// batchColumns are the columns scanBatch reads, in its order.
const batchColumns = `id, brand_id, gtin, lot, expiry, quantity, first_seq, regions,
	disposition, serials, key_id, created_at`

const insertBatch = `
	INSERT INTO batches (` + batchColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

// CreateBatch inserts a batch; EConflict if its id exists or another batch
// of the product starts at the same sequence number, ENotFound if its
// product or brand does not exist.
func (t *tx) CreateBatch(ctx context.Context, b *genuine.Batch) error {
	_, err := t.exec(ctx, insertBatch,
		b.ID, b.BrandID, b.GTIN, b.Lot, b.Expiry.Time(), b.Quantity, b.FirstSeq, regionsValue(b.Regions),
		b.Disposition, b.Serials, b.KeyID, b.CreatedAt)
	return storeError(err, "batch %s", b.ID)
}

const selectBatch = `
	SELECT ` + batchColumns + `
	FROM batches
	WHERE id = $1`

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
	WHERE gtin = $1 AND first_seq <= $2
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
	WHERE brand_id = $1
	ORDER BY created_at DESC, added DESC`

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
	SET disposition = $1, regions = $2
	WHERE id = $3`

// UpdateBatch writes a batch's disposition and regions; its other fields
// never change.
func (t *tx) UpdateBatch(ctx context.Context, b *genuine.Batch) error {
	tag, err := t.exec(ctx, updateBatch, b.Disposition, regionsValue(b.Regions), b.ID)
	return updated(tag, err, "batch %s", b.ID)
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanBatch reads the batchColumns of one row.
func scanBatch(s scanner) (*genuine.Batch, error) {
	var b genuine.Batch
	var expiry time.Time
	if err := s.Scan(batchDest(&b, &expiry)...); err != nil {
		return nil, err
	}
	batchRead(&b, expiry)
	return &b, nil
}

// batchDest returns where the batchColumns of a row go: into b, but its
// expiry into expiry, for batchRead.
func batchDest(b *genuine.Batch, expiry *time.Time) []any {
	return []any{&b.ID, &b.BrandID, &b.GTIN, &b.Lot, expiry, &b.Quantity, &b.FirstSeq,
		&b.Regions, &b.Disposition, &b.Serials, &b.KeyID, &b.CreatedAt}
}

// batchRead finishes a batch scanned into batchDest.
func batchRead(b *genuine.Batch, expiry time.Time) {
	b.Expiry = genuine.NewDate(expiry.Year(), expiry.Month(), expiry.Day())
	b.Regions = regionsOf(b.Regions)
}

// regionsValue returns the array under which a list of regions is stored:
// never NULL, which pgx makes of a nil slice.
func regionsValue(regions []string) []string {
	if regions == nil {
		return []string{}
	}
	return regions
}

// regionsOf returns a stored list of regions, nil if it is empty.
func regionsOf(regions []string) []string {
	if len(regions) == 0 {
		return nil
	}
	return regions
}
