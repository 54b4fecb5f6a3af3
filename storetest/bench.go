package storetest

import (
	"fmt"
	"runtime"
	"testing"

	"genuine"
)

// BenchVerifyRead measures, on a new, empty store s, what a verification
// reads of a unit (its batch's disposition, the unit's row, its count and
// its journey of two events): with the batch not cached, in a View of two
// statements, UnitInBatch and Journey; with it cached, in a Peek of one,
// UnitJourney, from one client (peek) and from 64 at once (peek-parallel).
// Each store's tests run it as BenchmarkVerifyRead.
func BenchVerifyRead(b *testing.B, s genuine.Store) {
	ctx := b.Context()
	w := newWorld(b, s)
	batch := w.batch(b, s, gtinA, 1, 1000, func(b *genuine.Batch) { b.Disposition = genuine.Released })
	first, last, seq := batch.FirstSeq, batch.FirstSeq+batch.Quantity-1, batch.FirstSeq+10
	update(b, s, func(tx genuine.Tx) error {
		for i, e := range []*genuine.Event{
			{Type: genuine.EventRelease},
			{Type: genuine.EventShip, FromSeq: &first, ToSeq: &last, Location: "urn:epc:id:sgln:9520123.00001.0"},
		} {
			e.ID, e.BrandID, e.BatchID, e.GTIN = id("evt", i), w.brand.ID, batch.ID, gtinA
			e.Role, e.CreatedAt = genuine.RoleBrand, at(i)
			if err := tx.AddEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	check := func(d genuine.Disposition, journey []genuine.PublicEvent, err error) error {
		if err != nil || d != genuine.Released || len(journey) != 2 {
			return fmt.Errorf("read %q and %d events, %v; want released and 2", d, len(journey), err)
		}
		return nil
	}
	b.Run("view", func(b *testing.B) {
		for b.Loop() {
			var d genuine.Disposition
			var journey []genuine.PublicEvent
			err := s.View(ctx, func(tx genuine.Tx) (err error) {
				var b *genuine.Batch
				if b, _, _, err = tx.UnitInBatch(ctx, gtinA, seq); err != nil {
					return err
				}
				d = b.Disposition
				journey, err = tx.Journey(ctx, batch.ID, seq, 100)
				return err
			})
			if err := check(d, journey, err); err != nil {
				b.Fatal(err)
			}
		}
	})
	peek := func() error {
		var d genuine.Disposition
		var journey []genuine.PublicEvent
		err := s.Peek(ctx, func(tx genuine.Tx) (err error) {
			d, _, _, journey, err = tx.UnitJourney(ctx, batch.ID, gtinA, seq, 100)
			return err
		})
		return check(d, journey, err)
	}
	b.Run("peek", func(b *testing.B) {
		for b.Loop() {
			if err := peek(); err != nil {
				b.Fatal(err)
			}
		}
	})
	// As the verify scenario of genuine bench reads: 64 clients at once,
	// which contend for the store's read connections and for modernc's
	// allocator.
	b.Run("peek-parallel", func(b *testing.B) {
		b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := peek(); err != nil {
					b.Error(err) // not Fatal: this is not the benchmark's goroutine
					return
				}
			}
		})
	})
}
