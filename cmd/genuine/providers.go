package main

import (
	"fmt"

	"genuine"
	"genuine/payment"
	"genuine/payment/alipay"
	"genuine/payment/stripe"
	"genuine/payment/wechatpay"
)

// realProviders names the payment providers paid to merchants' own
// accounts, in the order genuine lists them.
var realProviders = []string{"stripe", "alipay", "wechatpay"}

// realConnectors returns the Connectors serve runs: each real provider,
// talking to the real service.
func realConnectors() []genuine.Connector {
	return []genuine.Connector{
		stripe.New(stripe.Config{}),
		alipay.New(alipay.Config{}),
		wechatpay.New(wechatpay.Config{}),
	}
}

// newFake starts the local fake of a real provider, in this process, for
// demo and bench.
func newFake(name string) (payment.Fake, error) {
	switch name {
	case "stripe":
		return stripe.NewFake(), nil
	case "alipay":
		return alipay.NewFake(), nil
	case "wechatpay":
		return wechatpay.NewFake(), nil
	}
	return nil, fmt.Errorf("no local fake of %q", name)
}
