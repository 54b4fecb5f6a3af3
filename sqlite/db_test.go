package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"genuine"
	"genuine/storetest"
)

// openTest opens a new database in a temporary directory, closed when the
// test ends.
func openTest(t testing.TB) *DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "genuine.db"))
}

// openAt opens the database at path, closed when the test ends.
func openAt(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) genuine.Store {
		db := openTest(t)
		t.Cleanup(func() {
			if n := db.unprepared.Load(); n != 0 {
				t.Errorf("%d queries ran without a prepared statement: add them to queries", n)
			}
		})
		return db
	})
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
func appliedMigrations(t *testing.T, db *DB) map[int]string {
	t.Helper()
	rows, err := db.read.Query(`SELECT version, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	applied := make(map[int]string)
	for rows.Next() {
		var v int
		var at string
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatal(err)
		}
		applied[v] = at
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return applied
}

func TestMigrationsAppliedOnce(t *testing.T) {
	ms, err := migrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "genuine.db")
	db := openAt(t, path)
	first := appliedMigrations(t, db)
	if len(first) != len(ms) {
		t.Fatalf("schema_migrations records %d versions, want %d", len(first), len(ms))
	}
	for _, m := range ms {
		if _, err := time.Parse(time.RFC3339Nano, first[m.version]); err != nil {
			t.Errorf("migration %s: applied_at %q: %v", m.name, first[m.version], err)
		}
	}
	db.Close()

	again := appliedMigrations(t, openAt(t, path))
	if fmt.Sprint(again) != fmt.Sprint(first) {
		t.Errorf("after reopening, schema_migrations = %v, want %v unchanged", again, first)
	}
}

func TestMigrationNames(t *testing.T) {
	file := &fstest.MapFile{Data: []byte("CREATE TABLE t (x);")}
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
	path := filepath.Join(t.TempDir(), "genuine.db")
	db := openAt(t, path)
	ms, err := migrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		ms[len(ms)-1].version+1, timeValue(time.Now())); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(path)
	if err == nil {
		db.Close()
		t.Fatal("Open of a database with a newer schema succeeded")
	}
	if !errors.Is(err, errSchemaNewer) {
		t.Errorf("Open of a database with a newer schema: %v, want errSchemaNewer", err)
	}
}

// pragma returns the value of a PRAGMA on a connection of pool.
func pragma(t *testing.T, pool *sql.DB, name string) string {
	t.Helper()
	var v string
	if err := pool.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPragmas(t *testing.T) {
	db := openTest(t)
	for _, tt := range []struct {
		pool       *sql.DB
		name, want string
	}{
		{db.write, "journal_mode", "wal"},
		{db.write, "foreign_keys", "1"},
		{db.write, "synchronous", "2"}, // FULL
		{db.write, "busy_timeout", fmt.Sprint(busyTimeout.Milliseconds())},
		{db.write, "temp_store", "2"}, // MEMORY
		{db.write, "cache_size", fmt.Sprint(-writeCacheKiB)},
		{db.write, "journal_size_limit", fmt.Sprint(walSizeLimit)},
		{db.read, "journal_mode", "wal"},
		{db.read, "busy_timeout", fmt.Sprint(busyTimeout.Milliseconds())},
		{db.ckpt, "busy_timeout", fmt.Sprint(restartWait.Milliseconds())},
	} {
		conn := map[*sql.DB]string{db.write: "write", db.read: "read", db.ckpt: "checkpoint"}[tt.pool]
		if got := pragma(t, tt.pool, tt.name); got != tt.want {
			t.Errorf("PRAGMA %s on the %s connection = %s, want %s", tt.name, conn, got, tt.want)
		}
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	db := openTest(t)
	p := &genuine.Product{GTIN: "09520123456788", BrandID: "brd_missing", Name: "Orphan"}
	err := db.Update(t.Context(), func(tx genuine.Tx) error { return tx.CreateProduct(t.Context(), p) })
	if genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("CreateProduct of a missing brand: %v, want ENotFound from the foreign key", err)
	}
}

func TestReadConnectionsAreReadOnly(t *testing.T) {
	db := openTest(t)
	_, err := db.read.Exec(`INSERT INTO brands (id, name, created_at) VALUES ('x', 'x', 'x')`)
	if err == nil {
		t.Fatal("an INSERT on a read connection succeeded")
	}
}

// TestViewEndsWithItsContext cancels a View's context while it reads the
// rows of a long list: the reading stops with the context's error.
func TestViewEndsWithItsContext(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	const gtin, n = "09520123456788", 20_000
	b := &genuine.Batch{ID: "bat_00000000000000000001", BrandID: testBrand.ID, GTIN: gtin, Lot: "L",
		Expiry: genuine.NewDate(2030, 1, 1), Quantity: n, Serials: genuine.SerialsRegistered, CreatedAt: time.Now()}
	err := db.Update(ctx, func(tx genuine.Tx) (err error) {
		if err := tx.CreateBrand(ctx, testBrand); err != nil {
			return err
		}
		p := &genuine.Product{GTIN: gtin, BrandID: testBrand.ID, Name: "P", CreatedAt: time.Now()}
		if err := tx.CreateProduct(ctx, p); err != nil {
			return err
		}
		if b.FirstSeq, err = tx.AllocateSequences(ctx, gtin, n); err != nil {
			return err
		}
		if err := tx.CreateBatch(ctx, b); err != nil {
			return err
		}
		serials := make([]string, n)
		for i := range serials {
			serials[i] = fmt.Sprintf("S%06d", i)
		}
		return tx.RegisterSerials(ctx, b, 0, serials)
	})
	if err != nil {
		t.Fatal(err)
	}
	viewCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	read := 0
	err = db.View(viewCtx, func(tx genuine.Tx) error {
		return tx.RegisteredSerials(viewCtx, b.ID, func(int64, string) error {
			if read++; read == 10 {
				cancel()
			}
			return nil
		})
	})
	if !errors.Is(err, context.Canceled) || read == n {
		t.Errorf("View canceled after 10 of %d rows read %d and returned %v, want context.Canceled before the end", n, read, err)
	}
	// The connection is back in the pool, its transaction ended.
	err = db.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.Batch(ctx, b.ID)
		return err
	})
	if err != nil {
		t.Errorf("View after a canceled one: %v", err)
	}
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	// Characters that mean something in a URI must stay part of the name.
	path := filepath.Join(t.TempDir(), "a?b#c%20d", "genuine.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	openAt(t, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("Open did not create %s: %v", path, err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the database file has mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "genuine.db")
	db := openAt(t, path)
	createBrand(t, db, testBrand.ID)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := brandErr(t, openAt(t, path), testBrand.ID); err != nil {
		t.Errorf("after reopening: %v", err)
	}
}

// TestCommitSurvivesKill kills a process right after its Update returned,
// without Close, and checks that the next Open finds the write.
func TestCommitSurvivesKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "genuine.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCommitThenWait$")
	cmd.Env = append(os.Environ(), "GENUINE_TEST_KILL_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	cmd.Process.Kill()
	cmd.Wait()
	if line != "committed\n" {
		t.Fatalf("child process said %q (%v), want committed", line, err)
	}
	if err := brandErr(t, openAt(t, path), testBrand.ID); err != nil {
		t.Errorf("after the kill: %v", err)
	}
}

// TestCommitThenWait is TestCommitSurvivesKill's child process.
func TestCommitThenWait(t *testing.T) {
	path := os.Getenv("GENUINE_TEST_KILL_DB")
	if path == "" {
		t.Skip("run by TestCommitSurvivesKill")
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	createBrand(t, db, testBrand.ID)
	fmt.Println("committed")
	time.Sleep(time.Minute) // until killed
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

func TestConcurrentReadersAndWriter(t *testing.T) {
	db := openTest(t)
	const writes, readers = 100, 4
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		defer close(stop)
		for i := range writes {
			createBrand(t, db, fmt.Sprintf("brd_%020d", i))
		}
	})
	for range readers {
		wg.Go(func() {
			last := -1
			for {
				select {
				case <-stop:
					return
				default:
				}
				var n int
				// Each View reads one snapshot: the count never goes back.
				err := db.View(t.Context(), func(gtx genuine.Tx) error {
					return gtx.(*tx).tx.QueryRowContext(t.Context(), `SELECT count(*) FROM brands`).Scan(&n)
				})
				if err != nil {
					t.Errorf("View: %v", err)
					return
				}
				if n < last {
					t.Errorf("a View saw %d brands after one saw %d", n, last)
				}
				last = n
			}
		})
	}
	wg.Wait()
}

func TestUpdatesWaitTheirTurn(t *testing.T) {
	db := openTest(t)
	started, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- db.Update(t.Context(), func(genuine.Tx) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	ran := false
	err := db.Update(ctx, func(genuine.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Errorf("Update while another runs: fn ran %v, error %v; want it to wait until its deadline", ran, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
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

// TestBusyIsUnavailable locks the database from another connection and
// checks that the driver's SQLITE_BUSY becomes EUnavailable.
func TestBusyIsUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "genuine.db")
	openAt(t, path)
	holder, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	lock, err := holder.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()

	// A connection without a busy timeout fails at once.
	other, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_busy_timeout=0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.Begin()
	if err == nil {
		t.Fatal("a second write transaction began while the first holds the lock")
	}
	if got := storeError(err, "test"); genuine.ErrorCode(got) != genuine.EUnavailable {
		t.Errorf("storeError(%v) = %v, want EUnavailable", err, got)
	}
}

// A unit's journey is found through indexes, never by reading the events
// of the batch's other units (BenchmarkViewUnitEvents measures the read).
func TestUnitEventsPlan(t *testing.T) {
	db := openTest(t)
	for name, query := range map[string]string{
		"selectUnitEvents": selectUnitEvents, "selectJourney": selectJourney, "selectUnitJourney": selectUnitJourney,
		"selectLongUnitJourney": selectLongUnitJourney,
	} {
		all := queryPlan(t, db, query, "bat_1", 5, 100, "09520123456788") // ?4 only in selectUnitJourney
		want := []string{
			"events_unit (batch_id=? AND from_seq=?)",
			"events_unit (batch_id=? AND from_seq=? AND to_seq=?)",
			"events_range (batch_id=? AND from_seq<?)",
		}
		for _, w := range want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: the plan does not search %s:\n%s", name, w, all)
			}
		}
		if strings.Contains(all, "SCAN events") {
			t.Errorf("%s: the plan scans:\n%s", name, all)
		}
	}
}

// A batch's units are read through the units' primary key: there is no
// index on their batch.
func TestUnitsPlan(t *testing.T) {
	db := openTest(t)
	all := queryPlan(t, db, selectUnits, "bat_1", 5, 100)
	want := "SEARCH units USING PRIMARY KEY (gtin=? AND seq>? AND seq<?)"
	if !strings.Contains(all, want) {
		t.Errorf("the plan does not have %q:\n%s", want, all)
	}
	if strings.Contains(all, "SCAN") {
		t.Errorf("the plan scans:\n%s", all)
	}
}

// The reconciler's three searches use its indexes: unpaid checkouts past
// their deadline or not updated for a while (from the start, or after where
// the pass before stopped) through checkouts_status_deadline, in its
// order, late payments through the partial index of those alone (all of
// it, in order); none scans the checkouts or sorts them.
func TestReconcilerPlan(t *testing.T) {
	db := openTest(t)
	want := map[string]string{ // what the plan must name
		"expired":      "USING INDEX checkouts_status_deadline (status=? AND deadline<?)",
		"stale":        "USING INDEX checkouts_status_deadline (status=?)",
		"stale, after": "USING INDEX checkouts_status_deadline (status=? AND (deadline,id)>(?,?))",
		"late":         "USING INDEX checkouts_paid_late",
	}
	for _, c := range storetest.ReconcilerSearches(time.Now()) {
		if want[c.Name] == "" {
			t.Errorf("no plan is expected of the search %q", c.Name)
		}
		query, args, err := checkoutsQuery(c.Filter)
		if err != nil {
			t.Fatal(err)
		}
		all := queryPlan(t, db, query, args...)
		if !strings.Contains(all, want[c.Name]) {
			t.Errorf("%s: the plan does not have %q:\n%s", c.Name, want[c.Name], all)
		}
		for line := range strings.Lines(all) {
			if strings.HasPrefix(line, "SCAN checkouts") && !strings.Contains(line, "USING INDEX checkouts_paid_late") {
				t.Errorf("%s: the plan scans:\n%s", c.Name, all)
			}
			// A sort would read every unpaid checkout to return 500.
			if strings.Contains(line, "TEMP B-TREE") {
				t.Errorf("%s: the plan sorts:\n%s", c.Name, all)
			}
		}
	}
	f := genuine.CheckoutFilter{Statuses: []genuine.CheckoutStatus{genuine.CheckoutExpired}, PaymentStatus: genuine.PaymentPaid}
	if !f.LatePayments() {
		t.Errorf("%+v is not a filter of late payments", f)
	}
}

// sortJourney orders a journey read in any order by time, then by rowid.
func TestSortJourney(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	ev := func(typ string, minutes int, rowid int64) journeyEvent {
		return journeyEvent{genuine.PublicEvent{Type: genuine.EventType(typ), At: t0.Add(time.Duration(minutes) * time.Minute)}, rowid}
	}
	es := sortJourney([]journeyEvent{ev("ship", 5, 8), ev("receive", 5, 7), ev("release", 0, 2), ev("commission", 0, 1), ev("sell", 9, 9)})
	var got []string
	for _, e := range es {
		got = append(got, string(e.Type))
	}
	if want := "commission release receive ship sell"; strings.Join(got, " ") != want {
		t.Errorf("sorted %v, want %s", got, want)
	}
}

// queryPlan returns the details of EXPLAIN QUERY PLAN of query, a line each.
func queryPlan(t *testing.T, db *DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
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

// A merchant's recent checkouts are read through checkouts_merchant_created
// in the order asked for, never by sorting or scanning every checkout.
func TestMerchantCheckoutsPlan(t *testing.T) {
	db := openTest(t)
	for name, q := range map[string]struct {
		query string
		args  []any
	}{
		"first page": {selectMerchantCheckouts, []any{"mer_1", 20}},
		"next page":  {selectMerchantCheckoutsBefore, []any{"mer_1", timeValue(time.Now()), "chk_1", 20}},
	} {
		all := queryPlan(t, db, q.query, q.args...)
		if !strings.Contains(all, "USING INDEX checkouts_merchant_created (merchant_id=?") || strings.Contains(all, "SCAN") || strings.Contains(all, "TEMP B-TREE") {
			t.Errorf("%s: the plan does not search checkouts_merchant_created in order:\n%s", name, all)
		}
	}
}
