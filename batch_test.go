package genuine_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"genuine"
)

// noListStore is a Store whose write transactions may not list a batch's
// registered serials: a registration must read the kept count instead.
type noListStore struct{ genuine.Store }

func (s noListStore) Update(ctx context.Context, fn func(genuine.Tx) error) error {
	return s.Store.Update(ctx, func(tx genuine.Tx) error { return fn(noListTx{tx}) })
}

type noListTx struct{ genuine.Tx }

func (noListTx) RegisteredSerials(context.Context, string, func(int64, string) error) error {
	return errors.New("a write transaction listed a batch's registered serials")
}

// registeredWorld is a world whose brand registers its serials.
func registeredWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t)
	if _, err := w.app.UpdateCodeRule(context.Background(), w.brand, w.brandID, genuine.CodeRule{Serials: genuine.SerialsRegistered}); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestRegisterSerialsKeepsCount(t *testing.T) {
	w := registeredWorld(t)
	ctx := context.Background()
	b := w.batch(t, 5)
	app := genuine.NewApp(noListStore{w.db}, genuine.Config{Now: w.clock.now})
	t.Cleanup(func() { app.Close() })
	if _, err := app.RegisterSerials(ctx, w.brand, b.ID, []string{"K-1", "K-2"}); err != nil {
		t.Fatalf("first registration: %v", err)
	}
	if _, err := app.RegisterSerials(ctx, w.brand, b.ID, []string{"K-3", "K-4"}); err != nil {
		t.Fatalf("second registration: %v", err)
	}
	if _, err := app.RegisterSerials(ctx, w.brand, b.ID, []string{"K-5", "K-6"}); genuine.ErrorCode(err) != genuine.EConflict {
		t.Errorf("beyond the quantity: %v, want conflict", err)
	}
	var n int64
	err := w.db.View(ctx, func(tx genuine.Tx) (err error) {
		n, err = tx.RegisteredCount(ctx, b.ID)
		return err
	})
	if err != nil || n != 4 {
		t.Errorf("RegisteredCount = %d, %v; want 4", n, err)
	}
	if codes := w.codes(t, b); len(codes) != 4 {
		t.Errorf("%d codes exported, want 4", len(codes))
	}
}

func TestRegisterSerialsConcurrently(t *testing.T) {
	w := registeredWorld(t)
	ctx := context.Background()
	const lists, each, room = 8, 5, 30
	b := w.batch(t, room)
	var wg sync.WaitGroup
	errs := make([]error, lists)
	for i := range lists {
		wg.Go(func() {
			serials := make([]string, each)
			for j := range serials {
				serials[j] = fmt.Sprintf("C-%d-%d", i, j)
			}
			_, errs[i] = w.app.RegisterSerials(ctx, w.brand, b.ID, serials)
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch genuine.ErrorCode(err) {
		case "":
			ok++
		case genuine.EConflict:
		default:
			t.Errorf("registration: %v", err)
		}
	}
	if ok != room/each {
		t.Errorf("%d lists registered, want %d", ok, room/each)
	}
	var n int64
	seqs := map[int64]bool{}
	err := w.db.View(ctx, func(tx genuine.Tx) (err error) {
		if n, err = tx.RegisteredCount(ctx, b.ID); err != nil {
			return err
		}
		return tx.RegisteredSerials(ctx, b.ID, func(seq int64, _ string) error {
			if seqs[seq] || !b.Contains(seq) {
				t.Errorf("sequence %d given twice or outside the batch", seq)
			}
			seqs[seq] = true
			return nil
		})
	})
	if err != nil || n != room || len(seqs) != room {
		t.Errorf("RegisteredCount = %d, %v, with %d serials listed; want %d", n, err, len(seqs), room)
	}
}
