package postgres

import (
	"context"
	"time"
)

const upsertProviderRecord = `
	INSERT INTO provider_records (provider, key, data, updated_at)
	VALUES ($1, $2, $3, $4)
	ON CONFLICT (provider, key) DO UPDATE SET
		data = excluded.data,
		updated_at = excluded.updated_at`

// PutProviderRecord stores a payment provider's record under a key,
// replacing the one there. The time it is written is kept for whoever
// inspects the database, and decides nothing.
func (t *tx) PutProviderRecord(ctx context.Context, provider, key string, data []byte) error {
	if data == nil {
		data = []byte{} // no record is NULL
	}
	_, err := t.exec(ctx, upsertProviderRecord, provider, key, data, time.Now())
	return storeError(err, "record %q of provider %s", key, provider)
}

const selectProviderRecord = `
	SELECT data
	FROM provider_records
	WHERE provider = $1 AND key = $2`

// ProviderRecord returns the record a payment provider stored under a key.
func (t *tx) ProviderRecord(ctx context.Context, provider, key string) ([]byte, error) {
	var data []byte
	if err := t.queryRow(ctx, selectProviderRecord, provider, key).Scan(&data); err != nil {
		return nil, storeError(err, "record %q of provider %s", key, provider)
	}
	return data, nil
}
