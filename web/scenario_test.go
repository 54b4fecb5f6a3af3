package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"regexp"
	"strings"
	"testing"

	"genuine"
)

// TestScenario runs a brand's story through the HTTP interface: an
// admin sets up a brand, a merchant and keys; the brand creates a product
// and a batch of 1000, exports its codes and releases it; anyone verifies
// a code; a unit is reported stolen; a forged serial is caught; the batch
// is recalled.
func TestScenario(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 1000)
	if w.product.GTIN != "09520123456788" || w.batch.Quantity != 1000 || w.batch.Disposition != genuine.Commissioned {
		t.Fatalf("product %+v, batch %+v", w.product, w.batch)
	}

	// Export the codes in both formats; they agree and are unique.
	ndjson := ts.do(request{method: "GET", path: "/v1/batches/" + w.batch.ID + "/codes?format=ndjson", key: w.brandKey})
	if ndjson.status != 200 || ndjson.header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("ndjson export: %d %s", ndjson.status, ndjson.header.Get("Content-Type"))
	}
	codes := parseNDJSON(t, ndjson.body)
	if len(codes) != 1000 {
		t.Fatalf("ndjson export has %d codes, want 1000", len(codes))
	}
	csvResp := ts.do(request{method: "GET", path: "/v1/batches/" + w.batch.ID + "/codes?format=csv", key: w.brandKey})
	if csvResp.status != 200 || !strings.HasPrefix(csvResp.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv export: %d %s", csvResp.status, csvResp.header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(bytes.NewReader(csvResp.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1001 || rows[0][0] != "serial" || rows[0][1] != "code" {
		t.Fatalf("csv export: %d rows, header %v", len(rows), rows[0])
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if rows[i+1][0] != c.Serial || rows[i+1][1] != c.Code {
			t.Fatalf("record %d: csv %v, ndjson %+v", i, rows[i+1], c)
		}
		if seen[c.Serial] {
			t.Fatalf("serial %s twice", c.Serial)
		}
		seen[c.Serial] = true
		if want := ts.url + "/01/" + w.product.GTIN + "/21/" + c.Serial; c.Code != want {
			t.Fatalf("code %s, want %s", c.Code, want)
		}
	}

	// Release the batch into CN-GD.
	var release genuine.Event
	ts.call("POST", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, map[string]any{"type": "release", "regions": []string{"CN-GD"}}, 201, &release)
	if release.Type != genuine.EventRelease || release.BatchID != w.batch.ID {
		t.Fatalf("release event %+v", release)
	}

	// Anyone verifies a code: POST /v1/verify …
	v := ts.verify(codes[0].Code)
	if !v.Authentic || v.State != genuine.StateInChannel || v.Product == nil || v.Product.Name != "Acme tea" || v.Product.Brand != "Acme" ||
		v.Batch == nil || v.Batch.Lot != w.batch.Lot || v.Batch.Expired || v.Verifications != 0 || v.Serial != codes[0].Serial {
		t.Fatalf("verification %+v", v)
	}
	if len(v.Events) != 2 || v.Events[0].Type != genuine.EventCommission || v.Events[1].Type != genuine.EventRelease {
		t.Fatalf("journey %+v", v.Events)
	}

	// … or opens the code itself, the Digital Link URI, as JSON …
	resp := ts.do(request{method: "GET", path: codes[0].Code, header: map[string]string{"Accept": "application/json"}})
	var rv genuine.Verification
	decodeJSON(t, resp, 200, "application/json", &rv)
	if !rv.Authentic || rv.State != genuine.StateInChannel || rv.Verifications != 1 {
		t.Fatalf("resolver JSON %+v", rv)
	}
	if resp.header.Get("Vary") != "Accept" || resp.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("resolver headers %v", resp.header)
	}
	// … as a page in a browser …
	resp = ts.do(request{method: "GET", path: codes[0].Code, header: map[string]string{"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}})
	page := checkPage(t, resp, 200)
	for _, want := range []string{"Genuine", "Acme tea", "Acme", w.batch.Lot, "31 December 2027", "Released for sale", "verified 2 times before", "Made and labelled"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "Not genuine") || strings.Contains(page, "Warning") {
		t.Errorf("page of a genuine unit in the channel warns:\n%s", page)
	}
	// … with HEAD, as GET without a body …
	resp = ts.do(request{method: "HEAD", path: codes[0].Code})
	if resp.status != 200 || len(resp.body) != 0 || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") {
		t.Fatalf("HEAD: %d %q, body %q", resp.status, resp.header.Get("Content-Type"), resp.body)
	}
	// … and a page of another origin may ask first.
	resp = ts.do(request{method: "OPTIONS", path: codes[0].Code, header: map[string]string{
		"Origin": "https://shop.example", "Access-Control-Request-Method": "GET"}})
	if resp.status != 204 || resp.header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.header.Get("Access-Control-Allow-Methods"), "GET") {
		t.Fatalf("OPTIONS: %d %v", resp.status, resp.header)
	}

	// The brand hands a unit to a merchant, which reports it stolen;
	// verification shows it.
	ts.call("POST", "/v1/units/events", w.brandKey, map[string]any{"type": "receive", "codes": []string{codes[1].Code}, "merchant_id": w.merchant.ID}, 201, nil)
	var stolen struct{ Events []genuine.Event }
	ts.call("POST", "/v1/units/events", w.merchantKey, map[string]any{"type": "stolen", "codes": []string{codes[1].Code}}, 201, &stolen)
	if len(stolen.Events) != 1 || stolen.Events[0].Serial != codes[1].Serial || stolen.Events[0].Location != "CN-GD-SZ" {
		t.Fatalf("stolen events %+v", stolen.Events)
	}
	if v := ts.verify(codes[1].Code); !v.Authentic || v.State != genuine.StateStolen || v.Events[len(v.Events)-1].Type != genuine.EventStolen {
		t.Fatalf("stolen unit's verification %+v", v)
	}
	page = checkPage(t, ts.do(request{method: "GET", path: codes[1].Code}), 200)
	if !strings.Contains(page, "Warning: Reported stolen") {
		t.Errorf("page of a stolen unit:\n%s", page)
	}

	// A forged serial: one character changed.
	forged := forge(codes[2].Code)
	v = ts.verify(forged)
	if v.Authentic || v.Reason != genuine.ReasonCounterfeit || v.Product != nil || v.Batch != nil {
		t.Fatalf("forged code's verification %+v", v)
	}
	page = checkPage(t, ts.do(request{method: "GET", path: forged}), 200)
	if !strings.Contains(page, "Not genuine") || !strings.Contains(page, "may be counterfeit") {
		t.Errorf("page of a forged code:\n%s", page)
	}

	// The brand recalls the batch; every unit shows it.
	ts.call("POST", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, map[string]any{"type": "recall", "note": "contamination"}, 201, nil)
	for _, c := range []string{codes[0].Code, codes[1].Code, codes[999].Code} {
		if v := ts.verify(c); !v.Authentic || v.State != genuine.StateRecalled {
			t.Fatalf("after the recall, %s: %+v", c, v)
		}
	}
	var b genuine.Batch
	ts.call("GET", "/v1/batches/"+w.batch.ID, w.brandKey, nil, 200, &b)
	if b.Disposition != genuine.Recalled {
		t.Fatalf("batch %+v", b)
	}
	// A second recall is refused by the lifecycle, with its own code.
	resp = ts.do(request{method: "POST", path: "/v1/batches/" + w.batch.ID + "/events", key: w.brandKey, body: map[string]any{"type": "recall"}})
	if p := resp.problem(t); resp.status != 409 || p.Code != genuine.ERecalled {
		t.Fatalf("second recall: %d %+v", resp.status, p)
	}
}

