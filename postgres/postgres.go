// Package postgres is genuine's production store: a genuine.Store on
// PostgreSQL through pgx and its pool, so that any number of stateless
// genuine servers can share one database. It holds plain SQL per noun
// (brand.go, batch.go, …) with the same file names as package sqlite,
// numbered migrations embedded in the binary whose numbers match SQLite's,
// and the translation of the server's SQLSTATE codes into *genuine.Error
// codes; the rules live in package genuine.
//
// Every Update is a SERIALIZABLE transaction, run again after a jittered
// backoff when the server aborts it (40001, 40P01); Updates that only queue
// their writes are committed several at once (group commit, group.go).
// Views are READ ONLY transactions on one snapshot. Times are kept to the
// microsecond. pgx prepares each statement once per connection: behind a
// pooler in transaction mode, add default_query_exec_mode=exec to the DSN.
// docs/architecture.md describes what this store guarantees.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"genuine"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

var _ genuine.Store = (*DB)(nil)

// Retries of an Update the server aborted: at most maxAttempts runs of fn,
// waiting a random time up to retryBase·2ⁿ (at most retryCap) before run n+1.
const (
	maxAttempts = 20
	retryBase   = 2 * time.Millisecond
	retryCap    = 128 * time.Millisecond
)

// rollbackTimeout bounds the rollback of a transaction whose context is
// done, so that its connection can go back to the pool.
const rollbackTimeout = 5 * time.Second

// DB is a genuine.Store on a PostgreSQL database. It is safe for concurrent
// use.
type DB struct {
	pool   *pgxpool.Pool
	closed atomic.Bool
	// groups carries Updates to the group committer (group.go), which
	// stops when stopGroups closes and then closes grouping.
	groups     chan *grouped
	stopGroups chan struct{}
	grouping   chan struct{}
	// retries counts the runs of fn that Update repeated, for tests and
	// benchmarks.
	retries atomic.Int64
	// observer is told of each commit (SetObserver); nil for none.
	observer atomic.Pointer[genuine.Observer]
}

// SetObserver makes the store tell o of each write transaction it commits:
// how many Updates it carried (more than one in a group, group.go) and how
// long it took. It may be called at any time; nil stops the reports.
func (db *DB) SetObserver(o genuine.Observer) {
	if o == nil {
		db.observer.Store(nil)
		return
	}
	db.observer.Store(&o)
}

// observeCommit tells the observer of a transaction of updates Updates
// begun at start and just committed.
func (db *DB) observeCommit(updates int, start time.Time) {
	if o := db.observer.Load(); o != nil {
		(*o).StoreCommit(updates, time.Since(start))
	}
}

// Retries returns how many times Update has run a transaction again after
// a serialization failure or deadlock, since Open.
func (db *DB) Retries() int64 { return db.retries.Load() }

// Open connects to the database named by dsn, a PostgreSQL URL or
// keyword/value string such as
// "postgres://genuine@db.example/genuine?sslmode=verify-full", and brings
// its schema up to date. It fails if the database was migrated by a newer
// genuine than this one. The pool opens at most pool_max_conns connections
// (a parameter of dsn; defaultPoolSize if it is not set); the DSN's other
// parameters are pgx's.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return openConfig(ctx, cfg)
}

// defaultPoolSize returns how many connections a pool opens at most if the
// DSN does not say: more than pgx's default of one per core, because an
// Update's connection sits idle while its commit waits for the disk, and
// the more commits wait at once, the more the server writes in one flush.
func defaultPoolSize() int32 {
	return int32(max(16, 4*runtime.GOMAXPROCS(0)))
}

// parseDSN returns the pool configuration of dsn, with defaultPoolSize
// unless dsn sets pool_max_conns.
func parseDSN(dsn string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	// pgxpool.ParseConfig removes the pool's parameters; pgconn keeps them.
	conn, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if _, ok := conn.RuntimeParams["pool_max_conns"]; !ok {
		cfg.MaxConns = defaultPoolSize()
	}
	return cfg, nil
}

// openConfig opens a DB with the pool configuration cfg, which it changes.
func openConfig(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "genuine"
	}
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		// Times come back in UTC, as the Store promises, whatever the
		// session's time zone.
		conn.TypeMap().RegisterType(&pgtype.Type{
			Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
		})
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %s: %w", cfg.ConnConfig.Database, err)
	}
	db := &DB{pool: pool, groups: make(chan *grouped), stopGroups: make(chan struct{}), grouping: make(chan struct{})}
	go db.commitGroups()
	return db, nil
}

// Close closes the pool, waiting for the transactions running to end.
// A second Close does nothing.
func (db *DB) Close() error {
	if db.closed.Swap(true) {
		return nil
	}
	close(db.stopGroups)
	<-db.grouping // the group being sent is committed first
	db.pool.Close()
	return nil
}

