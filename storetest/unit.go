package storetest

import (
	"fmt"
	"testing"

	"genuine/genuine"
)

func testUnit(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	b := w.batch(t, s, gtinA, 1, 10)
	seq := b.FirstSeq + 3

	err := s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.Unit(ctx, gtinA, seq)
		return err
	})
	wantCode(t, "Unit of a unit nothing happened to", err, genuine.ENotFound)

	u := &genuine.Unit{
		GTIN: gtinA, Serial: "SERIAL3", Seq: seq, BatchID: b.ID,
		State: genuine.StateReserved, CheckoutID: id("chk", 1), UpdatedAt: at(5),
	}
	update(t, s, func(tx genuine.Tx) error { return tx.PutUnit(ctx, u) })
	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.Unit(ctx, gtinA, seq)
		if err != nil {
			return err
		}
		same(t, "Unit", got, u)
		return nil
	})

	// PutUnit replaces the row, clearing what the new one lacks.
	locked := &genuine.Unit{
		GTIN: gtinA, Serial: "SERIAL3", Seq: seq, BatchID: b.ID,
		State: genuine.StateLocked, LockedFrom: genuine.StateSold, UpdatedAt: at(6),
	}
	update(t, s, func(tx genuine.Tx) error { return tx.PutUnit(ctx, locked) })
	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.Unit(ctx, gtinA, seq)
		if err != nil {
			return err
		}
		same(t, "Unit after a second PutUnit", got, locked)
		return nil
	})

	err = s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.Unit(ctx, gtinB, seq)
		return err
	})
	wantCode(t, "Unit of another product with the same sequence number", err, genuine.ENotFound)
}

func testUnits(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	a := w.batch(t, s, gtinA, 1, 10)
	b := w.batch(t, s, gtinA, 2, 10)
	unit := func(batch *genuine.Batch, i int64) *genuine.Unit {
		return &genuine.Unit{
			GTIN: batch.GTIN, Serial: fmt.Sprintf("S%d", batch.FirstSeq+i), Seq: batch.FirstSeq + i,
			BatchID: batch.ID, State: genuine.StateSold, CheckoutID: id("chk", int(i)), UpdatedAt: at(int(i)),
		}
	}
	// Put in reverse order: Units orders by sequence number.
	var units []*genuine.Unit
	for _, i := range []int64{9, 7, 5, 3, 1} {
		units = append(units, unit(a, i))
	}
	update(t, s, func(tx genuine.Tx) error {
		for _, u := range append(units, unit(b, 0), unit(b, 5)) {
			if err := tx.PutUnit(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})

	tests := []struct {
		from, to int64
		want     []*genuine.Unit
	}{
		{a.FirstSeq, a.FirstSeq + 9, []*genuine.Unit{units[4], units[3], units[2], units[1], units[0]}},
		{a.FirstSeq + 3, a.FirstSeq + 7, []*genuine.Unit{units[3], units[2], units[1]}},
		{a.FirstSeq + 4, a.FirstSeq + 4, nil},
		{a.FirstSeq + 5, a.FirstSeq + 5, []*genuine.Unit{units[2]}},
		{b.FirstSeq, b.FirstSeq + 9, nil}, // b's units are not a's
	}
	view(t, s, func(tx genuine.Tx) error {
		for _, tt := range tests {
			got, err := tx.Units(ctx, a.ID, tt.from, tt.to)
			if err != nil {
				return err
			}
			if len(got) != len(tt.want) {
				t.Errorf("Units(%d, %d) returned %d units, want %d", tt.from, tt.to, len(got), len(tt.want))
				continue
			}
			for i := range got {
				same(t, fmt.Sprintf("Units(%d, %d)[%d]", tt.from, tt.to, i), got[i], tt.want[i])
			}
		}
		return nil
	})
}
