package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"genuine"
)

// TestBadInput sends malformed and invalid requests to every kind of
// endpoint and checks each is refused with the right status and a
// problem+json code, and that nothing refused was written.
func TestBadInput(t *testing.T) {
	ts := newTestServer(t, Config{MaxBodyBytes: 4 << 10})
	a := ts.newWorld("Acme", "09520123456788", 100)
	b := ts.newWorld("Bolt", "09520123456795", 10)
	codes := ts.codes(a.brandKey, a.batch.ID)
	ts.call("POST", "/v1/batches/"+a.batch.ID+"/events", a.brandKey, map[string]any{"type": "release"}, 201, nil)
	ts.call("POST", "/v1/units/events", a.brandKey, map[string]any{"type": "receive", "codes": []string{codes[0].Code}, "merchant_id": a.merchant.ID}, 201, nil)
	batches := "/v1/batches"
	events := "/v1/batches/" + a.batch.ID + "/events"
	checkouts := "/v1/checkouts"
	idem := map[string]string{"Idempotency-Key": "bad-input"}
	cart := func(change func(map[string]any)) map[string]any {
		m := cartOf(1000, codes[0].Code)
		change(m)
		return m
	}
	okBatch := func(change func(map[string]any)) map[string]any {
		m := map[string]any{"gtin": a.product.GTIN, "lot": "L2", "expiry": "2027-12-31", "quantity": 10, "regions": []string{"CN-GD"}}
		change(m)
		return m
	}

	cases := []struct {
		name         string
		method, path string
		key          string
		contentType  string // "" means application/json
		body         any
		status       int
		code         string
		detail       string // a part of the detail naming the problem
		header       map[string]string
	}{
		{"malformed JSON", "POST", batches, a.brandKey, "", `{"gtin": "0952`, 400, "invalid", "not valid JSON", nil},
		{"syntax error", "POST", batches, a.brandKey, "", `{"gtin" "x"}`, 400, "invalid", "not valid JSON", nil},
		{"empty body", "POST", batches, a.brandKey, "", ``, 400, "invalid", "empty", nil},
		{"not an object", "POST", batches, a.brandKey, "", `[1,2]`, 400, "invalid", "JSON object", nil},
		{"unknown field", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["colour"] = "red" }), 400, "invalid", `"colour"`, nil},
		{"wrong type", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["quantity"] = "ten" }), 400, "invalid", "quantity must be an integer", nil},
		{"trailing data", "POST", batches, a.brandKey, "", `{"gtin":"09520123456788"} {"lot":"x"}`, 400, "invalid", "one JSON value", nil},
		{"trailing garbage", "POST", batches, a.brandKey, "", `{"gtin":"09520123456788"} x`, 400, "invalid", "one JSON value", nil},
		{"wrong content type", "POST", batches, a.brandKey, "text/plain", okBatch(func(map[string]any) {}), 415, "invalid", "application/json", nil},
		{"form content type", "POST", "/v1/verify", "", "application/x-www-form-urlencoded", `code=x`, 415, "invalid", "application/json", nil},
		{"no content type", "POST", "/v1/units/events", a.brandKey, "none", `{"type":"stolen","codes":["x"]}`, 415, "invalid", "application/json", nil},
		{"wrong charset", "POST", "/v1/verify", "", "application/json; charset=latin1", `{"code":"x"}`, 415, "invalid", "UTF-8", nil},
		{"body too large", "POST", "/v1/units/events", a.brandKey, "", map[string]any{"type": "stolen", "codes": []string{strings.Repeat("x", 5000)}}, 413, "too_large", "4096 bytes", nil},
		{"body too large after a value", "POST", "/v1/verify", "", "", `{"code":"x"}` + strings.Repeat(" ", 5000), 413, "too_large", "bytes", nil},
		{"bad GTIN check digit", "POST", "/v1/products", a.brandKey, "", map[string]any{"gtin": "09520123456789", "name": "X"}, 400, "invalid", "check digit", nil},
		{"GTIN of 11 digits", "POST", "/v1/products", a.brandKey, "", map[string]any{"gtin": "12345678901", "name": "X"}, 400, "invalid", "digits", nil},
		{"product without name", "POST", "/v1/products", a.brandKey, "", map[string]any{"gtin": "09520123456801"}, 400, "invalid", "name", nil},
		{"existing product", "POST", "/v1/products", a.brandKey, "", map[string]any{"gtin": b.product.GTIN, "name": "X"}, 409, "conflict", "registered already", nil},
		{"bad GTIN in path", "GET", "/v1/products/0952012345678", a.brandKey, "", nil, 400, "invalid", "check digit", nil},
		{"batch: bad GTIN check digit", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["gtin"] = "09520123456780" }), 400, "invalid", "check digit", nil},
		{"lot over 20 characters", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["lot"] = strings.Repeat("A", 21) }), 400, "invalid", "lot", nil},
		{"lot outside CSET 82", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["lot"] = "LOT#1" }), 400, "invalid", "lot", nil},
		{"lot with a space", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["lot"] = "LOT 1" }), 400, "invalid", "lot", nil},
		{"no lot", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { delete(m, "lot") }), 400, "invalid", "lot", nil},
		{"bad expiry", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["expiry"] = "31/12/2027" }), 400, "invalid", "2027-12-31", nil},
		{"no expiry", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { delete(m, "expiry") }), 400, "invalid", "expiry", nil},
		{"quantity 0", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["quantity"] = 0 }), 400, "invalid", "quantity", nil},
		{"negative quantity", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["quantity"] = -5 }), 400, "invalid", "quantity", nil},
		{"quantity beyond the sequence space", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["quantity"] = genuine.MaxBatchQuantity + 1 }), 413, "too_large", "quantity", nil},
		{"quantity beyond int64", "POST", batches, a.brandKey, "", `{"gtin":"09520123456788","lot":"L2","expiry":"2027-12-31","quantity":1e30}`, 400, "invalid", "quantity", nil},
		{"malformed region", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["regions"] = []string{"cn-gd"} }), 400, "invalid", "region", nil},
		{"unknown country", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["regions"] = []string{"XX-GD"} }), 400, "invalid", "region", nil},
		{"product of another brand", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["gtin"] = b.product.GTIN }), 404, "not_found", "product", nil},
		{"unknown product", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["gtin"] = "09520123456801" }), 404, "not_found", "product", nil},
		{"bad event type", "POST", events, a.brandKey, "", map[string]any{"type": "teleport"}, 400, "invalid", "event type", nil},
		{"checkout event type", "POST", events, a.brandKey, "", map[string]any{"type": "sell"}, 400, "invalid", "event type", nil},
		{"release again", "POST", events, a.brandKey, "", map[string]any{"type": "release"}, 409, genuine.EAlreadyReleased, "release", nil},
		{"regions on a recall", "POST", events, a.brandKey, "", map[string]any{"type": "recall", "regions": []string{"CN"}}, 400, "invalid", "regions", nil},
		{"half a range", "POST", events, a.brandKey, "", map[string]any{"type": "lock", "from_sequence": 1}, 400, "invalid", "to_sequence", nil},
		{"range outside the batch", "POST", events, a.brandKey, "", map[string]any{"type": "lock", "from_sequence": 1 << 39, "to_sequence": 1<<39 + 5}, 400, "invalid", "range", nil},
		{"partner releases", "POST", events, a.partnerKey, "", map[string]any{"type": "recall"}, 403, "forbidden", "partner", nil},
		{"bad unit event type", "POST", "/v1/units/events", a.brandKey, "", map[string]any{"type": "teleport", "codes": []string{codes[0].Code}}, 400, "invalid", "event type", nil},
		{"merchant locks", "POST", "/v1/units/events", a.merchantKey, "", map[string]any{"type": "lock", "codes": []string{codes[0].Code}}, 403, "forbidden", "lock", nil},
		{"no codes", "POST", "/v1/units/events", a.brandKey, "", map[string]any{"type": "stolen", "codes": []string{}}, 400, "invalid", "codes", nil},
		{"code not GS1 data", "POST", "/v1/units/events", a.brandKey, "", map[string]any{"type": "stolen", "codes": []string{codes[0].Code, "hello"}}, 400, "invalid", "code 2", nil},
		{"forged code", "POST", "/v1/units/events", a.brandKey, "", map[string]any{"type": "stolen", "codes": []string{codes[0].Code, forge(codes[1].Code)}}, 400, "invalid", "code 2", nil},
		{"same unit twice", "POST", "/v1/units/events", a.brandKey, "", map[string]any{"type": "stolen", "codes": []string{codes[0].Code, codes[0].Code}}, 400, "invalid", "code 2", nil},
		{"consume an unsold unit", "POST", "/v1/units/events", a.merchantKey, "", map[string]any{"type": "consume", "codes": []string{codes[0].Code}}, 409, genuine.ENotSold, "consume", nil},
		{"verify: not GS1 data", "POST", "/v1/verify", "", "", map[string]any{"code": "hello world"}, 400, "invalid", "not GS1 data", nil},
		{"verify: no code", "POST", "/v1/verify", "", "", map[string]any{}, 400, "invalid", "GS1", nil},
		{"verify: unknown field", "POST", "/v1/verify", "", "", map[string]any{"code": codes[0].Code, "x": 1}, 400, "invalid", `"x"`, nil},
		{"verify: code not a string", "POST", "/v1/verify", "", "", map[string]any{"code": 12}, 400, "invalid", "code must be a string", nil},
		{"resolver: not GS1 data", "GET", "/01/0952012345678/21/ABC", "", "", nil, 400, "invalid", "not GS1 data", nil},
		{"resolver: bad AI value", "GET", "/01/09520123456788/21/ABC?17=271399", "", "", nil, 400, "invalid", "not GS1 data", nil},
		{"unknown export format", "GET", "/v1/batches/" + a.batch.ID + "/codes?format=xml", a.brandKey, "", nil, 400, "invalid", "ndjson or csv", nil},
		{"bad events limit", "GET", events + "?limit=ten", a.brandKey, "", nil, 400, "invalid", "limit", nil},
		{"merchant without region", "POST", "/v1/merchants", ts.admin, "", map[string]any{"name": "M"}, 400, "invalid", "region", nil},
		{"merchant: lat without lon", "POST", "/v1/merchants", ts.admin, "", map[string]any{"name": "M", "region": "CN", "lat": 1.5}, 400, "invalid", "lat", nil},
		{"key: unknown role", "POST", "/v1/keys", ts.admin, "", map[string]any{"role": "root"}, 400, "invalid", "role", nil},
		{"key: brand key without brand", "POST", "/v1/keys", ts.admin, "", map[string]any{"role": "brand"}, 400, "invalid", "brand_id", nil},
		{"key: unknown brand", "POST", "/v1/keys", ts.admin, "", map[string]any{"role": "brand", "brand_id": "brd_00000000000000000000"}, 404, "not_found", "brand", nil},
		{"brand without name", "POST", "/v1/brands", ts.admin, "", map[string]any{"code_rule": map[string]any{"serials": "minted"}}, 400, "invalid", "name", nil},
		{"code rule: bad stem", "PUT", "/v1/brands/" + a.brand.ID + "/code-rule", a.brandKey, "", map[string]any{"link_stem": "ftp://x", "serials": "minted"}, 400, "invalid", "link_stem", nil},
		{"code rule: active key", "PUT", "/v1/brands/" + a.brand.ID + "/code-rule", a.brandKey, "", map[string]any{"serials": "minted", "active_key": 3}, 400, "invalid", `"active_key"`, nil},
		{"serials of a minted batch", "POST", "/v1/batches/" + a.batch.ID + "/serials", a.brandKey, "", map[string]any{"serials": []string{"A1"}}, 409, "conflict", "minted", nil},
		{"unknown batch", "GET", "/v1/batches/bat_00000000000000000000", a.brandKey, "", nil, 404, "not_found", "batch", nil},
		{"malformed batch id", "GET", "/v1/batches/..%2f", a.brandKey, "", nil, 404, "not_found", "", nil},
		{"unknown route", "GET", "/v1/nothing", a.brandKey, "", nil, 404, "not_found", "no such endpoint", nil},
		{"wrong method", "DELETE", "/v1/batches", a.brandKey, "", nil, 405, "invalid", "GET, HEAD, POST", nil},
		{"checkout: empty cart", "POST", checkouts, a.merchantKey, "", cart(func(m map[string]any) { m["items"] = []any{} }), 400, "invalid", "items", idem},
		{"checkout: no items", "POST", checkouts, a.merchantKey, "", cart(func(m map[string]any) { delete(m, "items") }), 400, "invalid", "items", idem},
		{"checkout: items not a list", "POST", checkouts, a.merchantKey, "", cart(func(m map[string]any) { m["items"] = "x" }), 400, "invalid", "items must be an array", idem},
		{"checkout: item not an object", "POST", checkouts, a.merchantKey, "", cart(func(m map[string]any) { m["items"] = []any{codes[0].Code} }), 400, "invalid", "object", idem},
		{"checkout: item without code", "POST", checkouts, a.merchantKey, "", cart(func(m map[string]any) { m["items"] = []any{map[string]any{"price": 1}} }), 400, "invalid", "item 1", idem},
		{"checkout: unknown item member", "POST", checkouts, a.merchantKey, "", cart(func(m map[string]any) {
			m["items"] = []any{map[string]any{"code": codes[0].Code, "price": 1, "qty": 2}}
		}), 400, "invalid", `"qty"`, idem},
		{"checkout: unknown member", "POST", checkouts, a.merchantKey, "", cart(func(m map[string]any) { m["discount"] = 5 }), 400, "invalid", `"discount"`, idem},
		{"checkout: duplicate price", "POST", checkouts, a.merchantKey, "", `{"items":[{"code":"` + codes[0].Code + `","price":100,"price":1}],"currency":"CNY","provider":"simulated"}`, 400, "invalid", `duplicate member "price" in items[0]`, idem},
		{"checkout: duplicate top-level member", "POST", checkouts, a.merchantKey, "", `{"items":[{"code":"` + codes[0].Code + `","price":100}],"currency":"CNY","currency":"USD","provider":"simulated"}`, 400, "invalid", `duplicate member "currency"`, idem},
		{"checkout: member name in another case", "POST", checkouts, a.merchantKey, "", `{"items":[{"code":"` + codes[0].Code + `","Price":1}],"currency":"CNY","provider":"simulated"}`, 400, "invalid", `unknown member "Price" in items[0]`, idem},
		{"checkout: duplicate in two cases", "POST", checkouts, a.merchantKey, "", `{"items":[{"code":"` + codes[0].Code + `","price":100,"PRICE":1}],"currency":"CNY","provider":"simulated"}`, 400, "invalid", `unknown member "PRICE"`, idem},
		{"verify: duplicate code", "POST", "/v1/verify", "", "", `{"code":"x","code":"` + codes[0].Code + `"}`, 400, "invalid", `duplicate member "code"`, nil},
		{"verify: member name in upper case", "POST", "/v1/verify", "", "", `{"CODE":"` + codes[0].Code + `"}`, 400, "invalid", `unknown member "CODE"`, nil},
		{"verify: escaped duplicate", "POST", "/v1/verify", "", "", `{"code":"x","\u0063ode":"` + codes[0].Code + `"}`, 400, "invalid", `duplicate member "code"`, nil},
		{"policy: duplicate rule member", "PUT", "/v1/policies/brand", a.brandKey, "", `{"rules":[{"rule":"price","currency":"CNY","min":100,"min":1}]}`, 400, "invalid", `duplicate member "min" in rules[0]`, nil},
		{"policy: duplicate deep in a geofence", "PUT", "/v1/policies/brand", a.brandKey, "", `{"rules":[{"rule":"region","geofences":[{"type":"Polygon","type":"Point","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}]}]}`, 400, "invalid", `duplicate member "type" in rules[0].geofences[0]`, nil},
		{"policy: duplicate mode", "PUT", "/v1/policies/brand", a.brandKey, "", `{"mode":"enforce","mode":"shadow","rules":[]}`, 400, "invalid", `duplicate member "mode"`, nil},
		{"checkout: malformed JSON", "POST", checkouts, a.merchantKey, "", `{"items": [{"code": "x", "price": 1}`, 400, "invalid", "not valid JSON", idem},
		{"checkout: unit twice", "POST", checkouts, a.merchantKey, "", cartOf(1000, codes[0].Code, codes[1].Code, codes[0].Code), 400, "invalid", "item 3", idem},
		{"checkout: unit twice in two forms", "POST", checkouts, a.merchantKey, "", cartOf(1000, codes[0].Code, "(01)"+a.product.GTIN+"(21)"+codes[0].Serial), 400, "invalid", "item 2", idem},
		{"checkout: negative price", "POST", checkouts, a.merchantKey, "", cartOf(-1, codes[0].Code), 400, "invalid", "price", idem},
		{"checkout: price above the limit", "POST", checkouts, a.merchantKey, "", cartOf(genuine.MaxPrice+1, codes[0].Code), 400, "invalid", "price", idem},
		{"checkout: price beyond int64", "POST", checkouts, a.merchantKey, "", `{"items":[{"code":"x","price":1e30}],"currency":"CNY","provider":"simulated"}`, 400, "invalid", "price", idem},
		{"checkout: fractional price", "POST", checkouts, a.merchantKey, "", `{"items":[{"code":"x","price":19.99}],"currency":"CNY","provider":"simulated"}`, 400, "invalid", "price", idem},
		{"checkout: price as a string", "POST", checkouts, a.merchantKey, "", `{"items":[{"code":"x","price":"1999"}],"currency":"CNY","provider":"simulated"}`, 400, "invalid", "price", idem},
		{"checkout: unknown currency", "POST", checkouts, a.merchantKey, "", cart(func(m map[string]any) { m["currency"] = "ZZZ" }), 400, "invalid", "currency", idem},
		{"checkout: lower-case currency", "POST", checkouts, a.merchantKey, "", cart(func(m map[string]any) { m["currency"] = "cny" }), 400, "invalid", "currency", idem},
		{"checkout: unknown provider", "POST", checkouts, a.merchantKey, "", cart(func(m map[string]any) { m["provider"] = "paypal" }), 400, "invalid", "provider", idem},
		{"checkout: no provider", "POST", checkouts, a.merchantKey, "", cart(func(m map[string]any) { delete(m, "provider") }), 400, "invalid", "provider", idem},
		{"checkout: no Idempotency-Key", "POST", checkouts, a.merchantKey, "", cart(func(map[string]any) {}), 400, "invalid", "Idempotency-Key", nil},
		{"checkout: Idempotency-Key with a space", "POST", checkouts, a.merchantKey, "", cart(func(map[string]any) {}), 400, "invalid", "Idempotency-Key", map[string]string{"Idempotency-Key": "a b"}},
		{"checkout: Idempotency-Key too long", "POST", checkouts, a.merchantKey, "", cart(func(map[string]any) {}), 400, "invalid", "Idempotency-Key", map[string]string{"Idempotency-Key": strings.Repeat("k", 256)}},
		{"checkout: wrong content type", "POST", checkouts, a.merchantKey, "text/plain", cart(func(map[string]any) {}), 415, "invalid", "application/json", idem},
		{"checkout: body too large", "POST", checkouts, a.merchantKey, "", cartOf(1, strings.Repeat("x", 5000)), 413, "too_large", "4096 bytes", idem},
		{"unknown checkout", "GET", "/v1/checkouts/chk_00000000000000000000", a.merchantKey, "", nil, 404, "not_found", "checkout", nil},
		{"malformed checkout id", "POST", "/v1/checkouts/x/cancel", a.merchantKey, "", nil, 404, "not_found", "checkout", nil},
		{"policy: invalid rule", "PUT", "/v1/policies/brand", a.brandKey, "", map[string]any{"rules": []any{map[string]any{"rule": "state"}, map[string]any{"rule": "teleport"}}}, 400, "invalid", "rule 2", nil},
		{"policy: parameter of another rule", "PUT", "/v1/policies/brand", a.brandKey, "", map[string]any{"rules": []any{map[string]any{"rule": "state", "min": 5}}}, 400, "invalid", "rule 1 (state)", nil},
		{"policy: no rules", "PUT", "/v1/policies/brand", a.brandKey, "", map[string]any{"mode": "shadow"}, 400, "invalid", "rules", nil},
		{"policy: not JSON", "PUT", "/v1/policies/brand", a.brandKey, "", `{"rules": [`, 400, "invalid", "JSON", nil},
		{"policy: empty body", "PUT", "/v1/policies/brand", a.brandKey, "", ``, 400, "invalid", "JSON", nil},
		{"policy: wrong content type", "PUT", "/v1/policies/brand", a.brandKey, "text/plain", map[string]any{"rules": []any{}}, 415, "invalid", "application/json", nil},
		{"policy: too large", "PUT", "/v1/policies/brand", a.brandKey, "", map[string]any{"rules": []any{map[string]any{"rule": "merchant", "merchants": []string{strings.Repeat("m", 5000)}}}}, 413, "too_large", "4096 bytes", nil},
		{"policy: unknown scope", "PUT", "/v1/policies/galaxy", a.brandKey, "", map[string]any{"rules": []any{}}, 400, "invalid", "scope", nil},
		{"policy: brand scope with an id", "GET", "/v1/policies/brand:" + a.brand.ID, a.brandKey, "", nil, 400, "invalid", "brand", nil},
		{"policy: product of another brand", "PUT", "/v1/policies/product:" + b.product.GTIN, a.brandKey, "", map[string]any{"rules": []any{}}, 404, "not_found", "product", nil},
		{"policy: bad GTIN", "PUT", "/v1/policies/product:09520123456789", a.brandKey, "", map[string]any{"rules": []any{}}, 400, "invalid", "check digit", nil},
		{"policy: unknown batch", "GET", "/v1/policies/batch:bat_00000000000000000000", a.brandKey, "", nil, 404, "not_found", "batch", nil},
		{"policy: none set for a product", "GET", "/v1/policies/product:" + a.product.GTIN, a.brandKey, "", nil, 404, "not_found", "", nil},
		{"decisions: bad outcome", "GET", "/v1/decisions?outcome=maybe", a.brandKey, "", nil, 400, "invalid", "outcome", nil},
		{"decisions: bad limit", "GET", "/v1/decisions?limit=ten", a.brandKey, "", nil, 400, "invalid", "limit", nil},
		{"decisions: zero limit", "GET", "/v1/decisions?limit=0", a.brandKey, "", nil, 400, "invalid", "limit", nil},
		{"alerts: negative limit", "GET", "/v1/alerts?limit=-1", a.brandKey, "", nil, 400, "invalid", "limit", nil},
		{"alerts: limit beyond int", "GET", "/v1/alerts?limit=99999999999999999999", a.brandKey, "", nil, 400, "invalid", "limit", nil},
	}
	before := ts.batchIDs(a.brandKey)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := http.NewRequest(c.method, ts.url+c.path, bodyReader(t, c.body))
			if err != nil {
				t.Fatal(err)
			}
			switch c.contentType {
			case "":
				r.Header.Set("Content-Type", "application/json")
			case "none":
			default:
				r.Header.Set("Content-Type", c.contentType)
			}
			if c.key != "" {
				r.Header.Set("Authorization", "Bearer "+c.key)
			}
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			r.Header.Set("Accept", "application/json")
			resp := ts.send(r)
			if resp.status != c.status {
				t.Fatalf("status %d, want %d; body: %s", resp.status, c.status, resp.body)
			}
			p := resp.problem(t)
			if p.Code != c.code || !strings.Contains(p.Detail, c.detail) {
				t.Fatalf("problem %+v, want code %q and a detail with %q", p, c.code, c.detail)
			}
			checkSecurityHeaders(t, resp)
		})
	}

	// Nothing refused was written: no new batch, no unit reported stolen.
	if after := ts.batchIDs(a.brandKey); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("batches before the refused requests %v, after %v", before, after)
	}
	for _, c := range codes[:2] {
		if v := ts.verify(c.Code); v.State != genuine.StateInChannel {
			t.Errorf("%s is %s after refused events", c.Serial, v.State)
		}
	}
	var evs eventList
	ts.call("GET", events, a.brandKey, nil, 200, &evs)
	if len(evs.Events) != 3 { // commission, release, receive
		t.Errorf("events after refused events: %+v", evs.Events)
	}
	// No refused cart was decided on, and no policy was set.
	var ds decisionList
	ts.call("GET", "/v1/decisions", a.brandKey, nil, 200, &ds)
	if len(ds.Decisions) != 0 {
		t.Errorf("decisions after refused carts: %+v", ds.Decisions)
	}
	var pol genuine.Policy
	ts.call("GET", "/v1/policies/brand", a.brandKey, nil, 200, &pol)
	if pol.Version != 0 {
		t.Errorf("policy after refused policies: %+v", pol)
	}
	// The key of a refused cart is still free.
	c := checkoutOf(t, ts.checkout(a.merchantKey, "bad-input", cartOf(1000, codes[0].Code)), 201)
	if c.Status != genuine.CheckoutAwaitingPayment {
		t.Errorf("checkout after refused carts: %+v", c)
	}
}

