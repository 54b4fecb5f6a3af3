package storetest

import (
	"testing"

	"genuine"
)

// scan reads a unit's verifications and last located scan in a View of its
// own.
func scan(t *testing.T, s genuine.Store, gtin string, seq int64) (int64, *genuine.ScanPoint) {
	t.Helper()
	var n int64
	var p *genuine.ScanPoint
	view(t, s, func(tx genuine.Tx) (err error) {
		n, p, err = tx.Scan(t.Context(), gtin, seq)
		return err
	})
	return n, p
}

// recordScan records a located scan in an Update of its own.
func recordScan(t *testing.T, s genuine.Store, gtin string, seq int64, p genuine.ScanPoint) {
	t.Helper()
	update(t, s, func(tx genuine.Tx) error { return tx.RecordScan(t.Context(), gtin, seq, p) })
}

func testScan(t *testing.T, s genuine.Store) {
	w := newWorld(t, s)
	b := w.batch(t, s, gtinA, 1, 10)
	seq := b.FirstSeq
	if n, p := scan(t, s, gtinA, seq); n != 0 || p != nil {
		t.Errorf("Scan of a unit never scanned = %d, %+v; want 0, nil", n, p)
	}

	// Verifications by three clients count without a located scan.
	for i := range 3 {
		vc := genuine.VerificationCount{GTIN: gtinA, Seq: seq, N: 1, LastAt: at(i), Clients: []genuine.ClientHash{{byte(i)}}}
		if err := addVerifications(t, s, vc); err != nil {
			t.Fatal(err)
		}
	}
	if n, p := scan(t, s, gtinA, seq); n != 3 || p != nil {
		t.Errorf("Scan after verifications by 3 clients = %d, %+v; want 3, nil", n, p)
	}

	// A located scan without verifications, at zero coordinates.
	zero := genuine.ScanPoint{Lat: 0, Lon: 0, At: at(1)}
	recordScan(t, s, gtinA, seq+1, zero)
	n, p := scan(t, s, gtinA, seq+1)
	if n != 0 {
		t.Errorf("Scan of a unit scanned but never verified counts %d, want 0", n)
	}
	same(t, "Scan at zero coordinates", p, &zero)

	shenzhen := genuine.ScanPoint{Lat: 22.543096, Lon: 114.057865, At: at(10)}
	paris := genuine.ScanPoint{Lat: 48.856613, Lon: 2.352222, At: at(20)}
	recordScan(t, s, gtinA, seq, shenzhen)
	n, p = scan(t, s, gtinA, seq)
	if n != 3 {
		t.Errorf("Scan after a located scan counts %d, want 3", n)
	}
	same(t, "Scan", p, &shenzhen)
	recordScan(t, s, gtinA, seq, paris)
	_, p = scan(t, s, gtinA, seq)
	same(t, "Scan after a later scan", p, &paris)
	// The last scan is the latest: one recorded late with an earlier time
	// does not replace it.
	recordScan(t, s, gtinA, seq, genuine.ScanPoint{Lat: 1, Lon: 1, At: at(15)})
	_, p = scan(t, s, gtinA, seq)
	same(t, "Scan after an earlier scan recorded late", p, &paris)

	// Other units, and the same sequence number of another product, are apart.
	if n, p := scan(t, s, gtinB, seq); n != 0 || p != nil {
		t.Errorf("Scan of another product's unit = %d, %+v; want 0, nil", n, p)
	}
	_, p = scan(t, s, gtinA, seq+1)
	same(t, "Scan of another unit", p, &zero)
}
