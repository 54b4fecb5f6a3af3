package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"
	"time"

	"genuine/genuine"
)

// Group commit: concurrent Updates share one transaction and one fsync.
// The committer goroutine owns the write connection. It takes a queued call,
// begins a transaction and, for each call, opens a savepoint and hands the
// transaction to the caller's goroutine, which runs fn and reports back; a
// failed fn's savepoint is rolled back at once, a successful one released.
// While calls are queued it goes on with the next, up to maxBatch calls or
// maxBatchTime, then commits once and answers the successful calls.
const (
	maxBatch     = 64
	maxBatchTime = 10 * time.Millisecond
)

// A call is one Update waiting for, or running in, the committer.
type call struct {
	ctx   context.Context
	state atomic.Int32 // waiting, started or abandoned
	turn  chan *tx     // the committer lends the transaction to run fn
	back  chan error   // fn's error, or errAborted, once fn ends
	done  chan error   // Update's answer
}

// States of a call.
const (
	waiting   = iota // queued; the caller may still give up
	started          // the committer has taken it
	abandoned        // the caller's ctx ended before it started
)

// errAborted reports to the committer that fn panicked or exited its
// goroutine (runtime.Goexit) instead of returning.
var errAborted = errors.New("sqlite: fn did not return")

// wait runs fn each time the committer lends c the transaction, and returns
// the committer's answer, or ctx's error if the call ends before it starts.
func (c *call) wait(fn func(genuine.Tx) error) error {
	cancel := c.ctx.Done()
	for {
		select {
		case t := <-c.turn:
			c.run(fn, t)
		case err := <-c.done:
			return err
		case <-cancel:
			if c.state.CompareAndSwap(waiting, abandoned) {
				return c.ctx.Err()
			}
			cancel = nil // started: fn sees ctx, the committer answers
		}
	}
}

// run runs fn in t and reports how it ended. If fn panics or calls
// runtime.Goexit, run waits until fn's savepoint is rolled back before the
// panic (or exit) goes on in the caller's goroutine.
func (c *call) run(fn func(genuine.Tx) error, t *tx) {
	returned := false
	defer func() {
		if !returned {
			c.back <- errAborted
			<-c.done
		}
	}()
	err := fn(t)
	returned = true
	c.back <- err
}

// commitLoop is the committer: it runs queued calls in batches until Close.
func (db *DB) commitLoop() {
	defer close(db.exited)
	for {
		select {
		case c := <-db.queue:
			db.commit(c)
		case <-db.stop:
			return
		}
	}
}

// commit runs a batch that starts with first and answers its calls. If the
// batch fails after some fns succeeded (its COMMIT, or a savepoint, failed),
// it runs each of them again alone in its own transaction.
func (db *DB) commit(first *call) {
	ok, n, err := db.batch(first, true)
	if err == nil || n == 1 {
		answer(ok, err)
		return
	}
	for _, c := range ok {
		again, _, err := db.batch(c, false)
		answer(again, err)
	}
}

// answer gives err to every call of calls.
func answer(calls []*call, err error) {
	for _, c := range calls {
		c.done <- err
	}
}

// batch runs first and, if more, further queued calls in one transaction,
// each in its own savepoint, and commits it. It answers the calls that
// failed or did not start, and returns those whose fn succeeded, still to be
// answered, how many calls it took, and the error that ended the
// transaction, if any.
func (db *DB) batch(first *call, more bool) (ok []*call, n int, err error) {
	ctx := context.Background()
	t, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return []*call{first}, 1, storeError(err, "sqlite: begin")
	}
	deadline := time.Now().Add(db.batchTime)
	for c := first; c != nil; c = db.next(more, n, deadline) {
		n++
		succeeded, err := db.step(t, c)
		if succeeded {
			ok = append(ok, c)
		}
		if err != nil {
			t.Rollback()
			return ok, n, err
		}
	}
	if err := t.Commit(); err != nil {
		// A COMMIT that fails on a deferred constraint leaves the
		// transaction open, and database/sql no longer rolls it back.
		db.write.ExecContext(ctx, "ROLLBACK")
		return ok, n, storeError(err, "sqlite: commit")
	}
	db.commits.Add(1)
	return ok, n, nil
}

// next returns the next queued call to add to a batch of n calls, or nil if
// none is queued or the batch is full.
func (db *DB) next(more bool, n int, deadline time.Time) *call {
	if !more || n >= maxBatch || time.Now().After(deadline) {
		return nil
	}
	select {
	case c := <-db.queue:
		return c
	default:
		return nil
	}
}

// step runs c's fn in a savepoint of t. It reports whether fn succeeded
// (its savepoint released, c not yet answered), and returns an error if
// the savepoint could not be opened, released or rolled back, which ends
// the batch. A call that fails is answered once its savepoint is undone.
func (db *DB) step(t *sql.Tx, c *call) (bool, error) {
	if !c.state.CompareAndSwap(waiting, started) && c.state.Load() != started {
		return false, nil // abandoned: its caller has returned
	}
	if err := c.ctx.Err(); err != nil {
		c.done <- err
		return false, nil
	}
	ctx := context.Background()
	if _, err := t.ExecContext(ctx, "SAVEPOINT g"); err != nil {
		return true, storeError(err, "sqlite: savepoint")
	}
	c.turn <- &tx{tx: t, db: db, stmts: db.writeStmts, shared: true}
	ferr := <-c.back
	if ferr == nil {
		ferr = c.ctx.Err() // a call canceled while it ran commits nothing
	}
	if ferr == nil {
		_, err := t.ExecContext(ctx, "RELEASE g")
		return true, storeError(err, "sqlite: release savepoint")
	}
	_, err := t.ExecContext(ctx, "ROLLBACK TO g")
	if err == nil {
		_, err = t.ExecContext(ctx, "RELEASE g")
	}
	c.done <- ferr // errAborted only lets a panic go on
	return false, storeError(err, "sqlite: rollback to savepoint")
}
