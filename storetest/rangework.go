package storetest

import (
	"reflect"
	"testing"

	"genuine"
)

// testRangeWork checks the round trip of range events' work left, its
// replacement as chunks are applied, the search by batch and of all, and
// its deletion.
func testRangeWork(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	a := w.batch(t, s, gtinA, 1, 5000)
	b := w.batch(t, s, gtinA, 2, 10)
	var works []*genuine.RangeWork
	update(t, s, func(tx genuine.Tx) error {
		for i, batch := range []*genuine.Batch{a, b, a} {
			e := &genuine.Event{ID: id("evt", i+1), Type: genuine.EventLock, BrandID: w.brand.ID, BatchID: batch.ID,
				GTIN: batch.GTIN, FromSeq: &batch.FirstSeq, ToSeq: &batch.FirstSeq, Role: genuine.RoleBrand, CreatedAt: at(10 - i)}
			if err := tx.AddEvent(ctx, e); err != nil {
				return err
			}
			rw := &genuine.RangeWork{EventID: e.ID, BatchID: batch.ID, Type: e.Type, Next: batch.FirstSeq, To: batch.FirstSeq + 9, CreatedAt: e.CreatedAt}
			if err := tx.PutRangeWork(ctx, rw); err != nil {
				return err
			}
			works = append(works, rw)
		}
		return nil
	})
	for _, rw := range works {
		rw.CreatedAt = rw.CreatedAt.UTC() // stores return times in UTC
	}
	works[0].Next += 5
	update(t, s, func(tx genuine.Tx) error { return tx.PutRangeWork(ctx, works[0]) })
	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.RangeWork(ctx, works[0].EventID)
		if err != nil || !reflect.DeepEqual(got, works[0]) {
			t.Errorf("RangeWork = %+v, %v; want %+v", got, err, works[0])
		}
		for _, tt := range []struct {
			batchID string
			limit   int
			want    []*genuine.RangeWork
		}{
			{"", 0, []*genuine.RangeWork{works[2], works[1], works[0]}}, // oldest first
			{a.ID, 0, []*genuine.RangeWork{works[2], works[0]}},
			{a.ID, 1, []*genuine.RangeWork{works[2]}},
			{b.ID, 0, []*genuine.RangeWork{works[1]}},
		} {
			got, err := tx.RangeWorks(ctx, tt.batchID, tt.limit)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RangeWorks(%q, %d) = %s, %v; want %s", tt.batchID, tt.limit, workIDs(got), err, workIDs(tt.want))
			}
		}
		return nil
	})
	update(t, s, func(tx genuine.Tx) error { return tx.DeleteRangeWork(ctx, works[0].EventID) })
	update(t, s, func(tx genuine.Tx) error { return tx.DeleteRangeWork(ctx, works[0].EventID) }) // none: no error
	err := s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.RangeWork(ctx, works[0].EventID)
		return err
	})
	wantCode(t, "RangeWork after DeleteRangeWork", err, genuine.ENotFound)
}

func workIDs(ws []*genuine.RangeWork) []string {
	ids := make([]string, len(ws))
	for i, w := range ws {
		ids[i] = w.EventID + "@" + w.CreatedAt.String()
	}
	return ids
}
