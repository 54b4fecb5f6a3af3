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
// which neither wait for nor block the writer or the readers. Durability is
// unchanged: a commit is durable once its WAL frames are synced.
const checkpointEvery = 100 * time.Millisecond

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
			if err := checkpoint(db.ckpt); err != nil {
				slog.Default().Warn("sqlite: checkpoint", "err", err)
			}
		}
	}
}

// checkpoint runs one passive checkpoint on pool.
func checkpoint(pool *sql.DB) error {
	ctx, cancel := context.WithTimeout(context.Background(), busyTimeout)
	defer cancel()
	var busy, logPages, done int
	return pool.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logPages, &done)
}