// View runs fn in a READ ONLY transaction at REPEATABLE READ: every
// statement sees one snapshot of the committed database, and the
// transaction never waits for an Update or fails for serialization. Any
// write inside fn fails. View runs fn once and returns its error as it is;
// if fn panics, View ends the transaction and panics again.
func (db *DB) View(ctx context.Context, fn func(genuine.Tx) error) error {
	if db.closed.Load() {
		return errClosed
	}
	x, end, err := db.begin(ctx, "begin read", "begin isolation level repeatable read read only")
	if err != nil {
		return err
	}
	defer end()
	return fn(x)
}

// Peek runs fn's statements on one connection without a transaction of
// their own: each sees what was committed when it ran. That saves View's
// BEGIN and ROLLBACK, and the ROLLBACK's round trip: a checkout's read is
// one round trip. Only SELECTs are sent: a write, a mistake of the
// caller's, fails (an internal error to users) and writes nothing.
func (db *DB) Peek(ctx context.Context, fn func(genuine.Tx) error) error {
	if db.closed.Load() {
		return errClosed
	}
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return txError(ctx, "peek", err)
	}
	defer c.Release()
	x := &tx{tx: selectsOnly{c}}
	if err := fn(x); err != nil {
		return err
	}
	if x.later.Len() > 0 {
		return errPeekWrite // queued, never sent
	}
	return nil
}

// errPeekWrite is the error of a write in a Peek. It is not a
// *genuine.Error: users see an internal error, and the log says this.
var errPeekWrite = errors.New("postgres: a write in a Peek, which only reads")

// selectsOnly is the querier of a Peek: it sends a statement only if it is
// a SELECT, which writes nothing, and fails with errPeekWrite otherwise.
type selectsOnly struct{ c *pgxpool.Conn }

// selects reports whether the statement sql is a SELECT.
func selects(sql string) bool {
	return strings.HasPrefix(strings.TrimLeft(sql, " \t\n"), "SELECT")
}

func (q selectsOnly) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if !selects(sql) {
		return pgconn.CommandTag{}, errPeekWrite
	}
	return q.c.Exec(ctx, sql, args...)
}

func (q selectsOnly) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if !selects(sql) {
		return nil, errPeekWrite
	}
	return q.c.Query(ctx, sql, args...)
}

func (q selectsOnly) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if !selects(sql) {
		return failedRow{errPeekWrite}
	}
	return q.c.QueryRow(ctx, sql, args...)
}

func (q selectsOnly) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	for _, qq := range b.QueuedQueries {
		if !selects(qq.SQL) {
			return failedBatch{errPeekWrite}
		}
	}
	return q.c.SendBatch(ctx, b)
}

// failedRow is a row whose Scan fails with err.
type failedRow struct{ err error }

func (r failedRow) Scan(...any) error { return r.err }

// failedBatch is the results of a batch never sent: each fails with err.
type failedBatch struct{ err error }

func (b failedBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b failedBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b failedBatch) QueryRow() pgx.Row                { return failedRow{b.err} }
func (b failedBatch) Close() error                     { return b.err }
func (b failedBatch) Tx() pgx.Tx                       { return nil }

// Update runs fn in a SERIALIZABLE transaction and commits it if fn
// returns nil; otherwise it rolls back and returns fn's error as it is. If
// fn panics, Update rolls back and panics again.
//
// When the server aborts the transaction for a serialization failure or a
// deadlock, whether a statement of fn or the commit reported it (and even
// if fn did not return that error), Update rolls back, waits a random
// while and runs fn again, up to maxAttempts runs in all; then it gives
// EUnavailable. fn must therefore have no effects outside tx.
//
// An fn that only queues its writes and reads nothing is committed with
// other such Updates in one transaction (group.go).
func (db *DB) Update(ctx context.Context, fn func(genuine.Tx) error) error {
	if db.closed.Load() {
		return errClosed
	}
	if grouped, err := db.updateGrouped(ctx, fn); grouped {
		return err
	}
	return db.updateEach(ctx, fn)
}

