package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"genuine"
)

const checkoutUsage = `Usage:
  genuine checkout --price N [--currency CNY] [--provider simulated] [--idempotency-key K] CODE…
  genuine checkout status [--wait D] CHECKOUT_ID
  genuine checkout cancel CHECKOUT_ID
  genuine checkout refund CHECKOUT_ID [CODE…]

Sells units at a till through the server: every CODE (any form of GS1 data;
"-" reads one from standard input) is authenticated against its brand's
policy; if all pass, the units are reserved and the payment starts, and the
till shows where to pay. Exits 0 when the checkout awaits payment (or, for
status, cancel and refund, when the call succeeded); 1 when it is refused.
refund refunds the units whose CODEs are given, or every unit not refunded
yet. --price, required, is each unit's price in minor units of --currency (3500
is 35.00 CNY; for JPY, 3500 is 3500 JPY). With --wait, status waits up to D
for the checkout to be no longer awaiting payment (paid, failed, expired …).
Needs a merchant key (--key or $GENUINE_KEY).
`

func (m *Main) runCheckout(ctx context.Context, args []string) error {
	fs := m.newFlagSet("checkout", checkoutUsage)
	c := clientFlags(fs)
	price := fs.Int64("price", 0, "price of each unit in minor units of --currency (required)")
	currency := fs.String("currency", "CNY", "ISO 4217 currency")
	provider := fs.String("provider", "simulated", "payment provider")
	key := fs.String("idempotency-key", "", "Idempotency-Key of the request (default: random)")
	asJSON := fs.Bool("json", false, "print the checkout as JSON")
	wait := fs.Duration("wait", 0, "with status: how long to wait for the checkout to be no longer awaiting payment")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	priced := false
	fs.Visit(func(f *flag.Flag) { priced = priced || f.Name == "price" })
	if len(args) == 0 {
		return usagef("checkout needs at least one CODE")
	}
	var chk genuine.Checkout
	switch args[0] {
	case "status", "cancel", "refund":
		if len(args) != 2 && (args[0] != "refund" || len(args) < 2) {
			return usagef("checkout %s needs one CHECKOUT_ID", args[0])
		}
		method, path := "POST", "/v1/checkouts/"+url.PathEscape(args[1])+"/"+args[0]
		if args[0] == "status" {
			method, path = "GET", "/v1/checkouts/"+url.PathEscape(args[1])
		}
		var body any
		if args[0] == "refund" && len(args) > 2 {
			body = genuine.RefundInput{Items: args[2:]}
		}
		if err := c.do(ctx, method, path, body, &chk); err != nil {
			return err
		}
		if args[0] == "status" && *wait > 0 {
			if err := waitCheckout(ctx, c, &chk, *wait); err != nil {
				return err
			}
		}
	default:
		// No merchant has a price list yet, so the till says each price.
		if !priced {
			return usagef("checkout needs --price: each unit's price in minor units of --currency (3500 is 35.00 CNY)")
		}
		in := genuine.CheckoutInput{Currency: *currency, Provider: *provider}
		for _, code := range args {
			if code == "-" {
				if code, err = m.readData([]string{"-"}); err != nil {
					return err
				}
			}
			in.Items = append(in.Items, genuine.CartItem{Code: code, Price: *price})
		}
		if *key == "" {
			var b [12]byte
			rand.Read(b[:])
			*key = "cli-" + hex.EncodeToString(b[:])
		}
		resp, err := c.requestWith(ctx, "POST", "/v1/checkouts", in, map[string]string{"Idempotency-Key": *key})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != 201 && resp.StatusCode != 422 {
			var p problem
			decodeJSON(resp.Body, &p)
			return &apiError{status: resp.StatusCode, code: p.Code, detail: p.Detail}
		}
		if err := decodeJSON(resp.Body, &chk); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(chk)
	} else {
		printCheckout(m, &chk)
	}
	if chk.Status == genuine.CheckoutRefused {
		return &silentError{"refused"}
	}
	return nil
}

func printCheckout(m *Main, c *genuine.Checkout) {
	w := m.Stdout
	fmt.Fprintf(w, "Checkout %s: %s, total %s\n", c.ID, strings.ReplaceAll(string(c.Status), "_", " "), genuine.FormatMoney(c.Total, c.Currency))
	for i, it := range c.Items {
		if it.Decision == nil {
			continue
		}
		refunded := ""
		if it.Refunded {
			refunded = ", refunded"
		}
		fmt.Fprintf(w, "  %d. %s %s at %s (policy %s)%s\n", i+1, it.Decision.Outcome, it.Code, genuine.FormatMoney(it.Price, c.Currency), it.Decision.Policy, refunded)
		for _, r := range it.Decision.Reasons {
			fmt.Fprintf(w, "     %s %s: %s\n", r.Action, r.Code, r.Message)
		}
	}
	if c.Payment != nil {
		fmt.Fprintf(w, "  payment %s at %s: %s, %s; pay at %s (until %s)\n", c.Payment.Reference, c.Payment.Provider,
			c.Payment.Status, genuine.FormatMoney(c.Payment.Amount, c.Payment.Currency), c.Payment.PayURL, c.Payment.ExpiresAt.Format("15:04:05"))
	}
}

// waitCheckout polls the checkout in chk every 100 ms until it is no longer
// awaiting payment or the wait is over, and leaves its last state in chk.
func waitCheckout(ctx context.Context, c *client, chk *genuine.Checkout, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for chk.Status == genuine.CheckoutAwaitingPayment {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		var now genuine.Checkout
		if err := c.do(ctx, "GET", "/v1/checkouts/"+url.PathEscape(chk.ID), nil, &now); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		*chk = now
	}
	return nil
}
