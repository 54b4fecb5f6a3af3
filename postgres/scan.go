package postgres

import (
	"context"
	"errors"
	"fmt"

	"genuine/genuine"

	"github.com/jackc/pgx/v5"
)

const selectUnitScan = `
	SELECT lat, lon, at
	FROM unit_scans
	WHERE gtin = $1 AND seq = $2`

// Scan returns how many times a unit was verified (0 if never) and its
// last located scan (nil if none).
func (t *tx) Scan(ctx context.Context, gtin string, seq int64) (int64, *genuine.ScanPoint, error) {
	count, _, err := t.Verifications(ctx, gtin, seq)
	if err != nil {
		return 0, nil, err
	}
	var p genuine.ScanPoint
	err = t.queryRow(ctx, selectUnitScan, gtin, seq).Scan(&p.Lat, &p.Lon, &p.At)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return count, nil, nil
	case err != nil:
		return 0, nil, storeError(err, "scans of unit %d of product %s", seq, gtin)
	}
	return count, &p, nil
}

// upsertUnitScan keeps a unit's latest located scan: one recorded late
// with an earlier time (from a node whose clock is behind) does not
// replace it.
const upsertUnitScan = `
	INSERT INTO unit_scans (gtin, seq, lat, lon, at)
	VALUES ($1, $2, $3, $4, $5)
	ON CONFLICT (gtin, seq) DO UPDATE SET
		lat = excluded.lat,
		lon = excluded.lon,
		at = excluded.at
	WHERE excluded.at >= unit_scans.at`

// RecordScan records a located scan of a unit, which Scan returns until a
// later one is recorded; ENotFound if the unit's product does not exist.
func (t *tx) RecordScan(ctx context.Context, gtin string, seq int64, p genuine.ScanPoint) error {
	t.execLater(fmt.Sprintf("scan of unit %d of product %s", seq, gtin), upsertUnitScan, gtin, seq, p.Lat, p.Lon, p.At)
	return nil
}
