package web

import (
	"strings"
	"testing"

	"genuine"
)

// TestPreviewAndPrices drives the till's live check and the price list
// over HTTP: a merchant sets its list, a preview of a released unit
// without a price passes at the list's price with its product, a forged
// one is refused, and the unit is still in the channel afterwards; an
// invalid list is a 400 naming its lines; another merchant can neither
// read nor set the list.
func TestPreviewAndPrices(t *testing.T) {
	ts := newTestServer(t, Config{})
	a := ts.newWorld("Acme", "09520123456788", 5)
	b := ts.newWorld("Bolt", "09520123456795", 1)
	ts.call("POST", "/v1/batches/"+a.batch.ID+"/events", a.brandKey, map[string]any{"type": "release"}, 201, nil)
	code := ts.codes(a.brandKey, a.batch.ID)[0].Code
	path := "/v1/merchants/" + a.merchant.ID + "/prices"

	var list struct{ Prices []genuine.Price }
	ts.call("PUT", path, a.merchantKey, []any{map[string]any{"gtin": "9520123456788", "price": 3500, "currency": "CNY"}}, 200, &list)
	if len(list.Prices) != 1 || list.Prices[0] != (genuine.Price{GTIN: "09520123456788", Price: 3500, Currency: "CNY"}) {
		t.Errorf("PUT prices: %+v", list)
	}
	ts.call("GET", path, ts.admin, nil, 200, &list)
	if len(list.Prices) != 1 {
		t.Errorf("GET prices as admin: %+v", list)
	}
	for _, method := range []string{"GET", "PUT"} {
		resp := ts.do(request{method: method, path: path, key: b.merchantKey, body: []any{}})
		if resp.status != 404 || resp.problem(t).Code != genuine.ENotFound {
			t.Errorf("%s another merchant's prices: %d %s", method, resp.status, resp.body)
		}
	}
	resp := ts.do(request{method: "PUT", path: path, key: a.merchantKey, body: []any{
		map[string]any{"gtin": "09520123456788", "price": 1, "currency": "CNY"},
		map[string]any{"gtin": "123", "price": 1, "currency": "CNY"},
		map[string]any{"gtin": "09520123456795", "price": -5, "currency": "RMB"},
	}})
	if p := resp.problem(t); resp.status != 400 || !strings.Contains(p.Detail, "line 2: GTIN") || !strings.Contains(p.Detail, "line 3: price") || !strings.Contains(p.Detail, `currency "RMB"`) {
		t.Errorf("invalid list: %d %+v", resp.status, p)
	}
	ts.call("GET", path, a.merchantKey, nil, 200, &list)
	if len(list.Prices) != 1 || list.Prices[0].Price != 3500 {
		t.Errorf("the list after an invalid one: %+v", list)
	}

	var pv genuine.Preview
	ts.call("POST", "/v1/checkouts/preview", a.merchantKey, map[string]any{
		"items": []any{map[string]any{"code": code}, map[string]any{"code": forge(code), "price": 100}}, "currency": "CNY",
	}, 200, &pv)
	if len(pv.Items) != 2 {
		t.Fatalf("preview: %+v", pv)
	}
	ok, forged := pv.Items[0], pv.Items[1]
	if ok.Decision.Outcome != "pass" || ok.PriceFrom != "list" || ok.Price == nil || *ok.Price != 3500 || ok.Product == nil || ok.Product.Name != "Acme tea" || ok.Product.Brand != "Acme" {
		t.Errorf("genuine unit: %+v, product %+v", ok, ok.Product)
	}
	if forged.Decision.Outcome != "refuse" || forged.Decision.Reasons[0].Code != genuine.ReasonCounterfeit || forged.PriceFrom != "cart" {
		t.Errorf("forged unit: %+v", forged)
	}
	var v genuine.Verification
	ts.call("POST", "/v1/verify", "", map[string]any{"code": code}, 200, &v)
	if v.State != genuine.StateInChannel {
		t.Errorf("the previewed unit is %s", v.State)
	}
	resp = ts.do(request{method: "POST", path: "/v1/checkouts/preview", key: a.merchantKey, body: map[string]any{"items": []any{map[string]any{"code": code, "price": 1}}}})
	if p := resp.problem(t); resp.status != 400 || !strings.Contains(p.Detail, "currency") {
		t.Errorf("a price without a currency: %d %+v", resp.status, p)
	}
}
