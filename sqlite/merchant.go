package sqlite

import (
	"context"
	"database/sql"

	"genuine"
)

const insertMerchant = `
	INSERT INTO merchants (id, name, region, lat, lon, created_at, time_zone)
	VALUES (?, ?, ?, ?, ?, ?, ?)`

// CreateMerchant inserts a merchant; EConflict if its id exists.
func (t *tx) CreateMerchant(ctx context.Context, m *genuine.Merchant) error {
	_, err := t.exec(ctx, insertMerchant,
		m.ID, m.Name, m.Region, nullFloat(m.Lat), nullFloat(m.Lon), timeValue(m.CreatedAt), m.TimeZone)
	return storeError(err, "merchant %s", m.ID)
}

const selectMerchant = `
	SELECT id, name, region, lat, lon, created_at, time_zone
	FROM merchants
	WHERE id = ?`

// Merchant returns the merchant with the given id.
func (t *tx) Merchant(ctx context.Context, id string) (*genuine.Merchant, error) {
	var m genuine.Merchant
	var lat, lon sql.NullFloat64
	err := t.queryRow(ctx, selectMerchant, id).Scan(
		&m.ID, &m.Name, &m.Region, &lat, &lon, scanTime(&m.CreatedAt), &m.TimeZone)
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

// nullFloat returns *f, or NULL for nil.
func nullFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
