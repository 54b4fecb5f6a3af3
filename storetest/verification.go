package storetest

import (
	"sync"
	"testing"
	"time"

	"genuine"
)

// addVerifications calls AddVerifications in an Update of its own.
func addVerifications(t *testing.T, s genuine.Store, counts ...genuine.VerificationCount) error {
	return s.Update(t.Context(), func(tx genuine.Tx) error {
		return tx.AddVerifications(t.Context(), counts)
	})
}

// verifications reads a unit's stored verifications in a View of its own.
func verifications(t *testing.T, s genuine.Store, gtin string, seq int64) (int64, time.Time) {
	t.Helper()
	var n int64
	var last time.Time
	view(t, s, func(tx genuine.Tx) (err error) {
		n, last, err = tx.Verifications(t.Context(), gtin, seq)
		return err
	})
	return n, last
}

// verificationsOf is what Verifications returns, to compare with same.
type verificationsOf struct {
	N    int64
	Last time.Time
}

func testAddVerifications(t *testing.T, s genuine.Store) {
	w := newWorld(t, s)
	b := w.batch(t, s, gtinA, 1, 10)
	seq := b.FirstSeq
	if n, last := verifications(t, s, gtinA, seq); n != 0 || !last.IsZero() {
		t.Errorf("Verifications of a unit never verified = %d, %v; want 0 and the zero time", n, last)
	}
	if err := addVerifications(t, s); err != nil {
		t.Errorf("AddVerifications of no units: %v", err)
	}

	// Units in no particular order: each Total is its own unit's.
	first := []genuine.VerificationCount{
		{GTIN: gtinB, Seq: seq, N: 4, LastAt: at(1)},
		{GTIN: gtinA, Seq: seq + 1, N: 1, LastAt: at(3)},
		{GTIN: gtinA, Seq: seq, N: 2, LastAt: at(5)},
	}
	if err := addVerifications(t, s, first...); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{4, 1, 2} {
		if first[i].Total != want {
			t.Errorf("AddVerifications: unit %d of %s has Total %d, want %d", first[i].Seq, first[i].GTIN, first[i].Total, want)
		}
	}

	// Counts add up; the last time is the latest, even when a count made
	// earlier is stored later (by a server whose flush came second).
	for _, tt := range []struct {
		add  genuine.VerificationCount
		want verificationsOf
	}{
		{genuine.VerificationCount{GTIN: gtinA, Seq: seq, N: 3, LastAt: at(2)}, verificationsOf{5, at(5)}},
		{genuine.VerificationCount{GTIN: gtinA, Seq: seq, N: 1, LastAt: at(9)}, verificationsOf{6, at(9)}},
	} {
		c := []genuine.VerificationCount{tt.add}
		if err := addVerifications(t, s, c...); err != nil {
			t.Fatal(err)
		}
		if c[0].Total != tt.want.N {
			t.Errorf("AddVerifications(%d at %v): Total %d, want %d", tt.add.N, tt.add.LastAt, c[0].Total, tt.want.N)
		}
		n, last := verifications(t, s, gtinA, seq)
		same(t, "Verifications", &verificationsOf{n, last}, &tt.want)
	}

	// Other units, and the same sequence number of another product, are apart.
	n, last := verifications(t, s, gtinA, seq+1)
	same(t, "Verifications of another unit", &verificationsOf{n, last}, &verificationsOf{1, at(3)})
	n, last = verifications(t, s, gtinB, seq)
	same(t, "Verifications of another product's unit", &verificationsOf{n, last}, &verificationsOf{4, at(1)})
}

// testAddVerificationsUnknownProduct checks that counts for a product that
// does not exist are refused with ENotFound, and with them the whole
// Update.
func testAddVerificationsUnknownProduct(t *testing.T, s genuine.Store) {
	w := newWorld(t, s)
	b := w.batch(t, s, gtinA, 1, 10)
	const missing = "00000000000017"
	err := addVerifications(t, s,
		genuine.VerificationCount{GTIN: missing, Seq: 0, N: 1, LastAt: at(1)},
		genuine.VerificationCount{GTIN: gtinA, Seq: b.FirstSeq, N: 1, LastAt: at(1)})
	wantCode(t, "AddVerifications of an unknown product", err, genuine.ENotFound)
	if n, _ := verifications(t, s, gtinA, b.FirstSeq); n != 0 {
		t.Errorf("a failed Update stored %d verifications, want none", n)
	}
}

