package sqlite

import (
	"context"

	"genuine"
)

const (
	deleteGS1Prefixes = `DELETE FROM gs1_prefixes WHERE brand_id = ?`
	insertGS1Prefix   = `INSERT INTO gs1_prefixes (prefix, brand_id) VALUES (?, ?)`
	selectGS1Prefixes = `SELECT prefix, brand_id FROM gs1_prefixes ORDER BY prefix`
)

// SetGS1Prefixes replaces a brand's GS1 company prefixes; EConflict if
// another brand holds one, ENotFound if prefixes are given for a brand
// that does not exist.
func (t *tx) SetGS1Prefixes(ctx context.Context, brandID string, prefixes []string) error {
	if _, err := t.exec(ctx, deleteGS1Prefixes, brandID); err != nil {
		return storeError(err, "GS1 prefixes of brand %s", brandID)
	}
	for _, p := range prefixes {
		if _, err := t.exec(ctx, insertGS1Prefix, p, brandID); err != nil {
			return storeError(err, "GS1 prefix %s of brand %s", p, brandID)
		}
	}
	return nil
}

// GS1Prefixes returns every brand's GS1 company prefixes, in order of
// prefix.
func (t *tx) GS1Prefixes(ctx context.Context) ([]genuine.GS1Prefix, error) {
	rows, err := t.query(ctx, selectGS1Prefixes)
	if err != nil {
		return nil, storeError(err, "GS1 prefixes")
	}
	defer rows.Close()
	var ps []genuine.GS1Prefix
	for rows.Next() {
		var p genuine.GS1Prefix
		if err := rows.Scan(&p.Prefix, &p.BrandID); err != nil {
			return nil, storeError(err, "GS1 prefixes")
		}
		ps = append(ps, p)
	}
	return ps, storeError(rows.Err(), "GS1 prefixes")
}
