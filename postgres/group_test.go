package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"genuine"
)

// groupWorld is a database with a merchant, whose checkouts the group
// tests write: CreateCheckout and AddEvent only queue their inserts, so an
// Update of them is committed in a group.
type groupWorld struct {
	db *DB
	m  *genuine.Merchant
}

func newGroupWorld(t *testing.T) *groupWorld {
	t.Helper()
	db := openTest(t)
	createBrand(t, db, testBrand.ID)
	m := &genuine.Merchant{ID: "mer_00000000000000000001", Name: "Shop", Region: "CN-GD", CreatedAt: time.Now()}
	if err := db.Update(t.Context(), func(tx genuine.Tx) error { return tx.CreateMerchant(t.Context(), m) }); err != nil {
		t.Fatal(err)
	}
	return &groupWorld{db: db, m: m}
}

// checkout is a checkout of the world's merchant with the given number and
// idempotency key.
func (w *groupWorld) checkout(n int, key string) *genuine.Checkout {
	now := time.Now().UTC()
	return &genuine.Checkout{ID: fmt.Sprintf("chk_%020d", n), MerchantID: w.m.ID, Status: genuine.CheckoutRefused,
		Currency: "CNY", Provider: "simulated", IdempotencyKey: key, RequestHash: []byte{1},
		Deadline: now, CreatedAt: now, UpdatedAt: now}
}

// event is an event of a batch no row names: events do not check their
// references (migration 0005).
func event(n int) *genuine.Event {
	return &genuine.Event{ID: fmt.Sprintf("evt_%020d", n), Type: genuine.EventShip, BrandID: testBrand.ID,
		BatchID: "bat_00000000000000000001", GTIN: "09520123456788", CreatedAt: time.Now()}
}

// record records fn as an Update to commit in a group, failing the test if
// it would not be one.
func (w *groupWorld) record(t *testing.T, fn func(genuine.Tx) error) *grouped {
	t.Helper()
	g, ok := record(t.Context(), fn)
	if !ok || g == nil {
		t.Fatalf("the Update was not recorded for a group: %v, %v", g, ok)
	}
	return g
}

// stored reports whether the checkout with the given number is stored.
func (w *groupWorld) stored(t *testing.T, n int) bool {
	t.Helper()
	err := w.db.View(t.Context(), func(tx genuine.Tx) error {
		_, err := tx.Checkout(t.Context(), fmt.Sprintf("chk_%020d", n))
		return err
	})
	if err != nil && genuine.ErrorCode(err) != genuine.ENotFound {
		t.Fatal(err)
	}
	return err == nil
}

