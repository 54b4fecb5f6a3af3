package sqlite

import (
	"context"
	"database/sql"

	"genuine"
)

// selectUnitScan reads how many clients verified a unit and its last
// located scan in one statement, which gives one row whether or not either
// exists.
const selectUnitScan = `
	SELECT coalesce(v.clients, 0), s.lat, s.lon, s.at
	FROM (SELECT ? AS gtin, ? AS seq) AS k
	LEFT JOIN verifications AS v ON v.gtin = k.gtin AND v.seq = k.seq
	LEFT JOIN unit_scans AS s ON s.gtin = k.gtin AND s.seq = k.seq`

// Scan returns how many distinct clients verified a unit (0 if none) and
// its last located scan (nil if none).
func (t *tx) Scan(ctx context.Context, gtin string, seq int64) (int64, *genuine.ScanPoint, error) {
	var (
		count    int64
		lat, lon sql.NullFloat64
		at       sql.NullString
	)
	err := t.queryRow(ctx, selectUnitScan, gtin, seq).Scan(&count, &lat, &lon, &at)
	if err != nil {
		return 0, nil, storeError(err, "scans of unit %d of product %s", seq, gtin)
	}
	if !at.Valid {
		return count, nil, nil
	}
	p := &genuine.ScanPoint{Lat: lat.Float64, Lon: lon.Float64}
	if err := scanTime(&p.At).Scan(at.String); err != nil {
		return 0, nil, storeError(err, "scans of unit %d of product %s", seq, gtin)
	}
	return count, p, nil
}

// upsertUnitScan keeps a unit's latest located scan: one recorded late
// with an earlier time (from a node whose clock is behind) does not
// replace it.
const upsertUnitScan = `
	INSERT INTO unit_scans (gtin, seq, lat, lon, at)
	VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (gtin, seq) DO UPDATE SET
		lat = excluded.lat,
		lon = excluded.lon,
		at = excluded.at
	WHERE excluded.at >= unit_scans.at`

// RecordScan records a located scan of a unit, which Scan returns until a
// later one is recorded; ENotFound if the unit's product does not exist.
func (t *tx) RecordScan(ctx context.Context, gtin string, seq int64, p genuine.ScanPoint) error {
	_, err := t.exec(ctx, upsertUnitScan, gtin, seq, p.Lat, p.Lon, timeValue(p.At))
	return storeError(err, "scan of unit %d of product %s", seq, gtin)
}
