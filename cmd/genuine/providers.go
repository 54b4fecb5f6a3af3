package main

import (
	"fmt"

	"genuine"
	"genuine/payment"
)

// realProviders names the payment providers paid to merchants' own
// accounts, in the order genuine lists them.
var realProviders = []string{"stripe", "alipay", "wechatpay"}

// realConnectors returns the Connectors serve runs: each real provider,
// talking to the real service.
func realConnectors() []genuine.Connector {
	return nil
}

// newFake starts the local fake of a real provider, in this process, for
// demo and bench.
func newFake(name string) (payment.Fake, error) {
	return nil, fmt.Errorf("no local fake of %q", name)
}
