package postgres

import (
	"context"
	"database/sql"

	"genuine"
)

// alertColumns are the columns Alerts reads, in its order.
const alertColumns = `id, brand_id, gtin, serial, rule, code, action, message, merchant_id,
	count, first_at, last_at`

// selectAlertColumns are alertColumns as scanned: an alert that names no
// merchant (a shopper's report) has merchant_id NULL, read as "".
const selectAlertColumns = `id, brand_id, gtin, serial, rule, code, action, message,
	COALESCE(merchant_id, ''), count, first_at, last_at`

// raiseAlert inserts an alert with a count of 1 or, if the brand has one
// for the unit and code, counts that one up; either way it returns the
// stored id and count. It is SQLite's statement with PostgreSQL's
// placeholders.
const raiseAlert = `
	INSERT INTO alerts (` + alertColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11)
	ON CONFLICT (brand_id, gtin, serial, code) DO UPDATE SET
		count = alerts.count + 1,
		last_at = excluded.last_at,
		merchant_id = excluded.merchant_id,
		message = excluded.message,
		action = excluded.action
	RETURNING id, count`

// RaiseAlert records an alert, or counts it up if the brand has one for
// the same unit (GTIN and serial) and code: Count+1, and the LastAt,
// MerchantID, Message and Action of a; its ID, Rule and FirstAt stay. It
// sets a.ID and a.Count to the stored ones. a.Count is not read: a new
// alert counts 1. Of two Updates that raise one alert at once, the server
// aborts the second, which Update runs again and which then counts on from
// the first's.
func (t *tx) RaiseAlert(ctx context.Context, a *genuine.Alert) error {
	err := t.queryRow(ctx, raiseAlert,
		a.ID, a.BrandID, a.GTIN, a.Serial, a.Rule, a.Code, a.Action, a.Message,
		sql.NullString{String: a.MerchantID, Valid: a.MerchantID != ""},
		a.FirstAt, a.LastAt).Scan(&a.ID, &a.Count)
	return storeError(err, "alert %s", a.ID)
}

const selectAlerts = `
	SELECT ` + selectAlertColumns + `
	FROM alerts
	WHERE brand_id = $1
	ORDER BY last_at DESC, added DESC
	LIMIT $2`

// Alerts returns a brand's alerts, most recently raised first (of those
// raised at the same time, the one first raised last), at most limit:
// defaultLimit if limit is not positive, and never more than maxLimit.
func (t *tx) Alerts(ctx context.Context, brandID string, limit int) ([]*genuine.Alert, error) {
	rows, err := t.query(ctx, selectAlerts, brandID, clampLimit(limit))
	if err != nil {
		return nil, storeError(err, "alerts of brand %s", brandID)
	}
	defer rows.Close()
	var as []*genuine.Alert
	for rows.Next() {
		var a genuine.Alert
		err := rows.Scan(&a.ID, &a.BrandID, &a.GTIN, &a.Serial, &a.Rule, &a.Code, &a.Action,
			&a.Message, &a.MerchantID, &a.Count, &a.FirstAt, &a.LastAt)
		if err != nil {
			return nil, storeError(err, "alerts of brand %s", brandID)
		}
		as = append(as, &a)
	}
	return as, storeError(rows.Err(), "alerts of brand %s", brandID)
}
