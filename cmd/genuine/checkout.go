package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"genuine"
)

const checkoutUsage = `Usage:
  genuine checkout [--price N] [--currency CNY] [--provider simulated] [--idempotency-key K] CODE…
  genuine checkout status|cancel|refund CHECKOUT_ID

Sells units at a till through the server: every CODE (any form of GS1 data;
"-" reads one from standard input) is authenticated against its brand's
policy; if all pass, the units are reserved and the payment starts, and the
till shows where to pay. Exits 0 when the checkout awaits payment (or, for
status, cancel and refund, when the call succeeded); 1 when it is refused.
--price is each unit's price in minor units (3500 = 35.00). Needs a merchant
key (--key or $GENUINE_KEY).
`

func (m *Main) runCheckout(ctx context.Context, args []string) error {
	fs := m.newFlagSet("checkout", checkoutUsage)
	c := clientFlags(fs)
	price := fs.Int64("price", 0, "price of each unit in minor units")
	currency := fs.String("currency", "CNY", "ISO 4217 currency")
	provider := fs.String("provider", "simulated", "payment provider")
	key := fs.String("idempotency-key", "", "Idempotency-Key of the request (default: random)")
	asJSON := fs.Bool("json", false, "print the checkout as JSON")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usagef("checkout needs at least one CODE")
	}
	var chk genuine.Checkout
	switch args[0] {
	case "status", "cancel", "refund":
		if len(args) != 2 {
			return usagef("checkout %s needs one CHECKOUT_ID", args[0])
		}
		method, path := "POST", "/v1/checkouts/"+url.PathEscape(args[1])+"/"+args[0]
		if args[0] == "status" {
			method, path = "GET", "/v1/checkouts/"+url.PathEscape(args[1])
		}
		if err := c.do(ctx, method, path, nil, &chk); err != nil {
			return err
		}
	default:
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
	fmt.Fprintf(w, "Checkout %s: %s\n", c.ID, strings.ReplaceAll(string(c.Status), "_", " "))
	for i, it := range c.Items {
		if it.Decision == nil {
			continue
		}
		fmt.Fprintf(w, "  %d. %s %s (policy %s)\n", i+1, it.Decision.Outcome, it.Code, it.Decision.Policy)
		for _, r := range it.Decision.Reasons {
			fmt.Fprintf(w, "     %s %s: %s\n", r.Action, r.Code, r.Message)
		}
	}
	if c.Payment != nil {
		fmt.Fprintf(w, "  payment %s at %s: %s, %d %s; pay at %s (until %s)\n", c.Payment.Reference, c.Payment.Provider,
			c.Payment.Status, c.Payment.Amount, c.Payment.Currency, c.Payment.PayURL, c.Payment.ExpiresAt.Format("15:04:05"))
	}
}