// verify posts a code to /v1/verify.
func (ts *testServer) verify(code string) genuine.Verification {
	ts.tb.Helper()
	var v genuine.Verification
	resp := ts.call("POST", "/v1/verify", "", map[string]string{"code": code}, 200, &v)
	if resp.header.Get("Access-Control-Allow-Origin") != "*" {
		ts.tb.Fatalf("POST /v1/verify without CORS: %v", resp.header)
	}
	return v
}

// forge changes the last character of a code's serial.
func forge(code string) string {
	last := code[len(code)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return code[:len(code)-1] + string(repl)
}

var styleRE = regexp.MustCompile(`(?s)<style>(.*?)</style>`)

// checkPage checks an HTML response: status, type, security headers, and
// a Content-Security-Policy that allows the page's own inline style and
// this server's scripts and styles, nothing inline besides. It returns the page.
func checkPage(t *testing.T, resp *response, status int) string {
	t.Helper()
	if resp.status != status || resp.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("page: %d %q; body: %s", resp.status, resp.header.Get("Content-Type"), resp.body)
	}
	checkSecurityHeaders(t, resp)
	csp := resp.header.Get("Content-Security-Policy")
	m := styleRE.FindSubmatch(resp.body)
	if m == nil {
		t.Fatalf("page without a style")
	}
	sum := sha256.Sum256(m[1])
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "style-src 'self' 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") ||
		!strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
		t.Fatalf("CSP %q does not allow exactly the page's style", csp)
	}
	if bytes.Contains(resp.body, []byte("<script")) || bytes.Contains(resp.body, []byte("http")) && bytes.Contains(resp.body, []byte(`src="http`)) {
		t.Fatalf("page loads scripts or external assets")
	}
	return string(resp.body)
}

// checkSecurityHeaders checks the headers every response carries.
func checkSecurityHeaders(t testing.TB, resp *response) {
	t.Helper()
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if got := resp.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if resp.header.Get("Content-Security-Policy") == "" {
		t.Errorf("no Content-Security-Policy")
	}
}
