package sqlite

import "context"

const selectSecret = `SELECT value FROM secrets WHERE name = ?`

// Secret returns the sealed secret stored under a name.
func (t *tx) Secret(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	if err := t.queryRow(ctx, selectSecret, name).Scan(&v); err != nil {
		return nil, storeError(err, "secret %s", name)
	}
	return v, nil
}

const upsertSecret = `
	INSERT INTO secrets (name, value) VALUES (?, ?)
	ON CONFLICT (name) DO UPDATE SET value = excluded.value`

// PutSecret stores a sealed secret under a name, replacing any.
func (t *tx) PutSecret(ctx context.Context, name string, sealed []byte) error {
	_, err := t.exec(ctx, upsertSecret, name, sealed)
	return storeError(err, "secret %s", name)
}

const selectSecrets = `SELECT name, value FROM secrets ORDER BY name`

// Secrets returns every sealed secret by name.
func (t *tx) Secrets(ctx context.Context) (map[string][]byte, error) {
	rows, err := t.query(ctx, selectSecrets)
	if err != nil {
		return nil, storeError(err, "secrets")
	}
	defer rows.Close()
	out := make(map[string][]byte)
	for rows.Next() {
		var name string
		var v []byte
		if err := rows.Scan(&name, &v); err != nil {
			return nil, storeError(err, "secrets")
		}
		out[name] = v
	}
	return out, storeError(rows.Err(), "secrets")
}
