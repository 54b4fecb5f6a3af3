package sqlite

import (
	"testing"

	"genuine"
	"genuine/storetest"
)

func TestAuditTamper(t *testing.T) {
	storetest.Tamper(t, func(t *testing.T) (genuine.Store, func(string) error) {
		db := openTest(t)
		return db, func(q string) error { _, err := db.write.Exec(q); return err }
	})
}
