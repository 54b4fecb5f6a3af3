package alipay_test

import (
	"testing"

	"genuine/payment/alipay"
	"genuine/payment/paytest"
)

var _ paytest.Fake = (*alipay.Fake)(nil)

// TestConformance tells paytest's story of payments through an App and
// its HTTP server, the SDK talking to the fake.
func TestConformance(t *testing.T) {
	paytest.Run(t, newFake(t))
}
