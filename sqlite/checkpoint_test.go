package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"genuine/genuine"
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
	ctx := t.Context()
	for i := range 200 {
		err := db.Update(ctx, func(tx genuine.Tx) error {
			b := *testBrand
			b.ID, b.Name = fmt.Sprintf("brd_%020d", i), fmt.Sprintf("Brand %d with a longish name to fill pages", i)
			return tx.CreateBrand(ctx, &b)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for end := time.Now().Add(10 * time.Second); size() <= before; time.Sleep(checkpointEvery) {
		if time.Now().After(end) {
			t.Fatalf("the database file stayed at %d bytes after 200 commits: nothing checkpointed", before)
		}
	}
}
