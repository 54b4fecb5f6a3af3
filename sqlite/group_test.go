package sqlite

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"genuine"
)

// BenchmarkUpdatePutUnitParallel measures small durable write transactions
// from about 64 goroutines at once.
func BenchmarkUpdatePutUnitParallel(b *testing.B) {
	db := openTest(b)
	gtin := benchBatches(b, db, 1, 1<<20)
	ctx := b.Context()
	var seq atomic.Int64
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s := seq.Add(1)
			u := &genuine.Unit{GTIN: gtin, BatchID: "bat_00000000000000000000", State: genuine.StateReserved,
				CheckoutID: "chk_00000000000000000001", Seq: s % (1 << 20), Serial: fmt.Sprint(s), UpdatedAt: time.Now()}
			if err := db.Update(ctx, func(tx genuine.Tx) error { return tx.PutUnit(ctx, u) }); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// startBlocker runs an Update whose fn waits until release is closed, and
// returns once fn has started, so that Updates begun meanwhile queue up.
func startBlocker(t *testing.T, db *DB) (release chan struct{}, done chan error) {
	t.Helper()
	started := make(chan struct{})
	release, done = make(chan struct{}), make(chan error, 1)
	var once sync.Once // a failed batch runs the blocker again
	go func() {
		done <- db.Update(t.Context(), func(genuine.Tx) error {
			once.Do(func() { close(started) })
			<-release
			return nil
		})
	}()
	<-started
	return release, done
}

// TestGroupCommitFailuresInBatch runs Updates that succeed, fail or panic
// in the same batches: the successes are all committed, the failures leave
// nothing, and each panic goes on in its own caller's goroutine. Two in
// three succeed: a failure ends its batch, and the successes before it are
// committed in one more, so however the calls queue up there is at most
// one commit per failure, plus one per batch that ends full or with the
// queue (two or three here) — fewer than the successes, unless they are
// not grouped.
func TestGroupCommitFailuresInBatch(t *testing.T) {
	db := openTest(t)
	db.batchTime = 10 * time.Second // batches fill however slow this machine is
	ctx := t.Context()
	release, blocked := startBlocker(t, db)
	const n = 150
	errFail := errors.New("fail")
	const succeeds, fails, panics = 0, 1, 2
	kind := func(i int) int {
		switch {
		case i%3 != 2:
			return succeeds
		case i%2 == 0:
			return fails
		}
		return panics
	}
	type outcome struct {
		err       error
		recovered any
	}
	outcomes := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			defer func() { outcomes[i].recovered = recover() }()
			b := *testBrand
			b.ID = fmt.Sprintf("brand%03d", i)
			outcomes[i].err = db.Update(ctx, func(tx genuine.Tx) error {
				if err := tx.CreateBrand(ctx, &b); err != nil {
					return err
				}
				switch kind(i) {
				case fails:
					return errFail
				case panics:
					panic(b.ID)
				}
				return nil
			})
		})
	}
	time.Sleep(100 * time.Millisecond) // let them queue up
	before := db.commits.Load()
	close(release)
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, o := range outcomes {
		id := fmt.Sprintf("brand%03d", i)
		exists := brandErr(t, db, id) == nil
		switch kind(i) {
		case succeeds:
			if o.err != nil || o.recovered != nil || !exists {
				t.Errorf("%s: Update = %v, panic %v, committed %v; want nil, none, true", id, o.err, o.recovered, exists)
			}
		case fails:
			if o.err != errFail || o.recovered != nil || exists {
				t.Errorf("%s: Update = %v, panic %v, committed %v; want errFail, none, false", id, o.err, o.recovered, exists)
			}
		case panics:
			if o.recovered != id || exists {
				t.Errorf("%s: panic %v, committed %v; want panic %q, false", id, o.recovered, exists, id)
			}
		}
	}
	if got := db.commits.Load() - before; got >= 2*n/3 {
		t.Errorf("%d commits for %d successful Updates: no group commit", got, 2*n/3)
	}
}

// TestGroupCommitFailsRunsAlone makes the COMMIT of a batch fail: one fn
// defers foreign key checks to the commit and writes a product of a brand
// that does not exist. The other fns of the batch run again, each alone,
// and are committed; the failing one returns the commit's error.
func TestGroupCommitFailsRunsAlone(t *testing.T) {
	db := openTest(t)
	// The calls must share a batch (the blocker's), however slow this
	// machine is.
	db.batchTime = 10 * time.Second
	ctx := t.Context()
	release, blocked := startBlocker(t, db)
	bad := make(chan error, 1)
	go func() {
		bad <- db.Update(ctx, func(gtx genuine.Tx) error {
			if _, err := gtx.(*tx).tx.ExecContext(ctx, "PRAGMA defer_foreign_keys = ON"); err != nil {
				return err
			}
			p := &genuine.Product{GTIN: "09520123456788", BrandID: "nobrand", Name: "Orphan", CreatedAt: time.Now()}
			return gtx.CreateProduct(ctx, p)
		})
	}()
	time.Sleep(50 * time.Millisecond) // the bad call queues first
	const n = 5
	var runs atomic.Int64
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			b := *testBrand
			b.ID = fmt.Sprintf("brand%d", i)
			errs[i] = db.Update(ctx, func(tx genuine.Tx) error {
				runs.Add(1)
				return tx.CreateBrand(ctx, &b)
			})
		})
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := <-bad; err == nil {
		t.Error("an Update that breaks a deferred foreign key succeeded")
	}
	err := db.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.Product(ctx, "09520123456788")
		return err
	})
	if genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("the orphan product: %v, want ENotFound", err)
	}
	for i, err := range errs {
		if err != nil || brandErr(t, db, fmt.Sprintf("brand%d", i)) != nil {
			t.Errorf("brand%d: Update = %v, or not committed", i, err)
		}
	}
	if runs.Load() == n {
		t.Error("no fn ran again after the batch's commit failed")
	}
}

// TestGroupCommitCanceledBeforeStart checks that a queued Update whose ctx
// ends before its fn starts returns ctx's error without running fn.
func TestGroupCommitCanceledBeforeStart(t *testing.T) {
	db := openTest(t)
	release, blocked := startBlocker(t, db)
	ctx, cancel := context.WithCancel(t.Context())
	ran := false
	done := make(chan error, 1)
	go func() { done <- db.Update(ctx, func(genuine.Tx) error { ran = true; return nil }) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || ran {
		t.Errorf("Update = %v, fn ran %v; want context.Canceled, false", err, ran)
	}
	close(release)
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
}

// TestGroupCommitClose closes the store while Updates are queued: they fail
// with EUnavailable, and the one running is committed.
func TestGroupCommitClose(t *testing.T) {
	db := openTest(t)
	release, blocked := startBlocker(t, db)
	queued := make(chan error, 1)
	go func() { queued <- db.Update(t.Context(), func(genuine.Tx) error { return nil }) }()
	time.Sleep(20 * time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	if err := <-queued; genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Errorf("queued Update at Close: %v, want EUnavailable", err)
	}
	close(release)
	if err := <-blocked; err != nil {
		t.Errorf("running Update at Close: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}
