package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"genuine"
	"genuine/metrics"
	"genuine/payment"
)

const demoUsage = `Usage:
  genuine demo [--provider simulated|stripe|alipay|wechatpay] [--keep]

Tells genuine's story on a fresh embedded store through the real HTTP
server: a brand mints a batch and releases it to CN-GD; a shop in CN-GD-SZ
sells a unit; the same unit is refused again (already sold), at a shop in
CN-BJ (outside its region), as a forged serial, and once its batch is
recalled; an unpaid checkout is released when its deadline passes; a refund
puts a unit back on sale; a consumer checks the journey; the brand reads its
alerts and the operator the server's metrics. It says what happened and
why, and exits 0 only when every step behaved.

The payments go through the simulated provider, or with --provider through
Stripe, Alipay or WeChat Pay: the provider's real SDK against its local fake,
started in this process, which keeps the payments, signs as the service does
and sends its notifications. The shops first connect their test accounts
there; the buyer's paying is the fake's.
`

// demo is the state of the story as it is told.
type demo struct {
	m      *Main
	admin  *client
	failed int
	// provider is the one the checkouts name, and fake its local fake (nil
	// for the simulated provider).
	provider string
	fake     payment.Fake
	// status is the HTTP status of the last checkout's answer.
	status int
}

func (m *Main) runDemo(ctx context.Context, args []string) error {
	fs := m.newFlagSet("demo", demoUsage)
	keep := fs.Bool("keep", false, "keep the store file afterwards and print its path")
	provider := fs.String("provider", "simulated", "the payment provider: simulated, "+strings.Join(realProviders, ", "))
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usagef("demo takes no arguments")
	}
	d := &demo{m: m, provider: *provider}
	var connectors []genuine.Connector
	if *provider != "simulated" {
		if !slices.Contains(realProviders, *provider) {
			return usagef("unknown provider %q; the providers are simulated, %s", *provider, strings.Join(realProviders, ", "))
		}
		if d.fake, err = newFake(*provider); err != nil {
			return err
		}
		defer d.fake.Close()
		connectors = []genuine.Connector{d.fake.Connector()}
	}
	dir, err := os.MkdirTemp("", "genuine-demo-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := openService(ctx, serviceConfig{
		db: filepath.Join(dir, "genuine.db"), addr: "127.0.0.1:0", reservationTTL: 2 * time.Second, logger: quiet,
		metrics: metrics.New(), connectors: connectors,
	})
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- svc.run(sctx, 300*time.Millisecond) }()
	d.admin = &client{server: svc.baseURL, key: svc.adminKey, http: http.DefaultClient}
	fmt.Fprintf(m.Stdout, "genuine demo: a fresh store, served at %s; payments through %s\n\n", svc.baseURL, d.providerName())
	err = d.story(ctx)
	stop()
	if serr := <-served; err == nil {
		err = serr
	}
	if *keep {
		fmt.Fprintf(m.Stdout, "\nThe store is kept at %s\n", filepath.Join(dir, "genuine.db"))
	}
	if err != nil {
		return err
	}
	if d.failed > 0 {
		return fmt.Errorf("%d steps of the demo did not behave", d.failed)
	}
	fmt.Fprintln(m.Stdout, "\nEvery step behaved.")
	return nil
}

// say narrates; check narrates a step's outcome and counts a failure.
func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.m.Stdout, format+"\n", args...) }

func (d *demo) check(ok bool, format string, args ...any) {
	mark := "  ✓ "
	if !ok {
		mark = "  ✗ "
		d.failed++
	}
	fmt.Fprintf(d.m.Stdout, mark+format+"\n", args...)
}

// as returns a client for the same server with another key.
func (d *demo) as(key string) *client {
	return &client{server: d.admin.server, key: key, http: d.admin.http}
}