// testAddVerificationsConcurrently adds from many Updates at once, as the
// servers on one database do: no count is lost, and each Total comes back
// exactly once.
func testAddVerificationsConcurrently(t *testing.T, s genuine.Store) {
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
				// Each call counts two units, in the order the App
				// sends them: one shared by all, one of the goroutine's.
				c := []genuine.VerificationCount{
					{GTIN: gtinA, Seq: b.FirstSeq, N: 1, LastAt: at(g*calls + i)},
					{GTIN: gtinB, Seq: int64(g), N: 2, LastAt: at(i)},
				}
				if err := addVerifications(t, s, c...); err != nil {
					t.Errorf("AddVerifications: %v", err)
					return
				}
				mu.Lock()
				seen[c[0].Total]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for n := range int64(goroutines * calls) {
		if seen[n+1] != 1 {
			t.Errorf("AddVerifications returned Total %d %d times, want once", n+1, seen[n+1])
		}
	}
	n, last := verifications(t, s, gtinA, b.FirstSeq)
	same(t, "Verifications after concurrent Updates", &verificationsOf{n, last}, &verificationsOf{goroutines * calls, at(goroutines*calls - 1)})
	for g := range int64(goroutines) {
		if n, _ := verifications(t, s, gtinB, g); n != 2*calls {
			t.Errorf("Verifications of unit %d of %s = %d, want %d", g, gtinB, n, 2*calls)
		}
	}
}

// testVerificationClients: Scan counts the distinct clients that verified
// a unit, each stored once whichever flush or server sends it again, and
// each verification from no known client as a client of its own;
// Verifications still counts every verification.
func testVerificationClients(t *testing.T, s genuine.Store) {
	w := newWorld(t, s)
	b := w.batch(t, s, gtinA, 1, 10)
	seq := b.FirstSeq
	x, y, z := genuine.ClientHash{1}, genuine.ClientHash{2}, genuine.ClientHash{3}
	check := func(what string, gtin string, seq, clients, count int64) {
		t.Helper()
		if n, _ := scan(t, s, gtin, seq); n != clients {
			t.Errorf("%s: Scan counts %d clients, want %d", what, n, clients)
		}
		if n, _ := verifications(t, s, gtin, seq); n != count {
			t.Errorf("%s: %d verifications, want %d", what, n, count)
		}
	}
	if err := addVerifications(t, s, genuine.VerificationCount{GTIN: gtinA, Seq: seq, N: 5, LastAt: at(1), Clients: []genuine.ClientHash{x}}); err != nil {
		t.Fatal(err)
	}
	check("one client's 5 verifications", gtinA, seq, 1, 5)
	err := addVerifications(t, s,
		genuine.VerificationCount{GTIN: gtinA, Seq: seq, N: 4, LastAt: at(2), Clients: []genuine.ClientHash{x, y, z}, Anonymous: 1},
		genuine.VerificationCount{GTIN: gtinA, Seq: seq + 1, N: 1, LastAt: at(2), Clients: []genuine.ClientHash{x}},
	)
	if err != nil {
		t.Fatal(err)
	}
	check("a known client again, two new ones and an unknown one", gtinA, seq, 4, 9)
	check("another unit of the same client", gtinA, seq+1, 1, 1)
	check("a unit of another product", gtinB, seq, 0, 0)
	if err := addVerifications(t, s, genuine.VerificationCount{GTIN: gtinA, Seq: seq, N: 2, LastAt: at(3), Clients: []genuine.ClientHash{z, y}}); err != nil {
		t.Fatal(err)
	}
	check("known clients only", gtinA, seq, 4, 11)

	// A count refused (its product is unknown) stores none of its clients.
	err = addVerifications(t, s,
		genuine.VerificationCount{GTIN: gtinA, Seq: seq + 2, N: 1, LastAt: at(4), Clients: []genuine.ClientHash{x}},
		genuine.VerificationCount{GTIN: "09520123456801", Seq: seq, N: 1, LastAt: at(4), Clients: []genuine.ClientHash{x}},
	)
	wantCode(t, "AddVerifications of an unknown product", err, genuine.ENotFound)
	check("a unit whose count was refused", gtinA, seq+2, 0, 0)
}