// updateEach runs fn in a transaction of its own, as Update describes.
func (db *DB) updateEach(ctx context.Context, fn func(genuine.Tx) error) error {
	for attempt := 1; ; attempt++ {
		again, err := db.update(ctx, fn)
		if !again {
			return err
		}
		if attempt == maxAttempts {
			return fmt.Errorf("%w (gave up after %d attempts: %w)", errBusy, attempt, err)
		}
		db.retries.Add(1)
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
}

// update runs fn once in a transaction, as Update describes, and reports
// whether the server aborted it so that it should run again.
//
// The transaction is begun and committed by hand, so that BEGIN goes to
// the server with fn's first statement and COMMIT with its last writes
// (tx.execLater, tx.swapLater): a checkout's write is one round trip.
func (db *DB) update(ctx context.Context, fn func(genuine.Tx) error) (again bool, err error) {
	start := time.Now()
	x, end, err := db.begin(ctx, "begin", "begin isolation level serializable")
	if err != nil {
		return false, err
	}
	defer end()
	if err := fn(x); err != nil {
		return x.aborted || retryable(err), err
	}
	if x.aborted {
		// fn went on after a statement failed: the server has rolled
		// back already.
		return true, errBusy
	}
	x.execLater("postgres: commit", "commit")
	tag, err := x.flush(ctx)
	if err != nil {
		return x.aborted || retryable(err), txError(ctx, "commit", err)
	}
	if tag.String() != "COMMIT" {
		// fn went on after a statement failed, and the server rolled
		// back instead.
		return false, txError(ctx, "commit", fmt.Errorf("the server rolled back (%s)", tag))
	}
	db.observeCommit(1, start)
	return false, nil
}

// begin acquires a connection for a transaction begun by the statement
// begin, which goes to the server with the transaction's first statement,
// and returns the transaction and the function that ends it: it rolls back
// what is still open (with time to do so even if ctx is done) and releases
// the connection. what names the step in errors.
func (db *DB) begin(ctx context.Context, what, begin string) (*tx, func(), error) {
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, txError(ctx, what, err)
	}
	x := &tx{tx: c}
	x.execLater("postgres: "+what, begin)
	return x, func() {
		if c.Conn().PgConn().TxStatus() != 'I' {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
			defer cancel()
			c.Exec(ctx, "rollback")
		}
		// Release closes a connection still in a transaction.
		c.Release()
	}, nil
}

// rollback ends t if it has not ended, with time to do so even if ctx is
// done.
func rollback(ctx context.Context, t pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	t.Rollback(ctx)
}

// backoff returns how long to wait before run attempt+1 of an aborted
// Update: a random time up to retryBase·2^(attempt-1), at most retryCap, so
// that the transactions that collided do not collide again.
func backoff(attempt int) time.Duration {
	ceiling := min(retryCap, retryBase<<min(attempt-1, 16))
	return time.Duration(rand.Int64N(int64(ceiling))) + 1
}

// sleep waits for d, or returns ctx's error if ctx is done first.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// errClosed is returned by View and Update after Close.
var errClosed = genuine.Errorf(genuine.EUnavailable, "the store is closed")

// txError describes an error beginning or committing a transaction,
// preferring the context's error when the context ended it.
func txError(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (%v)", cerr, err)
	}
	return storeError(err, "postgres: %s", op)
}

// tx is one transaction, the genuine.Tx that View and Update give fn.
// pgx prepares each statement once per connection and keeps it, so the
// queries need no list of their own as SQLite's do.
type tx struct {
	tx querier
	// aborted is set when a statement failed because the server aborted
	// the transaction for serialization or a deadlock: Update then runs
	// fn again, whatever fn made of the error.
	aborted bool
	// later holds the statements queued by execLater, to be sent
	// together, in one round trip, before the next statement or the
	// commit; queued tells how to report each one's error.
	later  pgx.Batch
	queued []queued
}

// queued is how to report the error of a statement queued in a tx.
type queued struct {
	// what names the thing the statement writes, for storeError; ""
	// gives the server's error as it is.
	what string
	// swap tells a checked swap (swapLater), whose division_by_zero means
	// that it found the row changed.
	swap bool
}

var _ genuine.Tx = (*tx)(nil)

// querier is what a tx sends its statements to: a pgx.Tx (View), or a
// connection whose transaction Update begins and commits by hand.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// note records in t whether err aborted the transaction, and returns err.
func (t *tx) note(err error) error {
	if err != nil && retryable(err) {
		t.aborted = true
	}
	return err
}

// execLater queues a statement whose only answer is its error, which
// names what it writes (as storeError's format does). The statement is
// sent with the others queued, in one round trip, with the next statement
// or before it, or with the commit, and its error is that statement's, or
// Update's: so only a transaction's BEGIN and the last writes, which
// nothing in it reads or acts on, are queued. An Update's fn that returns
// an error sends none of its inserts.
func (t *tx) execLater(what, query string, args ...any) {
	t.later.Queue(query, args...)
	t.queued = append(t.queued, queued{what: what})
}

// swapLater queues a statement, made by checkedSwap, that writes a row only
// if it is still as read, and otherwise fails with division_by_zero,
// aborting the transaction: its error then wraps genuine.ErrUnitChanged
// and names what. So the check needs no round trip of its own: it is made
// with the transaction's last writes, and the Update fails whole.
func (t *tx) swapLater(what, query string, args ...any) {
	t.later.Queue(query, args...)
	t.queued = append(t.queued, queued{what: what, swap: true})
}

