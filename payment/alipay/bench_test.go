package alipay_test

import (
	"context"
	"testing"
)

// BenchmarkCreate precreates payments through the SDK and the fake: an
// RSA2 signature each way and their verifications, and the fake's work.
func BenchmarkCreate(b *testing.B) {
	f := newFake(b)
	m := newMerchant(b, f)
	ctx := context.Background()
	for b.Loop() {
		if _, err := m.prov.Create(ctx, request(3500)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPay pays payments at the fake: its notification signed, sent,
// verified by the Provider and answered.
func BenchmarkPay(b *testing.B) {
	f := newFake(b)
	m := newMerchant(b, f)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		pay, err := m.prov.Create(ctx, request(3500))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := f.Pay(ctx, pay.Reference); err != nil {
			b.Fatal(err)
		}
	}
}
