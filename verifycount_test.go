package genuine_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"genuine"
	"genuine/gs1"
)

// countingApp returns another App on store, as a second server on w's
// store would be, that stores the verifications it counts only when told:
// its flush interval is an hour. It is closed when the test ends.
func (w *world) countingApp(t *testing.T, store genuine.Store) *genuine.App {
	t.Helper()
	app := genuine.NewApp(store, genuine.Config{BaseURL: "https://genuine.test", Now: w.clock.now, VerificationFlush: time.Hour, Sealer: w.sealer})
	t.Cleanup(func() { app.Close() })
	return app
}

// storedVerifications returns how many verifications of a code's unit the
// store holds.
func (w *world) storedVerifications(t *testing.T, code string) int64 {
	t.Helper()
	m, err := gs1.ParseDigitalLink(code)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := genuine.DecodeSerial(m.Serial())
	if !ok {
		t.Fatalf("code %s has no minted serial", code)
	}
	var n int64
	err = w.db.View(context.Background(), func(tx genuine.Tx) (err error) {
		n, _, err = tx.Verifications(context.Background(), w.gtin, int64(d.Sequence))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// verifyWith verifies code with app and returns how many verifications came
// before.
func verifyWith(t *testing.T, app *genuine.App, code string) int64 {
	t.Helper()
	v, err := app.Verify(context.Background(), code)
	if err != nil {
		t.Fatalf("Verify(%s): %v", code, err)
	}
	if !v.Authentic {
		t.Fatalf("Verify(%s): not authentic: %s", code, v.Reason)
	}
	return v.Verifications
}

// TestVerificationsInARow checks the numbers one server returns before and
// after a flush, and that the counts of two servers on one store add up.
func TestVerificationsInARow(t *testing.T) {
	w := newWorld(t)
	code := w.codes(t, w.batch(t, 1))[0]
	a, b := w.countingApp(t, w.db), w.countingApp(t, w.db)
	ctx := context.Background()
	for want := range int64(2) {
		if n := verifyWith(t, a, code); n != want {
			t.Errorf("verification %d on one server: %d before, want %d", want+1, n, want)
		}
	}
	if n := w.storedVerifications(t, code); n != 0 {
		t.Errorf("%d verifications stored before a flush, want 0", n)
	}
	if err := a.FlushVerifications(ctx); err != nil {
		t.Fatal(err)
	}
	if n := w.storedVerifications(t, code); n != 2 {
		t.Errorf("%d verifications stored after a flush, want 2", n)
	}
	if n := verifyWith(t, a, code); n != 2 {
		t.Errorf("verification after a flush: %d before, want 2", n)
	}
	// The other server reads what is stored: a's third is not yet.
	if n := verifyWith(t, b, code); n != 2 {
		t.Errorf("verification on another server: %d before, want the 2 stored", n)
	}
	for _, app := range []*genuine.App{a, b} {
		if err := app.FlushVerifications(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := w.storedVerifications(t, code); n != 4 {
		t.Errorf("%d verifications stored after both servers flushed, want 4", n)
	}
	// Each server now knows the other's counts.
	if n := verifyWith(t, b, code); n != 4 {
		t.Errorf("verification on the other server after both flushed: %d before, want 4", n)
	}
	// Check neither counts nor reports a count.
	if v, err := a.Check(ctx, code); err != nil || v.Verifications != 0 {
		t.Errorf("Check = %+v, %v", v, err)
	}
	if err := b.FlushVerifications(ctx); err != nil {
		t.Fatal(err)
	}
	if n := w.storedVerifications(t, code); n != 5 {
		t.Errorf("%d verifications stored, want 5", n)
	}
}

// TestVerificationsConcurrently verifies a few units from many goroutines
// while flushes run: every number a unit's verifications return is
// returned once, none is skipped, and after the last flush the store holds
// them all.
func TestVerificationsConcurrently(t *testing.T) {
	w := newWorld(t)
	codes := w.codes(t, w.batch(t, 4))
	app := w.countingApp(t, w.db)
	const goroutines, calls = 16, 40
	var (
		mu   sync.Mutex
		seen = make(map[string][]int64) // by code: how often each number came back
		wg   sync.WaitGroup
		done = make(chan struct{})
	)
	count := func(code string, n int64) {
		mu.Lock()
		defer mu.Unlock()
		for int64(len(seen[code])) <= n {
			seen[code] = append(seen[code], 0)
		}
		seen[code][n]++
	}
	// Flushes run all along, so that verifications read and count while
	// counts are on their way to the store.
	flushed := make(chan error, 1)
	go func() {
		var err error
		for {
			select {
			case <-done:
				flushed <- err
				return
			default:
			}
			if e := app.FlushVerifications(context.Background()); e != nil && err == nil {
				err = e
			}
		}
	}()
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				// codes[0] is verified by all, the others in turn.
				for _, code := range []string{codes[0], codes[1+(g+i)%(len(codes)-1)]} {
					v, err := app.Verify(context.Background(), code)
					if err != nil || !v.Authentic {
						t.Errorf("Verify: %+v, %v", v, err)
						return
					}
					count(code, v.Verifications)
				}
			}
		})
	}
	wg.Wait()
	close(done)
	if err := <-flushed; err != nil {
		t.Fatalf("FlushVerifications: %v", err)
	}
	if err := app.FlushVerifications(context.Background()); err != nil {
		t.Fatal(err)
	}
	total := int64(0)
	for i, code := range codes {
		for n, times := range seen[code] {
			if times != 1 {
				t.Errorf("code %d: %d before came back %d times, want once", i, n, times)
			}
		}
		made := int64(len(seen[code]))
		total += made
		if n := w.storedVerifications(t, code); n != made {
			t.Errorf("code %d: %d verifications stored, want %d", i, n, made)
		}
	}
	if total != 2*goroutines*calls {
		t.Errorf("%d verifications returned numbers, want %d", total, 2*goroutines*calls)
	}
}

// failingStore is a store whose Updates fail while fail is above 0, each
// taking one off it.
type failingStore struct {
	genuine.Store
	fail atomic.Int32
}

var errFailedUpdate = errors.New("the disk is full")

func (s *failingStore) Update(ctx context.Context, fn func(genuine.Tx) error) error {
	if s.fail.Add(-1) >= 0 {
		return errFailedUpdate
	}
	return s.Store.Update(ctx, fn)
}

// TestVerificationFlushFails checks that counts a failed flush could not
// store are stored by the next, and that numbers go on meanwhile.
func TestVerificationFlushFails(t *testing.T) {
	w := newWorld(t)
	codes := w.codes(t, w.batch(t, 2))
	store := &failingStore{Store: w.db}
	app := w.countingApp(t, store)
	ctx := context.Background()
	for range 3 {
		verifyWith(t, app, codes[0])
	}
	verifyWith(t, app, codes[1])
	store.fail.Store(1)
	if err := app.FlushVerifications(ctx); !errors.Is(err, errFailedUpdate) {
		t.Fatalf("FlushVerifications with Update failing: %v", err)
	}
	if n := w.storedVerifications(t, codes[0]); n != 0 {
		t.Fatalf("a failed flush stored %d verifications", n)
	}
	if n := verifyWith(t, app, codes[0]); n != 3 {
		t.Errorf("verification after a failed flush: %d before, want 3", n)
	}
	if err := app.FlushVerifications(ctx); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{4, 1} {
		if n := w.storedVerifications(t, codes[i]); n != want {
			t.Errorf("code %d: %d verifications stored after a failed flush and a good one, want %d", i, n, want)
		}
	}
}

// TestCloseStoresVerifications checks that Close stores what is pending,
// even after a flush failed, and that a Verify after Close is stored at
// once.
func TestCloseStoresVerifications(t *testing.T) {
	w := newWorld(t)
	codes := w.codes(t, w.batch(t, 2))
	store := &failingStore{Store: w.db}
	app := w.countingApp(t, store)
	for _, code := range []string{codes[0], codes[1], codes[0]} {
		verifyWith(t, app, code)
	}
	store.fail.Store(1)
	if err := app.FlushVerifications(context.Background()); err == nil {
		t.Fatal("FlushVerifications succeeded with Update failing")
	}
	if err := app.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i, want := range []int64{2, 1} {
		if n := w.storedVerifications(t, codes[i]); n != want {
			t.Errorf("code %d: %d verifications stored after Close, want %d", i, n, want)
		}
	}
	if n := verifyWith(t, app, codes[1]); n != 1 {
		t.Errorf("verification after Close: %d before, want 1", n)
	}
	if n := w.storedVerifications(t, codes[1]); n != 2 {
		t.Errorf("verification after Close: %d stored, want 2", n)
	}
}

// TestVerificationsStoredInTheBackground checks that counts reach the store
// without a call to flush them.
func TestVerificationsStoredInTheBackground(t *testing.T) {
	w := newWorld(t)
	code := w.codes(t, w.batch(t, 1))[0]
	app := genuine.NewApp(w.db, genuine.Config{BaseURL: "https://genuine.test", Now: w.clock.now, VerificationFlush: time.Millisecond, Sealer: w.sealer})
	t.Cleanup(func() { app.Close() })
	verifyWith(t, app, code)
	verifyWith(t, app, code)
	// No promise of how soon: wait for far longer than a flush can take.
	for start := time.Now(); w.storedVerifications(t, code) != 2; time.Sleep(time.Millisecond) {
		if time.Since(start) > time.Minute {
			t.Fatalf("%d verifications stored a minute later, want 2", w.storedVerifications(t, code))
		}
	}
}
