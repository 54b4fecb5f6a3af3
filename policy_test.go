package genuine_test

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"genuine"
)

const (
	merchantA = "mer_0123456789abcdefghjk"
	merchantB = "mer_mnpqrstvwxyz01234567"
	fenceSZ   = `{"type":"Polygon","coordinates":[[[113,22],[115,22],[115,23],[113,23],[113,22]]]}`
)

// fence returns a Polygon geofence of n positions: a closed ring around
// (0, 0).
func fence(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := range n - 1 {
		a := 2 * math.Pi * float64(i) / float64(n-1)
		fmt.Fprintf(&b, "[%.6f,%.6f],", 10*math.Cos(a), 10*math.Sin(a))
	}
	b.WriteString(`[10,0]]]}`)
	return b.String()
}

// rules wraps rule objects in a policy document.
func rules(rs ...string) string { return `{"rules": [` + strings.Join(rs, ",") + `]}` }

func TestParsePolicyInvalid(t *testing.T) {
	many := make([]string, 33)
	for i := range many {
		many[i] = `{"rule":"state"}`
	}
	merchants := make([]string, 10001)
	for i := range merchants {
		merchants[i] = fmt.Sprintf("%q", fmt.Sprintf("mer_%020d", i))
	}
	tests := []struct {
		doc  string
		want string // the whole message, or its start if it ends with …
	}{
		{``, `the policy is not valid JSON…`},
		{`{"rules": [1,]}`, `the policy is not valid JSON: invalid character ']' looking for beginning of value, near byte 14`},
		{`null`, `a policy is a JSON object…`},
		{`[]`, `a policy is a JSON object…`},
		{`{"rules": []`, `the policy is not valid JSON: unexpected end of JSON input…`},
		{`{"rules": []} {}`, `the policy is not valid JSON: invalid character '{' after top-level value, near byte 15`},
		{`{}`, `a policy needs "rules": a list of rules, which may be empty`},
		{`{"mode": "shadow"}`, `a policy needs "rules"…`},
		{`{"rules": null}`, `"rules" must be a list of rules, which may be empty`},
		{`{"rules": {}}`, `"rules" must be a list…`},
		{`{"rules": [], "owner": "me"}`, `unknown field "owner" in the policy; a policy has mode and rules`},
		{`{"Rules": []}`, `unknown field "Rules" in the policy…`},
		{`{"rules": [], "mode": "audit"}`, `mode "audit" must be enforce or shadow`},
		{`{"rules": [], "mode": "Shadow"}`, `mode "Shadow" must be enforce or shadow`},
		{`{"rules": [], "mode": true}`, `"mode" must be "enforce" or "shadow"`},
		{`{"rules": [], "version": -1}`, `version -1 must not be negative`},
		{`{"rules": [], "version": "1"}`, `"version" must be an integer`},
		{`{"rules": [], "scope": 1}`, `"scope" must be a string`},
		{`{"rules": [], "created_at": "yesterday"}`, `"created_at" must be an RFC 3339 time…`},
		{rules(many...), `a policy has at most 32 rules; this one has 33`},
		// Any rule.
		{rules(`1`), `rule 1: a rule is a JSON object such as {"rule": "state"}`},
		{rules(`{"rule":"state"}`, `null`), `rule 2: a rule is a JSON object…`},
		{rules(`{}`), `rule 1: "rule" must name the rule: one of authentic, state, region, expiry, merchant, price, velocity, host`},
		{rules(`{"rule": 7}`), `rule 1: "rule" must name the rule…`},
		{rules(`{"rule": null}`), `rule 1: "rule" must name the rule…`},
		{rules(`{"rule":"state"}`, `{"rule": "colour"}`), `rule 2 ("colour"): unknown rule; rules are authentic, state, region, expiry, merchant, price, velocity, host`},
		{rules(`{"rule": "State"}`), `rule 1 ("State"): unknown rule…`},
		{rules(`{"rule":"state","action":"warn"}`), `rule 1 (state): action "warn" must be refuse or flag`},
		{rules(`{"rule":"state","action":1}`), `rule 1 (state): "action" must be "refuse" or "flag"`},
		{rules(`{"rule":"state","shadow":"yes"}`), `rule 1 (state): "shadow" must be true or false`},
		{rules(`{"rule":"state","colour":"red"}`), `rule 1 (state): unknown field "colour"`},
		{rules(`{"rule":"state","Allowed":["sold"]}`), `rule 1 (state): unknown field "Allowed"`},
		{rules(`{"rule":"state","merchants":[]}`), `rule 1 (state): "merchants" does not belong to a state rule`},
		{rules(`{"rule":"expiry","within_days":0,"max_scans":0}`), `rule 1 (expiry): "max_scans" does not belong to an expiry rule`},
		{rules(`{"rule":"state"}`, `{"rule":"region"}`, `{"rule":"state"}`), `rule 3 (state): a policy has one state rule, and rule 1 is one`},
		{rules(`{"rule":"price","currency":"CNY","min":1}`, `{"rule":"price","currency":"CNY","max":1}`), `rule 2 (price): a policy has one price rule, and rule 1 is one`},
		// authentic
		{rules(`{"rule":"state"}`, `{"rule":"authentic"}`), `rule 2 (authentic): authentic must be the first rule`},
		{rules(`{"rule":"authentic"}`, `{"rule":"authentic"}`), `rule 2 (authentic): authentic must be the first rule`},
		{rules(`{"rule":"authentic","action":"flag"}`), `rule 1 (authentic): authentic always refuses a code that is not authentic; it cannot be flag`},
		{rules(`{"rule":"authentic","shadow":true}`), `rule 1 (authentic): authentic is always enforced; it cannot be shadow`},
		{rules(`{"rule":"authentic","allowed":["in_channel"]}`), `rule 1 (authentic): "allowed" does not belong to an authentic rule`},
		// state
		{rules(`{"rule":"state","allowed":[]}`), `rule 1 (state): allowed is empty; list the states that may be sold, such as ["in_channel"]`},
		{rules(`{"rule":"state","allowed":["in_channel","for_sale"]}`), `rule 1 (state): allowed: "for_sale" is not a unit state; states are commissioned, consumed, …`},
		{rules(`{"rule":"state","allowed":"in_channel"}`), `rule 1 (state): "allowed" must be a list of strings`},
		{rules(`{"rule":"state","allowed":[1]}`), `rule 1 (state): "allowed" must be a list of strings`},
		// region
		{rules(`{"rule":"region","geofences":[]}`), `rule 1 (region): geofences is empty; omit it, or give GeoJSON Polygons or MultiPolygons`},
		{rules(`{"rule":"region","geofences":{}}`), `rule 1 (region): "geofences" must be a list of GeoJSON geometries`},
		{rules(`{"rule":"region","geofences":[1]}`), `rule 1 (region): geofence 1: not a GeoJSON geometry object with type and coordinates`},
		{rules(`{"rule":"region","geofences":[` + fenceSZ + `,{"type":"Point","coordinates":[1,2]}]}`), `rule 1 (region): geofence 2: type "Point" is not Polygon or MultiPolygon`},
		{rules(`{"rule":"region","geofences":[{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}]}`), `rule 1 (region): geofence 1: ring 1 has 3 positions; a closed ring needs at least 4`},
		{rules(`{"rule":"region","geofences":[{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}]}`), `rule 1 (region): geofence 1: ring 1 is not closed…`},
		{rules(`{"rule":"region","geofences":[{"type":"Polygon","coordinates":[[[0,0],[180.5,0],[1,1],[0,0]]]}]}`), `rule 1 (region): geofence 1: ring 1, position 2 [180.5, 0] is off the globe…`},
		{rules(`{"rule":"region","geofences":[{"type":"Polygon","coordinates":[[[0,0],[1,90.5],[1,1],[0,0]]]}]}`), `rule 1 (region): geofence 1: ring 1, position 2 [1, 90.5] is off the globe…`},
		{rules(`{"rule":"region","geofences":[` + fence(600) + `,` + fence(401) + `]}`), `rule 1 (region): geofences have 1001 positions in all; at most 1000`},
		// expiry
		{rules(`{"rule":"expiry","within_days":-1}`), `rule 1 (expiry): within_days -1 must be 0 to 3650`},
		{rules(`{"rule":"expiry","within_days":3651}`), `rule 1 (expiry): within_days 3651 must be 0 to 3650`},
		{rules(`{"rule":"expiry","within_days":1.5}`), `rule 1 (expiry): "within_days" must be an integer`},
		// merchant
		{rules(`{"rule":"merchant"}`), `rule 1 (merchant): merchants is empty; list the ids of the authorized resellers`},
		{rules(`{"rule":"merchant","merchants":[]}`), `rule 1 (merchant): merchants is empty…`},
		{rules(`{"rule":"merchant","merchants":["` + merchantA + `","shop 7"]}`), `rule 1 (merchant): merchant 2 "shop 7" is not a merchant id (mer_ and 20 letters and digits)`},
		{rules(`{"rule":"merchant","merchants":["mer_0123456789abcdefghij"]}`), `rule 1 (merchant): merchant 1 "mer_0123456789abcdefghij" is not a merchant id…`},
		{rules(`{"rule":"merchant","merchants":["MER_0123456789ABCDEFGHJK"]}`), `rule 1 (merchant): merchant 1 "MER_0123456789ABCDEFGHJK" is not…`},
		{rules(`{"rule":"merchant","merchants":["bra_0123456789abcdefghjk"]}`), `rule 1 (merchant): merchant 1 "bra_0123456789abcdefghjk" is not…`},
		{rules(`{"rule":"merchant","merchants":["mer_0123456789abcdefghj"]}`), `rule 1 (merchant): merchant 1 "mer_0123456789abcdefghj" is not…`},
		{rules(`{"rule":"merchant","merchants":[` + strings.Join(merchants, ",") + `]}`), `rule 1 (merchant): at most 10000 merchants; this list has 10001`},
		// price
		{rules(`{"rule":"price","min":1}`), `rule 1 (price): currency is required, such as "CNY"`},
		{rules(`{"rule":"price","currency":"cny","min":1}`), `rule 1 (price): currency "cny" must be three upper-case letters (ISO 4217), such as "CNY"`},
		{rules(`{"rule":"price","currency":"CN","min":1}`), `rule 1 (price): currency "CN" must be three upper-case letters…`},
		{rules(`{"rule":"price","currency":"YUAN","min":1}`), `rule 1 (price): currency "YUAN" must be three upper-case letters…`},
		{rules(`{"rule":"price","currency":"XYZ","min":1}`), `rule 1 (price): currency XYZ is not an ISO 4217 currency`},
		{rules(`{"rule":"price","currency":"CNY"}`), `rule 1 (price): give min, max or both, in minor units of the currency`},
		{rules(`{"rule":"price","currency":"CNY","min":null}`), `rule 1 (price): give min, max or both…`},
		{rules(`{"rule":"price","currency":"CNY","min":-1}`), `rule 1 (price): min -1 must not be negative`},
		{rules(`{"rule":"price","currency":"CNY","max":-5}`), `rule 1 (price): max -5 must not be negative`},
		{rules(`{"rule":"state"}`, `{"rule":"region"}`, `{"rule":"price","currency":"CNY","min":500,"max":100}`), `rule 3 (price): min 500 is above max 100`},
		{rules(`{"rule":"price","currency":"CNY","min":"5"}`), `rule 1 (price): "min" must be an integer`},
		{rules(`{"rule":"price","currency":"CNY","max":9.99}`), `rule 1 (price): "max" must be an integer`},
		{rules(`{"rule":"price","currency":"CNY","max":1e30}`), `rule 1 (price): "max" must be an integer`},
		// velocity
		{rules(`{"rule":"velocity"}`), `rule 1 (velocity): give max_scans, max_speed_kmh or both, above 0`},
		{rules(`{"rule":"velocity","max_scans":0,"max_speed_kmh":0}`), `rule 1 (velocity): give max_scans, max_speed_kmh or both, above 0`},
		{rules(`{"rule":"velocity","max_scans":-1,"max_speed_kmh":900}`), `rule 1 (velocity): max_scans -1 must not be negative`},
		{rules(`{"rule":"velocity","max_scans":10,"max_speed_kmh":-900}`), `rule 1 (velocity): max_speed_kmh -900 must be a number, not negative`},
		{rules(`{"rule":"velocity","max_scans":2.5}`), `rule 1 (velocity): "max_scans" must be an integer`},
		{rules(`{"rule":"velocity","max_speed_kmh":"fast"}`), `rule 1 (velocity): "max_speed_kmh" must be a number`},
	}
	for _, tt := range tests {
		p, err := genuine.ParsePolicy([]byte(tt.doc))
		if err == nil {
			t.Errorf("ParsePolicy(%.200s) = %+v, want error %q", tt.doc, p, tt.want)
			continue
		}
		if code := genuine.ErrorCode(err); code != genuine.EInvalid {
			t.Errorf("ParsePolicy(%.200s): code %q, want %q", tt.doc, code, genuine.EInvalid)
		}
		msg := err.Error()
		prefix, partial := strings.CutSuffix(tt.want, "…")
		if partial && !strings.HasPrefix(msg, prefix) || !partial && msg != tt.want {
			t.Errorf("ParsePolicy(%.200s):\n got %s\nwant %s", tt.doc, msg, tt.want)
		}
	}
}

