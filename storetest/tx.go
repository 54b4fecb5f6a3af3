package storetest

import (
	"context"
	"errors"
	"testing"

	"genuine"
)

// brandExists reports whether the brand with the given id exists in s.
func brandExists(t *testing.T, s genuine.Store, brandID string) bool {
	t.Helper()
	err := s.View(t.Context(), func(tx genuine.Tx) error {
		_, err := tx.Brand(t.Context(), brandID)
		return err
	})
	if err != nil && genuine.ErrorCode(err) != genuine.ENotFound {
		t.Fatalf("Brand: %v", err)
	}
	return err == nil
}

// newBrand returns a brand numbered n to create.
func newBrand(n int) *genuine.Brand {
	return &genuine.Brand{ID: id("brd", n), Name: "Brand", CreatedAt: at(n)}
}

func testUpdateRollsBackOnError(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	b := newBrand(1)
	failure := errors.New("fn failed")
	err := s.Update(ctx, func(tx genuine.Tx) error {
		if err := tx.CreateBrand(ctx, b); err != nil {
			return err
		}
		return failure
	})
	if !errors.Is(err, failure) {
		t.Errorf("Update returned %v, want fn's error", err)
	}
	if brandExists(t, s, b.ID) {
		t.Error("the brand created by an Update that failed exists")
	}
	update(t, s, func(tx genuine.Tx) error { return tx.CreateBrand(ctx, b) })
	if !brandExists(t, s, b.ID) {
		t.Error("the brand created by an Update that succeeded does not exist")
	}
}

func testUpdateRollsBackOnPanic(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	b := newBrand(1)
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("Update panicked with %v, want fn's panic boom", p)
			}
		}()
		s.Update(ctx, func(tx genuine.Tx) error {
			if err := tx.CreateBrand(ctx, b); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	if brandExists(t, s, b.ID) {
		t.Error("the brand created by an Update that panicked exists")
	}
	// The panic must not have kept the transaction or its connection.
	update(t, s, func(tx genuine.Tx) error { return tx.CreateBrand(ctx, b) })
	if !brandExists(t, s, b.ID) {
		t.Error("the brand created after a panic does not exist")
	}
}

func testViewCannotWrite(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	b := newBrand(1)
	err := s.View(ctx, func(tx genuine.Tx) error { return tx.CreateBrand(ctx, b) })
	if err == nil {
		t.Error("CreateBrand in a View succeeded")
	}
	if brandExists(t, s, b.ID) {
		t.Error("the brand created in a View exists")
	}
	failure := errors.New("fn failed")
	if err := s.View(ctx, func(genuine.Tx) error { return failure }); !errors.Is(err, failure) {
		t.Errorf("View returned %v, want fn's error", err)
	}
}

// testPeek checks that a Peek reads what is committed, fails every write
// (whether a store sends it at once or queues it) and writes nothing, and
// returns fn's error as it is.
func testPeek(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	b := w.batch(t, s, gtinA, 1, 10)
	var got *genuine.Batch
	err := s.Peek(ctx, func(tx genuine.Tx) (err error) {
		if _, err := tx.Brand(ctx, w.brand.ID); err != nil {
			return err
		}
		got, err = tx.Batch(ctx, b.ID)
		return err
	})
	if err != nil {
		t.Fatalf("Peek: %v", err)
	}
	same(t, "Batch in a Peek", got, b)
	err = s.Peek(ctx, func(tx genuine.Tx) error {
		_, err := tx.Brand(ctx, id("brd", 99))
		return err
	})
	wantCode(t, "Brand of no brand in a Peek", err, genuine.ENotFound)

	seq := b.FirstSeq
	ev := &genuine.Event{ID: id("evt", 1), Type: genuine.EventRecall, BrandID: w.brand.ID, BatchID: b.ID, GTIN: gtinA,
		FromSeq: &seq, ToSeq: &seq, CreatedAt: at(1)}
	nb := newBrand(2)
	for _, write := range []struct {
		name string
		fn   func(genuine.Tx) error
	}{
		{"CreateBrand", func(tx genuine.Tx) error { return tx.CreateBrand(ctx, nb) }},
		{"AddEvent", func(tx genuine.Tx) error { return tx.AddEvent(ctx, ev) }},
		{"AddEvent then a read", func(tx genuine.Tx) error {
			if err := tx.AddEvent(ctx, ev); err != nil {
				return err
			}
			_, err := tx.Brand(ctx, w.brand.ID)
			return err
		}},
	} {
		if err := s.Peek(ctx, write.fn); err == nil {
			t.Errorf("%s in a Peek succeeded", write.name)
		}
	}
	if brandExists(t, s, nb.ID) {
		t.Error("the brand created in a Peek exists")
	}
	view(t, s, func(tx genuine.Tx) error {
		evs, err := tx.Events(ctx, b.ID, nil, 100)
		for _, e := range evs {
			if e.ID == ev.ID {
				t.Error("the event added in a Peek exists")
			}
		}
		return err
	})
	failure := errors.New("fn failed")
	if err := s.Peek(ctx, func(genuine.Tx) error { return failure }); !errors.Is(err, failure) {
		t.Errorf("Peek returned %v, want fn's error", err)
	}
}

func testCanceledContext(t *testing.T, s genuine.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	b := newBrand(1)
	err := s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateBrand(ctx, b) })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update with a canceled context returned %v, want context.Canceled", err)
	}
	err = s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.Brand(ctx, b.ID)
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("View with a canceled context returned %v, want context.Canceled", err)
	}
	if brandExists(t, s, b.ID) {
		t.Error("the brand created by an Update with a canceled context exists")
	}
}

func testContextCanceledInUpdate(t *testing.T, s genuine.Store) {
	for _, tt := range []struct {
		name string
		// after runs in fn after the context is canceled.
		after func(ctx context.Context, tx genuine.Tx) error
	}{
		{"StatementAfterCancel", func(ctx context.Context, tx genuine.Tx) error {
			return tx.CreateBrand(ctx, newBrand(2))
		}},
		// Not even a commit of what came before may succeed.
		{"CommitAfterCancel", func(context.Context, genuine.Tx) error { return nil }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			b := newBrand(1)
			err := s.Update(ctx, func(tx genuine.Tx) error {
				if err := tx.CreateBrand(ctx, b); err != nil {
					return err
				}
				cancel()
				return tt.after(ctx, tx)
			})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Update returned %v, want context.Canceled", err)
			}
			if brandExists(t, s, b.ID) || brandExists(t, s, newBrand(2).ID) {
				t.Error("a brand created by an Update whose context was canceled exists")
			}
		})
	}
}

// errRollBack is what fn returns to roll its Update back.
var errRollBack = errors.New("roll back")
