package postgres

import (
	"context"
	"fmt"
	"time"

	"genuine"
)

// selectUnitScan reads how many clients verified a unit and its last
// located scan in one statement (one round trip), which gives one row
// whether or not either exists.
const selectUnitScan = `
	SELECT coalesce(v.clients, 0), s.lat, s.lon, s.at
	FROM (SELECT $1::text AS gtin, $2::bigint AS seq) AS k
	LEFT JOIN verifications AS v ON v.gtin = k.gtin AND v.seq = k.seq
	LEFT JOIN unit_scans AS s ON s.gtin = k.gtin AND s.seq = k.seq`

// Scan returns how many distinct clients verified a unit (0 if none) and
// its last located scan (nil if none).
func (t *tx) Scan(ctx context.Context, gtin string, seq int64) (int64, *genuine.ScanPoint, error) {
	var (
		count    int64
		lat, lon *float64
		at       *time.Time
	)
	err := t.queryRow(ctx, selectUnitScan, gtin, seq).Scan(&count, &lat, &lon, &at)
	if err != nil {
		return 0, nil, storeError(err, "scans of unit %d of product %s", seq, gtin)
	}
	if at == nil || lat == nil || lon == nil {
		return count, nil, nil
	}
	return count, &genuine.ScanPoint{Lat: *lat, Lon: *lon, At: *at}, nil
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
