package storetest

import (
	"errors"
	"fmt"
	"testing"

	"genuine"
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

// testSwapUnit checks SwapUnit's compare and swap: a unit without a row is
// written only if none was expected, a row only replaced if it is still the
// one read, either only if the batch's disposition and regions are still
// those read, and a refused swap fails its Update whole.
func testSwapUnit(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	b := w.batch(t, s, gtinA, 1, 10)
	seq := b.FirstSeq + 4
	unit := func(state genuine.UnitState, checkout string, v int) *genuine.Unit {
		return &genuine.Unit{GTIN: gtinA, Serial: "SERIAL4", Seq: seq, BatchID: b.ID, State: state, CheckoutID: checkout, UpdatedAt: at(v)}
	}
	stored := func(what string, want *genuine.Unit) {
		t.Helper()
		view(t, s, func(tx genuine.Tx) error {
			got, err := tx.Unit(ctx, gtinA, seq)
			if err != nil {
				return err
			}
			same(t, what, got, want)
			return nil
		})
	}
	swap := func(old, u *genuine.Unit) error {
		return s.Update(ctx, func(tx genuine.Tx) error { return tx.SwapUnit(ctx, old, u, b) })
	}
	// The batch as another transaction may have read it before it changed.
	asRead := func(d genuine.Disposition, regions ...string) *genuine.Batch {
		r := *b
		r.Disposition, r.Regions = d, regions
		return &r
	}
	for _, other := range []*genuine.Batch{
		asRead(genuine.Released, "CN-GD", "CN-SH"),
		asRead(genuine.Commissioned, "CN-GD"),
		asRead(genuine.Commissioned, "CN-SH", "CN-GD"),
		asRead(genuine.Commissioned),
	} {
		err := s.Update(ctx, func(tx genuine.Tx) error {
			return tx.SwapUnit(ctx, nil, unit(genuine.StateReserved, id("chk", 1), 5), other)
		})
		wantChanged(t, fmt.Sprintf("SwapUnit with the batch read as %s in %v", other.Disposition, other.Regions), err)
	}
	view(t, s, func(tx genuine.Tx) error {
		_, err := tx.Unit(ctx, gtinA, seq)
		wantCode(t, "Unit after swaps with a changed batch", err, genuine.ENotFound)
		return nil
	})

	// No row, none expected: written.
	first := unit(genuine.StateReserved, id("chk", 1), 5)
	if err := swap(nil, first); err != nil {
		t.Fatalf("SwapUnit of a unit without a row: %v", err)
	}
	stored("Unit after SwapUnit(nil, …)", first)
	// A row where none was expected: refused.
	wantChanged(t, "SwapUnit(nil, …) of a unit with a row", swap(nil, unit(genuine.StateReserved, id("chk", 2), 6)))
	stored("Unit after a refused SwapUnit", first)
	// Another row than the one stored, in state, checkout or time: refused.
	for _, old := range []*genuine.Unit{
		unit(genuine.StateInChannel, id("chk", 1), 5),
		unit(genuine.StateReserved, id("chk", 2), 5),
		unit(genuine.StateReserved, "", 5),
		unit(genuine.StateReserved, id("chk", 1), 4),
	} {
		wantChanged(t, fmt.Sprintf("SwapUnit from %+v", old), swap(old, unit(genuine.StateSold, id("chk", 3), 7)))
	}
	stored("Unit after refused swaps", first)
	// The row as stored: replaced, and a row without a checkout is matched
	// too.
	released := unit(genuine.StateInChannel, "", 8)
	if err := swap(first, released); err != nil {
		t.Fatalf("SwapUnit from the stored row: %v", err)
	}
	stored("Unit after SwapUnit", released)
	sold := unit(genuine.StateSold, id("chk", 4), 9)
	// A refused swap fails its Update, reported by SwapUnit, by the
	// transaction's next statement or by the commit, and nothing of the
	// transaction is stored: neither what it wrote before the swap nor
	// after.
	neighbour := &genuine.Unit{GTIN: gtinA, Serial: "SERIAL5", Seq: seq + 1, BatchID: b.ID, State: genuine.StateSold, UpdatedAt: at(9)}
	ev := &genuine.Event{ID: id("evt", 9), Type: genuine.EventSell, BrandID: b.BrandID, BatchID: b.ID, GTIN: gtinA,
		Serial: "SERIAL4", FromSeq: &seq, ToSeq: &seq, CreatedAt: at(9)}
	for _, next := range []struct {
		name string
		fn   func(tx genuine.Tx) error
	}{
		{"nothing", func(genuine.Tx) error { return nil }},
		{"a read", func(tx genuine.Tx) error { _, err := tx.Batch(ctx, b.ID); return err }},
		{"an insert", func(tx genuine.Tx) error { return tx.AddEvent(ctx, ev) }},
	} {
		err := s.Update(ctx, func(tx genuine.Tx) error {
			if err := tx.PutUnit(ctx, neighbour); err != nil {
				return err
			}
			if err := tx.SwapUnit(ctx, first, sold, b); err != nil {
				return err
			}
			return next.fn(tx)
		})
		wantChanged(t, "a stale SwapUnit followed by "+next.name, err)
		stored("Unit after a stale swap followed by "+next.name, released)
		view(t, s, func(tx genuine.Tx) error {
			_, err := tx.Unit(ctx, gtinA, seq+1)
			wantCode(t, "a unit written before a stale swap followed by "+next.name, err, genuine.ENotFound)
			evs, err := tx.Events(ctx, b.ID, nil, 100)
			for _, e := range evs {
				if e.ID == ev.ID {
					t.Errorf("an event added after a stale swap was stored")
				}
			}
			return err
		})
	}
	// The swap from the stored row, in a transaction that goes on.
	err := s.Update(ctx, func(tx genuine.Tx) error {
		if err := tx.SwapUnit(ctx, released, sold, b); err != nil {
			return err
		}
		_, err := tx.Batch(ctx, b.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	stored("Unit after a good swap and a read in one transaction", sold)

	// Once the batch changes, a swap needs the batch as it is now; a batch
	// without regions matches one read with none.
	recalled := asRead(genuine.Recalled)
	update(t, s, func(tx genuine.Tx) error { return tx.UpdateBatch(ctx, recalled) })
	later := unit(genuine.StateRecalled, "", 10)
	wantChanged(t, "SwapUnit with the batch as it was", s.Update(ctx, func(tx genuine.Tx) error {
		return tx.SwapUnit(ctx, sold, later, b)
	}))
	recalled.Regions = nil
	if err := s.Update(ctx, func(tx genuine.Tx) error { return tx.SwapUnit(ctx, sold, later, recalled) }); err != nil {
		t.Fatalf("SwapUnit with the batch as it is: %v", err)
	}
	stored("Unit after a swap with the changed batch", later)
}

// wantChanged checks that err is a refused swap's: EConflict, wrapping
// genuine.ErrUnitChanged.
func wantChanged(t *testing.T, what string, err error) {
	t.Helper()
	wantCode(t, what, err, genuine.EConflict)
	if err != nil && !errors.Is(err, genuine.ErrUnitChanged) {
		t.Errorf("%s: error %v does not wrap genuine.ErrUnitChanged", what, err)
	}
}

// sameUnitAndCount checks a unit's own row (nil: none) and verification
// count as read by what.
func sameUnitAndCount(t *testing.T, what string, got, want *genuine.Unit, gotCount, wantCount int64) {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Errorf("%s's unit = %+v, want none", what, got)
	case want != nil && got == nil:
		t.Errorf("%s has no unit, want %+v", what, want)
	case want != nil:
		same(t, what+"'s unit", got, want)
	}
	if gotCount != wantCount {
		t.Errorf("%s's count = %d, want %d", what, gotCount, wantCount)
	}
}

// UnitInBatch reads a unit's batch, row and verification count at once, and
// each is the unit's own, not a neighbour's nor another product's.
func testUnitInBatch(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	a := w.batch(t, s, gtinA, 1, 10)
	b := w.batch(t, s, gtinB, 2, 10)
	seq := a.FirstSeq + 4
	sold := &genuine.Unit{
		GTIN: gtinA, Serial: "SERIAL4", Seq: seq, BatchID: a.ID,
		State: genuine.StateSold, CheckoutID: id("chk", 1), UpdatedAt: at(5),
	}
	locked := &genuine.Unit{
		GTIN: gtinA, Serial: "SERIAL5", Seq: seq + 1, BatchID: a.ID,
		State: genuine.StateLocked, LockedFrom: genuine.StateSold, UpdatedAt: at(6),
	}
	// Another product's unit and counts at the same sequence numbers.
	other := &genuine.Unit{GTIN: gtinB, Serial: "OTHER", Seq: seq, BatchID: b.ID, State: genuine.StateStolen, UpdatedAt: at(7)}
	update(t, s, func(tx genuine.Tx) error {
		for _, u := range []*genuine.Unit{sold, locked, other} {
			if err := tx.PutUnit(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err := addVerifications(t, s,
		genuine.VerificationCount{GTIN: gtinA, Seq: seq, N: 3, LastAt: at(8)},
		genuine.VerificationCount{GTIN: gtinA, Seq: seq + 2, N: 2, LastAt: at(8)},
		genuine.VerificationCount{GTIN: gtinB, Seq: seq + 1, N: 9, LastAt: at(8)},
	); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		gtin  string
		seq   int64
		batch *genuine.Batch
		unit  *genuine.Unit // nil: none
		count int64
	}{
		{gtinA, seq, a, sold, 3},
		{gtinA, seq + 1, a, locked, 0},
		{gtinA, seq + 2, a, nil, 2},
		{gtinA, seq + 3, a, nil, 0},
		{gtinB, seq, b, other, 0},
		{gtinB, seq + 1, b, nil, 9},
	}
	view(t, s, func(tx genuine.Tx) error {
		for _, tt := range tests {
			what := fmt.Sprintf("UnitInBatch(%s, %d)", tt.gtin, tt.seq)
			gotBatch, gotUnit, gotCount, err := tx.UnitInBatch(ctx, tt.gtin, tt.seq)
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			same(t, what+"'s batch", gotBatch, tt.batch)
			sameUnitAndCount(t, what, gotUnit, tt.unit, gotCount, tt.count)
			// UnitJourney reads the same of a batch already known, with
			// its disposition (its journeys: testEvents).
			what = fmt.Sprintf("UnitJourney(%s, %s, %d)", tt.batch.ID, tt.gtin, tt.seq)
			disposition, gotUnit, gotCount, journey, err := tx.UnitJourney(ctx, tt.batch.ID, tt.gtin, tt.seq, 10)
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			if disposition != tt.batch.Disposition || len(journey) != 0 {
				t.Errorf("%s = %q, …, %v; want %q and no events", what, disposition, journey, tt.batch.Disposition)
			}
			sameUnitAndCount(t, what, gotUnit, tt.unit, gotCount, tt.count)
		}
		_, _, _, _, err := tx.UnitJourney(ctx, id("bat", 9), gtinA, seq, 10)
		wantCode(t, "UnitJourney of a batch that does not exist", err, genuine.ENotFound)
		return nil
	})
	// A batch's disposition is read as it is now; the unit's row and
	// count come with its journey.
	recalled := *a
	recalled.Disposition = genuine.Recalled
	update(t, s, func(tx genuine.Tx) error {
		if err := tx.UpdateBatch(ctx, &recalled); err != nil {
			return err
		}
		return tx.AddEvent(ctx, &genuine.Event{
			ID: id("evt", 1), Type: genuine.EventRecall, BrandID: w.brand.ID, BatchID: a.ID, GTIN: gtinA,
			Role: genuine.RoleBrand, CreatedAt: at(9),
		})
	})
	view(t, s, func(tx genuine.Tx) error {
		what := "UnitJourney after a recall"
		disposition, u, count, journey, err := tx.UnitJourney(ctx, a.ID, gtinA, seq, 10)
		if err != nil || disposition != genuine.Recalled || len(journey) != 1 || journey[0].Type != genuine.EventRecall {
			t.Errorf("%s = %q, …, %v, %v; want recalled and the recall", what, disposition, journey, err)
		}
		sameUnitAndCount(t, what, u, sold, count, 3)
		return nil
	})
}
