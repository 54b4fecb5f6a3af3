package sqlite

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"testing"

	"genuine"
)

// Migration 0008 moves the simulated provider's notification key, which a
// store made before it kept as a provider record, to the secrets, where
// genuine.OpenStore seals it.
func TestMigrationMovesNotificationKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "genuine.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	// The store as it was before 0008, with the key as a record.
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{0xa5}, 32)
	for _, q := range []string{
		`DROP TABLE secrets`,
		`ALTER TABLE signing_keys DROP COLUMN retired_at`,
		`ALTER TABLE signing_keys DROP COLUMN revoked_at`,
		`DELETE FROM schema_migrations WHERE version = 8`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := raw.Exec(`INSERT INTO provider_records (provider, key, data, updated_at) VALUES ('simulated', 'secret', ?, '2026-01-01T00:00:00.000000000Z')`, key); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(t.Context(), func(tx genuine.Tx) error {
		got, err := tx.Secret(t.Context(), "provider/simulated")
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("the key among the secrets: %x, %v", got, err)
		}
		if _, err := tx.ProviderRecord(t.Context(), "simulated", "secret"); genuine.ErrorCode(err) != genuine.ENotFound {
			t.Errorf("the key is still a provider record: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
