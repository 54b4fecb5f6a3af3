package postgres

import (
	"context"

	"genuine"
)

const insertMerchant = `
	INSERT INTO merchants (id, name, region, lat, lon, created_at, time_zone)
	VALUES ($1, $2, $3, $4, $5, $6, $7)`

// CreateMerchant inserts a merchant; EConflict if its id exists. Missing
// coordinates are NULL.
func (t *tx) CreateMerchant(ctx context.Context, m *genuine.Merchant) error {
	_, err := t.exec(ctx, insertMerchant, m.ID, m.Name, m.Region, m.Lat, m.Lon, m.CreatedAt, m.TimeZone)
	return storeError(err, "merchant %s", m.ID)
}

const selectMerchant = `
	SELECT id, name, region, lat, lon, created_at, time_zone
	FROM merchants
	WHERE id = $1`

// Merchant returns the merchant with the given id.
func (t *tx) Merchant(ctx context.Context, id string) (*genuine.Merchant, error) {
	var m genuine.Merchant
	// pgx scans NULL coordinates as nil pointers.
	err := t.queryRow(ctx, selectMerchant, id).Scan(&m.ID, &m.Name, &m.Region, &m.Lat, &m.Lon, &m.CreatedAt, &m.TimeZone)
	if err != nil {
		return nil, storeError(err, "merchant %s", id)
	}
	return &m, nil
}
