package genuine_test

import (
	"context"
	"sync/atomic"
	"testing"

	"genuine"
	"genuine/gs1"
)

// BenchmarkVerifyForged measures the refusal of a forged serial: parse the
// code, verify the tag, no store call.
func BenchmarkVerifyForged(b *testing.B) {
	w := newWorld(b)
	code := w.codes(b, w.batch(b, 1))[0]
	w.verify(b, code)
	m, _ := gs1.ParseDigitalLink(code)
	s := []byte(m.Serial())
	s[10] = "01"[map[bool]int{true: 1}[s[10] == '0']] // another digit of the alphabet
	forged := "https://genuine.test/01/" + w.gtin + "/21/" + string(s)
	b.ReportAllocs()
	for b.Loop() {
		v, err := w.app.Verify(context.Background(), forged)
		if err != nil || v.Authentic {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkSignerVerify measures the tag check alone.
func BenchmarkSignerVerify(b *testing.B) {
	s := genuine.NewSigner(0, make([]byte, 32))
	serial := s.Serial("09520123456788", 12345)
	b.ReportAllocs()
	for b.Loop() {
		d, ok := genuine.DecodeSerial(serial)
		if !ok || !s.Verify("09520123456788", d) {
			b.Fatal("not verified")
		}
	}
}

// BenchmarkVerifyAuthentic measures a public verification of an authentic
// code through the store: one read-only transaction; the count is stored
// in batches.
func BenchmarkVerifyAuthentic(b *testing.B) {
	w := newWorld(b)
	code := w.codes(b, w.batch(b, 1))[0]
	ctx := b.Context() // canceled at the end, as a request's is
	b.ReportAllocs()
	for b.Loop() {
		if v, err := w.app.Verify(ctx, code); err != nil || !v.Authentic {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkMint10M measures creating a batch of ten million units.
func BenchmarkMint10M(b *testing.B) {
	w := newWorld(b)
	in := genuine.BatchInput{GTIN: w.gtin, Lot: "L", Expiry: genuine.NewDate(2028, 1, 1), Quantity: 10_000_000}
	for b.Loop() {
		if _, err := w.app.CreateBatch(context.Background(), w.brand, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExportNDJSON measures exporting a million codes as JSON lines.
func BenchmarkExportNDJSON(b *testing.B) {
	w := newWorld(b)
	batch := w.batch(b, 1_000_000)
	buf := make([]byte, 0, 256)
	b.ResetTimer()
	for b.Loop() {
		err := w.app.WriteCodes(context.Background(), w.brand, batch.ID, func(_ int64, serial, code []byte) error {
			buf = append(buf[:0], `{"serial":"`...)
			buf = append(buf, serial...)
			buf = append(buf, `","code":"`...)
			buf = append(buf, code...)
			buf = append(buf, "\"}\n"...)
			return nil
		}, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(batch.Quantity)*float64(b.N)/b.Elapsed().Seconds(), "codes/s")
}

// releasedCodes mints a batch of a million units, releases it, and returns
// the codes of its first n units.
func releasedCodes(b *testing.B, w *world, n int) []string {
	ctx := context.Background()
	batch := w.batch(b, 1_000_000)
	if _, err := w.app.RecordBatchEvent(ctx, w.brand, batch.ID, genuine.BatchEventInput{Type: "release"}); err != nil {
		b.Fatal(err)
	}
	codes := make([]string, 0, n)
	w.app.WriteCodes(ctx, w.brand, batch.ID, func(_ int64, _, code []byte) error {
		codes = append(codes, string(code))
		if len(codes) == n {
			return context.Canceled
		}
		return nil
	}, nil)
	return codes
}

// BenchmarkCheckout measures a one-unit checkout through the App: identify,
// evaluate the policy, reserve durably, start the simulated payment.
func BenchmarkCheckout(b *testing.B) {
	w := newWorld(b)
	ctx := context.Background()
	codes := releasedCodes(b, w, 50_000)
	i := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if i == len(codes) {
			b.Fatal("out of codes")
		}
		c, err := w.app.Checkout(ctx, w.merchant, "bench-"+codes[i], cart(100, codes[i]))
		if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
			b.Fatal(c, err)
		}
		i++
	}
}

// BenchmarkCheckoutParallel measures one-unit checkouts from 16 goroutines
// per CPU, as tills at many shops make them: the App and store's own
// throughput, without HTTP.
func BenchmarkCheckoutParallel(b *testing.B) {
	w := newWorld(b)
	ctx := context.Background()
	codes := releasedCodes(b, w, 200_000)
	var next atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if i >= int64(len(codes)) {
				b.Error("out of codes")
				return
			}
			c, err := w.app.Checkout(ctx, w.merchant, "bench-"+codes[i], cart(100, codes[i]))
			if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
				b.Error(c, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checkouts/s")
}
