package web

import (
	"strings"
	"testing"

	"genuine"
)

// alertsOf returns a brand's alerts of code consumer_report, by serial.
func alertsOf(ts *testServer, brandKey string) map[string]genuine.Alert {
	var as struct{ Alerts []genuine.Alert }
	ts.call("GET", "/v1/alerts", brandKey, nil, 200, &as)
	out := map[string]genuine.Alert{}
	for _, a := range as.Alerts {
		if a.Code == genuine.AlertConsumerReport {
			out[a.Serial] = a
		}
	}
	return out
}

// TestReport: a shopper's report of a genuine unit, and of a forged serial
// of a known product, reaches that product's brand and no other; repeats
// count up; the message is kept as plain text; bad input is refused.
func TestReport(t *testing.T) {
	ts := newTestServer(t, Config{})
	a := ts.newWorld("Acme", "09520123456788", 10)
	b := ts.newWorld("Bolt", "09520123456795", 10)
	ts.call("POST", "/v1/batches/"+a.batch.ID+"/events", a.brandKey, map[string]any{"type": "release"}, 201, nil)
	codes := ts.codes(a.brandKey, a.batch.ID)
	report := func(body map[string]any, want int) *response {
		t.Helper()
		return ts.call("POST", "/v1/reports", "", body, want, nil)
	}

	// A genuine unit, reported with a message full of control and
	// bidirectional formatting characters, and a merchant.
	var v genuine.Verification
	ts.call("POST", "/v1/verify", "", map[string]any{"code": codes[0].Code}, 200, &v)
	if !v.Authentic {
		t.Fatalf("unit 0 does not verify: %+v", v)
	}
	resp := report(map[string]any{"code": codes[0].Code, "reason": "sold_before",
		"message": "bought\x00 new\n\tyesterday \u202eevil\u202c\x1b[31m <b>", "merchant_id": a.merchant.ID}, 202)
	if got := strings.TrimSpace(string(resp.body)); got != `{"status":"received"}` {
		t.Errorf("report answered %s", got)
	}
	got := alertsOf(ts, a.brandKey)
	al, ok := got[v.Serial]
	if !ok || len(got) != 1 {
		t.Fatalf("brand A's report alerts %+v, want one of serial %s", got, v.Serial)
	}
	wantMsg := "shopper reported: sold_before: bought new yesterday evil[31m <b>"
	if al.Rule != "report" || al.Action != genuine.ActionFlag || al.GTIN != a.product.GTIN || al.Count != 1 ||
		al.MerchantID != a.merchant.ID || al.Message != wantMsg {
		t.Errorf("alert %+v, want rule report, action flag, GTIN %s, count 1, merchant %s, message %q", al, a.product.GTIN, a.merchant.ID, wantMsg)
	}
	if n := len(alertsOf(ts, b.brandKey)); n != 0 {
		t.Errorf("brand B sees %d report alerts of brand A's unit", n)
	}
	// Reporting is not verifying: the count stays.
	var after genuine.Verification
	ts.call("POST", "/v1/verify", "", map[string]any{"code": codes[0].Code}, 200, &after)
	if after.Verifications != v.Verifications+1 {
		t.Errorf("verifications %d after a report, want %d", after.Verifications, v.Verifications+1)
	}

	// The same unit again, from no shop: one alert, counted up, the
	// latest report's message and merchant.
	report(map[string]any{"code": codes[0].Code, "reason": "counterfeit"}, 202)
	al = alertsOf(ts, a.brandKey)[v.Serial]
	if al.Count != 2 || al.MerchantID != "" || al.Message != "shopper reported: counterfeit" {
		t.Errorf("repeated report: %+v, want count 2, no merchant, the latest message", al)
	}

	// A forged serial of a known product still reaches its brand.
	forged := forge(codes[1].Code)
	ts.call("POST", "/v1/verify", "", map[string]any{"code": forged}, 200, &v)
	if v.Authentic {
		t.Fatalf("forged code verifies: %+v", v)
	}
	report(map[string]any{"code": forged, "reason": "counterfeit", "message": "fake box"}, 202)
	al, ok = alertsOf(ts, a.brandKey)[v.Serial]
	want := "shopper reported: counterfeit (the code does not verify: " + genuine.ReasonCounterfeit + "): fake box"
	if !ok || al.Message != want {
		t.Errorf("forged code's alert %+v (found %v), want message %q", al, ok, want)
	}
	if n := len(alertsOf(ts, b.brandKey)); n != 0 {
		t.Errorf("brand B sees %d report alerts", n)
	}

	// Refusals.
	for _, tt := range []struct {
		name   string
		body   map[string]any
		status int
	}{
		{"unknown product", map[string]any{"code": "(01)09520123456801(21)X1", "reason": "counterfeit"}, 404},
		{"not GS1", map[string]any{"code": "hello", "reason": "counterfeit"}, 400},
		{"no serial", map[string]any{"code": "(01)09520123456788", "reason": "counterfeit"}, 400},
		{"bad reason", map[string]any{"code": codes[2].Code, "reason": "ugly"}, 400},
		{"no reason", map[string]any{"code": codes[2].Code}, 400},
		{"message too long", map[string]any{"code": codes[2].Code, "reason": "other", "message": strings.Repeat("假", 501)}, 400},
		{"malformed merchant", map[string]any{"code": codes[2].Code, "reason": "other", "merchant_id": "shop"}, 400},
		{"missing merchant", map[string]any{"code": codes[2].Code, "reason": "other", "merchant_id": "mer_00000000000000000000"}, 400},
		{"unknown field", map[string]any{"code": codes[2].Code, "reason": "other", "brand_id": b.brand.ID}, 400},
	} {
		resp := ts.do(request{method: "POST", path: "/v1/reports", body: tt.body})
		if resp.status != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.status, resp.body, tt.status)
		}
		// The shopper is told why there is no one to report to.
		if tt.name == "unknown product" && !strings.Contains(string(resp.body), "is not a product of a brand here") {
			t.Errorf("%s: %s, want it to say the GTIN is no brand's product", tt.name, resp.body)
		}
	}
	if _, ok := alertsOf(ts, a.brandKey)[codes[2].Serial]; ok {
		t.Errorf("a refused report raised an alert")
	}
	// 500 characters is the limit, not over it.
	report(map[string]any{"code": codes[2].Code, "reason": "other", "message": strings.Repeat("假", 500)}, 202)
}

