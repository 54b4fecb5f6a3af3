package stripe_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"genuine"
	"genuine/payment/stripe"
)

// BenchmarkCreate measures a payment started and asked after through the
// SDK and the fake: the CPU a checkout spends on Stripe beyond the App.
func BenchmarkCreate(b *testing.B) {
	f := stripe.NewFake()
	defer f.Close()
	settings, err := f.Account("")
	if err != nil {
		b.Fatal(err)
	}
	conn := f.Connector()
	as, err := conn.ParseAccount(settings)
	if err != nil {
		b.Fatal(err)
	}
	prov, err := conn.Connect(&genuine.ProviderAccount{Account: as.Account, Settings: as.Settings}, "")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("chk_%d", i)
		pay, err := prov.Create(ctx, genuine.PaymentRequest{
			CheckoutID: id, MerchantID: "m1", Amount: 3500, Currency: "CNY", Description: "checkout " + id,
			ExpiresAt: time.Now().Add(15 * time.Minute), IdempotencyKey: id,
		})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := prov.Query(ctx, pay.Reference); err != nil {
			b.Fatal(err)
		}
	}
}
