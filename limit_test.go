package genuine_test

import (
	"context"
	"fmt"
	"testing"

	"genuine"
)

func TestBatchQuantityLimit(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	in := genuine.BatchInput{GTIN: w.gtin, Lot: "L1", Expiry: genuine.NewDate(2027, 1, 1), Regions: []string{"CN"}}
	in.Quantity = 100_000_001 // one more than the default limit
	if _, err := w.app.CreateBatch(ctx, w.brand, in); genuine.ErrorCode(err) != genuine.ETooLarge {
		t.Errorf("a batch of %d: %v, want too_large", in.Quantity, err)
	}
	in.Quantity = 100_000_000
	if _, err := w.app.CreateBatch(ctx, w.brand, in); err != nil {
		t.Errorf("a batch of %d: %v", in.Quantity, err)
	}
	if bs, err := w.app.Batches(ctx, w.brand); err != nil || len(bs) != 1 {
		t.Errorf("%d batches, %v; want the one within the limit", len(bs), err)
	}
}

func TestRangeEventLimit(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	b := w.batch(t, 200_000)
	from, to := b.FirstSeq, b.FirstSeq+100_000 // 100,001 units: one beyond the default limit
	_, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "lock", From: &from, To: &to})
	if genuine.ErrorCode(err) != genuine.ETooLarge {
		t.Fatalf("a range event of 100,001 units: %v, want too_large", err)
	}
	if es, err := w.app.Events(ctx, w.brand, b.ID, 0); err != nil || len(es) != 1 {
		t.Errorf("%d events, %v; want the commission alone", len(es), err)
	}
}

func TestRegistrationLimit(t *testing.T) {
	w := registeredWorld(t)
	ctx := context.Background()
	b := w.batch(t, 20_000)
	serials := make([]string, 10_001) // one beyond the default limit
	for i := range serials {
		serials[i] = fmt.Sprintf("R-%d", i)
	}
	if _, err := w.app.RegisterSerials(ctx, w.brand, b.ID, serials); genuine.ErrorCode(err) != genuine.ETooLarge {
		t.Errorf("registering %d serials: %v, want too_large", len(serials), err)
	}
	if _, err := w.app.RegisterSerials(ctx, w.brand, b.ID, serials[:10_000]); err != nil {
		t.Errorf("registering 10,000 serials: %v", err)
	}
}

// TestExportLimit holds two exports of one brand open: a third is refused
// with rate_limited, another brand's goes on, and once one ends the brand
// may export again.
func TestExportLimit(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	b := w.batch(t, 10)
	started, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 2)
	for range 2 {
		go func() {
			first := true
			held <- w.app.WriteCodes(ctx, w.brand, b.ID, func(int64, []byte, []byte) error {
				if first {
					first = false
					started <- struct{}{}
					<-release
				}
				return nil
			}, nil)
		}()
	}
	<-started
	<-started
	none := func(int64, []byte, []byte) error { return nil }
	err := w.app.WriteCodes(ctx, w.brand, b.ID, none, nil)
	if genuine.ErrorCode(err) != genuine.ERateLimited {
		t.Errorf("a third export at once: %v, want rate_limited", err)
	}
	other, _ := w.newBrand(t, "Other")
	otherGTIN := "09520123456801"
	if err := w.app.CreateProduct(ctx, other, &genuine.Product{GTIN: otherGTIN, Name: "Other"}); err != nil {
		t.Fatal(err)
	}
	ob, err := w.app.CreateBatch(ctx, other, genuine.BatchInput{GTIN: otherGTIN, Lot: "O", Expiry: genuine.NewDate(2027, 1, 1), Quantity: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.app.WriteCodes(ctx, other, ob.ID, none, nil); err != nil {
		t.Errorf("another brand's export while the first brand's are held: %v", err)
	}
	close(release)
	for range 2 {
		if err := <-held; err != nil {
			t.Errorf("held export: %v", err)
		}
	}
	if err := w.app.WriteCodes(ctx, w.brand, b.ID, none, nil); err != nil {
		t.Errorf("an export after the others ended: %v", err)
	}
}
