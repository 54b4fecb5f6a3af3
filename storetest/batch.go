package storetest

import (
	"testing"

	"genuine"
)

func testBatch(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	b := w.batch(t, s, gtinA, 1, 1000)
	noRegions := w.batch(t, s, gtinA, 2, 1, func(b *genuine.Batch) {
		b.Regions, b.Disposition, b.Serials, b.KeyID = nil, genuine.Released, genuine.SerialsRegistered, 0
	})
	view(t, s, func(tx genuine.Tx) error {
		for _, want := range []*genuine.Batch{b, noRegions} {
			got, err := tx.Batch(ctx, want.ID)
			if err != nil {
				return err
			}
			same(t, "Batch", got, want)
		}
		return nil
	})

	missing := id("bat", 9)
	err := s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.Batch(ctx, missing)
		return err
	})
	wantNotFound(t, "Batch of a missing id", err, missing)

	dup := *b
	dup.FirstSeq += 5000
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateBatch(ctx, &dup) })
	wantCode(t, "CreateBatch with an existing id", err, genuine.EConflict)

	orphan := *b
	orphan.ID, orphan.GTIN = id("bat", 10), "00000000000017"
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateBatch(ctx, &orphan) })
	wantCode(t, "CreateBatch of a missing product", err, genuine.ENotFound)
}

func testBatches(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	// Created in an order that is not their time order.
	b3 := w.batch(t, s, gtinA, 3, 10)
	b1 := w.batch(t, s, gtinB, 1, 10)
	b2 := w.batch(t, s, gtinA, 2, 10)
	other := &genuine.Brand{ID: id("brd", 2), Name: "Other", CreatedAt: at(0)}
	otherProduct := &genuine.Product{GTIN: "00000000000017", BrandID: other.ID, Name: "Theirs", CreatedAt: at(0)}
	update(t, s, func(tx genuine.Tx) error {
		if err := tx.CreateBrand(ctx, other); err != nil {
			return err
		}
		return tx.CreateProduct(ctx, otherProduct)
	})
	theirs := *b3
	theirs.ID, theirs.BrandID, theirs.GTIN, theirs.CreatedAt = id("bat", 4), other.ID, otherProduct.GTIN, at(4)
	update(t, s, func(tx genuine.Tx) error { return tx.CreateBatch(ctx, &theirs) })

	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.Batches(ctx, w.brand.ID)
		if err != nil {
			return err
		}
		want := []*genuine.Batch{b3, b2, b1}
		if len(got) != len(want) {
			t.Fatalf("Batches returned %d batches, want %d", len(got), len(want))
		}
		for i := range want {
			same(t, "Batches", got[i], want[i])
		}
		got, err = tx.Batches(ctx, id("brd", 3))
		if err != nil || len(got) != 0 {
			t.Errorf("Batches of a brand without batches = %v, %v; want none", got, err)
		}
		return nil
	})
}

func testUpdateBatch(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	b := w.batch(t, s, gtinA, 1, 10)
	change := *b
	change.Disposition = genuine.Released
	change.Regions = []string{"CN", "HK", "MO"}
	change.Lot = "CHANGED" // UpdateBatch writes only disposition and regions
	update(t, s, func(tx genuine.Tx) error { return tx.UpdateBatch(ctx, &change) })
	want := *b
	want.Disposition, want.Regions = change.Disposition, change.Regions
	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.Batch(ctx, b.ID)
		if err != nil {
			return err
		}
		same(t, "Batch after UpdateBatch", got, &want)
		return nil
	})

	missing := change
	missing.ID = id("bat", 9)
	err := s.Update(ctx, func(tx genuine.Tx) error { return tx.UpdateBatch(ctx, &missing) })
	wantNotFound(t, "UpdateBatch of a missing batch", err, missing.ID)
}

func testBatchBySequence(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	a := w.batch(t, s, gtinA, 1, 10)
	update(t, s, func(tx genuine.Tx) error { // a gap no batch owns
		_, err := tx.AllocateSequences(ctx, gtinA, 5)
		return err
	})
	b := w.batch(t, s, gtinA, 2, 1)
	c := w.batch(t, s, gtinA, 3, 20)
	// gtinB's batch owns the same sequence numbers of another product.
	d := w.batch(t, s, gtinB, 4, 40)

	tests := []struct {
		gtin string
		seq  int64
		want *genuine.Batch // nil: ENotFound
	}{
		{gtinA, a.FirstSeq - 1, nil},
		{gtinA, a.FirstSeq, a},
		{gtinA, a.FirstSeq + 9, a},
		{gtinA, a.FirstSeq + 10, nil},
		{gtinA, b.FirstSeq - 1, nil},
		{gtinA, b.FirstSeq, b},
		{gtinA, b.FirstSeq + 1, c},
		{gtinA, c.FirstSeq + 19, c},
		{gtinA, c.FirstSeq + 20, nil},
		{gtinA, 1 << 40, nil},
		{gtinB, d.FirstSeq, d},
		{gtinB, d.FirstSeq + 39, d},
		{gtinB, d.FirstSeq + 40, nil},
		{"00000000000017", a.FirstSeq, nil},
	}
	view(t, s, func(tx genuine.Tx) error {
		for _, tt := range tests {
			got, err := tx.BatchBySequence(ctx, tt.gtin, tt.seq)
			if tt.want == nil {
				wantCode(t, "BatchBySequence outside every batch", err, genuine.ENotFound)
				continue
			}
			if err != nil {
				t.Errorf("BatchBySequence(%s, %d): %v", tt.gtin, tt.seq, err)
				continue
			}
			same(t, "BatchBySequence", got, tt.want)
		}
		// UnitInBatch finds the same batches.
		for _, tt := range tests {
			got, u, n, err := tx.UnitInBatch(ctx, tt.gtin, tt.seq)
			if tt.want == nil {
				wantCode(t, "UnitInBatch outside every batch", err, genuine.ENotFound)
				continue
			}
			if err != nil || u != nil || n != 0 {
				t.Errorf("UnitInBatch(%s, %d) = unit %v, count %d, %v; want no unit, 0, nil", tt.gtin, tt.seq, u, n, err)
				continue
			}
			same(t, "UnitInBatch's batch", got, tt.want)
		}
		return nil
	})
}