func TestParsePolicyValid(t *testing.T) {
	authentic := genuine.Rule{Rule: "authentic", Action: "refuse"}
	ptr := func(v int64) *int64 { return &v }
	tests := []struct {
		doc  string
		want genuine.Policy
	}{
		{`{"rules": []}`, genuine.Policy{Mode: "enforce", Rules: []genuine.Rule{authentic}}},
		{`{"rules": [{"rule": "authentic"}], "mode": "shadow"}`, genuine.Policy{Mode: "shadow", Rules: []genuine.Rule{authentic}}},
		{`{"rules": [{"rule":"state"}], "mode": ""}`, genuine.Policy{Mode: "enforce", Rules: []genuine.Rule{authentic,
			{Rule: "state", Action: "refuse", Allowed: []genuine.UnitState{"in_channel"}}}}},
		{`{"rules": [{"rule":"state","allowed":null,"action":"flag","shadow":true}]}`, genuine.Policy{Mode: "enforce", Rules: []genuine.Rule{authentic,
			{Rule: "state", Action: "flag", Shadow: true, Allowed: []genuine.UnitState{"in_channel"}}}}},
		{`{"rules": [{"rule":"authentic","action":"refuse","shadow":false},{"rule":"state","allowed":["returned","in_channel","returned"]}]}`,
			genuine.Policy{Mode: "enforce", Rules: []genuine.Rule{authentic,
				{Rule: "state", Action: "refuse", Allowed: []genuine.UnitState{"returned", "in_channel"}}}}},
		{`{"scope": "brand", "version": 3, "created_at": "2026-01-02T15:04:05.5+08:00", "rules": [{"rule":"expiry"}]}`,
			genuine.Policy{Scope: "brand", Version: 3, Mode: "enforce", CreatedAt: time.Date(2026, 1, 2, 7, 4, 5, 5e8, time.UTC),
				Rules: []genuine.Rule{authentic, {Rule: "expiry", Action: "refuse"}}}},
		{rules(`{"rule":"expiry","within_days":3650}`), genuine.Policy{Mode: "enforce", Rules: []genuine.Rule{authentic,
			{Rule: "expiry", Action: "refuse", WithinDays: 3650}}}},
		{rules(`{"rule":"region","geofences":[{"bbox":[113,22,115,23],"type":"Polygon","coordinates":[[[113,22],[115,22],[115,23],[113,23],[113,22.0]]]}]}`),
			genuine.Policy{Mode: "enforce", Rules: []genuine.Rule{authentic,
				{Rule: "region", Action: "refuse", Geofences: []json.RawMessage{json.RawMessage(fenceSZ)}}}}},
		{rules(`{"rule":"region","geofences":[` + fence(500) + `,` + fence(500) + `]}`), genuine.Policy{}}, // exactly 1000 positions
		{rules(`{"rule":"merchant","merchants":["` + merchantA + `","` + merchantB + `","` + merchantA + `"]}`),
			genuine.Policy{Mode: "enforce", Rules: []genuine.Rule{authentic,
				{Rule: "merchant", Action: "refuse", Merchants: []string{merchantA, merchantB}}}}},
		{rules(`{"rule":"price","currency":"CNY","min":0}`), genuine.Policy{Mode: "enforce", Rules: []genuine.Rule{authentic,
			{Rule: "price", Action: "refuse", Currency: "CNY", Min: ptr(0)}}}},
		{rules(`{"rule":"price","currency":"JPY","max":5000,"action":"flag"}`), genuine.Policy{Mode: "enforce", Rules: []genuine.Rule{authentic,
			{Rule: "price", Action: "flag", Currency: "JPY", Max: ptr(5000)}}}},
		{rules(`{"rule":"price","currency":"CNY","min":100,"max":100}`), genuine.Policy{Mode: "enforce", Rules: []genuine.Rule{authentic,
			{Rule: "price", Action: "refuse", Currency: "CNY", Min: ptr(100), Max: ptr(100)}}}},
		{rules(`{"rule":"velocity","max_scans":10}`), genuine.Policy{Mode: "enforce", Rules: []genuine.Rule{authentic,
			{Rule: "velocity", Action: "refuse", MaxScans: 10}}}},
		{rules(`{"rule":"velocity","max_speed_kmh":900.5,"max_scans":0}`), genuine.Policy{Mode: "enforce", Rules: []genuine.Rule{authentic,
			{Rule: "velocity", Action: "refuse", MaxSpeedKMH: 900.5}}}},
	}
	for _, tt := range tests {
		p, err := genuine.ParsePolicy([]byte(tt.doc))
		if err != nil {
			t.Errorf("ParsePolicy(%.200s): %v", tt.doc, err)
			continue
		}
		if tt.want.Rules != nil && !reflect.DeepEqual(*p, tt.want) {
			t.Errorf("ParsePolicy(%.200s):\n got %s\nwant %s", tt.doc, mustJSON(t, p), mustJSON(t, tt.want))
		}
		checkRoundTrip(t, p)
	}
}

