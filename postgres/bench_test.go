package postgres

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"genuine"
	"genuine/storetest"
)

// benchBatches creates a brand, a product and n batches of size units each
// in db, and returns the product's GTIN.
func benchBatches(b testing.TB, db *DB, n int, size int64) string {
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

// clients is how many goroutines the parallel benchmarks run: as many as
// the clients `genuine bench` runs by default.
const clients = 64

// BenchmarkUpdatePutUnit measures one small durable write transaction
// (a unit reserved) from 64 goroutines at once, each writing units of its
// own, through the pool's connections (pool_max_conns of the DSN). It
// reports the Updates the server aborted and Update ran again.
func BenchmarkUpdatePutUnit(b *testing.B) {
	db := openTest(b)
	const size = 1 << 20
	gtin := benchBatches(b, db, 1, size)
	ctx := b.Context()
	var next atomic.Int64
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		u := &genuine.Unit{GTIN: gtin, BatchID: "bat_00000000000000000000", State: genuine.StateReserved,
			CheckoutID: "chk_00000000000000000001"}
		for pb.Next() {
			seq := next.Add(1)
			u.Seq, u.Serial, u.UpdatedAt = seq%size, fmt.Sprint(seq), time.Now()
			if err := db.Update(ctx, func(tx genuine.Tx) error { return tx.PutUnit(ctx, u) }); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(db.retries.Load())/float64(b.N), "retries/op")
}

// BenchmarkViewBatchBySequence measures the look-up of a unit's batch among
// 10,000, from 64 goroutines at once.
func BenchmarkViewBatchBySequence(b *testing.B) {
	db := openTest(b)
	const batches, size = 10_000, 1000
	gtin := benchBatches(b, db, batches, size)
	ctx := b.Context()
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
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

// BenchmarkVerifyRead measures a verification's read of a unit: of a batch
// not cached, in a View of two statements; of a cached one, in a Peek of
// one, from one client and from 64 at once (storetest.BenchVerifyRead).
func BenchmarkVerifyRead(b *testing.B) { storetest.BenchVerifyRead(b, openTest(b)) }
