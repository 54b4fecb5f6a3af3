package sqlite

import (
	"context"
	"database/sql"

	"genuine"
)

const insertMerchant = `
	INSERT INTO merchants (id, name, region, lat, lon, created_at, time_zone, self_checkout, max_open_carts)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateMerchant inserts a merchant; EConflict if its id exists.
func (t *tx) CreateMerchant(ctx context.Context, m *genuine.Merchant) error {
	_, err := t.exec(ctx, insertMerchant,
		m.ID, m.Name, m.Region, nullFloat(m.Lat), nullFloat(m.Lon), timeValue(m.CreatedAt), m.TimeZone,
		m.SelfCheckout.Enabled, m.SelfCheckout.MaxOpenCarts)
	return storeError(err, "merchant %s", m.ID)
}

const selectMerchant = `
	SELECT id, name, region, lat, lon, created_at, time_zone, self_checkout, max_open_carts
	FROM merchants
	WHERE id = ?`

// Merchant returns the merchant with the given id.
func (t *tx) Merchant(ctx context.Context, id string) (*genuine.Merchant, error) {
	var m genuine.Merchant
	var lat, lon sql.NullFloat64
	err := t.queryRow(ctx, selectMerchant, id).Scan(
		&m.ID, &m.Name, &m.Region, &lat, &lon, scanTime(&m.CreatedAt), &m.TimeZone,
		&m.SelfCheckout.Enabled, &m.SelfCheckout.MaxOpenCarts)
	if err != nil {
		return nil, storeError(err, "merchant %s", id)
	}
	if lat.Valid {
		m.Lat = &lat.Float64
	}
	if lon.Valid {
		m.Lon = &lon.Float64
	}
	return &m, nil
}

const updateSelfCheckout = `UPDATE merchants SET self_checkout = ?, max_open_carts = ? WHERE id = ?`

// SetSelfCheckout writes a merchant's self-checkout setting; ENotFound if
// there is no such merchant.
func (t *tx) SetSelfCheckout(ctx context.Context, merchantID string, sc genuine.SelfCheckout) error {
	res, err := t.exec(ctx, updateSelfCheckout, sc.Enabled, sc.MaxOpenCarts, merchantID)
	return updated(res, err, "merchant %s", merchantID)
}

// nullFloat returns *f, or NULL for nil.
func nullFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
