package storetest

import (
	"sync"
	"testing"
	"time"

	"genuine/genuine"
)

// countVerification calls CountVerification in an Update of its own.
func countVerification(t *testing.T, s genuine.Store, gtin string, seq int64, at time.Time) (int64, error) {
	var n int64
	err := s.Update(t.Context(), func(tx genuine.Tx) (err error) {
		n, err = tx.CountVerification(t.Context(), gtin, seq, at)
		return err
	})
	return n, err
}

func testCountVerification(t *testing.T, s genuine.Store) {
	w := newWorld(t, s)
	b := w.batch(t, s, gtinA, 1, 10)
	for i, tt := range []struct {
		gtin string
		seq  int64
		want int64
	}{
		{gtinA, b.FirstSeq, 0},
		{gtinA, b.FirstSeq, 1},
		{gtinA, b.FirstSeq + 1, 0},
		{gtinB, b.FirstSeq, 0},
		{gtinA, b.FirstSeq, 2},
	} {
		n, err := countVerification(t, s, tt.gtin, tt.seq, at(i))
		if err != nil {
			t.Fatal(err)
		}
		if n != tt.want {
			t.Errorf("CountVerification(%s, %d) call %d = %d, want %d", tt.gtin, tt.seq, i, n, tt.want)
		}
	}
}

// testCountVerificationConcurrently counts from many Updates at once: each
// count before must come back exactly once.
func testCountVerificationConcurrently(t *testing.T, s genuine.Store) {
	w := newWorld(t, s)
	b := w.batch(t, s, gtinA, 1, 10)
	const goroutines, calls = 8, 25
	var (
		mu   sync.Mutex
		seen = make(map[int64]int)
		wg   sync.WaitGroup
	)
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				n, err := countVerification(t, s, gtinA, b.FirstSeq, at(g*calls+i))
				if err != nil {
					t.Errorf("CountVerification: %v", err)
					return
				}
				mu.Lock()
				seen[n]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for n := range int64(goroutines * calls) {
		if seen[n] != 1 {
			t.Errorf("CountVerification returned %d %d times, want once", n, seen[n])
		}
	}
	n, err := countVerification(t, s, gtinA, b.FirstSeq, at(0))
	if err != nil || n != goroutines*calls {
		t.Errorf("CountVerification after %d calls = %d, %v; want %d", goroutines*calls, n, err, goroutines*calls)
	}
}
