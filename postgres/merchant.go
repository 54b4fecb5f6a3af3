package postgres

import (
	"context"

	"genuine"
)

const insertMerchant = `
	INSERT INTO merchants (id, name, region, lat, lon, created_at, time_zone, self_checkout, max_open_carts)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

// CreateMerchant inserts a merchant; EConflict if its id exists. Missing
// coordinates are NULL.
func (t *tx) CreateMerchant(ctx context.Context, m *genuine.Merchant) error {
	_, err := t.exec(ctx, insertMerchant, m.ID, m.Name, m.Region, m.Lat, m.Lon, m.CreatedAt, m.TimeZone,
		m.SelfCheckout.Enabled, m.SelfCheckout.MaxOpenCarts)
	return storeError(err, "merchant %s", m.ID)
}

const selectMerchant = `
	SELECT id, name, region, lat, lon, created_at, time_zone, self_checkout, max_open_carts
	FROM merchants
	WHERE id = $1`

// Merchant returns the merchant with the given id.
func (t *tx) Merchant(ctx context.Context, id string) (*genuine.Merchant, error) {
	var m genuine.Merchant
	// pgx scans NULL coordinates as nil pointers.
	err := t.queryRow(ctx, selectMerchant, id).Scan(&m.ID, &m.Name, &m.Region, &m.Lat, &m.Lon, &m.CreatedAt, &m.TimeZone,
		&m.SelfCheckout.Enabled, &m.SelfCheckout.MaxOpenCarts)
	if err != nil {
		return nil, storeError(err, "merchant %s", id)
	}
	return &m, nil
}

const updateSelfCheckout = `UPDATE merchants SET self_checkout = $1, max_open_carts = $2 WHERE id = $3`

// SetSelfCheckout writes a merchant's self-checkout setting; ENotFound if
// there is no such merchant.
func (t *tx) SetSelfCheckout(ctx context.Context, merchantID string, sc genuine.SelfCheckout) error {
	tag, err := t.exec(ctx, updateSelfCheckout, sc.Enabled, sc.MaxOpenCarts, merchantID)
	return updated(tag, err, "merchant %s", merchantID)
}
