package postgres

import (
	"context"
	"time"

	"genuine"

	"github.com/jackc/pgx/v5/pgtype"
)

const insertAPIKey = `
	INSERT INTO api_keys (id, role, brand_id, merchant_id, name, hash, created_at, expires_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

// CreateAPIKey inserts a key; EConflict if its id or hash exists.
func (t *tx) CreateAPIKey(ctx context.Context, k *genuine.APIKey) error {
	_, err := t.exec(ctx, insertAPIKey,
		k.ID, k.Role, nullString(k.BrandID), nullString(k.MerchantID), k.Name, k.Hash, k.CreatedAt,
		nullTime(k.ExpiresAt))
	return storeError(err, "API key %s", k.ID)
}

const apiKeyColumns = `id, role, brand_id, merchant_id, name, hash, created_at, expires_at, revoked_at`

const selectAPIKeyByHash = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE hash = $1`

// APIKeyByHash returns the key with the given hash.
func (t *tx) APIKeyByHash(ctx context.Context, hash []byte) (*genuine.APIKey, error) {
	k, err := scanAPIKey(t.queryRow(ctx, selectAPIKeyByHash, hash))
	// The hash stands for a secret: it is not repeated in the message.
	return k, storeError(err, "API key")
}

const selectAPIKey = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE id = $1`

// APIKey returns the key with the given id.
func (t *tx) APIKey(ctx context.Context, id string) (*genuine.APIKey, error) {
	k, err := scanAPIKey(t.queryRow(ctx, selectAPIKey, id))
	return k, storeError(err, "API key %s", id)
}

// selectAPIKeys selects by role, brand and merchant, each matching any
// value when empty; there are few keys, so no index is needed.
const selectAPIKeys = `SELECT ` + apiKeyColumns + ` FROM api_keys
	WHERE ($1::text = '' OR role = $1) AND ($2::text = '' OR brand_id = $2) AND ($3::text = '' OR merchant_id = $3)
	ORDER BY created_at, id`

// APIKeys returns the keys f selects, oldest first.
func (t *tx) APIKeys(ctx context.Context, f genuine.APIKeyFilter) ([]*genuine.APIKey, error) {
	rows, err := t.query(ctx, selectAPIKeys, string(f.Role), f.BrandID, f.MerchantID)
	if err != nil {
		return nil, storeError(err, "API keys")
	}
	defer rows.Close()
	var keys []*genuine.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, storeError(err, "API keys")
		}
		keys = append(keys, k)
	}
	return keys, storeError(rows.Err(), "API keys")
}

const revokeAPIKey = `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2`

// RevokeAPIKey marks a key revoked at at, keeping an earlier revocation.
func (t *tx) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	tag, err := t.exec(ctx, revokeAPIKey, at, id)
	return updated(tag, err, "API key %s", id)
}

// scanAPIKey reads a row of apiKeyColumns.
func scanAPIKey(row scanner) (*genuine.APIKey, error) {
	var k genuine.APIKey
	var brandID, merchantID pgtype.Text
	var expires, revoked pgtype.Timestamptz
	err := row.Scan(&k.ID, &k.Role, &brandID, &merchantID, &k.Name, &k.Hash, &k.CreatedAt, &expires, &revoked)
	if err != nil {
		return nil, err
	}
	k.BrandID, k.MerchantID = brandID.String, merchantID.String
	if expires.Valid {
		k.ExpiresAt = expires.Time.UTC()
	}
	if revoked.Valid {
		k.RevokedAt = revoked.Time.UTC()
	}
	return &k, nil
}

const countAPIKeys = `SELECT count(*) FROM api_keys WHERE role = $1`

// CountAPIKeys returns how many keys of a role exist.
func (t *tx) CountAPIKeys(ctx context.Context, role genuine.Role) (int, error) {
	var n int
	err := t.queryRow(ctx, countAPIKeys, role).Scan(&n)
	return n, storeError(err, "API keys")
}