func (d *demo) story(ctx context.Context) error {
	// The cast.
	var brand, sz, bj struct{ ID string }
	var brandKey, szKey, bjKey struct{ Key string }
	steps := []struct {
		c         *client
		path      string
		body, out any
	}{
		{d.admin, "/v1/brands", map[string]any{"name": "Acme Pharma"}, &brand},
		{d.admin, "/v1/merchants", map[string]any{"name": "Shenzhen Pharmacy", "region": "CN-GD-SZ", "lat": 22.54, "lon": 114.06}, &sz},
		{d.admin, "/v1/merchants", map[string]any{"name": "Beijing Pharmacy", "region": "CN-BJ", "lat": 39.90, "lon": 116.40}, &bj},
	}
	for _, s := range steps {
		if err := s.c.do(ctx, "POST", s.path, s.body, s.out); err != nil {
			return err
		}
	}
	for _, k := range []struct {
		body any
		out  any
	}{
		{map[string]any{"role": "brand", "brand_id": brand.ID}, &brandKey},
		{map[string]any{"role": "merchant", "merchant_id": sz.ID}, &szKey},
		{map[string]any{"role": "merchant", "merchant_id": bj.ID}, &bjKey},
	} {
		if err := d.admin.do(ctx, "POST", "/v1/keys", k.body, k.out); err != nil {
			return err
		}
	}
	acme, shenzhen, beijing := d.as(brandKey.Key), d.as(szKey.Key), d.as(bjKey.Key)
	if d.fake != nil {
		d.say("0. The shops connect their %s accounts (test mode) to genuine.", d.providerName())
		for _, shop := range []struct {
			c  *client
			id string
		}{{shenzhen, sz.ID}, {beijing, bj.ID}} {
			if err := d.connect(ctx, shop.c, shop.id); err != nil {
				return err
			}
		}
		d.say("")
	}
	d.say("1. Acme Pharma mints a batch of 100 packs of Acme Tonic and releases it to Guangdong (CN-GD).")
	if err := acme.do(ctx, "POST", "/v1/products", map[string]any{"gtin": "09520123456788", "name": "Acme Tonic"}, nil); err != nil {
		return err
	}
	var batch genuine.Batch
	err := acme.do(ctx, "POST", "/v1/batches", genuine.BatchInput{
		GTIN: "09520123456788", Lot: "LOT-2027A", Expiry: genuine.NewDate(2027, 12, 31), Quantity: 100, Regions: []string{"CN-GD"},
	}, &batch)
	if err != nil {
		return err
	}
	codes, err := d.codes(ctx, acme, batch.ID)
	if err != nil {
		return err
	}
	d.check(len(codes) == 100, "batch %s minted: %d codes, one row in the store; the first is %s", batch.ID, len(codes), codes[0])
	if err := acme.do(ctx, "POST", "/v1/batches/"+batch.ID+"/events", map[string]any{"type": "release"}, nil); err != nil {
		return err
	}
	d.check(true, "released to CN-GD")

	d.say("\n2. A shop in Shenzhen (CN-GD-SZ) sells pack 1 for %s: it passes, is paid, and is sold.", genuine.FormatMoney(demoPrice, demoCurrency))
	chk := d.checkout(ctx, shenzhen, "sale-1", codes[0])
	d.check(chk.Status == genuine.CheckoutAwaitingPayment && chk.Payment != nil, "checkout %s: every rule passed; the till shows %s", chk.ID, payURL(chk))
	if chk.Payment != nil {
		d.pay(ctx, chk)
		chk = d.waitStatus(ctx, shenzhen, chk.ID, genuine.CheckoutPaid)
		d.check(chk.Status == genuine.CheckoutPaid, "the buyer paid %s; the provider's signed notification marked the checkout %s and the pack sold",
			genuine.FormatMoney(chk.Total, chk.Currency), chk.Status)
	}

	d.say("\n3. The same pack is scanned again at the same shop.")
	again := d.checkout(ctx, shenzhen, "sale-2", codes[0])
	d.refused(again, "already_sold")

	d.say("\n4. Pack 2 is offered in Beijing (CN-BJ), outside the batch's region.")
	d.refused(d.checkout(ctx, beijing, "bj-1", codes[1]), "outside_region")

	d.say("\n5. A forged code: pack 3's serial with one character changed.")
	d.refused(d.checkout(ctx, shenzhen, "forged-1", forge(codes[2])), "counterfeit_suspected")

	d.say("\n6. A checkout for pack 4 is never paid: the reconciler releases it when its deadline passes.")
	unpaid := d.checkout(ctx, shenzhen, "unpaid-1", codes[3])
	d.check(unpaid.Status == genuine.CheckoutAwaitingPayment, "pack 4 reserved by %s until %s", unpaid.ID, unpaid.Deadline.Format(time.TimeOnly))
	expired := d.waitStatus(ctx, shenzhen, unpaid.ID, genuine.CheckoutExpired)
	d.check(expired.Status == genuine.CheckoutExpired, "after the deadline the checkout is %s and pack 4 is back on sale", expired.Status)
	resold := d.checkout(ctx, shenzhen, "unpaid-2", codes[3])
	d.check(resold.Status == genuine.CheckoutAwaitingPayment, "pack 4 can be sold again (checkout %s)", resold.ID)
	if resold.Status == genuine.CheckoutAwaitingPayment {
		shenzhen.do(ctx, "POST", "/v1/checkouts/"+resold.ID+"/cancel", nil, nil)
	}

	d.say("\n7. Pack 5 is sold and then refunded at the same shop: it is back on sale.")
	sale := d.checkout(ctx, shenzhen, "sale-5", codes[4])
	if sale.Payment != nil {
		d.pay(ctx, sale)
		d.waitStatus(ctx, shenzhen, sale.ID, genuine.CheckoutPaid)
	}
	var refunded genuine.Checkout
	err = shenzhen.do(ctx, "POST", "/v1/checkouts/"+sale.ID+"/refund", nil, &refunded)
	d.check(err == nil && refunded.Status == genuine.CheckoutRefunded, "checkout %s refunded, %s back to the buyer (%v)",
		sale.ID, genuine.FormatMoney(refunded.Total, refunded.Currency), errOrNone(err))
	v := d.verify(ctx, codes[4])
	d.check(v.State == genuine.StateInChannel, "pack 5 is %s again", v.State)

	d.say("\n8. Acme recalls the batch: no pack of it may be sold any more.")
	if err := acme.do(ctx, "POST", "/v1/batches/"+batch.ID+"/events", map[string]any{"type": "recall"}, nil); err != nil {
		return err
	}
	d.refused(d.checkout(ctx, shenzhen, "recalled-1", codes[5]), "recalled")

	d.say("\n9. A consumer checks pack 1 with a phone, as anyone may.")
	v = d.verify(ctx, codes[0])
	var journey []string
	for _, e := range v.Events {
		journey = append(journey, string(e.Type))
	}
	d.check(v.Authentic && v.State == genuine.StateRecalled, "genuine %s by %s, lot %s; state %s; journey: %s", v.Product.Name, v.Product.Brand, v.Batch.Lot, v.State, strings.Join(journey, " → "))

	d.say("\n10. Acme sees what was refused, and why.")
	var alerts struct{ Alerts []genuine.Alert }
	if err := acme.do(ctx, "GET", "/v1/alerts", nil, &alerts); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, a := range alerts.Alerts {
		seen[a.Code] = true
	}
	d.check(seen["already_sold"] && seen["outside_region"] && seen["recalled"], "%d alerts: %s", len(alerts.Alerts), describeAlerts(alerts.Alerts))

	d.say("\n11. The operator reads the server's metrics (GET /metrics, with the admin key).")
	m, err := d.metrics(ctx)
	if err != nil {
		return err
	}
	refusals := []string{"already_sold", "outside_region", "counterfeit_suspected", "recalled"}
	ok := m[`genuine_checkouts_total{outcome="refused"}`] >= 4 && m[`genuine_checkouts_total{outcome="awaiting_payment"}`] >= 4
	var by []string
	for _, r := range refusals {
		n := m[`genuine_refusals_total{reason="`+r+`"}`]
		ok = ok && n >= 1
		by = append(by, fmt.Sprintf("%s %g", r, n))
	}
	d.check(ok, "checkouts: %g awaiting payment, %g refused; refusals by reason: %s",
		m[`genuine_checkouts_total{outcome="awaiting_payment"}`], m[`genuine_checkouts_total{outcome="refused"}`], strings.Join(by, ", "))
	return nil
}

