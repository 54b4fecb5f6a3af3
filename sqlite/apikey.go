package sqlite

import (
	"context"
	"database/sql"
	"time"

	"genuine"
)

const insertAPIKey = `
	INSERT INTO api_keys (id, role, brand_id, merchant_id, name, hash, created_at, expires_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// CreateAPIKey inserts a key; EConflict if its id or hash exists.
func (t *tx) CreateAPIKey(ctx context.Context, k *genuine.APIKey) error {
	_, err := t.exec(ctx, insertAPIKey,
		k.ID, k.Role, nullString(k.BrandID), nullString(k.MerchantID), k.Name, k.Hash,
		timeValue(k.CreatedAt), nullTime(k.ExpiresAt))
	return storeError(err, "API key %s", k.ID)
}

const apiKeyColumns = `id, role, brand_id, merchant_id, name, hash, created_at, expires_at, revoked_at`

const selectAPIKeyByHash = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE hash = ?`

// APIKeyByHash returns the key with the given hash.
func (t *tx) APIKeyByHash(ctx context.Context, hash []byte) (*genuine.APIKey, error) {
	k, err := scanAPIKey(t.queryRow(ctx, selectAPIKeyByHash, hash))
	// The hash stands for a secret: it is not repeated in the message.
	return k, storeError(err, "API key")
}

const selectAPIKey = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE id = ?`

// APIKey returns the key with the given id.
func (t *tx) APIKey(ctx context.Context, id string) (*genuine.APIKey, error) {
	k, err := scanAPIKey(t.queryRow(ctx, selectAPIKey, id))
	return k, storeError(err, "API key %s", id)
}

// selectAPIKeys selects by role, brand and merchant, each matching any
// value when empty; there are few keys, so no index is needed.
const selectAPIKeys = `SELECT ` + apiKeyColumns + ` FROM api_keys
	WHERE (?1 = '' OR role = ?1) AND (?2 = '' OR brand_id = ?2) AND (?3 = '' OR merchant_id = ?3)
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

const revokeAPIKey = `UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`

// RevokeAPIKey marks a key revoked at at, keeping an earlier revocation.
func (t *tx) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	res, err := t.exec(ctx, revokeAPIKey, timeValue(at), id)
	return updated(res, err, "API key %s", id)
}

// scanAPIKey reads a row of apiKeyColumns.
func scanAPIKey(row scanner) (*genuine.APIKey, error) {
	var k genuine.APIKey
	var brandID, merchantID, expires, revoked sql.NullString
	err := row.Scan(&k.ID, &k.Role, &brandID, &merchantID, &k.Name, &k.Hash, scanTime(&k.CreatedAt), &expires, &revoked)
	if err != nil {
		return nil, err
	}
	k.BrandID, k.MerchantID = brandID.String, merchantID.String
	if err := scanNullTime(expires, &k.ExpiresAt); err != nil {
		return nil, err
	}
	if err := scanNullTime(revoked, &k.RevokedAt); err != nil {
		return nil, err
	}
	return &k, nil
}

const countAPIKeys = `SELECT count(*) FROM api_keys WHERE role = ?`

// CountAPIKeys returns how many keys of a role exist.
func (t *tx) CountAPIKeys(ctx context.Context, role genuine.Role) (int, error) {
	var n int
	err := t.queryRow(ctx, countAPIKeys, role).Scan(&n)
	return n, storeError(err, "API keys")
}
