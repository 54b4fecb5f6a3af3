package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// Checkpoints copy the pages committed to the WAL back into the database
// file, so that the WAL does not grow without end. The writer never
// checkpoints (wal_autocheckpoint=0), since every Update queued behind a
// commit would wait for its checkpoint; a connection of its own runs
// PASSIVE checkpoints every checkpointEvery instead, which neither wait for
// nor block the writer or the readers. A commit is durable once its WAL
// frames are synced, checkpointed or not.
const checkpointEvery = 100 * time.Millisecond

// Under steady load Views overlap without a gap, so PASSIVE checkpoints
// alone never let SQLite write the WAL from its start again. Once the WAL
// holds walRestartFrames frames the checkpointer runs a RESTART: it takes
// the write lock and waits for the readers of older snapshots, at most
// restartWait (its busy timeout), so that a slow reader such as an export
// cannot hold the writer; one that gives up is tried again on a later
// tick. walSizeLimit (journal_size_limit) truncates a WAL that a burst grew
// beyond it, when the WAL starts again.
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