// metrics returns the server's genuine_* samples by series, as /metrics
// writes them: `genuine_refusals_total{reason="recalled"}` → 1.
func (d *demo) metrics(ctx context.Context) (map[string]float64, error) {
	resp, err := d.admin.request(ctx, "GET", "/metrics", nil)
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<22))
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	samples := make(map[string]float64)
	for line := range strings.Lines(string(body)) {
		name, value, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || !strings.HasPrefix(name, "genuine_") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			samples[name] = v
		}
	}
	return samples, nil
}

func (d *demo) codes(ctx context.Context, c *client, batchID string) ([]string, error) {
	resp, err := c.request(ctx, "GET", "/v1/batches/"+batchID+"/codes?format=csv", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var codes []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		_, code, _ := strings.Cut(line, ",")
		codes = append(codes, code)
	}
	return codes, nil
}

// The price of every pack the demo sells, in minor units of demoCurrency.
const (
	demoPrice    = 3500
	demoCurrency = "CNY"
)

// checkout posts a one-unit cart at demoPrice.
func (d *demo) checkout(ctx context.Context, c *client, key, code string) *genuine.Checkout {
	var chk genuine.Checkout
	body := genuine.CheckoutInput{Items: []genuine.CartItem{{Code: code, Price: demoPrice}}, Currency: demoCurrency, Provider: d.provider}
	resp, err := c.requestWith(ctx, "POST", "/v1/checkouts", body, map[string]string{"Idempotency-Key": key})
	if err != nil {
		d.check(false, "checkout: %v", err)
		return &chk
	}
	defer resp.Body.Close()
	d.status = resp.StatusCode
	decodeJSON(resp.Body, &chk)
	return &chk
}

