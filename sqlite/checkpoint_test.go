package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"genuine"
)

// The writer leaves checkpoints to the checkpointer: commits go to the WAL
// only, and the checkpointer copies them into the database file soon after.
func TestCheckpointerCopiesCommits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "genuine.db")
	db := openAt(t, path)
	if got := pragma(t, db.write, "wal_autocheckpoint"); got != "0" {
		t.Fatalf("PRAGMA wal_autocheckpoint on the writer = %s, want 0", got)
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// Let the checkpointer copy what Open wrote, then measure.
	time.Sleep(3 * checkpointEvery)
	before := size()
	for i := range 200 {
		commitBrand(t, db, i)
	}
	for end := time.Now().Add(10 * time.Second); size() <= before; time.Sleep(checkpointEvery) {
		if time.Now().After(end) {
			t.Fatalf("the database file stayed at %d bytes after 200 commits: nothing checkpointed", before)
		}
	}
}

// Under steady reads the WAL never has the gap SQLite needs to start it
// again, so the checkpointer restarts it once it holds restartFrames frames:
// the WAL file stays near that size however much is committed.
func TestCheckpointerRestartsTheWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "genuine.db")
	db := openAt(t, path)
	const restartFrames = 64
	db.restartFrames.Store(restartFrames)
	ctx := t.Context()

	// Readers one after another on every read connection, each holding
	// its snapshot a little, as Views under load do.
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := db.View(ctx, func(tx genuine.Tx) error {
					_, err := tx.Brand(ctx, testBrand.ID)
					time.Sleep(time.Millisecond)
					if genuine.ErrorCode(err) == genuine.ENotFound {
						return nil
					}
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	const commits = 10_000
	for i := range commits {
		commitBrand(t, db, i)
	}
	close(stop)
	readers.Wait()

	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// Each commit appends a frame or more: without restarts the WAL
	// would hold commits frames or more. With them it holds at most
	// restartFrames and what was committed during a checkpointEvery or a
	// restart.
	const frame = 24 + 4096
	if frames := fi.Size() / frame; frames > commits/2 {
		t.Errorf("the WAL holds %d frames after %d commits, want it restarted at %d", frames, commits, restartFrames)
	}
}

// A RESTART checkpoint holds the write lock while it waits for the readers
// of older snapshots, and a reader may be slow — an export streamed to a
// slow client. So it waits for them only briefly, gives up, and tries again
// later: a reader that stays does not hold the writer up.
func TestRestartDoesNotWaitForASlowReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "genuine.db")
	db := openAt(t, path)
	db.restartFrames.Store(64)
	ctx := t.Context()

	// A reader on a snapshot of its own, held all through the commits.
	reading, release := make(chan struct{}), make(chan struct{})
	viewDone := make(chan error, 1)
	go func() {
		viewDone <- db.View(ctx, func(tx genuine.Tx) error {
			if _, err := tx.Brand(ctx, testBrand.ID); genuine.ErrorCode(err) != genuine.ENotFound {
				return fmt.Errorf("brand: %v", err)
			}
			close(reading)
			<-release
			return nil
		})
	}()
	<-reading

	// Commits past restartFrames, during several checkpointEvery, so that
	// the checkpointer tries to restart the WAL under the reader.
	var slowest time.Duration
	for i := 0; i < 300; i++ {
		start := time.Now()
		commitBrand(t, db, i)
		slowest = max(slowest, time.Since(start))
		time.Sleep(2 * time.Millisecond)
	}
	close(release)
	if err := <-viewDone; err != nil {
		t.Fatal(err)
	}
	// Not a measure of speed: a checkpoint that waited for the reader
	// would hold an Update for the whole busy timeout, 5 s.
	if slowest >= busyTimeout/2 {
		t.Errorf("an Update took %v while a reader held an old snapshot: the checkpointer held the writer", slowest)
	}
}

// commitBrand commits brand number i, with a name long enough that brands
// fill pages.
func commitBrand(t *testing.T, db *DB, i int) {
	t.Helper()
	ctx := t.Context()
	err := db.Update(ctx, func(tx genuine.Tx) error {
		b := *testBrand
		b.ID, b.Name = fmt.Sprintf("brd_%020d", i), fmt.Sprintf("Brand %d with a longish name to fill pages", i)
		return tx.CreateBrand(ctx, &b)
	})
	if err != nil {
		t.Fatal(err)
	}
}
