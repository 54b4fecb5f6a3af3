package postgres

import (
	"context"

	"genuine"

	"github.com/jackc/pgx/v5/pgtype"
)

const insertAPIKey = `
	INSERT INTO api_keys (id, role, brand_id, merchant_id, name, hash, created_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7)`

// CreateAPIKey inserts a key; EConflict if its id or hash exists.
func (t *tx) CreateAPIKey(ctx context.Context, k *genuine.APIKey) error {
	_, err := t.exec(ctx, insertAPIKey,
		k.ID, k.Role, nullString(k.BrandID), nullString(k.MerchantID), k.Name, k.Hash, k.CreatedAt)
	return storeError(err, "API key %s", k.ID)
}

const selectAPIKeyByHash = `
	SELECT id, role, brand_id, merchant_id, name, hash, created_at
	FROM api_keys
	WHERE hash = $1`

// APIKeyByHash returns the key with the given hash.
func (t *tx) APIKeyByHash(ctx context.Context, hash []byte) (*genuine.APIKey, error) {
	var k genuine.APIKey
	var brandID, merchantID pgtype.Text
	err := t.queryRow(ctx, selectAPIKeyByHash, hash).Scan(
		&k.ID, &k.Role, &brandID, &merchantID, &k.Name, &k.Hash, &k.CreatedAt)
	if err != nil {
		// The hash stands for a secret: it is not repeated in the message.
		return nil, storeError(err, "API key")
	}
	k.BrandID, k.MerchantID = brandID.String, merchantID.String
	return &k, nil
}

const countAPIKeys = `SELECT count(*) FROM api_keys WHERE role = $1`

// CountAPIKeys returns how many keys of a role exist.
func (t *tx) CountAPIKeys(ctx context.Context, role genuine.Role) (int, error) {
	var n int
	err := t.queryRow(ctx, countAPIKeys, role).Scan(&n)
	return n, storeError(err, "API keys")
}
