package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"genuine"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Group commit: an Update whose fn only queues its writes (execLater,
// swapLater) and reads nothing, as a checkout's does, is committed with
// other such Updates in one SERIALIZABLE transaction and one round trip.
// Update first runs fn on a recorder; if fn sent nothing, the server's one
// group committer sends the statements of up to maxGroup waiting Updates,
// each Update's in order, then COMMIT. A statement that fails on its own
// account fails its Update alone, and the others are sent again; if the
// server aborts the group, each Update is sent again alone and retried as
// Update retries. docs/architecture.md, "Group commit", says why.

// maxGroup bounds the Updates one group carries.
const maxGroup = 64

// groupTimeout bounds a group's round trip and commit; it is not any one
// caller's context, since a group commits for all of them.
const groupTimeout = 30 * time.Second

// grouped is an Update whose fn only queued statements: what the group
// committer sends for it, and where it answers.
type grouped struct {
	ctx    context.Context
	later  pgx.Batch
	queued []queued
	done   chan error // buffered: the committer never waits on a caller
}

// updateGrouped runs fn on a recording tx and, if fn sent nothing, has its
// statements committed in a group. It reports false if fn needed the
// server, for Update to run it in a transaction of its own.
func (db *DB) updateGrouped(ctx context.Context, fn func(genuine.Tx) error) (bool, error) {
	g, ok := record(ctx, fn)
	if !ok {
		return false, nil
	}
	if g == nil {
		return true, nil // nothing to write
	}
	select {
	case db.groups <- g:
	case <-ctx.Done():
		return true, txError(ctx, "commit", ctx.Err())
	case <-db.grouping:
		return true, errClosed
	}
	// Once taken, the group may commit it: its answer is awaited.
	return true, <-g.done
}

// record runs fn on a tx that only records, and returns the statements it
// queued as an Update to commit in a group; nil if it queued none. It
// reports false if fn sent a statement, or failed: fn then runs again in a
// transaction of its own (updateEach), retried as any Update is.
func record(ctx context.Context, fn func(genuine.Tx) error) (*grouped, bool) {
	var rec recorder
	x := &tx{tx: &rec}
	if err := fn(x); err != nil || rec.sent {
		return nil, false
	}
	if x.later.Len() == 0 {
		return nil, true
	}
	return &grouped{ctx: ctx, later: x.later, queued: x.queued, done: make(chan error, 1)}, true
}

// commitGroups is the group committer: it takes the Updates waiting, up to
// maxGroup, and commits them together, until Close.
func (db *DB) commitGroups() {
	defer close(db.grouping)
	for {
		var gs []*grouped
		select {
		case g := <-db.groups:
			gs = append(gs, g)
		case <-db.stopGroups:
			return
		}
	more:
		for len(gs) < maxGroup {
			select {
			case g := <-db.groups:
				gs = append(gs, g)
			default:
				break more
			}
		}
		db.commitGroup(gs)
	}
}

// commitGroup commits the Updates gs together, and answers each.
func (db *DB) commitGroup(gs []*grouped) {
	live := make([]*grouped, 0, len(gs))
	for _, g := range gs {
		if err := g.ctx.Err(); err != nil {
			g.done <- txError(g.ctx, "commit", err) // never sent
			continue
		}
		live = append(live, g)
	}
	for len(live) > 0 {
		failed, err := db.sendGroup(live)
		switch {
		case err == nil:
			for _, g := range live {
				g.done <- nil
			}
			return
		case retryable(err):
			// Collided with another server's transaction: each alone,
			// as Update retries, beside the next groups.
			db.retries.Add(1)
			for _, g := range live {
				go func() { g.done <- db.updateAlone(g) }()
			}
			return
		case failed >= 0:
			// One Update's own failure: it fails, the others go again.
			live[failed].done <- txError(live[failed].ctx, "commit", err)
			live = slices.Delete(live, failed, failed+1)
		default:
			// The transaction's own failure (its BEGIN, COMMIT or
			// connection): whether it committed may be unknown, as for
			// an Update alone.
			for _, g := range live {
				g.done <- txError(g.ctx, "commit", err)
			}
			return
		}
	}
}

// sendGroup sends the statements of gs in one transaction and commits it.
// On failure it returns the index in gs of the Update whose statement
// failed, or -1 if none did (BEGIN, COMMIT, the connection).
func (db *DB) sendGroup(gs []*grouped) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	start := time.Now()
	x, end, err := db.begin(ctx, "begin", "begin isolation level serializable")
	if err != nil {
		return -1, err
	}
	defer end()
	owner := []int{-1} // BEGIN's
	for i, g := range gs {
		for j, q := range g.later.QueuedQueries {
			x.later.Queue(q.SQL, q.Arguments...)
			x.queued = append(x.queued, g.queued[j])
			owner = append(owner, i)
		}
	}
	x.execLater("postgres: commit", "commit")
	owner = append(owner, -1)
	tag, at, err := x.flushAt(ctx)
	if err != nil {
		if at >= 0 {
			return owner[at], err
		}
		return -1, err
	}
	if tag.String() != "COMMIT" {
		return -1, fmt.Errorf("the server rolled back (%s)", tag)
	}
	db.observeCommit(len(gs), start)
	return -1, nil
}

// updateAlone commits g's statements in a transaction of their own,
// retried as Update retries fn.
func (db *DB) updateAlone(g *grouped) error {
	return db.updateEach(g.ctx, func(t genuine.Tx) error {
		x := t.(*tx)
		for j, q := range g.later.QueuedQueries {
			x.later.Queue(q.SQL, q.Arguments...)
			x.queued = append(x.queued, g.queued[j])
		}
		return nil
	})
}

// recorder is the querier of the tx on which Update first runs fn: it
// sends nothing, and notes that fn tried.
type recorder struct{ sent bool }

// recording reports whether t is an Update's first run, which records.
func (t *tx) recording() bool {
	_, ok := t.tx.(*recorder)
	return ok
}

// errRecording is what a statement sent through a recorder fails with: fn
// then runs again in a transaction of its own.
var errRecording = errors.New("postgres: a statement sent while recording an Update")

func (r *recorder) Exec(context.Context, string, ...any) (pgconn.CommandTag, error) {
	r.sent = true
	return pgconn.CommandTag{}, errRecording
}

func (r *recorder) Query(context.Context, string, ...any) (pgx.Rows, error) {
	r.sent = true
	return nil, errRecording
}

func (r *recorder) QueryRow(context.Context, string, ...any) pgx.Row {
	r.sent = true
	return failedRow{errRecording}
}

func (r *recorder) SendBatch(context.Context, *pgx.Batch) pgx.BatchResults {
	r.sent = true
	return failedBatch{errRecording}
}