// A policy with every rule parses as written.
func TestParsePolicyEveryRule(t *testing.T) {
	p, err := genuine.ParsePolicy([]byte(everyRule))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range p.Rules {
		names = append(names, r.Rule)
	}
	if got := strings.Join(names, " "); got != "authentic state region expiry merchant price velocity" {
		t.Errorf("rules = %s", got)
	}
	checkRoundTrip(t, p)
}

func TestDefaultPolicy(t *testing.T) {
	p := genuine.DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, p)
	got := mustJSON(t, p.Rules)
	want := `[{"rule":"authentic","action":"refuse"},{"rule":"state","action":"refuse","allowed":["in_channel"]},` +
		`{"rule":"region","action":"refuse"},{"rule":"expiry","action":"refuse"}]`
	if got != want {
		t.Errorf("default rules = %s, want %s", got, want)
	}
	if p.Version != 0 || p.Scope != "default" || p.Mode != "enforce" {
		t.Errorf("default policy: scope %q version %d mode %q", p.Scope, p.Version, p.Mode)
	}
	p.Rules[1].Allowed[0] = genuine.StateSold
	if genuine.DefaultPolicy().Rules[1].Allowed[0] != genuine.StateInChannel {
		t.Error("changing one default policy changes the next")
	}
}

// Validate checks policies built in Go as ParsePolicy does, and leaves
// them as they are.
func TestPolicyValidate(t *testing.T) {
	ptr := func(v int64) *int64 { return &v }
	tests := []struct {
		p    *genuine.Policy
		want string
	}{
		{nil, "no policy"},
		{&genuine.Policy{}, ""},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "state"}, {Rule: "expiry", WithinDays: 30}}}, ""},
		{&genuine.Policy{Mode: "off"}, `mode "off" must be enforce or shadow`},
		{&genuine.Policy{Version: -2}, `version -2 must not be negative`},
		{&genuine.Policy{Rules: make([]genuine.Rule, 33)}, `a policy has at most 32 rules; this one has 33`},
		{&genuine.Policy{Rules: []genuine.Rule{{}}}, `rule 1 (""): "rule" must name the rule: one of authentic, state, region, expiry, merchant, price, velocity, host`},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "state", WithinDays: 3}}}, `rule 1 (state): "within_days" does not belong to a state rule`},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "expiry", Merchants: []string{}}}}, `rule 1 (expiry): "merchants" does not belong to an expiry rule`},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "merchant", Merchants: []string{merchantA}, Currency: "CNY"}}}, `rule 1 (merchant): "currency" does not belong to a merchant rule`},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "velocity", MaxScans: 1, Min: ptr(1)}}}, `rule 1 (velocity): "min" does not belong to a velocity rule`},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "region", MaxSpeedKMH: 1}}}, `rule 1 (region): "max_speed_kmh" does not belong to a region rule`},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "expiry", MaxScans: 3}}}, `rule 1 (expiry): "max_scans" does not belong to an expiry rule`},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "authentic", Allowed: []genuine.UnitState{}}}}, `rule 1 (authentic): "allowed" does not belong to an authentic rule`},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "velocity", MaxScans: 1, Geofences: []json.RawMessage{}}}}, `rule 1 (velocity): "geofences" does not belong to a velocity rule`},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "state", Max: ptr(1)}}}, `rule 1 (state): "max" does not belong to a state rule`},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "price", Currency: "CNY", Min: ptr(5), Max: ptr(4)}}}, `rule 1 (price): min 5 is above max 4`},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "velocity", MaxSpeedKMH: math.NaN()}}}, `rule 1 (velocity): max_speed_kmh NaN must be a number, not negative`},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "region", Geofences: []json.RawMessage{json.RawMessage(`{`)}}}}, `rule 1 (region): geofence 1: not a GeoJSON geometry object with type and coordinates`},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "state", Allowed: []genuine.UnitState{""}}}}, `rule 1 (state): allowed: "" is not a unit state; states are commissioned, consumed, destroyed, in_channel, locked, recalled, reserved, returned, sold, stolen, withdrawn`},
		{&genuine.Policy{Rules: []genuine.Rule{{Rule: "state"}, {Rule: "authentic"}}}, `rule 2 (authentic): authentic must be the first rule`},
	}
	for i, tt := range tests {
		before := snapshot(tt.p)
		err := tt.p.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%d: Validate: %v", i, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want || genuine.ErrorCode(err) != genuine.EInvalid):
			t.Errorf("%d: Validate:\n got %v\nwant %s", i, err, tt.want)
		}
		if after := snapshot(tt.p); after != before {
			t.Errorf("%d: Validate changed the policy: %s to %s", i, before, after)
		}
	}
}