// A group commits its Updates together. One that fails on its own account
// fails with the error it would have had alone, and nothing of it is
// stored, not even what it wrote before the statement that failed; the
// others commit.
func TestGroupIsolatesFailures(t *testing.T) {
	w := newGroupWorld(t)
	ctx := t.Context()
	err := w.db.Update(ctx, func(tx genuine.Tx) error {
		if err := tx.CreateCheckout(ctx, w.checkout(1, "used")); err != nil {
			return err
		}
		return tx.AddEvent(ctx, event(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	gs := []*grouped{
		w.record(t, func(tx genuine.Tx) error { return tx.CreateCheckout(ctx, w.checkout(2, "two")) }),
		w.record(t, func(tx genuine.Tx) error { return tx.CreateCheckout(ctx, w.checkout(3, "used")) }),
		w.record(t, func(tx genuine.Tx) error {
			if err := tx.CreateCheckout(ctx, w.checkout(4, "four")); err != nil {
				return err
			}
			return tx.AddEvent(ctx, event(1))
		}),
		w.record(t, func(tx genuine.Tx) error { return tx.CreateCheckout(ctx, w.checkout(5, "five")) }),
	}
	w.db.commitGroup(gs)
	for i, want := range []string{"", genuine.EConflict, genuine.EConflict, ""} {
		if got := genuine.ErrorCode(<-gs[i].done); got != want {
			t.Errorf("Update %d of the group: %q, want %q", i+1, got, want)
		}
	}
	for n, want := range map[int]bool{2: true, 3: false, 4: false, 5: true} {
		if got := w.stored(t, n); got != want {
			t.Errorf("checkout %d stored: %t, want %t", n, got, want)
		}
	}
}

// A group the server aborts for serialization (here a statement that
// raises it once) commits nothing; each of its Updates then runs alone,
// retried as any Update, and commits.
func TestGroupAbortedRunsEachAlone(t *testing.T) {
	w := newGroupWorld(t)
	ctx := t.Context()
	if _, err := w.db.pool.Exec(ctx, "CREATE SEQUENCE group_probe"); err != nil {
		t.Fatal(err)
	}
	abortOnce := w.record(t, func(tx genuine.Tx) error { return tx.CreateCheckout(ctx, w.checkout(3, "three")) })
	abortOnce.later.Queue(`DO $$ BEGIN
		IF nextval('group_probe') = 1 THEN RAISE EXCEPTION 'probe' USING ERRCODE = '40001'; END IF;
	END $$`)
	abortOnce.queued = append(abortOnce.queued, queued{what: "probe"})
	gs := []*grouped{
		w.record(t, func(tx genuine.Tx) error { return tx.CreateCheckout(ctx, w.checkout(2, "two")) }),
		abortOnce,
		w.record(t, func(tx genuine.Tx) error { return tx.CreateCheckout(ctx, w.checkout(4, "four")) }),
	}
	before := w.db.Retries()
	w.db.commitGroup(gs)
	for i, g := range gs {
		if err := <-g.done; err != nil {
			t.Errorf("Update %d of the aborted group: %v", i+1, err)
		}
	}
	for n := 2; n <= 4; n++ {
		if !w.stored(t, n) {
			t.Errorf("checkout %d not stored", n)
		}
	}
	if w.db.Retries() == before {
		t.Error("the aborted group was not counted as a retry")
	}
	var calls int64
	if err := w.db.pool.QueryRow(ctx, "SELECT last_value FROM group_probe").Scan(&calls); err != nil || calls != 2 {
		t.Errorf("the probe ran %d times (%v), want 2: in the group, then alone", calls, err)
	}
}

// Concurrent Updates that only queue their writes are committed in groups:
// each returns once its own write is committed, a conflict fails only its
// own Update, and an Update whose context has ended is not sent.
func TestGroupedUpdatesConcurrently(t *testing.T) {
	w := newGroupWorld(t)
	ctx := t.Context()
	const n = 64
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprintf("key-%d", i)
			if i%8 == 7 {
				key = "key-0" // used by Update 0, or by this one first
			}
			errs[i] = w.db.Update(ctx, func(tx genuine.Tx) error { return tx.CreateCheckout(ctx, w.checkout(i, key)) })
		})
	}
	wg.Wait()
	conflicts := 0
	for i, err := range errs {
		switch {
		case err == nil:
			if !w.stored(t, i) {
				t.Errorf("Update %d returned nil, but its checkout is not stored", i)
			}
		case genuine.ErrorCode(err) == genuine.EConflict && (i == 0 || i%8 == 7):
			conflicts++
			if w.stored(t, i) {
				t.Errorf("Update %d failed (%v), but its checkout is stored", i, err)
			}
		default:
			t.Errorf("Update %d: %v", i, err)
		}
	}
	if want := n / 8; conflicts != want { // all but one of the nine users of key-0
		t.Errorf("%d Updates conflicted, want %d", conflicts, want)
	}

	done, cancel := context.WithCancel(ctx)
	cancel()
	err := w.db.Update(done, func(tx genuine.Tx) error { return tx.CreateCheckout(ctx, w.checkout(100, "late")) })
	if err == nil || w.stored(t, 100) {
		t.Errorf("an Update whose context ended: %v, stored %t", err, w.stored(t, 100))
	}
}

// Two checkouts of one unit in one group: the first reserves it, and the
// second's swap, which finds the unit as the first left it in the same
// transaction, fails with ErrUnitChanged alone, as it would have after the
// first had committed.
func TestGroupReservesAUnitOnce(t *testing.T) {
	w := newGroupWorld(t)
	ctx := t.Context()
	b := &genuine.Batch{ID: "bat_00000000000000000001", BrandID: testBrand.ID, GTIN: "09520123456788", Lot: "L1",
		Expiry: genuine.NewDate(2027, time.December, 31), Quantity: 10, Regions: []string{"CN-GD"},
		Disposition: genuine.Released, Serials: genuine.SerialsMinted, KeyID: 1, CreatedAt: time.Now()}
	err := w.db.Update(ctx, func(tx genuine.Tx) (err error) {
		if err := tx.CreateProduct(ctx, &genuine.Product{GTIN: b.GTIN, BrandID: testBrand.ID, Name: "Tonic", CreatedAt: time.Now()}); err != nil {
			return err
		}
		if b.FirstSeq, err = tx.AllocateSequences(ctx, b.GTIN, b.Quantity); err != nil {
			return err
		}
		return tx.CreateBatch(ctx, b)
	})
	if err != nil {
		t.Fatal(err)
	}
	reserve := func(n int) *grouped {
		return w.record(t, func(tx genuine.Tx) error {
			u := &genuine.Unit{GTIN: b.GTIN, Serial: "S4", Seq: b.FirstSeq + 4, BatchID: b.ID, State: genuine.StateReserved,
				CheckoutID: fmt.Sprintf("chk_%020d", n), UpdatedAt: time.Now()}
			if err := tx.SwapUnit(ctx, nil, u, b); err != nil {
				return err
			}
			return tx.CreateCheckout(ctx, w.checkout(n, fmt.Sprintf("key-%d", n)))
		})
	}
	gs := []*grouped{reserve(1), reserve(2)}
	w.db.commitGroup(gs)
	if err := <-gs[0].done; err != nil {
		t.Errorf("the first reservation: %v", err)
	}
	if err := <-gs[1].done; !errors.Is(err, genuine.ErrUnitChanged) {
		t.Errorf("the second reservation of the unit: %v, want ErrUnitChanged", err)
	}
	if !w.stored(t, 1) || w.stored(t, 2) {
		t.Errorf("checkouts stored: first %t, second %t; want the first only", w.stored(t, 1), w.stored(t, 2))
	}
	err = w.db.View(ctx, func(tx genuine.Tx) error {
		u, err := tx.Unit(ctx, b.GTIN, b.FirstSeq+4)
		if err == nil && u.CheckoutID != fmt.Sprintf("chk_%020d", 1) {
			t.Errorf("the unit is reserved by %s, want the first checkout", u.CheckoutID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
