package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"genuine/genuine"
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
	batches := "/v1/batches"
	events := "/v1/batches/" + a.batch.ID + "/events"
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
	}{
		{"malformed JSON", "POST", batches, a.brandKey, "", `{"gtin": "0952`, 400, "invalid", "not valid JSON"},
		{"syntax error", "POST", batches, a.brandKey, "", `{"gtin" "x"}`, 400, "invalid", "not valid JSON"},
		{"empty body", "POST", batches, a.brandKey, "", ``, 400, "invalid", "empty"},
		{"not an object", "POST", batches, a.brandKey, "", `[1,2]`, 400, "invalid", "JSON object"},
		{"unknown field", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["colour"] = "red" }), 400, "invalid", `"colour"`},
		{"wrong type", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["quantity"] = "ten" }), 400, "invalid", "quantity must be an integer"},
		{"trailing data", "POST", batches, a.brandKey, "", `{"gtin":"09520123456788"} {"lot":"x"}`, 400, "invalid", "one JSON value"},
		{"trailing garbage", "POST", batches, a.brandKey, "", `{"gtin":"09520123456788"} x`, 400, "invalid", "one JSON value"},
		{"wrong content type", "POST", batches, a.brandKey, "text/plain", okBatch(func(map[string]any) {}), 415, "invalid", "application/json"},
		{"form content type", "POST", "/v1/verify", "", "application/x-www-form-urlencoded", `code=x`, 415, "invalid", "application/json"},
		{"no content type", "POST", "/v1/units/events", a.brandKey, "none", `{"type":"stolen","codes":["x"]}`, 415, "invalid", "application/json"},
		{"wrong charset", "POST", "/v1/verify", "", "application/json; charset=latin1", `{"code":"x"}`, 415, "invalid", "UTF-8"},
		{"body too large", "POST", "/v1/units/events", a.brandKey, "", map[string]any{"type": "stolen", "codes": []string{strings.Repeat("x", 5000)}}, 413, "too_large", "4096 bytes"},
		{"body too large after a value", "POST", "/v1/verify", "", "", `{"code":"x"}` + strings.Repeat(" ", 5000), 413, "too_large", "bytes"},
		{"bad GTIN check digit", "POST", "/v1/products", a.brandKey, "", map[string]any{"gtin": "09520123456789", "name": "X"}, 400, "invalid", "check digit"},
		{"GTIN of 11 digits", "POST", "/v1/products", a.brandKey, "", map[string]any{"gtin": "12345678901", "name": "X"}, 400, "invalid", "digits"},
		{"product without name", "POST", "/v1/products", a.brandKey, "", map[string]any{"gtin": "09520123456801"}, 400, "invalid", "name"},
		{"existing product", "POST", "/v1/products", a.brandKey, "", map[string]any{"gtin": b.product.GTIN, "name": "X"}, 409, "conflict", "registered already"},
		{"bad GTIN in path", "GET", "/v1/products/0952012345678", a.brandKey, "", nil, 400, "invalid", "check digit"},
		{"batch: bad GTIN check digit", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["gtin"] = "09520123456780" }), 400, "invalid", "check digit"},
		{"lot over 20 characters", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["lot"] = strings.Repeat("A", 21) }), 400, "invalid", "lot"},
		{"lot outside CSET 82", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["lot"] = "LOT#1" }), 400, "invalid", "lot"},
		{"lot with a space", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["lot"] = "LOT 1" }), 400, "invalid", "lot"},
		{"no lot", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { delete(m, "lot") }), 400, "invalid", "lot"},
		{"bad expiry", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["expiry"] = "31/12/2027" }), 400, "invalid", "2027-12-31"},
		{"no expiry", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { delete(m, "expiry") }), 400, "invalid", "expiry"},
		{"quantity 0", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["quantity"] = 0 }), 400, "invalid", "quantity"},
		{"negative quantity", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["quantity"] = -5 }), 400, "invalid", "quantity"},
		{"quantity beyond the sequence space", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["quantity"] = genuine.MaxBatchQuantity + 1 }), 400, "invalid", "quantity"},
		{"quantity beyond int64", "POST", batches, a.brandKey, "", `{"gtin":"09520123456788","lot":"L2","expiry":"2027-12-31","quantity":1e30}`, 400, "invalid", "quantity"},
		{"malformed region", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["regions"] = []string{"cn-gd"} }), 400, "invalid", "region"},
		{"unknown country", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["regions"] = []string{"XX-GD"} }), 400, "invalid", "region"},
		{"product of another brand", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["gtin"] = b.product.GTIN }), 404, "not_found", "product"},
		{"unknown product", "POST", batches, a.brandKey, "", okBatch(func(m map[string]any) { m["gtin"] = "09520123456801" }), 404, "not_found", "product"},
		{"bad event type", "POST", events, a.brandKey, "", map[string]any{"type": "teleport"}, 400, "invalid", "event type"},
		{"checkout event type", "POST", events, a.brandKey, "", map[string]any{"type": "sell"}, 400, "invalid", "event type"},
		{"release again", "POST", events, a.brandKey, "", map[string]any{"type": "release"}, 409, genuine.EAlreadyReleased, "release"},
		{"regions on a recall", "POST", events, a.brandKey, "", map[string]any{"type": "recall", "regions": []string{"CN"}}, 400, "invalid", "regions"},
		{"half a range", "POST", events, a.brandKey, "", map[string]any{"type": "lock", "from_sequence": 1}, 400, "invalid", "to_sequence"},
		{"range outside the batch", "POST", events, a.brandKey, "", map[string]any{"type": "lock", "from_sequence": 1 << 39, "to_sequence": 1<<39 + 5}, 400, "invalid", "range"},
		{"partner releases", "POST", events, a.partnerKey, "", map[string]any{"type": "recall"}, 403, "forbidden", "partner"},
		{"bad unit event type", "POST", "/v1/units/events", a.brandKey, "", map[string]any{"type": "teleport", "codes": []string{codes[0].Code}}, 400, "invalid", "event type"},
		{"merchant locks", "POST", "/v1/units/events", a.merchantKey, "", map[string]any{"type": "lock", "codes": []string{codes[0].Code}}, 403, "forbidden", "lock"},
		{"no codes", "POST", "/v1/units/events", a.brandKey, "", map[string]any{"type": "stolen", "codes": []string{}}, 400, "invalid", "codes"},
		{"code not GS1 data", "POST", "/v1/units/events", a.brandKey, "", map[string]any{"type": "stolen", "codes": []string{codes[0].Code, "hello"}}, 400, "invalid", "code 2"},
		{"forged code", "POST", "/v1/units/events", a.brandKey, "", map[string]any{"type": "stolen", "codes": []string{codes[0].Code, forge(codes[1].Code)}}, 400, "invalid", "code 2"},
		{"same unit twice", "POST", "/v1/units/events", a.brandKey, "", map[string]any{"type": "stolen", "codes": []string{codes[0].Code, codes[0].Code}}, 400, "invalid", "code 2"},
		{"consume an unsold unit", "POST", "/v1/units/events", a.merchantKey, "", map[string]any{"type": "consume", "codes": []string{codes[0].Code}}, 409, genuine.ENotSold, "consume"},
		{"verify: not GS1 data", "POST", "/v1/verify", "", "", map[string]any{"code": "hello world"}, 400, "invalid", "not GS1 data"},
		{"verify: no code", "POST", "/v1/verify", "", "", map[string]any{}, 400, "invalid", "GS1"},
		{"verify: unknown field", "POST", "/v1/verify", "", "", map[string]any{"code": codes[0].Code, "x": 1}, 400, "invalid", `"x"`},
		{"verify: code not a string", "POST", "/v1/verify", "", "", map[string]any{"code": 12}, 400, "invalid", "code must be a string"},
		{"resolver: not GS1 data", "GET", "/01/0952012345678/21/ABC", "", "", nil, 400, "invalid", "not GS1 data"},
		{"resolver: bad AI value", "GET", "/01/09520123456788/21/ABC?17=271399", "", "", nil, 400, "invalid", "not GS1 data"},
		{"unknown export format", "GET", "/v1/batches/" + a.batch.ID + "/codes?format=xml", a.brandKey, "", nil, 400, "invalid", "ndjson or csv"},
		{"bad events limit", "GET", events + "?limit=ten", a.brandKey, "", nil, 400, "invalid", "limit"},
		{"merchant without region", "POST", "/v1/merchants", ts.admin, "", map[string]any{"name": "M"}, 400, "invalid", "region"},
		{"merchant: lat without lon", "POST", "/v1/merchants", ts.admin, "", map[string]any{"name": "M", "region": "CN", "lat": 1.5}, 400, "invalid", "lat"},
		{"key: unknown role", "POST", "/v1/keys", ts.admin, "", map[string]any{"role": "root"}, 400, "invalid", "role"},
		{"key: brand key without brand", "POST", "/v1/keys", ts.admin, "", map[string]any{"role": "brand"}, 400, "invalid", "brand_id"},
		{"key: unknown brand", "POST", "/v1/keys", ts.admin, "", map[string]any{"role": "brand", "brand_id": "brd_00000000000000000000"}, 404, "not_found", "brand"},
		{"brand without name", "POST", "/v1/brands", ts.admin, "", map[string]any{"code_rule": map[string]any{"serials": "minted"}}, 400, "invalid", "name"},
		{"code rule: bad stem", "PUT", "/v1/brands/" + a.brand.ID + "/code-rule", a.brandKey, "", map[string]any{"link_stem": "ftp://x", "serials": "minted"}, 400, "invalid", "link_stem"},
		{"code rule: active key", "PUT", "/v1/brands/" + a.brand.ID + "/code-rule", a.brandKey, "", map[string]any{"serials": "minted", "active_key": 3}, 400, "invalid", `"active_key"`},
		{"serials of a minted batch", "POST", "/v1/batches/" + a.batch.ID + "/serials", a.brandKey, "", map[string]any{"serials": []string{"A1"}}, 409, "conflict", "minted"},
		{"unknown batch", "GET", "/v1/batches/bat_00000000000000000000", a.brandKey, "", nil, 404, "not_found", "batch"},
		{"malformed batch id", "GET", "/v1/batches/..%2f", a.brandKey, "", nil, 404, "not_found", ""},
		{"unknown route", "GET", "/v1/nothing", a.brandKey, "", nil, 404, "not_found", "no such endpoint"},
		{"wrong method", "DELETE", "/v1/batches", a.brandKey, "", nil, 405, "invalid", "GET, HEAD, POST"},
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
	if len(evs.Events) != 2 {
		t.Errorf("events after refused events: %+v", evs.Events)
	}
}

// TestSequenceSpace fills a product's sequence space with one batch: the
// next batch is refused with a conflict and leaves nothing behind.
func TestSequenceSpace(t *testing.T) {
	ts := newTestServer(t, Config{})
	a := ts.newWorld("Acme", "09520123456788", 1)
	ts.call("POST", "/v1/products", a.brandKey, map[string]any{"gtin": "09520123456801", "name": "Huge"}, 201, nil)
	body := map[string]any{"gtin": "09520123456801", "lot": "BIG", "expiry": "2030-01-01", "quantity": genuine.MaxBatchQuantity}
	ts.call("POST", "/v1/batches", a.brandKey, body, 201, nil)
	before := ts.batchIDs(a.brandKey)
	body["quantity"] = 1
	resp := ts.do(request{method: "POST", path: "/v1/batches", key: a.brandKey, body: body})
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
