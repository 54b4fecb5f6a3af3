package storetest

import (
	"fmt"
	"testing"

	"genuine"
)

func testEvents(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	a := w.batch(t, s, gtinA, 1, 10)
	b := w.batch(t, s, gtinA, 2, 10)
	seq := func(i int64) *int64 { n := a.FirstSeq + i; return &n }
	event := func(n int, batch *genuine.Batch, typ genuine.EventType, from, to *int64, when int) *genuine.Event {
		return &genuine.Event{
			ID: id("evt", n), Type: typ, BrandID: w.brand.ID, BatchID: batch.ID, GTIN: batch.GTIN,
			FromSeq: from, ToSeq: to, Actor: id("key", 1), Role: genuine.RoleBrand, Org: w.brand.ID, CreatedAt: at(when),
		}
	}
	release := event(1, a, genuine.EventRelease, nil, nil, 1)
	release.Regions, release.Note = []string{"CN-GD", "HK"}, "first shipment"
	ship := event(2, a, genuine.EventShip, seq(0), seq(4), 2)
	ship.Location, ship.MerchantID = "urn:epc:id:sgln:9520123.00001.0", id("mer", 1)
	stolen := event(3, a, genuine.EventStolen, seq(2), seq(2), 3)
	stolen.Serial, stolen.Role, stolen.Actor, stolen.Org = "SERIAL2", genuine.RoleMerchant, id("key", 2), id("mer", 1)
	recall := event(4, a, genuine.EventRecall, nil, nil, 3) // the same time as stolen, added after it
	consume := event(5, a, genuine.EventConsume, seq(7), seq(7), 4)
	consume.Serial = "SERIAL7"
	receive := event(6, a, genuine.EventReceive, seq(5), seq(9), 5)
	elsewhere := event(7, b, genuine.EventRelease, nil, nil, 0)

	// Added out of time order, so that the store must order them.
	update(t, s, func(tx genuine.Tx) error {
		for _, e := range []*genuine.Event{receive, release, stolen, recall, ship, consume, elsewhere} {
			if err := tx.AddEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})

	tests := []struct {
		batch *genuine.Batch
		seq   *int64
		limit int
		want  []*genuine.Event
	}{
		{a, nil, 100, []*genuine.Event{release, ship, stolen, recall, consume, receive}},
		{a, nil, 2, []*genuine.Event{release, ship}},
		{a, nil, 0, []*genuine.Event{release, ship, stolen, recall, consume, receive}}, // 0: no limit
		{a, seq(2), 100, []*genuine.Event{release, ship, stolen, recall}},
		{a, seq(2), 4, []*genuine.Event{release, ship, stolen, recall}}, // as many as the limit
		{a, seq(2), 3, []*genuine.Event{release, ship, stolen}},         // one more than the limit
		{a, seq(2), 1, []*genuine.Event{release}},
		{a, seq(4), 100, []*genuine.Event{release, ship, recall}},
		{a, seq(5), 100, []*genuine.Event{release, recall, receive}},
		{a, seq(7), 100, []*genuine.Event{release, recall, consume, receive}},
		{a, seq(7), 3, []*genuine.Event{release, recall, consume}},
		{a, seq(7), 0, []*genuine.Event{release, recall, consume, receive}},
		{a, seq(10), 100, []*genuine.Event{release, recall}},
		{b, nil, 100, []*genuine.Event{elsewhere}},
		{b, seq(2), 100, []*genuine.Event{elsewhere}},
	}
	view(t, s, func(tx genuine.Tx) error {
		for _, tt := range tests {
			what := fmt.Sprintf("Events(%s, %s, %d)", tt.batch.ID, show(tt.seq), tt.limit)
			got, err := tx.Events(ctx, tt.batch.ID, tt.seq, tt.limit)
			if err != nil {
				return err
			}
			if len(got) != len(tt.want) {
				t.Errorf("%s returned %s, want %s", what, eventIDs(got), eventIDs(tt.want))
				continue
			}
			for i := range got {
				same(t, fmt.Sprintf("%s[%d]", what, i), got[i], tt.want[i])
			}
		}
		// A unit's journey is what the public sees of the same events.
		for _, tt := range tests {
			if tt.seq == nil {
				continue
			}
			what := fmt.Sprintf("Journey(%s, %s, %d)", tt.batch.ID, show(tt.seq), tt.limit)
			got, err := tx.Journey(ctx, tt.batch.ID, *tt.seq, tt.limit)
			if err != nil {
				return err
			}
			var want []genuine.PublicEvent
			for _, e := range tt.want {
				want = append(want, genuine.PublicEvent{Type: e.Type, At: e.CreatedAt, Location: e.Location})
			}
			if len(got) != len(want) {
				t.Errorf("%s = %v\nwant %v", what, got, want)
				continue
			}
			for i := range got {
				same(t, fmt.Sprintf("%s[%d]", what, i), &got[i], &want[i])
			}
			// UnitJourney reads the same journey, with the batch's
			// disposition (the unit has no row of its own).
			what = fmt.Sprintf("UnitJourney(%s, %s, %d)", tt.batch.ID, show(tt.seq), tt.limit)
			disposition, u, _, got, err := tx.UnitJourney(ctx, tt.batch.ID, tt.batch.GTIN, *tt.seq, tt.limit)
			if err != nil {
				return err
			}
			if disposition != tt.batch.Disposition || u != nil {
				t.Errorf("%s = %q, %+v; want %q, no unit", what, disposition, u, tt.batch.Disposition)
			}
			if len(got) != len(want) {
				t.Errorf("%s's journey = %v\nwant %v", what, got, want)
				continue
			}
			for i := range got {
				same(t, fmt.Sprintf("%s[%d]", what, i), &got[i], &want[i])
			}
		}
		got, err := tx.Events(ctx, id("bat", 9), nil, 100)
		if err != nil || len(got) != 0 {
			t.Errorf("Events of a batch without events = %s, %v; want none", eventIDs(got), err)
		}
		journey, err := tx.Journey(ctx, id("bat", 9), 0, 100)
		if err != nil || len(journey) != 0 {
			t.Errorf("Journey of a unit of a batch without events = %v, %v; want none", journey, err)
		}
		return nil
	})

	dup := *elsewhere
	err := s.Update(ctx, func(tx genuine.Tx) error { return tx.AddEvent(ctx, &dup) })
	wantCode(t, "AddEvent with an existing id", err, genuine.EConflict)
}

// eventIDs lists the ids of events, for messages.
func eventIDs(es []*genuine.Event) []string {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return ids
}