func (d *demo) refused(c *genuine.Checkout, code string) {
	var reasons []string
	found := false
	for _, it := range c.Items {
		if it.Decision == nil {
			continue
		}
		for _, r := range it.Decision.Reasons {
			reasons = append(reasons, r.Code+": "+r.Message)
			found = found || r.Code == code
		}
	}
	d.check(c.Status == genuine.CheckoutRefused && found && c.Payment == nil && d.status == http.StatusUnprocessableEntity,
		"refused before any payment (HTTP %d): %s", d.status, strings.Join(reasons, "; "))
}

// pay is the buyer paying: the fake's, or the simulated pay page's Pay
// button pressed, as a script may.
func (d *demo) pay(ctx context.Context, c *genuine.Checkout) {
	if d.fake != nil {
		if err := d.fake.Pay(ctx, c.Payment.Reference); err != nil {
			d.check(false, "pay: %v", err)
		}
		return
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", c.Payment.PayURL+"/pay", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.check(false, "pay: %v", err)
		return
	}
	resp.Body.Close()
}

// waitStatus polls a checkout until it has the status or 10 s pass.
func (d *demo) waitStatus(ctx context.Context, c *client, id string, want genuine.CheckoutStatus) *genuine.Checkout {
	var chk genuine.Checkout
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if err := c.do(ctx, "GET", "/v1/checkouts/"+id, nil, &chk); err == nil && chk.Status == want {
			break
		}
	}
	return &chk
}

func (d *demo) verify(ctx context.Context, code string) *genuine.Verification {
	var v genuine.Verification
	if err := d.as("").do(ctx, "POST", "/v1/verify", map[string]string{"code": code}, &v); err != nil {
		d.check(false, "verify: %v", err)
	}
	return &v
}

func payURL(c *genuine.Checkout) string {
	switch {
	case c.Payment == nil:
		return "no payment"
	case c.Payment.QR != "":
		return "a QR code of " + c.Payment.QR
	}
	return "a QR code of " + c.Payment.PayURL
}

// providerName is the provider as people name it.
func (d *demo) providerName() string {
	switch d.provider {
	case "stripe":
		return "Stripe"
	case "alipay":
		return "Alipay"
	case "wechatpay":
		return "WeChat Pay"
	}
	return "the simulated provider"
}

// connect opens a test account at the fake for a shop and sets it as the
// shop does, checking that what is shown back hides its keys.
func (d *demo) connect(ctx context.Context, shop *client, merchantID string) error {
	settings, err := d.fake.Account(d.admin.server + genuine.NotifyPath(d.provider, merchantID))
	if err != nil {
		return err
	}
	var acct genuine.ProviderAccount
	if err := shop.do(ctx, "PUT", "/v1/merchants/"+merchantID+"/providers/"+d.provider, json.RawMessage(settings), &acct); err != nil {
		return err
	}
	shown, _ := json.Marshal(acct.Masked)
	var fields []string
	for f := range acct.Masked {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	d.check(acct.Mode == genuine.ModeTest && acct.Account != "" && !leaks(settings, shown),
		"merchant %s: account %s, %s mode; shown back masked (%s)", merchantID, acct.Account, acct.Mode, strings.Join(fields, ", "))
	return nil
}

// leaks reports whether what is shown of an account holds any secret of
// its settings at length: a key's or a PEM block's middle line.
func leaks(settings, shown []byte) bool {
	var fields map[string]any
	json.Unmarshal(settings, &fields)
	for name, v := range fields {
		s, ok := v.(string)
		if !ok || len(s) < 16 || strings.Contains(name, "id") || strings.Contains(name, "public") || strings.Contains(name, "serial") {
			continue
		}
		lines := strings.Split(strings.TrimSpace(s), "\n")
		if mid := lines[len(lines)/2]; len(mid) >= 16 && strings.Contains(string(shown), mid[:16]) {
			return true
		}
	}
	return false
}

// forge changes the last character of a code's serial.
func forge(code string) string {
	last := code[len(code)-1]
	swap := byte('0')
	if last == '0' {
		swap = '1'
	}
	return code[:len(code)-1] + string(swap)
}

func errOrNone(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

func describeAlerts(as []genuine.Alert) string {
	var parts []string
	for _, a := range as {
		parts = append(parts, fmt.Sprintf("%s ×%d", a.Code, a.Count))
	}
	return strings.Join(parts, ", ")
}
