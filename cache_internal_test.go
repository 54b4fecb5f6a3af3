package genuine

import (
	"testing"
	"time"
)

func TestCache(t *testing.T) {
	at := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	c := newCache[string, int](2, time.Second)
	if _, ok := c.get("a", at); ok {
		t.Fatal("empty cache gave a value")
	}
	c.put("a", 1, at)
	if v, ok := c.get("a", at.Add(999*time.Millisecond)); !ok || v != 1 {
		t.Errorf("within the ttl: %d, %v; want 1", v, ok)
	}
	if _, ok := c.get("a", at.Add(time.Second)); ok {
		t.Error("a value as old as the ttl was given")
	}
	c.put("b", 2, at)
	c.put("c", 3, at) // full: starts again
	if _, ok := c.get("a", at); ok {
		t.Error("a full cache kept its old values")
	}
	if v, ok := c.get("c", at); !ok || v != 3 {
		t.Errorf("value put into a full cache: %d, %v", v, ok)
	}
	c.clear()
	if _, ok := c.get("c", at); ok {
		t.Error("a cleared cache gave a value")
	}

	forever := newCache[string, int](8, 0)
	forever.put("a", 1, at)
	if _, ok := forever.get("a", at.Add(1000*time.Hour)); !ok {
		t.Error("without a ttl, a value expired")
	}
}

// cacheBatch keeps the batch just read in place of the one kept before,
// and at most batchesPerProduct of a product's batches.
func TestCacheBatch(t *testing.T) {
	a := NewApp(nil, Config{})
	defer a.Close()
	for i := range batchesPerProduct + 4 {
		a.cacheBatch(&Batch{ID: "bat" + string(rune('a'+i)), GTIN: "09520123456788", FirstSeq: int64(i * 10), Quantity: 10})
	}
	bs, _ := a.batches.get("09520123456788", time.Now())
	if len(bs) != batchesPerProduct {
		t.Fatalf("%d batches kept, want %d", len(bs), batchesPerProduct)
	}
	recalled := &Batch{ID: bs[3].ID, GTIN: bs[3].GTIN, FirstSeq: bs[3].FirstSeq, Quantity: 10, Disposition: Recalled}
	a.cacheBatch(recalled)
	bs, _ = a.batches.get("09520123456788", time.Now())
	n := 0
	for _, b := range bs {
		if b.ID == recalled.ID {
			n++
			if b.Disposition != Recalled {
				t.Errorf("the batch read last is not the one kept")
			}
		}
	}
	if n != 1 {
		t.Errorf("batch kept %d times, want once", n)
	}
}
