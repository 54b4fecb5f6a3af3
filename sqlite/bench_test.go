package sqlite

import (
	"fmt"
	"testing"
	"time"

	"genuine"
	"genuine/storetest"
)

// benchBatches creates a brand, a product and n batches of size units each
// in db, and returns the product's GTIN.
func benchBatches(b *testing.B, db *DB, n int, size int64) string {
	b.Helper()
	const gtin = "09520123456788"
	ctx := b.Context()
	err := db.Update(ctx, func(tx genuine.Tx) error {
		if err := tx.CreateBrand(ctx, testBrand); err != nil {
			return err
		}
		p := &genuine.Product{GTIN: gtin, BrandID: testBrand.ID, Name: "Bench", CreatedAt: time.Now()}
		if err := tx.CreateProduct(ctx, p); err != nil {
			return err
		}
		for i := range n {
			first, err := tx.AllocateSequences(ctx, gtin, size)
			if err != nil {
				return err
			}
			err = tx.CreateBatch(ctx, &genuine.Batch{
				ID: fmt.Sprintf("bat_%020d", i), BrandID: testBrand.ID, GTIN: gtin, Lot: "L",
				Expiry: genuine.NewDate(2030, 1, 1), Quantity: size, FirstSeq: first,
				Regions: []string{"CN"}, Disposition: genuine.Released, Serials: genuine.SerialsMinted,
				CreatedAt: time.Now(),
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return gtin
}

// BenchmarkUpdatePutUnit measures one small durable write transaction.
func BenchmarkUpdatePutUnit(b *testing.B) {
	db := openTest(b)
	gtin := benchBatches(b, db, 1, 1<<20)
	ctx := b.Context()
	u := &genuine.Unit{GTIN: gtin, BatchID: "bat_00000000000000000000", State: genuine.StateReserved,
		CheckoutID: "chk_00000000000000000001"}
	var seq int64
	for b.Loop() {
		u.Seq, u.Serial, u.UpdatedAt = seq%(1<<20), fmt.Sprint(seq), time.Now()
		seq++
		if err := db.Update(ctx, func(tx genuine.Tx) error { return tx.PutUnit(ctx, u) }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkViewBatchBySequence measures the look-up of a unit's batch among
// 10,000, from as many goroutines as GOMAXPROCS.
func BenchmarkViewBatchBySequence(b *testing.B) {
	db := openTest(b)
	const batches, size = 10_000, 1000
	gtin := benchBatches(b, db, batches, size)
	ctx := b.Context()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var seq int64 = 12345
		for pb.Next() {
			seq = (seq*7919 + 1) % (batches * size)
			err := db.View(ctx, func(tx genuine.Tx) error {
				bt, err := tx.BatchBySequence(ctx, gtin, seq)
				if err == nil && !bt.Contains(seq) {
					return fmt.Errorf("batch %s does not contain %d", bt.ID, seq)
				}
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkViewUnitEvents measures reading one unit's journey (as a
// verification does): in a batch just released (two events), and in a
// batch of 100,000 units of which 20,000 have events of their own, as in
// a batch well into its sales.
func BenchmarkViewUnitEvents(b *testing.B) {
	db := openTest(b)
	const size, sold = 100_000, 20_000
	gtin := benchBatches(b, db, 2, size)
	ctx := b.Context()
	const fresh, selling = "bat_00000000000000000000", "bat_00000000000000000001"
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	event := func(batchID string, t genuine.EventType, from, to *int64) *genuine.Event {
		n++
		return &genuine.Event{ID: fmt.Sprintf("evt_%020d", n), Type: t, BrandID: testBrand.ID, BatchID: batchID,
			GTIN: gtin, FromSeq: from, ToSeq: to, Role: genuine.RoleBrand, CreatedAt: start.Add(time.Duration(n) * time.Second)}
	}
	err := db.Update(ctx, func(tx genuine.Tx) error {
		for i, batchID := range []string{fresh, selling} {
			if err := tx.AddEvent(ctx, event(batchID, genuine.EventRelease, nil, nil)); err != nil {
				return err
			}
			from, to := int64(i*size), int64(i*size+size-1)
			if err := tx.AddEvent(ctx, event(batchID, genuine.EventShip, &from, &to)); err != nil {
				return err
			}
		}
		for i := range int64(sold) {
			seq := size + i
			if err := tx.AddEvent(ctx, event(selling, genuine.EventSell, &seq, &seq)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct {
		name    string
		batchID string
		seq     int64
	}{
		{"fresh", fresh, 10},
		{"selling/sold-first", selling, size + 10},
		{"selling/sold-last", selling, size + sold - 10},
		{"selling/unsold", selling, 2*size - 10},
	} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				err := db.View(ctx, func(tx genuine.Tx) error {
					es, err := tx.Events(ctx, bb.batchID, &bb.seq, 100)
					if err == nil && len(es) < 2 {
						return fmt.Errorf("%d events, want at least 2", len(es))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyRead measures a verification's read of a unit: of a batch
// not cached, in a View of two statements; of a cached one, in a Peek of
// one, from one client and from 64 at once (storetest.BenchVerifyRead).
func BenchmarkVerifyRead(b *testing.B) { storetest.BenchVerifyRead(b, openTest(b)) }
