package storetest

import (
	"cmp"
	"slices"
	"sync"
	"testing"

	"genuine"
)

func testProduct(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	view(t, s, func(tx genuine.Tx) error {
		for _, p := range w.products {
			got, err := tx.Product(ctx, p.GTIN)
			if err != nil {
				return err
			}
			same(t, "Product", got, p)
		}
		return nil
	})

	const missing = "00000000000017"
	err := s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.Product(ctx, missing)
		return err
	})
	wantNotFound(t, "Product of a missing GTIN", err, missing)

	dup := *w.products[0]
	dup.Name = "Another name"
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateProduct(ctx, &dup) })
	wantCode(t, "CreateProduct with an existing GTIN", err, genuine.EConflict)

	orphan := &genuine.Product{GTIN: missing, BrandID: id("brd", 9), Name: "Orphan", CreatedAt: at(0)}
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateProduct(ctx, orphan) })
	wantCode(t, "CreateProduct of a missing brand", err, genuine.ENotFound)
}

func testAllocateSequences(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	newWorld(t, s)
	var a1, a2, b1 int64
	update(t, s, func(tx genuine.Tx) (err error) {
		if a1, err = tx.AllocateSequences(ctx, gtinA, 10); err != nil {
			return err
		}
		if b1, err = tx.AllocateSequences(ctx, gtinB, 1); err != nil {
			return err
		}
		return nil
	})
	update(t, s, func(tx genuine.Tx) (err error) {
		a2, err = tx.AllocateSequences(ctx, gtinA, 5)
		return err
	})
	// Another product's allocation in between does not matter.
	if a1 < 0 || a2 != a1+10 {
		t.Errorf("AllocateSequences(10) = %d, then AllocateSequences(5) = %d; want consecutive ranges", a1, a2)
	}
	if b1 < 0 {
		t.Errorf("AllocateSequences of a second product = %d, want a sequence number", b1)
	}

	const missing = "00000000000017"
	err := s.Update(ctx, func(tx genuine.Tx) error {
		_, err := tx.AllocateSequences(ctx, missing, 1)
		return err
	})
	wantNotFound(t, "AllocateSequences of a missing product", err, missing)
}

// testAllocateSequencesConcurrently allocates from many Updates at once and
// checks that the ranges tile one interval without overlap.
func testAllocateSequencesConcurrently(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	newWorld(t, s)
	const goroutines, allocations = 8, 50
	type span struct{ first, n int64 }
	var (
		mu    sync.Mutex
		spans []span
		wg    sync.WaitGroup
	)
	for g := range goroutines {
		wg.Go(func() {
			for i := range allocations {
				n := int64(1 + (g*allocations+i)%7)
				var first int64
				err := s.Update(ctx, func(tx genuine.Tx) (err error) {
					first, err = tx.AllocateSequences(ctx, gtinA, n)
					return err
				})
				if err != nil {
					t.Errorf("AllocateSequences: %v", err)
					return
				}
				mu.Lock()
				spans = append(spans, span{first, n})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.first, b.first) })
	for i := 1; i < len(spans); i++ {
		prev, cur := spans[i-1], spans[i]
		if cur.first != prev.first+prev.n {
			t.Fatalf("allocation [%d, %d) follows [%d, %d): overlap or gap",
				cur.first, cur.first+cur.n, prev.first, prev.first+prev.n)
		}
	}
	last := spans[len(spans)-1]
	var next int64
	update(t, s, func(tx genuine.Tx) (err error) {
		next, err = tx.AllocateSequences(ctx, gtinA, 1)
		return err
	})
	if next != last.first+last.n {
		t.Errorf("after the concurrent allocations the next starts at %d, want %d", next, last.first+last.n)
	}
}
