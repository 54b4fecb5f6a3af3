package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// Checkpoints copy the pages committed to the WAL back into the database
// file, so that the WAL does not grow without end. SQLite runs one inside
// the commit that fills 1,000 pages of WAL, on the committing connection:
// here that is the one writer, and every Update queued behind that commit
// would wait for it, some 20–30 % of the writer's time under load. So the
// writer never checkpoints (wal_autocheckpoint=0), and a connection of its
// own checkpoints instead, in the background, with PASSIVE checkpoints,
// which neither wait for nor block the writer or the readers, and now and
// then a RESTART (below). Durability is unchanged: a commit is durable once
// its WAL frames are synced.
const checkpointEvery = 100 * time.Millisecond

// SQLite writes the WAL from its beginning again only when a write
// transaction begins after a checkpoint copied every frame, and while no
// reader still reads an older snapshot from the WAL. Under steady load the
// Views overlap without a gap, so PASSIVE checkpoints alone never give that
// moment and the WAL grows without end: 379 MB in one 10 s run of
// `genuine bench`. So once the WAL holds walRestartFrames frames, the
// checkpointer runs a RESTART checkpoint: it waits for the write lock (the
// batch being committed), copies what is left, and waits for the readers of
// older snapshots to end (new ones read the database file); the next commit
// then writes the WAL from its start. That holds the writer for 8–35 ms
// (measured); at 7,000 checkouts/s, four WAL frames each, it comes about
// every two seconds. The checkpointer's connection waits at most
// restartWait for a lock (its busy timeout): a reader that stays longer —
// an export streamed to a slow client — must not hold the writer, so the
// RESTART then gives up, and is tried again on a later tick. walSizeLimit
// (journal_size_limit) truncates a WAL that a burst grew beyond it, when
// the WAL starts again.
const (
	walRestartFrames = 64 << 10  // 256 MiB of 4 KiB pages
	walSizeLimit     = 512 << 20 // bytes
	restartWait      = 50 * time.Millisecond
)

// checkpointLoop checkpoints the WAL every checkpointEvery while commits
// come in, until stop is closed.
func (db *DB) checkpointLoop() {
	defer close(db.checkpointed)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	var last int64
	for {
		select {
		case <-tick.C:
		case <-db.stop:
			return
		}
		if n := db.commits.Load(); n != last {
			last = n
			if err := checkpoint(db.ckpt, int(db.restartFrames.Load())); err != nil {
				slog.Default().Warn("sqlite: checkpoint", "err", err)
			}
		}
	}
}

// checkpoint runs one passive checkpoint on pool and then, if the WAL has
// restartFrames frames or more, a RESTART checkpoint.
func checkpoint(pool *sql.DB, restartFrames int) error {
	ctx, cancel := context.WithTimeout(context.Background(), busyTimeout)
	defer cancel()
	var busy, logFrames, done int
	err := pool.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done)
	if err != nil || logFrames < restartFrames {
		return err
	}
	return pool.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &logFrames, &done)
}
