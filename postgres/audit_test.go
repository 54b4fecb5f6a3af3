package postgres

import (
	"testing"
	"time"

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

// A record whose transaction commits after a record with a higher id was
// chained is chained by the chainer's next look-back.
func TestAuditChainsLateCommits(t *testing.T) {
	requireServer(t)
	ctx := t.Context()
	db := openTest(t)
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	app := genuine.NewApp(db, genuine.Config{Now: func() time.Time { return now }})
	t.Cleanup(func() { app.Close() })
	admin := &genuine.Principal{KeyID: "key_1", Role: genuine.RoleAdmin}
	pass := func() {
		t.Helper()
		now = now.Add(time.Second)
		if _, err := app.ChainAudit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for range 40 { // long enough for every look-back to have a mark
		pass()
	}
	late, err := db.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer late.Rollback(ctx)
	if _, err := late.Exec(ctx, insertAudit, now, "key_2", "brand", "brd_1", "brd_1", "batch.create", "bat_1", ""); err != nil {
		t.Fatal(err)
	}
	if err := app.CreateBrand(ctx, admin, &genuine.Brand{Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	pass() // chains the brand's record, whose id is the higher
	if err := late.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	pass()
	if rep, err := app.VerifyAudit(ctx); err != nil || rep.Chained != 1 || rep.Pending != 1 {
		t.Fatalf("before the look-back: %+v, %v; want 1 chained, the late one pending", rep, err)
	}
	for range 10 {
		pass()
	}
	rep, err := app.VerifyAudit(ctx)
	if err != nil || rep.Broken != nil || rep.Chained != 2 || rep.Pending != 0 {
		t.Fatalf("after the look-back: %+v, %v; want both chained, whole", rep, err)
	}
}
