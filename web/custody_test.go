package web

import (
	"encoding/json"
	"strings"
	"testing"

	"genuine"
)

// TestCustodyFinding is issue 17's finding 2 through the HTTP interface:
// merchant M1 sells a unit; M2's return and restock of it are refused and
// it cannot be sold again; M2's destroy of another brand's units changes
// nothing and raises alerts that brand reads; the brand reads who recorded
// each of its events.
func TestCustodyFinding(t *testing.T) {
	ts := newTestServer(t, Config{})
	acme := ts.newWorld("Acme", "09520123456788", 10)
	other := ts.newWorld("Other", "09520123456795", 5)
	m1, m2 := acme.merchantKey, other.merchantKey
	ts.call("POST", "/v1/batches/"+acme.batch.ID+"/events", acme.brandKey, map[string]any{"type": "release"}, 201, nil)
	ts.call("POST", "/v1/batches/"+other.batch.ID+"/events", other.brandKey, map[string]any{"type": "release"}, 201, nil)
	codes, otherCodes := ts.codes(acme.brandKey, acme.batch.ID), ts.codes(other.brandKey, other.batch.ID)

	sale := ts.paidCheckout(m1, "sale-1", codes[0].Code)
	for _, typ := range []string{"return", "restock"} {
		resp := ts.do(request{method: "POST", path: "/v1/units/events", key: m2, body: map[string]any{"type": typ, "codes": []string{codes[0].Code}}})
		if p := resp.problem(t); resp.status != 409 || p.Code != "refund_only" {
			t.Errorf("M2's %s of M1's sale: %d %+v, want 409 refund_only", typ, resp.status, p)
		}
	}
	if v := ts.verify(codes[0].Code); v.State != genuine.StateSold {
		t.Fatalf("M1's sold unit is %s", v.State)
	}
	refusedFor(t, ts.checkout(m2, "sale-2", cartOf(1000, codes[0].Code)), genuine.EAlreadySold)

	// M2 destroys Other's units it does not hold: 202, reports, no change.
	var got struct {
		Events  []json.RawMessage `json:"events"`
		Reports []struct {
			Code, Type, Alert string
		} `json:"reports"`
	}
	body := map[string]any{"type": "destroy", "codes": []string{otherCodes[0].Code, otherCodes[1].Code, otherCodes[2].Code, otherCodes[3].Code, otherCodes[4].Code}}
	ts.call("POST", "/v1/units/events", acme.merchantKey, body, 202, &got)
	if len(got.Events) != 0 || len(got.Reports) != 5 || got.Reports[0].Code != otherCodes[0].Code || got.Reports[0].Type != "destroy" || got.Reports[0].Alert != "custody_report" {
		t.Fatalf("answer to a report of units not held: %+v", got)
	}
	for _, c := range otherCodes {
		if v := ts.verify(c.Code); v.State != genuine.StateInChannel {
			t.Errorf("a report destroyed a unit: %s", v.State)
		}
	}
	var alerts struct{ Alerts []genuine.Alert }
	ts.call("GET", "/v1/alerts", other.brandKey, nil, 200, &alerts)
	reported := 0
	for _, al := range alerts.Alerts {
		if al.Code == "custody_report" && al.MerchantID == acme.merchant.ID {
			reported++
		}
	}
	if reported != 5 {
		t.Errorf("Other reads %d custody alerts naming the merchant, want 5: %+v", reported, alerts.Alerts)
	}

	// The brand reads every event's author; the public journey none.
	var events struct {
		Events []map[string]any `json:"events"`
	}
	ts.call("GET", "/v1/batches/"+acme.batch.ID+"/events", acme.brandKey, nil, 200, &events)
	var sold bool
	for _, e := range events.Events {
		if e["actor_role"] == nil || e["actor_org"] == nil {
			t.Errorf("event without its author: %v", e)
		}
		if e["type"] == "release" && (e["actor_key"] == nil || e["actor_org"] != acme.brand.ID) {
			t.Errorf("release without the brand's key: %v", e)
		}
		if e["type"] == "sell" && e["actor_org"] == acme.merchant.ID && e["serial"] == codes[0].Serial {
			sold = true
		}
	}
	if !sold {
		t.Errorf("no sell event by M1 in %v", events.Events)
	}
	journey := ts.do(request{method: "GET", path: codes[0].Code, header: map[string]string{"Accept": "application/json"}})
	if strings.Contains(string(journey.body), "key_") || strings.Contains(string(journey.body), acme.merchant.ID) || strings.Contains(string(journey.body), sale.ID) {
		t.Errorf("public journey names an author: %s", journey.body)
	}
}
