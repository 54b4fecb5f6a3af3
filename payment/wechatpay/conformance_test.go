package wechatpay_test

import (
	"testing"

	"genuine/payment/paytest"
	"genuine/payment/wechatpay"
)

// TestConformance tells paytest's story through an App and its server,
// the SDK talking to the fake.
func TestConformance(t *testing.T) {
	f := wechatpay.NewFake()
	defer f.Close()
	paytest.Run(t, f)
}
