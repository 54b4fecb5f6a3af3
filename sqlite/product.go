package sqlite

import (
	"context"

	"genuine"
)

const insertProduct = `
	INSERT INTO products (gtin, brand_id, name, created_at)
	VALUES (?, ?, ?, ?)`

// CreateProduct adds a product; EConflict if its GTIN exists.
func (t *tx) CreateProduct(ctx context.Context, p *genuine.Product) error {
	_, err := t.exec(ctx, insertProduct, p.GTIN, p.BrandID, p.Name, timeValue(p.CreatedAt))
	return storeError(err, "product %s", p.GTIN)
}

const selectProduct = `
	SELECT gtin, brand_id, name, created_at
	FROM products
	WHERE gtin = ?`

// Product returns the product with the given GTIN.
func (t *tx) Product(ctx context.Context, gtin string) (*genuine.Product, error) {
	var p genuine.Product
	err := t.queryRow(ctx, selectProduct, gtin).Scan(&p.GTIN, &p.BrandID, &p.Name, scanTime(&p.CreatedAt))
	if err != nil {
		return nil, storeError(err, "product %s", gtin)
	}
	return &p, nil
}

const allocateSequences = `
	UPDATE products
	SET next_seq = next_seq + ?1
	WHERE gtin = ?2
	RETURNING next_seq - ?1`

// AllocateSequences reserves n consecutive unit sequence numbers of a
// product and returns the first. A product's first allocation starts at 0.
// Allocations never overlap because Updates run one at a time; n must be
// positive.
func (t *tx) AllocateSequences(ctx context.Context, gtin string, n int64) (int64, error) {
	if n < 1 {
		return 0, genuine.Errorf(genuine.EInvalid, "cannot allocate %d sequence numbers", n)
	}
	var first int64
	if err := t.queryRow(ctx, allocateSequences, n, gtin).Scan(&first); err != nil {
		return 0, storeError(err, "product %s", gtin)
	}
	return first, nil
}
