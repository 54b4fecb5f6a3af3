package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"

	"genuine"
)

// Group commit: concurrent Updates share one transaction and one fsync.
// The committer goroutine owns the write connection and runs the fn of
// each queued call in one transaction, on its own goroutine, up to maxBatch
// calls or maxBatchTime, then commits once and answers them. Calls get no
// savepoint: a fn that fails (returns an error, panics, or sees its ctx
// end) rolls back its whole batch and is answered once its effects are
// undone, and the other calls run again in a new batch, with the outcome
// they would have had without it. A panic goes on in its caller's goroutine.
const (
	maxBatch     = 64
	maxBatchTime = 10 * time.Millisecond
)

// A call is one Update waiting for, or running in, the committer.
type call struct {
	ctx   context.Context
	fn    func(genuine.Tx) error
	state atomic.Int32 // waiting, started or abandoned
	done  chan error   // Update's answer
}

// States of a call.
const (
	waiting   = iota // queued; the caller may still give up
	started          // the committer has taken it
	abandoned        // the caller's ctx ended before it started
)

// fnPanic is the answer to a call whose fn panicked: its caller panics
// again with the value.
type fnPanic struct{ value any }

func (p *fnPanic) Error() string { return fmt.Sprintf("sqlite: fn panicked: %v", p.value) }

// wait returns the committer's answer, or ctx's error if the call ends
// before it starts. If fn panicked, wait panics with the same value once
// fn's batch is rolled back.
func (c *call) wait() error {
	var err error
	select {
	case err = <-c.done:
	case <-c.ctx.Done():
		if c.state.CompareAndSwap(waiting, abandoned) {
			return c.ctx.Err()
		}
		err = <-c.done // started: fn sees ctx, the committer answers
	}
	if p, ok := err.(*fnPanic); ok {
		panic(p.value)
	}
	return err
}

// run runs c's fn in t on the committer's goroutine and returns its error;
// a panic is returned as a *fnPanic. fn must not call runtime.Goexit (as
// t.FailNow does): it would end the committer, so run ends the process
// with a message that says so instead.
func (c *call) run(t *tx) (err error) {
	returned := false
	defer func() {
		if v := recover(); v != nil {
			err = &fnPanic{v}
		} else if !returned {
			panic("sqlite: an Update's fn called runtime.Goexit (t.FailNow?) on the store's committer goroutine")
		}
	}()
	err = c.fn(t)
	returned = true
	return err
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

// commit runs a batch that starts with first and answers its calls. A
// failed fn ends the batch and the others run again in a new one. If a
// batch fails as a whole (its COMMIT failed), it runs each of its calls
// again alone in its own transaction.
func (db *DB) commit(first *call) {
	calls, more := []*call{first}, true
	for len(calls) > 0 {
		ran, again, err := db.batch(calls, more)
		switch {
		case err == nil:
			answer(ran, nil)
		case len(ran) == 1:
			answer(ran, err)
		default:
			for _, c := range ran {
				alone, _, err := db.batch([]*call{c}, false)
				answer(alone, err)
			}
		}
		// The calls of a batch ended by a failed fn run again; the queue
		// waits until they are done, so each round answers at least one.
		calls, more = again, false
	}
}

// answer gives err to every call of calls.
func answer(calls []*call, err error) {
	for _, c := range calls {
		c.done <- err
	}
}

// batch runs calls and, if more, further queued calls in one transaction,
// and commits it. It returns the calls that ran, still to be answered, and
// the error that ended the transaction, if any. If a fn fails, batch rolls
// back, answers that call, and returns the calls to run again: those that
// ran before it and those not yet run, in order.
func (db *DB) batch(calls []*call, more bool) (ran, again []*call, err error) {
	ctx := context.Background()
	start := time.Now()
	t, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return calls, nil, storeError(err, "sqlite: begin")
	}
	deadline := time.Now().Add(db.batchTime)
	next := func() *call {
		if len(calls) > 0 {
			c := calls[0]
			calls = calls[1:]
			return c
		}
		return db.next(more, len(ran), deadline)
	}
	for c := next(); c != nil; c = next() {
		started, ferr := db.step(t, c)
		if !started {
			continue
		}
		if ferr != nil {
			rerr := t.Rollback()
			c.done <- ferr
			if rerr != nil {
				// The connection is in doubt: the calls left run again
				// alone, each in a transaction of its own.
				return append(ran, calls...), nil, storeError(rerr, "sqlite: rollback")
			}
			return nil, append(ran, calls...), nil
		}
		ran = append(ran, c)
	}
	if err := t.Commit(); err != nil {
		// A COMMIT that fails on a deferred constraint leaves the
		// transaction open, and database/sql no longer rolls it back.
		db.write.ExecContext(ctx, "ROLLBACK")
		return ran, nil, storeError(err, "sqlite: commit")
	}
	db.commits.Add(1)
	if o := db.observer.Load(); o != nil {
		(*o).StoreCommit(len(ran), time.Since(start))
	}
	return ran, nil, nil
}

// SetObserver makes the store tell o of each write transaction it commits:
// how many Updates it carried and how long it took. It may be called at any
// time; nil stops the reports.
func (db *DB) SetObserver(o genuine.Observer) {
	if o == nil {
		db.observer.Store(nil)
		return
	}
	db.observer.Store(&o)
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

// step runs c's fn in t. It reports whether the call started (it was not
// abandoned, nor its ctx ended) and fn's error, or the call's ctx's if it
// ended while fn ran: a call canceled meanwhile commits nothing. A call
// that does not start is answered, or was by its caller.
func (db *DB) step(t *sql.Tx, c *call) (bool, error) {
	if !c.state.CompareAndSwap(waiting, started) && c.state.Load() != started {
		return false, nil // abandoned: its caller has returned
	}
	if err := c.ctx.Err(); err != nil {
		c.done <- err
		return false, nil
	}
	ferr := c.run(&tx{tx: t, db: db, stmts: db.writeStmts})
	if ferr == nil {
		ferr = c.ctx.Err()
	}
	return true, ferr
}
