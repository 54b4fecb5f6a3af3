package postgres

import (
	"context"

	"genuine"
)

const insertProduct = `
	INSERT INTO products (gtin, brand_id, name, created_at)
	VALUES ($1, $2, $3, $4)`

// CreateProduct adds a product; EConflict if its GTIN exists, ENotFound if
// its brand does not.
func (t *tx) CreateProduct(ctx context.Context, p *genuine.Product) error {
	_, err := t.exec(ctx, insertProduct, p.GTIN, p.BrandID, p.Name, p.CreatedAt)
	return storeError(err, "product %s", p.GTIN)
}

const selectProduct = `
	SELECT gtin, brand_id, name, created_at
	FROM products
	WHERE gtin = $1`

// Product returns the product with the given GTIN.
func (t *tx) Product(ctx context.Context, gtin string) (*genuine.Product, error) {
	var p genuine.Product
	err := t.queryRow(ctx, selectProduct, gtin).Scan(&p.GTIN, &p.BrandID, &p.Name, &p.CreatedAt)
	if err != nil {
		return nil, storeError(err, "product %s", gtin)
	}
	return &p, nil
}

const allocateSequences = `
	UPDATE products
	SET next_seq = next_seq + $1
	WHERE gtin = $2
	RETURNING next_seq - $1`

// AllocateSequences reserves n consecutive unit sequence numbers of a
// product and returns the first. A product's first allocation starts at 0.
// Allocations never overlap: of two Updates that allocate from one product
// at once, the server aborts one, which Update runs again. n must be
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
