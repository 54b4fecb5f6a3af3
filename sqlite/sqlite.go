// Package sqlite is genuine's embedded store: a genuine.Store in one SQLite
// file, through the pure-Go driver modernc.org/sqlite, so that nothing needs
// to be installed. It holds plain SQL per noun (brand.go, batch.go, …),
// numbered migrations embedded in the binary, and the translation of the
// driver's errors into *genuine.Error codes; the rules live in package
// genuine.
//
// The database runs in WAL mode with synchronous=FULL, so every committed
// Update is on disk before Update returns, and readers never wait for the
// writer. Writes go through one dedicated connection, owned by a committer
// goroutine that gathers concurrent Updates into one transaction and one
// fsync (group commit, group.go); reads through a pool of read-only
// connections.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"genuine"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

var _ genuine.Store = (*DB)(nil)

// busyTimeout is how long a statement waits for a lock held by another
// process (a second genuine binary on the same file) before failing with
// EUnavailable.
const busyTimeout = 5 * time.Second

// writeCacheKiB is the page cache of the write connection.
const writeCacheKiB = 16 << 10

// DB is a genuine.Store in one SQLite file. It is safe for concurrent use.
type DB struct {
	write *sql.DB // one connection, used by the committer only
	read  *sql.DB // read-only connections for Views
	ckpt  *sql.DB // one connection that checkpoints the WAL (checkpoint.go)
	// writeStmts and readStmts hold every query of queries, prepared on
	// write and read; database/sql prepares each once per connection.
	writeStmts, readStmts map[string]*sql.Stmt
	// unprepared counts queries run without a prepared statement, which
	// tests keep at zero.
	unprepared atomic.Int64
	closed     atomic.Bool
	commits    atomic.Int64  // write transactions committed, for tests
	queue      chan *call    // Updates waiting for the committer
	batchTime  time.Duration // how long a batch takes queued calls; tests set it before the first Update
	stop       chan struct{} // closed by Close
	exited     chan struct{} // closed when the committer has stopped
	// observer is told of each commit (SetObserver); nil for none.
	observer atomic.Pointer[genuine.Observer]
	// checkpointed is closed when the checkpointer has stopped.
	checkpointed chan struct{}
	// restartFrames is the size of the WAL, in frames, at which the
	// checkpointer restarts it (walRestartFrames; tests lower it).
	restartFrames atomic.Int64
}

