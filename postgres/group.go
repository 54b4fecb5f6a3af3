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

// Group commit.
//
// Most Updates of a sale only queue their statements (execLater,
// swapLater: the checked swap of each unit, its event, the decision, the
// checkout) and read nothing, since the checkout decided on a Peek's reads
// and every swap checks them again. Such an Update's statements can be
// sent with other Updates' in one SERIALIZABLE transaction, in one round
// trip, committed once: PostgreSQL's cost is mostly a transaction's, not a
// statement's (BENCHMARKS.md, fifth sitting: a checkout's four writes, 8
// to a transaction, 2.6 times as many checkouts a second as one to a
// transaction).
//
// So Update first runs fn on a tx that only records (recorder): if fn
// sends nothing to the server before it returns, its statements go to the
// server's one group committer, which sends those of every Update waiting
// together, up to maxGroup, each Update's statements in their order, then
// COMMIT. The group is one SERIALIZABLE transaction, so its Updates are
// serializable as they would be alone: the group is a serial order of
// them. It commits whole or not at all. If a statement fails on its own
// account (a unit changed: ErrUnitChanged; a key used: EConflict), its
// Update fails with the error it would have had alone, and the others are
// sent again without it. If the server aborts the group for serialization
// or a deadlock — another server's transaction collided with it — each of
// its Updates is sent again alone, retried as Update retries. An Update
// whose fn sends a statement (it reads, or writes through exec), or fails,
// runs as before, in a transaction of its own: fn runs again, as a retry
// would.
//
// One committer a server: groups of one server never collide with each
// other, and while one group is at the server the next one gathers. A
// group reading many units' rows holds many predicate locks, which
// PostgreSQL may merge into a page's or the table's; another server's
// group is then the likelier to collide with it, and its Updates go alone.
// `genuine bench --scenario checkout` on PostgreSQL: groups of 27 on
// average, and 0.061 → 0.097 of the ceiling (BENCHMARKS.md).

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
// transaction of its own, which retries it as Update always did.
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
