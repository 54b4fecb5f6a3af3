package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"genuine"
	"genuine/storetest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestStore(t *testing.T) {
	requireServer(t)
	storetest.Run(t, func(t *testing.T) genuine.Store { return openTest(t) })
}

var testBrand = &genuine.Brand{ID: "brd_00000000000000000001", Name: "Brand", CreatedAt: time.Now()}

// createBrand creates a brand with the given id in db.
func createBrand(t testing.TB, db *DB, id string) {
	t.Helper()
	b := *testBrand
	b.ID = id
	if err := db.Update(t.Context(), func(tx genuine.Tx) error { return tx.CreateBrand(t.Context(), &b) }); err != nil {
		t.Fatal(err)
	}
}

// brandErr returns the error of looking up a brand in a View: nil if it
// exists.
func brandErr(t testing.TB, db *DB, id string) error {
	return db.View(t.Context(), func(tx genuine.Tx) error {
		_, err := tx.Brand(t.Context(), id)
		return err
	})
}

// appliedMigrations returns the versions recorded in schema_migrations and
// when each was applied.
func appliedMigrations(t *testing.T, db *DB) map[int]time.Time {
	t.Helper()
	rows, err := db.pool.Query(t.Context(), `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		t.Fatal(err)
	}
	applied := make(map[int]time.Time)
	var v int
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&v, &at}, func() error {
		applied[v] = at
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return applied
}

func TestMigrationsAppliedOnce(t *testing.T) {
	ms, err := migrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	db := openConfigTest(t, cfg)
	first := appliedMigrations(t, db)
	if len(first) != len(ms) {
		t.Fatalf("schema_migrations records %d versions, want %d", len(first), len(ms))
	}
	db.Close()

	again := appliedMigrations(t, openConfigTest(t, cfg))
	if fmt.Sprint(again) != fmt.Sprint(first) {
		t.Errorf("after reopening, schema_migrations = %v, want %v unchanged", again, first)
	}
}

// TestConcurrentOpen opens one new database from many goroutines at once,
// as servers starting together do: each migration must be applied once,
// and no Open may fail.
func TestConcurrentOpen(t *testing.T) {
	ms, err := migrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	const servers = 8
	dbs := make([]*DB, servers)
	var wg sync.WaitGroup
	for i := range dbs {
		wg.Go(func() {
			db, err := openConfig(t.Context(), cfg.Copy())
			if err != nil {
				t.Errorf("Open %d: %v", i, err)
				return
			}
			dbs[i] = db
		})
	}
	wg.Wait()
	for _, db := range dbs {
		if db != nil {
			defer db.Close()
		}
	}
	if t.Failed() {
		return
	}
	applied := appliedMigrations(t, dbs[0])
	for _, m := range ms {
		if _, ok := applied[m.version]; !ok {
			t.Errorf("migration %s not recorded", m.name)
		}
	}
	if len(applied) != len(ms) {
		t.Errorf("schema_migrations records %d versions, want %d", len(applied), len(ms))
	}
}

func TestMigrationNames(t *testing.T) {
	file := &fstest.MapFile{Data: []byte("CREATE TABLE t (x integer);")}
	tests := []struct {
		names []string
		ok    bool
	}{
		{[]string{"0001_init.sql", "0002_more.sql"}, true},
		{[]string{"0002_more.sql", "0001_init.sql", "0003_x.sql"}, true},
		{[]string{"0001_init.sql", "0003_gap.sql"}, true},
		{[]string{"0002_no_first.sql"}, true},
		{[]string{"0000_zero.sql"}, false},
		{[]string{"0001_init.sql", "0001_twice.sql"}, false},
		{[]string{"1_short.sql"}, false},
		{[]string{"init.sql"}, false},
	}
	for _, tt := range tests {
		fsys := fstest.MapFS{}
		for _, n := range tt.names {
			fsys["migrations/"+n] = file
		}
		ms, err := migrations(fsys)
		if (err == nil) != tt.ok {
			t.Errorf("migrations(%v) = %d migrations, %v; want ok %v", tt.names, len(ms), err, tt.ok)
		}
	}
}

func TestRefuseNewerSchema(t *testing.T) {
	cfg := testConfig(t)
	db := openConfigTest(t, cfg)
	ms, err := migrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(t.Context(), `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())`,
		ms[len(ms)-1].version+1); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = openConfig(t.Context(), cfg.Copy())
	if err == nil {
		db.Close()
		t.Fatal("Open of a database with a newer schema succeeded")
	}
	if !errors.Is(err, errSchemaNewer) {
		t.Errorf("Open of a database with a newer schema: %v, want errSchemaNewer", err)
	}
}

// TestRetryUnderContention increments one counter from many goroutines,
// each Update reading it and writing it plus one: only serializable
// transactions, retried when the server aborts them, keep every increment.
// Eight writers of one row make contention enough; sixteen, on a CPU the
// rest of the suite keeps busy, can make one of them lose maxAttempts times
// in a row, and give up as designed ("the store is busy").
func TestRetryUnderContention(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	const goroutines, increments = 8, 20
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range increments {
				err := db.Update(ctx, func(tx genuine.Tx) error {
					n := 0
					data, err := tx.ProviderRecord(ctx, "test", "counter")
					if err == nil {
						n, err = strconv.Atoi(string(data))
					}
					if err != nil && genuine.ErrorCode(err) != genuine.ENotFound {
						return err
					}
					return tx.PutProviderRecord(ctx, "test", "counter", []byte(strconv.Itoa(n+1)))
				})
				if err != nil {
					t.Errorf("Update: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	var data []byte
	err := db.View(ctx, func(tx genuine.Tx) (err error) {
		data, err = tx.ProviderRecord(ctx, "test", "counter")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := strconv.Itoa(goroutines * increments); string(data) != want {
		t.Errorf("after %s increments from %d goroutines, the counter is %s", want, goroutines, data)
	}
	if db.retries.Load() == 0 {
		t.Error("no Update was retried: the test made no contention")
	}
	t.Logf("%d retries for %d Updates", db.retries.Load(), goroutines*increments)
}

// TestSerializable runs the check-then-insert of a first admin key from
// several Updates at once, each counting the keys before any inserts. Each
// inserts a row of its own, so only serializable isolation, not snapshot
// isolation, keeps it to one key.
func TestSerializable(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	// No more than the pool's connections, which all wait at the barrier.
	const writers = 4
	var counted, wg sync.WaitGroup
	counted.Add(writers)
	for i := range writers {
		wg.Go(func() {
			first := true
			err := db.Update(ctx, func(tx genuine.Tx) error {
				n, err := tx.CountAPIKeys(ctx, genuine.RoleAdmin)
				if first {
					first = false
					counted.Done()
					counted.Wait()
				}
				if err != nil || n > 0 {
					return err
				}
				return tx.CreateAPIKey(ctx, &genuine.APIKey{ID: fmt.Sprintf("key_%d", i), Role: genuine.RoleAdmin,
					Hash: genuine.HashAPIKey(strconv.Itoa(i)), CreatedAt: time.Now()})
			})
			if err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
	wg.Wait()
	err := db.View(ctx, func(tx genuine.Tx) error {
		n, err := tx.CountAPIKeys(ctx, genuine.RoleAdmin)
		if err == nil && n != 1 {
			t.Errorf("after concurrent first-key Updates there are %d admin keys, want 1", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRetryAfterSwallowedAbort has fn ignore the error of a statement the
// server aborted: Update must still run it again rather than commit.
func TestRetryAfterSwallowedAbort(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	runs := 0
	err := db.Update(ctx, func(gtx genuine.Tx) error {
		if gtx.(*tx).recording() {
			// Update's first run, which sends nothing (group.go): a
			// statement makes Update run fn in a transaction.
			_, err := gtx.(*tx).exec(ctx, "SELECT 1")
			return err
		}
		if runs++; runs == 1 {
			_, err := gtx.(*tx).exec(ctx, `DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '40001'; END $$`)
			if !retryable(err) {
				t.Errorf("the raised serialization failure gave %v", err)
			}
		}
		return gtx.CreateBrand(ctx, testBrand)
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Errorf("fn ran %d times, want 2", runs)
	}
	if err := brandErr(t, db, testBrand.ID); err != nil {
		t.Errorf("the brand of the second run: %v", err)
	}
}

// TestSwallowedErrorCommitsNothing has fn ignore a statement's error that
// is not an abort to retry: the server rolls back at COMMIT, and Update
// must say so rather than report success.
func TestSwallowedErrorCommitsNothing(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	err := db.Update(ctx, func(gtx genuine.Tx) error {
		if err := gtx.CreateBrand(ctx, testBrand); err != nil {
			return err
		}
		gtx.CreateBrand(ctx, testBrand) // a duplicate: the transaction fails
		return nil
	})
	if err == nil {
		t.Fatal("Update after a swallowed error returned nil")
	}
	if err := brandErr(t, db, testBrand.ID); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("brand of the failed transaction: %v, want none", err)
	}
}

// TestQueuedInsertError checks that the error of an insert queued to be
// sent with the commit is Update's, mapped as any other: a checkout whose
// idempotency key was used before is EConflict, and nothing of its
// transaction is committed.
func TestQueuedInsertError(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	createBrand(t, db, testBrand.ID)
	m := &genuine.Merchant{ID: "mer_00000000000000000001", Name: "Shop", Region: "CN-GD", CreatedAt: time.Now()}
	if err := db.Update(ctx, func(tx genuine.Tx) error { return tx.CreateMerchant(ctx, m) }); err != nil {
		t.Fatal(err)
	}
	checkout := func(id string) *genuine.Checkout {
		now := time.Now().UTC()
		return &genuine.Checkout{ID: id, MerchantID: m.ID, Status: genuine.CheckoutRefused, Currency: "CNY",
			Provider: "simulated", IdempotencyKey: "key", RequestHash: []byte{1}, Deadline: now, CreatedAt: now, UpdatedAt: now}
	}
	if err := db.Update(ctx, func(tx genuine.Tx) error { return tx.CreateCheckout(ctx, checkout("chk_00000000000000000001")) }); err != nil {
		t.Fatal(err)
	}
	err := db.Update(ctx, func(tx genuine.Tx) error {
		b := *testBrand
		b.ID = "brd_00000000000000000002"
		if err := tx.CreateBrand(ctx, &b); err != nil {
			return err
		}
		return tx.CreateCheckout(ctx, checkout("chk_00000000000000000002"))
	})
	if genuine.ErrorCode(err) != genuine.EConflict {
		t.Fatalf("Update with a checkout of a used key: %v, want %s", err, genuine.EConflict)
	}
	if err := brandErr(t, db, "brd_00000000000000000002"); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("brand written before the failed insert: %v, want none", err)
	}
}

// TestRetryGivesUp aborts every run of fn and checks that Update stops
// after maxAttempts with EUnavailable.
func TestRetryGivesUp(t *testing.T) {
	db := openTest(t)
	runs := 0
	// Update's first run records (group.go); a failing fn then runs in
	// transactions of its own, which count.
	count := func(gtx genuine.Tx) {
		if !gtx.(*tx).recording() {
			runs++
		}
	}
	err := db.Update(t.Context(), func(gtx genuine.Tx) error {
		count(gtx)
		return fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: deadlockDetected})
	})
	if runs != maxAttempts {
		t.Errorf("fn ran %d times, want %d", runs, maxAttempts)
	}
	if genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Errorf("Update = %v, want EUnavailable", err)
	}
	// Another error ends the Update at once.
	runs = 0
	failure := errors.New("fn failed")
	err = db.Update(t.Context(), func(gtx genuine.Tx) error { count(gtx); return failure })
	if !errors.Is(err, failure) || runs != 1 {
		t.Errorf("Update of a failing fn ran it %d times and returned %v", runs, err)
	}
}

func TestReadersDoNotWaitForWriter(t *testing.T) {
	db := openTest(t)
	written, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- db.Update(t.Context(), func(tx genuine.Tx) error {
			if err := tx.CreateBrand(t.Context(), testBrand); err != nil {
				return err
			}
			close(written)
			<-release
			return nil
		})
	}()
	<-written
	// The writer holds its transaction open: a View sees the state before it.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	err := db.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.Brand(ctx, testBrand.ID)
		return err
	})
	if genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("View during an Update: %v, want ENotFound (the uncommitted brand unseen)", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := brandErr(t, db, testBrand.ID); err != nil {
		t.Errorf("View after the Update: %v", err)
	}
}

// TestSaleLocksNoSharedRow checks that what a reservation or sale writes
// (the unit's row, its event, the decision, the located scan) locks none
// of the rows it refers to, which every checkout of a brand, product or
// batch shares (migration 0005): while such a transaction is open, another
// may lock them for update at once.
func TestSaleLocksNoSharedRow(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	gtin := benchBatches(t, db, 1, 100)
	const batchID, seq = "bat_00000000000000000000", 7
	m := &genuine.Merchant{ID: "mer_00000000000000000001", Name: "Shop", Region: "CN-GD-SZ", CreatedAt: time.Now()}
	if err := db.Update(ctx, func(tx genuine.Tx) error { return tx.CreateMerchant(ctx, m) }); err != nil {
		t.Fatal(err)
	}
	written, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- db.Update(ctx, func(tx genuine.Tx) error {
			now, s := time.Now(), int64(seq)
			u := &genuine.Unit{GTIN: gtin, Seq: seq, Serial: "S7", BatchID: batchID, State: genuine.StateReserved,
				CheckoutID: "chk_00000000000000000001", UpdatedAt: now}
			if err := tx.PutUnit(ctx, u); err != nil {
				return err
			}
			err := tx.AddEvent(ctx, &genuine.Event{ID: "evt_00000000000000000001", Type: genuine.EventReserve,
				BrandID: testBrand.ID, BatchID: batchID, GTIN: gtin, Serial: "S7", FromSeq: &s, ToSeq: &s,
				Role: genuine.RoleMerchant, CreatedAt: now})
			if err != nil {
				return err
			}
			err = tx.AddDecision(ctx, &genuine.DecisionRecord{ID: "dec_00000000000000000001", BrandID: testBrand.ID,
				GTIN: gtin, Serial: "S7", BatchID: batchID, MerchantID: m.ID, CheckoutID: "chk_00000000000000000001",
				Decision: genuine.Decision{Outcome: "pass", Policy: "default@0", Reasons: []genuine.Reason{}}, CreatedAt: now})
			if err != nil {
				return err
			}
			if err := tx.RecordScan(ctx, gtin, seq, genuine.ScanPoint{Lat: 22.5, Lon: 114.1, At: now}); err != nil {
				return err
			}
			// A read sends the writes queued before it.
			if _, err := tx.Brand(ctx, testBrand.ID); err != nil {
				return err
			}
			close(written)
			<-release
			return nil
		})
	}()
	select {
	case <-written:
	case err := <-done:
		t.Fatalf("Update: %v", err)
	}
	for _, r := range []struct{ table, key, value string }{
		{"brands", "id", testBrand.ID},
		{"products", "gtin", gtin},
		{"batches", "id", batchID},
		{"merchants", "id", m.ID},
	} {
		_, err := db.pool.Exec(ctx, "SELECT 1 FROM "+r.table+" WHERE "+r.key+" = $1 FOR UPDATE NOWAIT", r.value)
		if err != nil {
			t.Errorf("the row of %s is locked by a sale in progress: %v", r.table, err)
		}
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// roundTrips is a pgx tracer that counts the round trips to the server: a
// statement sent alone, or a batch.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// TestCheckoutRoundTrips checks that a checkout's read of its unit (a
// Peek) is one round trip, and its write — the unit's swap, its event,
// the decision and the checkout — one more with its BEGIN and COMMIT; and
// that a swap that finds the unit changed fails the Update whole, as the
// unit having changed, with nothing written.
func TestCheckoutRoundTrips(t *testing.T) {
	cfg := testConfig(t)
	trips := &roundTrips{}
	cfg.ConnConfig.Tracer = trips
	db := openConfigTest(t, cfg)
	ctx := t.Context()
	gtin := benchBatches(t, db, 1, 100)
	b := &genuine.Batch{ID: "bat_00000000000000000000", Regions: []string{"CN"}, Disposition: genuine.Released}
	m := &genuine.Merchant{ID: "mer_00000000000000000001", Name: "Shop", Region: "CN-GD-SZ", CreatedAt: time.Now()}
	if err := db.Update(ctx, func(tx genuine.Tx) error { return tx.CreateMerchant(ctx, m) }); err != nil {
		t.Fatal(err)
	}
	write := func(n int, old *genuine.Unit) (*genuine.Unit, error) {
		now, seq := time.Now(), int64(n)
		chk := fmt.Sprintf("chk_%020d", n)
		u := &genuine.Unit{GTIN: gtin, Seq: seq, Serial: fmt.Sprint("S", n), BatchID: b.ID, State: genuine.StateReserved,
			CheckoutID: chk, UpdatedAt: now}
		return u, db.Update(ctx, func(tx genuine.Tx) error {
			if err := tx.SwapUnit(ctx, old, u, b); err != nil {
				return err
			}
			err := tx.AddEvent(ctx, &genuine.Event{ID: fmt.Sprintf("evt_%020d", n), Type: genuine.EventReserve,
				BrandID: testBrand.ID, BatchID: b.ID, GTIN: gtin, Serial: u.Serial, FromSeq: &seq, ToSeq: &seq,
				Role: genuine.RoleMerchant, CreatedAt: now})
			if err != nil {
				return err
			}
			err = tx.AddDecision(ctx, &genuine.DecisionRecord{ID: fmt.Sprintf("dec_%020d", n), BrandID: testBrand.ID,
				GTIN: gtin, Serial: u.Serial, BatchID: b.ID, MerchantID: m.ID, CheckoutID: chk,
				Decision: genuine.Decision{Outcome: "pass", Policy: "default@0", Reasons: []genuine.Reason{}}, CreatedAt: now})
			if err != nil {
				return err
			}
			return tx.CreateCheckout(ctx, &genuine.Checkout{ID: chk, MerchantID: m.ID, Status: genuine.CheckoutAwaitingPayment,
				Currency: "CNY", Provider: "simulated", IdempotencyKey: chk, RequestHash: []byte{1}, Deadline: now,
				CreatedAt: now, UpdatedAt: now})
		})
	}
	// The first write prepares its statements on the connection.
	if _, err := write(1, nil); err != nil {
		t.Fatal(err)
	}
	trips.n.Store(0)
	second, err := write(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := trips.n.Load(); n != 1 {
		t.Errorf("a checkout's write took %d round trips, want 1", n)
	}
	trips.n.Store(0)
	err = db.Peek(ctx, func(tx genuine.Tx) error {
		_, _, _, _, err := tx.UnitJourney(ctx, b.ID, gtin, 2, 100)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := trips.n.Load(); n != 1 {
		t.Errorf("a checkout's read took %d round trips, want 1", n)
	}
	// The unit's row is there now: a swap that expects none is refused.
	if _, err := write(2, nil); !errors.Is(err, genuine.ErrUnitChanged) || genuine.ErrorCode(err) != genuine.EConflict {
		t.Fatalf("a stale swap: %v, want the unit changed (%s)", err, genuine.EConflict)
	}
	err = db.View(ctx, func(tx genuine.Tx) error {
		u, err := tx.Unit(ctx, gtin, 2)
		if err != nil {
			return err
		}
		if u.CheckoutID != second.CheckoutID {
			t.Errorf("unit after a stale swap: held by %s, want %s", u.CheckoutID, second.CheckoutID)
		}
		_, err = tx.Checkout(ctx, "chk_00000000000000000002")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SELECT count(*) FROM events", "SELECT count(*) FROM decisions", "SELECT count(*) FROM checkouts"} {
		var n int
		if err := db.pool.QueryRow(ctx, q).Scan(&n); err != nil || n != 2 {
			t.Errorf("%s after two writes and a stale one: %d, %v; want 2", q, n, err)
		}
	}
}

// The reconciler's searches use its indexes (migration 0006): unpaid
// checkouts in the order of checkouts_status_deadline, with no sort that
// would read every one of them to return 500; late payments through the
// partial index of those alone, whose condition the query's text implies.
// With sequential scans off, as the planner would choose for a table of
// many checkouts.
func TestReconcilerPlan(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ // what the plan must name
		"expired":      "checkouts_status_deadline",
		"stale":        "checkouts_status_deadline",
		"stale, after": "checkouts_status_deadline",
		"late":         "checkouts_paid_late",
	}
	for _, c := range storetest.ReconcilerSearches(time.Now()) {
		if want[c.Name] == "" {
			t.Errorf("no plan is expected of the search %q", c.Name)
		}
		query, args := checkoutsQuery(c.Filter)
		rows, err := tx.Query(ctx, "EXPLAIN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		all := strings.Join(plan, "\n")
		if !strings.Contains(all, want[c.Name]) {
			t.Errorf("%s: the plan does not use %s:\n%s", c.Name, want[c.Name], all)
		}
		if c.Name != "late" && strings.Contains(all, "Sort") {
			t.Errorf("%s: the plan sorts:\n%s", c.Name, all)
		}
	}
}

func TestClosed(t *testing.T) {
	db := openTest(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	if err := brandErr(t, db, testBrand.ID); genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Errorf("View after Close: %v, want EUnavailable", err)
	}
	err := db.Update(t.Context(), func(genuine.Tx) error { return nil })
	if genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Errorf("Update after Close: %v, want EUnavailable", err)
	}
}

// TestNoServer opens a database on a port where no server listens.
func TestNoServer(t *testing.T) {
	db, err := Open(t.Context(), "postgres://genuine@127.0.0.1:1/genuine?sslmode=disable&connect_timeout=5")
	if err == nil {
		db.Close()
		t.Fatal("Open without a server succeeded")
	}
	if genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Errorf("Open without a server: %v, want EUnavailable", err)
	}
}

func TestOpenBadDSN(t *testing.T) {
	if db, err := Open(t.Context(), "postgres://genuine@127.0.0.1:5432/x?pool_max_conns=none"); err == nil {
		db.Close()
		t.Error("Open of a DSN with a malformed parameter succeeded")
	}
}

func TestStoreError(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("exec: %w", &pgconn.PgError{Code: code, Message: "m"}) }
	for _, tt := range []struct {
		err       error
		code      string
		retryable bool
	}{
		{pgx.ErrNoRows, genuine.ENotFound, false},
		{pg(uniqueViolation), genuine.EConflict, false},
		{pg(foreignKeyViolation), genuine.ENotFound, false},
		{pg(checkViolation), genuine.EInvalid, false},
		{pg(notNullViolation), genuine.EInvalid, false},
		{pg(serializationFailure), genuine.EUnavailable, true},
		{pg(deadlockDetected), genuine.EUnavailable, true},
		{pg("08006"), genuine.EUnavailable, false},
		{pg(adminShutdown), genuine.EUnavailable, false},
		{pg(tooManyConnections), genuine.EUnavailable, false},
		{pg("28P01"), genuine.EInternal, false}, // a wrong password is no outage
		{pg("42P01"), genuine.EInternal, false},
		{pgconn.ErrConnClosed, genuine.EUnavailable, false},
		{errors.New("other"), genuine.EInternal, false},
	} {
		got := storeError(tt.err, "brand %s", "brd_1")
		if genuine.ErrorCode(got) != tt.code {
			t.Errorf("storeError(%v) = %v, code %q; want %q", tt.err, got, genuine.ErrorCode(got), tt.code)
		}
		if retryable(got) != tt.retryable {
			t.Errorf("retryable(storeError(%v)) = %v, want %v", tt.err, !tt.retryable, tt.retryable)
		}
	}
	if got := genuine.ErrorMessage(storeError(pgx.ErrNoRows, "brand %s", "brd_1")); got != "brand brd_1 not found" {
		t.Errorf("the message of a missing brand is %q", got)
	}
	if err := storeError(fmt.Errorf("query: %w", context.Canceled), "brand"); !errors.Is(err, context.Canceled) {
		t.Errorf("storeError of a canceled query = %v, want context.Canceled kept", err)
	}
}

func TestBackoff(t *testing.T) {
	for attempt := 1; attempt < maxAttempts; attempt++ {
		ceiling := min(retryCap, retryBase<<(attempt-1))
		for range 100 {
			if d := backoff(attempt); d <= 0 || d > ceiling {
				t.Fatalf("backoff(%d) = %v, want within (0, %v]", attempt, d, ceiling)
			}
		}
	}
}

func TestPoolSize(t *testing.T) {
	for _, tt := range []struct {
		dsn  string
		want int32
	}{
		{"postgres://genuine@db.example/genuine", defaultPoolSize()},
		{"postgres://genuine@db.example/genuine?pool_max_conns=3", 3},
		{"host=db.example user=genuine dbname=genuine", defaultPoolSize()},
		{"host=db.example user=genuine dbname=genuine pool_max_conns=50", 50},
	} {
		cfg, err := parseDSN(tt.dsn)
		if err != nil {
			t.Errorf("parseDSN(%q): %v", tt.dsn, err)
			continue
		}
		if cfg.MaxConns != tt.want {
			t.Errorf("parseDSN(%q) opens at most %d connections, want %d", tt.dsn, cfg.MaxConns, tt.want)
		}
		if _, ok := cfg.ConnConfig.RuntimeParams["pool_max_conns"]; ok {
			t.Errorf("parseDSN(%q) sends pool_max_conns to the server", tt.dsn)
		}
	}
}

// TestPending applies what a database lacks, gaps included, and refuses a
// database that records a migration this binary does not know.
func TestPending(t *testing.T) {
	ms := []migration{{version: 1}, {version: 2}, {version: 3}, {version: 9}}
	tests := []struct {
		applied []int
		want    []int // nil with newer
		newer   bool
	}{
		{nil, []int{1, 2, 3, 9}, false},
		{[]int{1, 2, 3}, []int{9}, false},
		{[]int{1, 2, 9}, []int{3}, false},
		{[]int{1, 2, 3, 9}, nil, false},
		{[]int{1, 2, 3, 8}, nil, true},
	}
	for _, tt := range tests {
		applied := make(map[int]bool)
		for _, v := range tt.applied {
			applied[v] = true
		}
		todo, err := pending(ms, applied)
		var got []int
		for _, m := range todo {
			got = append(got, m.version)
		}
		if errors.Is(err, errSchemaNewer) != tt.newer || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("pending after %v = %v, %v; want %v, newer %v", tt.applied, got, err, tt.want, tt.newer)
		}
	}
}