// TestReportRateLimit: reports spend the public per-address budget.
func TestReportRateLimit(t *testing.T) {
	ts := newTestServer(t, Config{PublicRateLimit: 0.01, PublicBurst: 2})
	a := ts.newWorld("Acme", "09520123456788", 3)
	codes := ts.codes(a.brandKey, a.batch.ID)
	body := map[string]any{"code": codes[0].Code, "reason": "counterfeit"}
	ts.call("POST", "/v1/reports", "", body, 202, nil)
	ts.call("POST", "/v1/reports", "", body, 202, nil)
	resp := ts.do(request{method: "POST", path: "/v1/reports", body: body})
	if resp.status != 429 || resp.header.Get("Retry-After") == "" {
		t.Fatalf("third report: %d, Retry-After %q; want 429 with Retry-After", resp.status, resp.header.Get("Retry-After"))
	}
	if al := alertsOf(ts, a.brandKey)[codes[0].Serial]; al.Count != 2 {
		t.Errorf("alert count %d after two reports and one refused, want 2", al.Count)
	}
}

// TestReportOwnLimit: reports have a per-address budget of their own, far
// below the public one (each new serial reported is a new alert for a
// brand to read), and spending it leaves verification alone.
func TestReportOwnLimit(t *testing.T) {
	ts := newTestServer(t, Config{ReportRateLimit: 0.01, ReportBurst: 2})
	a := ts.newWorld("Acme", "09520123456788", 3)
	codes := ts.codes(a.brandKey, a.batch.ID)
	for _, c := range codes[:2] {
		ts.call("POST", "/v1/reports", "", map[string]any{"code": c.Code, "reason": "counterfeit"}, 202, nil)
	}
	resp := ts.do(request{method: "POST", path: "/v1/reports", body: map[string]any{"code": codes[2].Code, "reason": "counterfeit"}})
	if p := resp.problem(t); resp.status != 429 || p.Code != genuine.ERateLimited || resp.header.Get("Retry-After") == "" {
		t.Fatalf("third report: %d %+v, Retry-After %q; want 429 with Retry-After", resp.status, p, resp.header.Get("Retry-After"))
	}
	if n := len(alertsOf(ts, a.brandKey)); n != 2 {
		t.Errorf("%d report alerts after two reports and one refused, want 2", n)
	}
	ts.call("POST", "/v1/verify", "", map[string]any{"code": codes[2].Code}, 200, nil)
}
