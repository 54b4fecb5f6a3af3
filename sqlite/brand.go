package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"genuine"
)

const insertBrand = `
	INSERT INTO brands (id, name, link_stem, lot_in_link, expiry_in_link, serials, active_key, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// CreateBrand inserts a brand with its code rule; EConflict if its id exists.
func (t *tx) CreateBrand(ctx context.Context, b *genuine.Brand) error {
	_, err := t.exec(ctx, insertBrand,
		b.ID, b.Name, b.CodeRule.LinkStem, b.CodeRule.LotInLink, b.CodeRule.ExpiryInLink,
		b.CodeRule.Serials, b.CodeRule.ActiveKey, timeValue(b.CreatedAt))
	return storeError(err, "brand %s", b.ID)
}

const selectBrand = `
	SELECT id, name, link_stem, lot_in_link, expiry_in_link, serials, active_key, created_at,
		(SELECT group_concat(prefix) FROM gs1_prefixes WHERE brand_id = brands.id)
	FROM brands
	WHERE id = ?`

// Brand returns the brand with the given id, with its GS1 prefixes.
func (t *tx) Brand(ctx context.Context, id string) (*genuine.Brand, error) {
	var b genuine.Brand
	var prefixes sql.NullString
	err := t.queryRow(ctx, selectBrand, id).Scan(
		&b.ID, &b.Name, &b.CodeRule.LinkStem, &b.CodeRule.LotInLink, &b.CodeRule.ExpiryInLink,
		&b.CodeRule.Serials, &b.CodeRule.ActiveKey, scanTime(&b.CreatedAt), &prefixes)
	if err != nil {
		return nil, storeError(err, "brand %s", id)
	}
	if prefixes.Valid {
		b.GS1Prefixes = strings.Split(prefixes.String, ",")
		slices.Sort(b.GS1Prefixes)
	}
	return &b, nil
}

const updateCodeRule = `
	UPDATE brands
	SET link_stem = ?, lot_in_link = ?, expiry_in_link = ?, serials = ?, active_key = ?
	WHERE id = ?`

// UpdateCodeRule replaces a brand's code rule.
func (t *tx) UpdateCodeRule(ctx context.Context, brandID string, r genuine.CodeRule) error {
	res, err := t.exec(ctx, updateCodeRule,
		r.LinkStem, r.LotInLink, r.ExpiryInLink, r.Serials, r.ActiveKey, brandID)
	return updated(res, err, "brand %s", brandID)
}

const insertSigningKey = `
	INSERT INTO signing_keys (brand_id, id, secret, created_at, retired_at, revoked_at)
	VALUES (?, ?, ?, ?, ?, ?)`

// CreateSigningKey adds a key; EConflict if the brand has one of that id.
func (t *tx) CreateSigningKey(ctx context.Context, k *genuine.SigningKey) error {
	_, err := t.exec(ctx, insertSigningKey, k.BrandID, k.ID, k.Secret, timeValue(k.CreatedAt),
		nullTime(k.RetiredAt), nullTime(k.RevokedAt))
	return storeError(err, "signing key %d of brand %s", k.ID, k.BrandID)
}

const selectSigningKeys = `
	SELECT brand_id, id, secret, created_at, retired_at, revoked_at
	FROM signing_keys
	WHERE brand_id = ?
	ORDER BY id`

// SigningKeys returns a brand's keys in order of id; none for a brand
// without keys or an unknown brand.
func (t *tx) SigningKeys(ctx context.Context, brandID string) ([]*genuine.SigningKey, error) {
	keys, err := t.signingKeys(ctx, selectSigningKeys, brandID)
	return keys, storeError(err, "signing keys of brand %s", brandID)
}

const selectAllSigningKeys = `
	SELECT brand_id, id, secret, created_at, retired_at, revoked_at
	FROM signing_keys
	ORDER BY brand_id, id`

// AllSigningKeys returns every brand's keys, by brand and id.
func (t *tx) AllSigningKeys(ctx context.Context) ([]*genuine.SigningKey, error) {
	keys, err := t.signingKeys(ctx, selectAllSigningKeys)
	return keys, storeError(err, "signing keys")
}

// signingKeys reads the keys a query selects.
func (t *tx) signingKeys(ctx context.Context, query string, args ...any) ([]*genuine.SigningKey, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []*genuine.SigningKey
	for rows.Next() {
		var k genuine.SigningKey
		var retired, revoked sql.NullString
		if err := rows.Scan(&k.BrandID, &k.ID, &k.Secret, scanTime(&k.CreatedAt), &retired, &revoked); err != nil {
			return nil, err
		}
		if err := scanNullTime(retired, &k.RetiredAt); err != nil {
			return nil, err
		}
		if err := scanNullTime(revoked, &k.RevokedAt); err != nil {
			return nil, err
		}
		keys = append(keys, &k)
	}
	return keys, rows.Err()
}

const updateSigningKey = `
	UPDATE signing_keys
	SET secret = ?, retired_at = ?, revoked_at = ?
	WHERE brand_id = ? AND id = ?`

// UpdateSigningKey writes a key's secret, RetiredAt and RevokedAt.
func (t *tx) UpdateSigningKey(ctx context.Context, k *genuine.SigningKey) error {
	res, err := t.exec(ctx, updateSigningKey, k.Secret, nullTime(k.RetiredAt), nullTime(k.RevokedAt), k.BrandID, k.ID)
	return updated(res, err, "signing key %d of brand %s", k.ID, k.BrandID)
}
