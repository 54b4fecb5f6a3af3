package genuine_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"genuine"
)

func priced(price int64) *int64 { return &price }

// previewCart is a cart of codes at one price for PreviewCheckout.
func previewCart(price *int64, currency string, codes ...string) genuine.PreviewInput {
	in := genuine.PreviewInput{Currency: currency}
	for _, c := range codes {
		in.Items = append(in.Items, genuine.PreviewCartItem{Code: c, Price: price})
	}
	return in
}

// stored returns, as JSON, everything a preview of codes could write:
// each unit's state and journey (read without counting a verification),
// the events of the batches, the brand's decisions and alerts, and the
// audit trail.
func (w *world) stored(t *testing.T, codes []string, batches ...string) string {
	t.Helper()
	ctx := context.Background()
	var all []any
	for _, c := range codes {
		v, err := w.app.Check(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, v)
	}
	for _, b := range batches {
		evs, err := w.app.Events(ctx, w.brand, b, 1000)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, evs)
	}
	ds, err := w.app.Decisions(ctx, w.brand, genuine.DecisionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	as, err := w.app.Alerts(ctx, w.brand, 0)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := w.app.Audit(ctx, w.admin, genuine.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(append(all, ds, as, audit))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPreviewDecidesAsCheckout previews a genuine, an already-sold, an
// outside-region and a forged unit: each gets the decision the checkout of
// the same cart then makes, with its product, and the preview leaves the
// units' states, the events, decisions, alerts and audit trail as they
// were.
func TestPreviewDecidesAsCheckout(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.app.SetPolicy(ctx, w.brand, "brand", []byte(`{"rules": [{"rule": "state"}, {"rule": "region"}, {"rule": "expiry"},
		{"rule": "price", "currency": "CNY", "min": 1000, "max": 5000}]}`)); err != nil {
		t.Fatal(err)
	}
	codes := w.released(t, 3)
	sold, err := w.app.Checkout(ctx, w.merchant, "sold", cart(3500, codes[1]))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.sim.Pay(ctx, sold.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	w.waitStatus(t, w.merchant, sold.ID, genuine.CheckoutPaid)
	beijing, err := w.app.CreateBatch(ctx, w.brand, genuine.BatchInput{
		GTIN: w.gtin, Lot: "LOT-BJ", Expiry: genuine.NewDate(2027, 12, 31), Quantity: 2, Regions: []string{"CN-BJ"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.RecordBatchEvent(ctx, w.brand, beijing.ID, genuine.BatchEventInput{Type: "release"}); err != nil {
		t.Fatal(err)
	}
	forged := "(01)" + w.gtin + "(21)0000000000ABCDEFGHJ"
	units := []string{codes[0], codes[1], w.codes(t, beijing)[0], forged}
	want := []string{"", genuine.StateCode(genuine.StateSold), genuine.ReasonOutsideRegion, genuine.ReasonCounterfeit}
	batch := sold.Items[0].BatchID

	before := w.stored(t, units, batch, beijing.ID)
	pv, err := w.app.PreviewCheckout(ctx, w.merchant, previewCart(priced(3500), "CNY", units...))
	if err != nil {
		t.Fatal(err)
	}
	if after := w.stored(t, units, batch, beijing.ID); after != before {
		t.Errorf("the preview changed what is stored:\nbefore %s\nafter  %s", before, after)
	}
	for i, it := range pv.Items {
		var codes []string
		for _, r := range it.Decision.Reasons {
			codes = append(codes, r.Code)
		}
		if got := strings.Join(codes, ","); got != want[i] {
			t.Errorf("item %d: reasons %q, want %q", i+1, got, want[i])
		}
		if p := it.Product; p == nil || p.Name != "Acme Tonic" || p.Brand != "Acme" || p.GTIN != w.gtin {
			t.Errorf("item %d: product %+v", i+1, p)
		}
		if it.PriceFrom != genuine.PriceFromCart || it.Price == nil || *it.Price != 3500 || it.Currency != "CNY" {
			t.Errorf("item %d: price %v %q from %q, want 3500 CNY from the cart", i+1, it.Price, it.Currency, it.PriceFrom)
		}
	}
	// A refusal carries what a till words for the cashier: when and where
	// the unit was sold, where the batch may be sold.
	paidAt := w.clock.now().UTC().Format(time.RFC3339)
	if got, want := pv.Items[1].Decision.Reasons[0].Detail, map[string]string{"date": paidAt, "shop": "Shop CN-GD-SZ"}; !reflect.DeepEqual(got, want) {
		t.Errorf("already sold: detail %v, want %v", got, want)
	}
	if got, want := pv.Items[2].Decision.Reasons[0].Detail, map[string]string{"regions": "CN-BJ"}; !reflect.DeepEqual(got, want) {
		t.Errorf("outside region: detail %v, want %v", got, want)
	}
	if got := pv.Items[3].Decision.Reasons[0].Detail; got != nil {
		t.Errorf("forged: detail %v, want none", got)
	}
	// The checkout of the same cart, now, decides every item the same.
	c, err := w.app.Checkout(ctx, w.merchant, "same", cart(3500, units...))
	if err != nil || c.Status != genuine.CheckoutRefused {
		t.Fatalf("checkout: %+v, %v", c, err)
	}
	for i, it := range c.Items {
		if !reflect.DeepEqual(it.Decision, pv.Items[i].Decision) {
			t.Errorf("item %d: the checkout decided %+v, the preview %+v", i+1, it.Decision, pv.Items[i].Decision)
		}
	}
	if w.stored(t, units, batch, beijing.ID) == before {
		t.Error("the checkout stored nothing either: the comparison above cannot fail")
	}
}

// TestPreviewPrices: an item without a price takes the merchant's list
// price for its GTIN in the cart's currency, or else skips the price rule;
// a typed price needs a currency.
func TestPreviewPrices(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.app.SetPolicy(ctx, w.brand, "brand", []byte(`{"rules": [{"rule": "state"},
		{"rule": "price", "currency": "CNY", "min": 1000, "max": 5000}]}`)); err != nil {
		t.Fatal(err)
	}
	code := w.released(t, 1)[0]
	preview := func(in genuine.PreviewInput) genuine.PreviewItem {
		t.Helper()
		pv, err := w.app.PreviewCheckout(ctx, w.merchant, in)
		if err != nil {
			t.Fatal(err)
		}
		return pv.Items[0]
	}
	priceRule := func(it genuine.PreviewItem) string {
		for _, r := range it.Decision.Rules {
			if r.Rule == genuine.RulePrice {
				return r.Outcome + ":" + r.Code
			}
		}
		return "none"
	}
	// No list, no price: the price rule is skipped and the unit passes.
	it := preview(previewCart(nil, "CNY", code))
	if it.PriceFrom != genuine.PriceFromNone || it.Price != nil || priceRule(it) != "skip:" || it.Decision.Outcome != "pass" {
		t.Errorf("unpriced: from %q, price %v, price rule %s, outcome %s", it.PriceFrom, it.Price, priceRule(it), it.Decision.Outcome)
	}
	if _, err := w.app.SetPrices(ctx, w.merchant, w.merchant.MerchantID, []genuine.Price{
		{GTIN: w.gtin[1:], Price: 9900, Currency: "CNY"}, // GTIN-13, stored as 14 digits
	}); err != nil {
		t.Fatal(err)
	}
	// The list's price is above the brand's range: refused, and it says so.
	for _, currency := range []string{"CNY", ""} {
		it = preview(previewCart(nil, currency, code))
		if it.PriceFrom != genuine.PriceFromList || it.Price == nil || *it.Price != 9900 || it.Currency != "CNY" ||
			priceRule(it) != "fail:"+genuine.ReasonPriceOutOfRange || it.Decision.Outcome != "refuse" {
			t.Errorf("currency %q: listed: from %q, price %v %s, price rule %s", currency, it.PriceFrom, it.Price, it.Currency, priceRule(it))
		}
	}
	// A typed price wins over the list's.
	if it = preview(previewCart(priced(2000), "CNY", code)); it.PriceFrom != genuine.PriceFromCart || it.Decision.Outcome != "pass" {
		t.Errorf("typed: from %q, outcome %s", it.PriceFrom, it.Decision.Outcome)
	}
	// A list price in another currency than the cart's is not used.
	if it = preview(previewCart(nil, "USD", code)); it.PriceFrom != genuine.PriceFromNone || priceRule(it) != "skip:" {
		t.Errorf("cart in USD: from %q, price rule %s", it.PriceFrom, priceRule(it))
	}
	bad := []struct {
		name string
		in   genuine.PreviewInput
	}{
		{"price without currency", previewCart(priced(100), "", code)},
		{"negative price", previewCart(priced(-1), "CNY", code)},
		{"bad currency", previewCart(nil, "cny", code)},
		{"no items", genuine.PreviewInput{Currency: "CNY"}},
		{"a unit twice", previewCart(nil, "CNY", code, code)},
	}
	for _, tt := range bad {
		if _, err := w.app.PreviewCheckout(ctx, w.merchant, tt.in); genuine.ErrorCode(err) != genuine.EInvalid {
			t.Errorf("%s: %v, want %s", tt.name, err, genuine.EInvalid)
		}
	}
	if _, err := w.app.PreviewCheckout(ctx, w.brand, previewCart(nil, "CNY", code)); genuine.ErrorCode(err) != genuine.EForbidden {
		t.Errorf("a brand's preview: %v", err)
	}
}

// TestPreviewSeesRecall: a unit previewed as fit for sale is refused once
// its batch is recalled, although the App has the batch in its cache.
func TestPreviewSeesRecall(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	b := w.batch(t, 2)
	if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "release"}); err != nil {
		t.Fatal(err)
	}
	code := w.codes(t, b)[0]
	in := previewCart(priced(100), "CNY", code)
	pv, err := w.app.PreviewCheckout(ctx, w.merchant, in)
	if err != nil || pv.Items[0].Decision.Outcome != "pass" {
		t.Fatalf("before the recall: %+v, %v", pv, err)
	}
	if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "recall"}); err != nil {
		t.Fatal(err)
	}
	pv, err = w.app.PreviewCheckout(ctx, w.merchant, in)
	if err != nil || pv.Items[0].Decision.Outcome != "refuse" || pv.Items[0].Decision.Reasons[0].Code != genuine.StateCode(genuine.StateRecalled) {
		t.Errorf("after the recall: %+v, %v", pv.Items[0].Decision, err)
	}
}

// TestPrices: a merchant sets and reads its own price list, an admin any
// merchant's, another merchant neither; an invalid list is refused whole,
// naming each invalid line; a change is audited.
func TestPrices(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	id := w.merchant.MerchantID
	other := w.newMerchant(t, "CN-BJ")
	list := []genuine.Price{{GTIN: "09520123456795", Price: 2500, Currency: "CNY"}, {GTIN: w.gtin, Price: 0, Currency: "JPY"}}
	got, err := w.app.SetPrices(ctx, w.merchant, id, list)
	if err != nil || len(got) != 2 || got[0].GTIN != w.gtin || got[1] != list[0] {
		t.Fatalf("SetPrices = %v, %v", got, err)
	}
	for _, p := range []*genuine.Principal{w.merchant, w.admin} {
		if got, err := w.app.Prices(ctx, p, id); err != nil || len(got) != 2 || got[0].GTIN != w.gtin {
			t.Errorf("Prices as %s = %v, %v", p.Role, got, err)
		}
	}
	if _, err := w.app.Prices(ctx, other, id); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("another merchant reads the list: %v", err)
	}
	if _, err := w.app.SetPrices(ctx, other, id, nil); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("another merchant sets the list: %v", err)
	}
	if _, err := w.app.SetPrices(ctx, w.brand, id, nil); genuine.ErrorCode(err) != genuine.EForbidden {
		t.Errorf("a brand sets the list: %v", err)
	}
	if got, err := w.app.Prices(ctx, w.merchant, id); err != nil || len(got) != 2 {
		t.Errorf("the list after refused changes: %v, %v", got, err)
	}
	_, err = w.app.SetPrices(ctx, w.admin, id, []genuine.Price{
		{GTIN: w.gtin, Price: 100, Currency: "CNY"},
		{GTIN: "09520123456789", Price: 100, Currency: "CNY"}, // wrong check digit
		{GTIN: w.gtin, Price: 100, Currency: "CNY"},
		{GTIN: "09520123456795", Price: -1, Currency: "CNY"},
		{GTIN: "09520123456795", Price: genuine.MaxPrice + 1, Currency: "XXY"},
	})
	msg := genuine.ErrorMessage(err)
	if genuine.ErrorCode(err) != genuine.EInvalid || strings.Contains(msg, "line 1:") {
		t.Errorf("invalid list: %v", err)
	}
	for _, line := range []string{"line 2: GTIN", "line 3: GTIN 09520123456788 is priced on line 1", "line 4: price", "line 5: GTIN 09520123456795 is priced on line 4 too, price must be", `currency "XXY"`} {
		if !strings.Contains(msg, line) {
			t.Errorf("invalid list: %q does not say %q", msg, line)
		}
	}
	if _, err := w.app.SetPrices(ctx, w.admin, id, make([]genuine.Price, genuine.MaxPrices+1)); genuine.ErrorCode(err) != genuine.EInvalid {
		t.Errorf("%d lines: %v", genuine.MaxPrices+1, err)
	}
	if _, err := w.app.SetPrices(ctx, w.admin, "mer_missing", nil); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("a missing merchant's list: %v", err)
	}
	audit, err := w.app.Audit(ctx, w.admin, genuine.AuditFilter{})
	if err != nil || audit[0].Action != "prices.set" || audit[0].Subject != id || audit[0].Author.KeyID != w.merchant.KeyID {
		t.Errorf("audit: %+v, %v", audit[0], err)
	}
}
