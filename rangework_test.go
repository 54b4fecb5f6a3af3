package genuine_test

import (
	"context"
	"sync/atomic"
	"testing"

	"genuine"
)

// countedStore is a Store whose Updates are numbered from 1: fail, if set,
// may fail one before it runs, and after, if set, is called once one has
// returned, outside any transaction.
type countedStore struct {
	genuine.Store
	n     atomic.Int32
	fail  func(n int) error
	after func(n int)
}

func (s *countedStore) Update(ctx context.Context, fn func(genuine.Tx) error) error {
	n := int(s.n.Add(1))
	if s.fail != nil {
		if err := s.fail(n); err != nil {
			return err
		}
	}
	err := s.Store.Update(ctx, fn)
	if s.after != nil {
		s.after(n)
	}
	return err
}

// rangeWorld is a world with a batch of 2500 units and an App on a
// countedStore that moves 1000 units of a range event per write.
func rangeWorld(t *testing.T) (*world, *genuine.App, *countedStore, *genuine.Batch, []string) {
	t.Helper()
	w := newWorld(t)
	b := w.batch(t, 2500)
	hs := &countedStore{Store: w.db}
	app := genuine.NewApp(hs, genuine.Config{Now: w.clock.now, RangeChunk: 1000, Sealer: w.sealer})
	t.Cleanup(func() { app.Close() })
	return w, app, hs, b, w.codes(t, b)
}

// TestRangeEventInChunks shows another write between the chunks of one
// range event: the event is recorded and its first chunk applied, then a
// unit of a later chunk is locked by another request, then the event
// goes on, leaving that unit as the other request left it.
func TestRangeEventInChunks(t *testing.T) {
	w, app, hs, b, codes := rangeWorld(t)
	ctx := context.Background()
	between := false
	hs.after = func(n int) {
		if n != 2 { // 1 records the event, 2 applies units 0 to 999
			return
		}
		between = true
		if v := w.verify(t, codes[999]); v.State != genuine.StateInChannel {
			t.Errorf("after the first chunk, unit 999 is %s, want in_channel", v.State)
		}
		if v := w.verify(t, codes[1000]); v.State != genuine.StateCommissioned {
			t.Errorf("after the first chunk, unit 1000 is %s, want commissioned: not yet moved", v.State)
		}
		if _, err := w.app.RecordUnitEvents(ctx, w.brand, genuine.UnitEventInput{Type: "lock", Codes: []string{codes[2400]}}); err != nil {
			t.Errorf("a write between two chunks: %v", err)
		}
	}
	from, to := b.FirstSeq, b.FirstSeq+2499
	e, err := app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "release", Regions: []string{"CN-GD"}, From: &from, To: &to})
	if err != nil {
		t.Fatal(err)
	}
	if !between {
		t.Fatal("no write ran between the range event's first and second chunks")
	}
	if n := hs.n.Load(); n != 4 {
		t.Errorf("the range event made %d writes, want 4: the event, then three chunks", n)
	}
	for i, want := range map[int]genuine.UnitState{0: genuine.StateInChannel, 1000: genuine.StateInChannel, 2399: genuine.StateInChannel, 2400: genuine.StateLocked, 2499: genuine.StateInChannel} {
		if v := w.verify(t, codes[i]); v.State != want {
			t.Errorf("unit %d is %s, want %s", i, v.State, want)
		}
	}
	es, err := w.app.Events(ctx, w.brand, b.ID, 0)
	if err != nil || len(es) != 3 || es[1].ID != e.ID {
		t.Errorf("events %v, %v; want commission, the range event, the lock", es, err)
	}
	wantNoRangeWork(t, w.db)
}

// TestRangeEventResumed stops a range event after its first chunk, as a
// crash would: the batch takes no other range event until the reconciler
// has finished it.
func TestRangeEventResumed(t *testing.T) {
	w, app, hs, b, codes := rangeWorld(t)
	ctx := context.Background()
	hs.fail = func(n int) error {
		if n == 3 { // the second chunk
			return genuine.Errorf(genuine.EUnavailable, "the store is down")
		}
		return nil
	}
	from, to := b.FirstSeq, b.FirstSeq+2499
	lock := genuine.BatchEventInput{Type: "lock", From: &from, To: &to}
	if _, err := app.RecordBatchEvent(ctx, w.brand, b.ID, lock); err != nil {
		t.Fatalf("a range event recorded, then interrupted: %v", err)
	}
	if v := w.verify(t, codes[999]); v.State != genuine.StateLocked {
		t.Errorf("unit 999 is %s, want locked by the first chunk", v.State)
	}
	if v := w.verify(t, codes[1500]); v.State != genuine.StateCommissioned {
		t.Errorf("unit 1500 is %s, want commissioned: its chunk failed", v.State)
	}
	unlock := genuine.BatchEventInput{Type: "unlock", From: &from, To: &from}
	_, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, unlock)
	if genuine.ErrorCode(err) != genuine.EConflict || genuine.RetryAfter(err) <= 0 {
		t.Errorf("a range event while another is unfinished: %v (retry after %v), want conflict with a retry time", err, genuine.RetryAfter(err))
	}
	if _, err := w.app.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{1000, 1500, 2499} {
		if v := w.verify(t, codes[i]); v.State != genuine.StateLocked {
			t.Errorf("after the reconciler, unit %d is %s, want locked", i, v.State)
		}
	}
	wantNoRangeWork(t, w.db)
	if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, unlock); err != nil {
		t.Errorf("a range event once the other is finished: %v", err)
	}
}

func wantNoRangeWork(t *testing.T, db genuine.Store) {
	t.Helper()
	err := db.View(context.Background(), func(tx genuine.Tx) error {
		ws, err := tx.RangeWorks(context.Background(), "", 0)
		if len(ws) != 0 {
			t.Errorf("range work left: %+v", ws[0])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
