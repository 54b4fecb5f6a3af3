package postgres

import (
	"context"

	"genuine"

	"github.com/jackc/pgx/v5/pgtype"
)

const insertBrand = `
	INSERT INTO brands (id, name, link_stem, lot_in_link, expiry_in_link, serials, active_key, created_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

// CreateBrand inserts a brand with its code rule; EConflict if its id exists.
func (t *tx) CreateBrand(ctx context.Context, b *genuine.Brand) error {
	_, err := t.exec(ctx, insertBrand,
		b.ID, b.Name, b.CodeRule.LinkStem, b.CodeRule.LotInLink, b.CodeRule.ExpiryInLink,
		b.CodeRule.Serials, b.CodeRule.ActiveKey, b.CreatedAt)
	return storeError(err, "brand %s", b.ID)
}

const selectBrand = `
	SELECT id, name, link_stem, lot_in_link, expiry_in_link, serials, active_key, created_at,
		(SELECT array_agg(prefix ORDER BY prefix) FROM gs1_prefixes WHERE brand_id = brands.id)
	FROM brands
	WHERE id = $1`

// Brand returns the brand with the given id, with its GS1 prefixes.
func (t *tx) Brand(ctx context.Context, id string) (*genuine.Brand, error) {
	var b genuine.Brand
	err := t.queryRow(ctx, selectBrand, id).Scan(
		&b.ID, &b.Name, &b.CodeRule.LinkStem, &b.CodeRule.LotInLink, &b.CodeRule.ExpiryInLink,
		&b.CodeRule.Serials, &b.CodeRule.ActiveKey, &b.CreatedAt, &b.GS1Prefixes)
	if err != nil {
		return nil, storeError(err, "brand %s", id)
	}
	return &b, nil
}

const updateCodeRule = `
	UPDATE brands
	SET link_stem = $1, lot_in_link = $2, expiry_in_link = $3, serials = $4, active_key = $5
	WHERE id = $6`

// UpdateCodeRule replaces a brand's code rule.
func (t *tx) UpdateCodeRule(ctx context.Context, brandID string, r genuine.CodeRule) error {
	tag, err := t.exec(ctx, updateCodeRule,
		r.LinkStem, r.LotInLink, r.ExpiryInLink, r.Serials, r.ActiveKey, brandID)
	return updated(tag, err, "brand %s", brandID)
}

const insertSigningKey = `
	INSERT INTO signing_keys (brand_id, id, secret, created_at, retired_at, revoked_at)
	VALUES ($1, $2, $3, $4, $5, $6)`

// CreateSigningKey adds a key; EConflict if the brand has one of that id,
// ENotFound if the brand does not exist.
func (t *tx) CreateSigningKey(ctx context.Context, k *genuine.SigningKey) error {
	_, err := t.exec(ctx, insertSigningKey, k.BrandID, k.ID, k.Secret, k.CreatedAt, nullTime(k.RetiredAt), nullTime(k.RevokedAt))
	return storeError(err, "signing key %d of brand %s", k.ID, k.BrandID)
}

const selectSigningKeys = `
	SELECT brand_id, id, secret, created_at, retired_at, revoked_at
	FROM signing_keys
	WHERE brand_id = $1
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

// signingKeys reads the keys a query selects, with their times in UTC.
func (t *tx) signingKeys(ctx context.Context, query string, args ...any) ([]*genuine.SigningKey, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []*genuine.SigningKey
	for rows.Next() {
		var k genuine.SigningKey
		var retired, revoked pgtype.Timestamptz
		if err := rows.Scan(&k.BrandID, &k.ID, &k.Secret, &k.CreatedAt, &retired, &revoked); err != nil {
			return nil, err
		}
		k.CreatedAt = k.CreatedAt.UTC()
		if retired.Valid {
			k.RetiredAt = retired.Time.UTC()
		}
		if revoked.Valid {
			k.RevokedAt = revoked.Time.UTC()
		}
		keys = append(keys, &k)
	}
	return keys, rows.Err()
}

const updateSigningKey = `
	UPDATE signing_keys
	SET secret = $1, retired_at = $2, revoked_at = $3
	WHERE brand_id = $4 AND id = $5`

// UpdateSigningKey writes a key's secret, RetiredAt and RevokedAt.
func (t *tx) UpdateSigningKey(ctx context.Context, k *genuine.SigningKey) error {
	tag, err := t.exec(ctx, updateSigningKey, k.Secret, nullTime(k.RetiredAt), nullTime(k.RevokedAt), k.BrandID, k.ID)
	return updated(tag, err, "signing key %d of brand %s", k.ID, k.BrandID)
}
