package stripe_test

import (
	"testing"

	"genuine/payment/paytest"
	"genuine/payment/stripe"
)

// The fake is what paytest runs.
var _ paytest.Fake = (*stripe.Fake)(nil)

func TestConformance(t *testing.T) {
	f := stripe.NewFake()
	t.Cleanup(f.Close)
	paytest.Run(t, f)
}
