package postgres

import (
	"testing"

	"genuine"
	"genuine/storetest"
)

func TestAuditTamper(t *testing.T) {
	requireServer(t)
	storetest.Tamper(t, func(t *testing.T) (genuine.Store, func(string) error) {
		db := openTest(t)
		return db, func(q string) error { _, err := db.pool.Exec(t.Context(), q); return err }
	})
}