// TestSequenceSpace fills a product's sequence space with one batch: the
// next batch is refused with a conflict and leaves nothing behind.
func TestSequenceSpace(t *testing.T) {
	ts := newTestServer(t, Config{})
	a := ts.newWorld("Acme", "09520123456788", 1)
	ts.call("POST", "/v1/products", a.brandKey, map[string]any{"gtin": "09520123456801", "name": "Huge"}, 201, nil)
	// A server's batches are smaller than the sequence space unless its
	// limit says otherwise.
	body := map[string]any{"gtin": "09520123456801", "lot": "BIG", "expiry": "2030-01-01", "quantity": genuine.MaxBatchQuantity}
	resp := ts.do(request{method: "POST", path: "/v1/batches", key: a.brandKey, body: body})
	if p := resp.problem(t); resp.status != 413 || p.Code != genuine.ETooLarge {
		t.Fatalf("a batch of the whole sequence space: %d %+v, want 413 too_large", resp.status, p)
	}
	app := genuine.NewApp(ts.db, genuine.Config{Limits: genuine.Limits{MaxBatch: genuine.MaxBatchQuantity}})
	defer app.Close()
	brand, err := app.Authenticate(t.Context(), a.brandKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.CreateBatch(t.Context(), brand, genuine.BatchInput{GTIN: "09520123456801", Lot: "BIG", Expiry: genuine.NewDate(2030, 1, 1), Quantity: genuine.MaxBatchQuantity}); err != nil {
		t.Fatal(err)
	}
	before := ts.batchIDs(a.brandKey)
	body["quantity"] = 1
	resp = ts.do(request{method: "POST", path: "/v1/batches", key: a.brandKey, body: body})
	if p := resp.problem(t); resp.status != 409 || p.Code != genuine.EConflict {
		t.Fatalf("batch beyond the sequence space: %d %+v", resp.status, p)
	}
	if after := ts.batchIDs(a.brandKey); len(after) != len(before) {
		t.Fatalf("batches %v after a refused batch, before %v", after, before)
	}
}

// batchIDs lists a brand's batches.
func (ts *testServer) batchIDs(key string) []string {
	ts.tb.Helper()
	var l batchList
	ts.call("GET", "/v1/batches", key, nil, 200, &l)
	ids := make([]string, len(l.Batches))
	for i, b := range l.Batches {
		ids[i] = b.ID
	}
	return ids
}

func bodyReader(t *testing.T, body any) *strings.Reader {
	switch b := body.(type) {
	case nil:
		return strings.NewReader("")
	case string:
		return strings.NewReader(b)
	}
	j, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReader(string(j))
}

// send sends a prepared request and reads the response.
func (ts *testServer) send(r *http.Request) *response {
	ts.tb.Helper()
	resp, err := ts.client.Do(r)
	if err != nil {
		ts.tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.tb.Fatal(err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}