// snapshot writes p as JSON, or with %+v if JSON cannot hold it.
func snapshot(p *genuine.Policy) string {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Sprintf("%+v", p)
	}
	return string(b)
}

// checkRoundTrip checks that p marshals to a document that parses to p.
func checkRoundTrip(t testing.TB, p *genuine.Policy) {
	t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("marshal %+v: %v", p, err)
	}
	again, err := genuine.ParsePolicy(data)
	if err != nil {
		t.Fatalf("ParsePolicy(%s) of a marshalled policy: %v", data, err)
	}
	if !reflect.DeepEqual(again, p) {
		t.Fatalf("round trip changed the policy:\n was %+v\n now %+v\n via %s", p, again, data)
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(everyRule))
	f.Add([]byte(`{"rules": []}`))
	f.Add([]byte(`{"mode":"shadow","version":2,"scope":"batch:bat_x","created_at":"2026-01-02T15:04:05+08:00","rules":[{"rule":"state","allowed":["returned","in_channel"],"shadow":true}]}`))
	f.Add([]byte(rules(`{"rule":"region","geofences":[{"type":"MultiPolygon","bbox":[0,0,1,1],"coordinates":[[[[0,0,1],[1,0,1],[1,1,1],[0,0,1]]]]}]}`)))
	f.Add([]byte(rules(`{"rule":"price","currency":"CNY","min":500,"max":100}`)))
	f.Add([]byte(rules(`{"rule":"merchant","merchants":["` + merchantA + `","` + merchantA + `"]}`)))
	f.Add([]byte(rules(`{"rule":"velocity","max_speed_kmh":1e-320}`)))
	f.Add([]byte(`{"rules":[{"rule":"state","merchants":null}]}`))
	facts := genuine.Facts{Reason: genuine.ReasonCounterfeit, Merchant: &genuine.Merchant{ID: merchantA, Region: "CN"}, Currency: "CNY"}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := genuine.ParsePolicy(data)
		if err != nil {
			if genuine.ErrorCode(err) != genuine.EInvalid {
				t.Fatalf("error %v has code %q", err, genuine.ErrorCode(err))
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("parsed policy does not validate: %v", err)
		}
		if p.Rules[0].Rule != "authentic" {
			t.Fatalf("first rule is %q", p.Rules[0].Rule)
		}
		checkRoundTrip(t, p)
		if d := genuine.Evaluate(p, facts); d.Outcome != "refuse" {
			t.Fatalf("a counterfeit passed %s: %+v", data, d)
		}
	})
}