// Open opens the database in the file at path, creating it (readable by
// its owner only, since it holds signing keys) if it does not exist, and
// brings its schema up to date. It fails if the file was migrated by a newer
// genuine than this one. path names a file: an in-memory database would not
// be shared between the write and read connections.
func Open(path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	f.Close()

	db := &DB{}
	uri := "file:" + uriEscaper.Replace(abs)
	ms := busyTimeout.Milliseconds()
	// _txlock=immediate makes every write transaction BEGIN IMMEDIATE: it
	// takes the write lock at once instead of failing on its first write
	// when another process holds it. SQLite keeps the pages a statement
	// changes inside a longer transaction in a statement journal, to undo
	// the statement alone if it fails: temp_store=memory keeps it in memory
	// rather than in a temporary file written page by page. The cache (in
	// KiB) holds the pages a batch of checkouts touches. The writer leaves
	// checkpoints to the checkpointer (checkpoint.go). secure_delete zeroes
	// what a write frees within a page, such as a secret in plain text
	// sealed in place, at no cost in I/O.
	db.write, err = sql.Open("sqlite", fmt.Sprintf(
		"%s?_busy_timeout=%d&_foreign_keys=1&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate"+
			"&_pragma=temp_store(memory)&_pragma=cache_size(-%d)&_pragma=wal_autocheckpoint(0)"+
			"&_pragma=secure_delete(FAST)"+
			"&_pragma=journal_size_limit(%d)", uri, ms, writeCacheKiB, walSizeLimit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)

	// The file must be in WAL mode and migrated before the read-only
	// connections open, as they can change neither.
	if err := migrate(context.Background(), db.write); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}

	db.read, err = sql.Open("sqlite", fmt.Sprintf("%s?mode=ro&_busy_timeout=%d", uri, ms))
	if err != nil {
		db.write.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db.ckpt, err = sql.Open("sqlite", fmt.Sprintf("%s?_busy_timeout=%d", uri, restartWait.Milliseconds()))
	if err != nil {
		db.read.Close()
		db.write.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db.ckpt.SetMaxOpenConns(1)
	db.ckpt.SetMaxIdleConns(1)
	n := max(4, 2*runtime.GOMAXPROCS(0))
	db.read.SetMaxOpenConns(n)
	// Opening an SQLite connection costs far more than a query, so idle
	// connections are kept rather than reopened.
	db.read.SetMaxIdleConns(n)
	if db.writeStmts, err = prepare(db.write); err == nil {
		db.readStmts, err = prepare(db.read)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	db.queue, db.stop, db.exited = make(chan *call), make(chan struct{}), make(chan struct{})
	db.checkpointed = make(chan struct{})
	db.batchTime = maxBatchTime
	db.restartFrames.Store(walRestartFrames)
	go db.commitLoop()
	go db.checkpointLoop()
	return db, nil
}

// prepare prepares every query of queries on pool.
func prepare(pool *sql.DB) (map[string]*sql.Stmt, error) {
	stmts := make(map[string]*sql.Stmt)
	for _, q := range queries() {
		s, err := pool.Prepare(q)
		if err != nil {
			return nil, fmt.Errorf("prepare %s: %w", q, err)
		}
		stmts[q] = s
	}
	return stmts, nil
}

// queries lists the SQL of every Tx method. Parsing a statement costs more
// than running most of them, so each is prepared once per connection.
func queries() []string {
	qs := []string{
		insertBrand, selectBrand, updateCodeRule, insertSigningKey, selectSigningKeys,
		selectAllSigningKeys, updateSigningKey, selectSecret, upsertSecret, selectSecrets,
		selectProviderAccount, upsertProviderAccount, selectProviderAccounts, deleteProviderAccount,
		deleteGS1Prefixes, insertGS1Prefix, selectGS1Prefixes,
		insertMerchant, selectMerchant, updateSelfCheckout, deletePrices, insertPrice, selectPrices, selectPrice,
		insertAPIKey, selectAPIKeyByHash, selectAPIKey, selectAPIKeys, revokeAPIKey, countAPIKeys,
		insertSession, selectSessionByHash, deleteSession,
		insertShopSession, selectShopSession, insertCart, updateCart, selectCarts, countOpenCarts,
		insertProduct, selectProduct, allocateSequences,
		insertBatch, selectBatch, selectBatchBySequence, selectBatches, updateBatch,
		insertRegisteredSerial, selectRegisteredSerial, selectRegisteredSerials,
		addRegistered, selectRegisteredCount,
		upsertRangeWork, selectRangeWork, selectRangeWorks, deleteRangeWork,
		pruneNotifications, pruneCheckouts, pruneSessions, pruneShopCarts, pruneShopSessions,
		selectUnit, upsertUnit, swapUnit, selectUnits, selectUnitInBatch,
		insertEvent, selectEvents, selectUnitEvents, selectJourney, selectUnitJourney, selectLongUnitJourney,
		addVerifications, addVerificationClients, selectVerifications,
		insertPolicy, selectPolicy, selectFirstPolicy,
		insertCheckout, selectCheckout, selectCheckoutByIdempotencyKey, selectCheckoutByPayment,
		updateCheckout, selectMerchantCheckouts, selectMerchantCheckoutsBefore,
		insertDecision, selectDecisions, raiseAlert, selectAlerts,
		insertNotification,
		selectUnitScan, upsertUnitScan,
		upsertProviderRecord, selectProviderRecord,
		insertAudit, selectAuditHead, selectUnchainedAudit, insertAuditLink, selectAuditChain,
		selectAuditRecords, selectBrandAuditRecords,
		insertIntent, selectIntent, updateIntent,
	}
	qs = append(qs, intentsQueries()...)
	return append(qs, checkoutsQueries()...)
}

// uriEscaper escapes the characters that would end the path of an SQLite
// file: URI or be decoded in it.
var uriEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// Close closes the database. The batch of Updates being run is finished;
// Updates still waiting for it fail with EUnavailable. Views still running
// fail.
func (db *DB) Close() error {
	if db.closed.Swap(true) {
		return nil
	}
	if db.stop != nil {
		close(db.stop)
		<-db.exited
		<-db.checkpointed
	}
	// Closing a pool closes its prepared statements.
	var rerr error
	if db.read != nil {
		rerr = db.read.Close()
	}
	if db.ckpt != nil {
		rerr = errors.Join(rerr, db.ckpt.Close())
	}
	// The writer closes last: as the last connection to the file it
	// checkpoints the WAL into the database and removes it.
	return errors.Join(rerr, db.write.Close())
}

// Peek runs fn's statements on the read-only connections without a
// transaction: each sees what was committed when it ran, on whichever
// connection is free, and no BEGIN nor ROLLBACK is run.
func (db *DB) Peek(ctx context.Context, fn func(genuine.Tx) error) error {
	if db.closed.Load() {
		return errClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(&tx{db: db, stmts: db.readStmts})
}

// View runs fn in a read-only transaction on a consistent snapshot of the
// database; it never waits for an Update. Any write inside fn fails. View
// returns fn's error as it is, unless ctx ended it: the transaction ends
// when ctx does, rows being read stop and statements fail, and View returns
// ctx's error. If fn panics, View ends the transaction and panics again.
func (db *DB) View(ctx context.Context, fn func(genuine.Tx) error) error {
	if db.closed.Load() {
		return errClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The BEGIN runs under a context never canceled: under ctx, the driver
	// would start a goroutine and set a progress handler to interrupt it,
	// on every View. Ending the transaction when ctx ends is left to
	// AfterFunc, which costs nothing until then: a rollback cancels the
	// transaction's rows as database/sql would for ctx.
	t, err := db.read.BeginTx(context.WithoutCancel(ctx), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return txError(ctx, "begin read", err)
	}
	defer t.Rollback()
	stop := context.AfterFunc(ctx, func() { t.Rollback() })
	defer stop()
	err = fn(&tx{tx: t, db: db, stmts: db.readStmts})
	if cerr := ctx.Err(); err != nil && cerr != nil && !errors.Is(err, cerr) {
		// Ended by ctx: database/sql says only that its rows are closed.
		err = fmt.Errorf("%w (%v)", cerr, err)
	}
	return err
}

// Update runs fn in a write transaction and commits it durably if fn
// returns nil; otherwise it rolls back fn's writes and returns fn's error as
// it is. If fn panics, Update rolls back fn's writes and panics again.
// Concurrent Updates are committed together (group commit, group.go), so fn
// may run more than once, on the committer's goroutine: it must not call
// Update, nor runtime.Goexit (t.FailNow). fns run one at a time on the one
// write connection, so Updates are serializable and never conflict. An
// Update whose ctx is done before fn starts, or when it returns, returns
// ctx's error with nothing written; a running statement is not interrupted.
// A lock held by another process past the busy timeout gives EUnavailable.
func (db *DB) Update(ctx context.Context, fn func(genuine.Tx) error) error {
	if db.closed.Load() {
		return errClosed
	}
	c := &call{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case db.queue <- c:
	case <-ctx.Done():
		return ctx.Err()
	case <-db.stop:
		return errClosed
	}
	return c.wait()
}

// errClosed is returned by View and Update after Close.
var errClosed = genuine.Errorf(genuine.EUnavailable, "the store is closed")

// txError describes an error beginning or committing a transaction,
// preferring the context's error when the context ended it.
func txError(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (%v)", cerr, err)
	}
	return storeError(err, "sqlite: %s", op)
}

// tx is one transaction, the genuine.Tx that View and Update give fn; or,
// with a nil tx, the statements of a Peek, each on its own.
type tx struct {
	tx    *sql.Tx
	db    *DB
	stmts map[string]*sql.Stmt // prepared on the pool tx runs on
}

// runner is what runs a statement of a tx that is not prepared: its
// transaction, or for a Peek the read-only pool.
func (t *tx) runner() interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
} {
	if t.tx == nil {
		return t.db.read
	}
	return t.tx
}

var _ genuine.Tx = (*tx)(nil)

// stmt returns query prepared on the transaction's connection, preparing it
// there the first time; nil if query is not one of queries.
func (t *tx) stmt(ctx context.Context, query string) *sql.Stmt {
	s, ok := t.stmts[query]
	if !ok {
		t.db.unprepared.Add(1)
		return nil
	}
	if t.tx == nil {
		return s // a Peek's: on any connection of the pool
	}
	return t.tx.StmtContext(ctx, s)
}

// context returns the context under which a statement of t runs: one that
// is never canceled unless ctx is already done, for which database/sql
// refuses to start the statement. The driver would interrupt a running
// statement when its context ends: in the committer's transaction that
// rolls back every fn of the batch, and to be able to, the driver starts a
// goroutine and sets a progress handler for each statement. A View still
// ends with its ctx: View rolls its transaction back, between rows. Only a
// single step of a statement runs on, and every query searches an index.
func (t *tx) context(ctx context.Context) context.Context {
	if ctx.Err() == nil {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// exec runs a statement that returns no rows.
func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = t.context(ctx)
	if s := t.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.runner().ExecContext(ctx, query, args...)
}

// query runs a statement that returns rows.
func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = t.context(ctx)
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return t.runner().QueryContext(ctx, query, args...)
}

// queryRow runs a statement that returns at most one row.
func (t *tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = t.context(ctx)
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.runner().QueryRowContext(ctx, query, args...)
}

// timeLayout writes times in UTC with a fixed width, so that their text
// sorts as the times do.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// timeValue returns the text under which t is stored.
func timeValue(t time.Time) string { return t.UTC().Format(timeLayout) }

// timeScanner reads a time stored by timeValue into *t, in UTC.
type timeScanner struct{ t *time.Time }

// scanTime returns a sql.Scanner that reads a time stored by timeValue.
func scanTime(t *time.Time) timeScanner { return timeScanner{t} }

// Scan implements sql.Scanner.
func (s timeScanner) Scan(v any) error {
	text, ok := v.(string)
	if !ok {
		return fmt.Errorf("time stored as %T, not text", v)
	}
	t, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		return err
	}
	*s.t = t.UTC()
	return nil
}

// nullTime returns the value under which t is stored: NULL for the zero
// time, which stands for none.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return timeValue(t)
}

// scanNullTime reads into *t a time stored by nullTime: the zero time for
// NULL.
func scanNullTime(v sql.NullString, t *time.Time) error {
	if !v.Valid {
		*t = time.Time{}
		return nil
	}
	return scanTime(t).Scan(v.String)
}

// Limits of the lists a caller pages through (decisions, alerts).
const (
	defaultLimit = 100  // for a limit that is not positive
	maxLimit     = 1000 // the most one call returns
)

// clampLimit returns limit, or defaultLimit if it is not positive, and at
// most maxLimit.
func clampLimit(limit int) int {
	if limit <= 0 {
		return defaultLimit
	}
	return min(limit, maxLimit)
}

// nullString returns s, or NULL for the empty string.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// updated checks the result of an UPDATE of one row named by format and
// args: ENotFound if there was no such row.
func updated(res sql.Result, err error, format string, args ...any) error {
	if err != nil {
		return storeError(err, format, args...)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return storeError(err, format, args...)
	}
	if n == 0 {
		return storeError(sql.ErrNoRows, format, args...)
	}
	return nil
}