// checkedSwap returns a statement that runs the data-modifying statement
// swap, which must write one row or none and end without RETURNING, and
// fails with division_by_zero if it wrote none (swapLater).
func checkedSwap(swap string) string {
	return `WITH swapped AS (` + swap + `
	RETURNING 1)
	SELECT 1 / count(*) FROM swapped`
}

// errorOf is the error to report for the error err of the queued statement q.
func (q queued) errorOf(err error) error {
	var e *pgconn.PgError
	switch {
	case q.swap && errors.As(err, &e) && e.Code == divisionByZero:
		return fmt.Errorf("%s: %w", q.what, genuine.ErrUnitChanged)
	case q.what == "":
		return err
	}
	return storeError(err, "%s", q.what)
}

// flush sends the queued statements in one round trip and returns the last
// one's command tag, or the first error. The error of a statement queued
// without a name (exec's own) is returned as the server gave it.
func (t *tx) flush(ctx context.Context) (pgconn.CommandTag, error) {
	tag, _, err := t.flushAt(ctx)
	return tag, err
}

// flushAt is flush that also returns the index among the statements sent
// of the one the server failed, whose error it returns; -1 if none failed,
// or if the round trip or a joinedRow's query did.
func (t *tx) flushAt(ctx context.Context) (pgconn.CommandTag, int, error) {
	n := t.later.Len()
	if n == 0 {
		return pgconn.CommandTag{}, -1, nil
	}
	b, queued := t.later, t.queued
	t.later, t.queued = pgx.Batch{}, nil
	br := t.tx.SendBatch(ctx, &b)
	var (
		tag   pgconn.CommandTag
		first error
		at    = -1
	)
	for i := range n {
		if b.QueuedQueries[i].Fn != nil {
			break // a joinedRow's query, the last: Close runs it
		}
		ct, err := br.Exec()
		switch {
		case err != nil && first == nil:
			first = queued[i].errorOf(err)
			if errors.As(err, new(*pgconn.PgError)) {
				at = i // the server's answer to this statement
			}
		case err == nil:
			tag = ct
		}
	}
	if err := br.Close(); err != nil && first == nil {
		// The error of the last statement, or of the round trip.
		first = queued[n-1].errorOf(err)
	}
	return tag, at, t.note(first)
}

// exec runs a statement that returns no rows, together with the
// statements queued.
func (t *tx) exec(ctx context.Context, query string, args ...any) (pgconn.CommandTag, error) {
	if t.later.Len() > 0 {
		t.execLater("", query, args...)
		return t.flush(ctx)
	}
	tag, err := t.tx.Exec(ctx, query, args...)
	return tag, t.note(err)
}

// query runs a statement that returns rows.
func (t *tx) query(ctx context.Context, query string, args ...any) (pgx.Rows, error) {
	if _, err := t.flush(ctx); err != nil {
		return nil, err
	}
	r, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, t.note(err)
	}
	return rows{r, t}, nil
}

// queryRow runs a statement that returns at most one row, together with
// the statements queued.
func (t *tx) queryRow(ctx context.Context, query string, args ...any) pgx.Row {
	if t.later.Len() > 0 {
		return &joinedRow{t: t, ctx: ctx, query: query, args: args}
	}
	return row{t.tx.QueryRow(ctx, query, args...), t}
}

// joinedRow is the row of a statement sent, once the row is scanned, in one
// round trip with the statements queued before it (a transaction's BEGIN).
type joinedRow struct {
	t     *tx
	ctx   context.Context
	query string
	args  []any
}

func (r *joinedRow) Scan(dest ...any) error {
	var scanErr error
	r.t.later.Queue(r.query, r.args...).QueryRow(func(row pgx.Row) error {
		scanErr = row.Scan(dest...)
		return nil
	})
	r.t.queued = append(r.t.queued, queued{})
	if _, err := r.t.flush(r.ctx); err != nil {
		return err
	}
	return r.t.note(scanErr)
}

// rows are the pgx.Rows of a statement of t, which note their error in t.
type rows struct {
	pgx.Rows
	t *tx
}

// Err returns the error that ended the rows, if any.
func (r rows) Err() error { return r.t.note(r.Rows.Err()) }

// row is the pgx.Row of a statement of t, which notes its error in t.
type row struct {
	pgx.Row
	t *tx
}

// Scan reads the row into dest; pgx.ErrNoRows if there was none.
func (r row) Scan(dest ...any) error { return r.t.note(r.Row.Scan(dest...)) }

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

// nullTime returns t, or NULL for the zero time, which stands for none.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// updated checks the result of an UPDATE of one row named by format and
// args: ENotFound if there was no such row.
func updated(tag pgconn.CommandTag, err error, format string, args ...any) error {
	if err != nil {
		return storeError(err, format, args...)
	}
	if tag.RowsAffected() == 0 {
		return storeError(pgx.ErrNoRows, format, args...)
	}
	return nil
}
