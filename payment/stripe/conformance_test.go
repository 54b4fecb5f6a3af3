package stripe_test

import (
	"testing"

	"genuine/payment/paytest"
	"genuine/payment/stripe"
)

func TestConformance(t *testing.T) {
	f := stripe.NewFake()
	t.Cleanup(f.Close)
	paytest.Run(t, f)
}
