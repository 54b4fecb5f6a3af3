package genuine_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"genuine"
)

const fenceMacau = `{"type":"Polygon","coordinates":[[[113.5,22.1],[113.6,22.1],[113.6,22.22],[113.5,22.22],[113.5,22.1]]]}`

// everyRule is a policy with every rule, which baseFacts pass.
const everyRule = `{"scope": "brand", "version": 3, "rules": [
	{"rule": "authentic"},
	{"rule": "state", "allowed": ["in_channel", "returned"]},
	{"rule": "region", "geofences": [` + fenceMacau + `]},
	{"rule": "expiry", "within_days": 30},
	{"rule": "merchant", "merchants": ["` + merchantB + `", "` + merchantA + `"]},
	{"rule": "price", "currency": "CNY", "min": 10000, "max": 20000},
	{"rule": "velocity", "max_scans": 10, "max_speed_kmh": 900}
]}`

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func f64(v float64) *float64 { return &v }

func scan(lat, lon float64, at time.Time) *genuine.ScanPoint {
	return &genuine.ScanPoint{Lat: lat, Lon: lon, At: at}
}

// baseFacts are the facts of a unit that passes every rule of everyRule:
// in channel, sold in Shenzhen from a batch for Guangdong, scanned in
// Guangzhou (120 km away) two hours ago.
func baseFacts() genuine.Facts {
	return genuine.Facts{
		State: genuine.StateInChannel,
		Batch: &genuine.Batch{ID: "bat_0123456789abcdefghjk", Lot: "L1", Expiry: genuine.NewDate(2027, 12, 31),
			Regions: []string{"HK", "CN-GD"}, Disposition: genuine.Released},
		Merchant: &genuine.Merchant{ID: merchantA, Region: "CN-GD-SZ", Lat: f64(22.5431), Lon: f64(114.0579)},
		Price:    12800, Currency: "CNY", Now: now,
		Scans: 2, LastScan: scan(23.1291, 113.2644, now.Add(-2*time.Hour)),
	}
}

func mustPolicy(t testing.TB, doc string) *genuine.Policy {
	t.Helper()
	if doc == "" {
		return genuine.DefaultPolicy()
	}
	p, err := genuine.ParsePolicy([]byte(doc))
	if err != nil {
		t.Fatalf("ParsePolicy(%s): %v", doc, err)
	}
	return p
}

// summary writes a decision's rules and reasons compactly:
// "authentic:pass state:fail:already_sold" and "state:already_sold:refuse:shadow".
func summary(d genuine.Decision) (rules, reasons string) {
	var rs, ws []string
	for _, r := range d.Rules {
		rs = append(rs, strings.TrimSuffix(r.Rule+":"+r.Outcome+":"+r.Code, ":"))
	}
	for _, r := range d.Reasons {
		w := r.Rule + ":" + r.Code + ":" + r.Action
		if r.Shadow {
			w += ":shadow"
		}
		ws = append(ws, w)
	}
	return strings.Join(rs, " "), strings.Join(ws, " ")
}

const (
	defaultPass = "authentic:pass state:pass region:pass expiry:pass"
	everyPass   = "authentic:pass state:pass region:pass expiry:pass merchant:pass price:pass velocity:pass"
)

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name    string
		policy  string // a document; "" for the default policy
		facts   func(f *genuine.Facts)
		outcome string
		rules   string
		reasons string
		message string // in the first reason's message
	}{
		{"default: pass", "", nil, "pass", defaultPass, "", ""},
		{"default: sold", "", func(f *genuine.Facts) { f.State = genuine.StateSold },
			"refuse", "authentic:pass state:fail:already_sold region:pass expiry:pass", "state:already_sold:refuse",
			"the unit is sold; the brand sells only units in_channel"},
		{"default: expired", "", func(f *genuine.Facts) { f.Now = time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC) },
			"refuse", "authentic:pass state:pass region:pass expiry:fail:expired", "expiry:expired:refuse", "the batch expired on 2027-12-31"},
		{"default: the last second of the expiry day", "", func(f *genuine.Facts) { f.Now = time.Date(2027, 12, 31, 23, 59, 59, 0, time.UTC) },
			"pass", defaultPass, "", ""},
		{"default: outside the regions", "", func(f *genuine.Facts) { f.Merchant.Region = "CN-BJ" },
			"refuse", "authentic:pass state:pass region:fail:outside_region expiry:pass", "region:outside_region:refuse",
			"merchant region CN-BJ: outside the batch's regions HK, CN-GD"},
		{"default: a coarser region is outside", "", func(f *genuine.Facts) { f.Merchant.Region = "CN" },
			"refuse", "authentic:pass state:pass region:fail:outside_region expiry:pass", "region:outside_region:refuse", ""},
		{"default: a region that shares a prefix is outside", "", func(f *genuine.Facts) { f.Merchant.Region = "CN-GDX" },
			"refuse", "authentic:pass state:pass region:fail:outside_region expiry:pass", "region:outside_region:refuse", ""},
		{"default: a batch without regions", "", func(f *genuine.Facts) { f.Batch.Regions = nil },
			"refuse", "authentic:pass state:pass region:fail:outside_region expiry:pass", "region:outside_region:refuse",
			"has no sales regions"},
		{"default: no merchant", "", func(f *genuine.Facts) { f.Merchant = nil },
			"refuse", "authentic:pass state:pass region:fail:outside_region expiry:pass", "region:outside_region:refuse", ""},
		{"default: counterfeit", "", counterfeit,
			"refuse", "authentic:fail:counterfeit_suspected state:skip region:skip expiry:skip", "authentic:counterfeit_suspected:refuse",
			"serial X was not issued by the brand"},
		{"default: invalid code without a message", "", func(f *genuine.Facts) { counterfeit(f); f.Reason, f.ReasonMessage = genuine.ReasonInvalidCode, "" },
			"refuse", "authentic:fail:invalid_code state:skip region:skip expiry:skip", "authentic:invalid_code:refuse", "not authentic"},
		{"default: no batch but no reason either", "", func(f *genuine.Facts) { f.Batch = nil },
			"refuse", "authentic:fail:counterfeit_suspected state:skip region:skip expiry:skip", "authentic:counterfeit_suspected:refuse", ""},

		{"every rule: pass", everyRule, nil, "pass", everyPass, "", ""},
		{"state: returned is allowed", everyRule, func(f *genuine.Facts) { f.State = genuine.StateReturned }, "pass", everyPass, "", ""},
		{"state: reserved", everyRule, func(f *genuine.Facts) { f.State = genuine.StateReserved }, "refuse",
			"authentic:pass state:fail:in_checkout region:pass expiry:pass merchant:pass price:pass velocity:pass", "state:in_checkout:refuse",
			"the unit is reserved by a checkout; the brand sells only units in_channel, returned"},
		{"region: inside a geofence", everyRule, inMacau, "pass", everyPass, "", ""},
		{"region: on a geofence's edge", everyRule, func(f *genuine.Facts) { inMacau(f); f.Merchant.Lon = f64(113.6) }, "pass", everyPass, "", ""},
		{"region: outside the geofences", everyRule, func(f *genuine.Facts) { inMacau(f); f.Merchant.Lon = f64(113.7) }, "refuse",
			"authentic:pass state:pass region:fail:outside_region expiry:pass merchant:pass price:pass velocity:pass", "region:outside_region:refuse",
			"merchant region MO: outside the batch's regions HK, CN-GD, and its coordinates are outside the brand's geofences"},
		{"region: no coordinates for the geofences", everyRule, func(f *genuine.Facts) { inMacau(f); f.Merchant.Lat, f.Merchant.Lon = nil, nil }, "refuse",
			"authentic:pass state:pass region:fail:outside_region expiry:pass merchant:pass price:pass velocity:pass", "region:outside_region:refuse",
			"it has no coordinates for the brand's geofences"},
		{"region: geofences authorize a batch without regions", everyRule, func(f *genuine.Facts) { inMacau(f); f.Batch.Regions = nil }, "pass", everyPass, "", ""},
		{"expiry: expires on the 30th day", everyRule, func(f *genuine.Facts) { f.Batch.Expiry = genuine.NewDate(2026, 7, 1) }, "pass", everyPass, "", ""},
		{"expiry: expires within 30 days", everyRule, func(f *genuine.Facts) { f.Batch.Expiry = genuine.NewDate(2026, 6, 30) }, "refuse",
			"authentic:pass state:pass region:pass expiry:fail:expired merchant:pass price:pass velocity:pass", "expiry:expired:refuse",
			"the batch expires on 2026-06-30, within 30 days"},
		{"merchant: another authorized one", everyRule, func(f *genuine.Facts) { f.Merchant.ID = merchantB }, "pass", everyPass, "", ""},
		{"merchant: not authorized", everyRule, func(f *genuine.Facts) { f.Merchant.ID = "mer_zzzzzzzzzzzzzzzzzzzz" }, "refuse",
			"authentic:pass state:pass region:pass expiry:pass merchant:fail:unauthorized_merchant price:pass velocity:pass", "merchant:unauthorized_merchant:refuse",
			"merchant mer_zzzzzzzzzzzzzzzzzzzz is not one of the brand's authorized resellers"},
		{"price: the minimum", everyRule, func(f *genuine.Facts) { f.Price = 10000 }, "pass", everyPass, "", ""},
		{"price: the maximum", everyRule, func(f *genuine.Facts) { f.Price = 20000 }, "pass", everyPass, "", ""},
		{"price: the currency in lower case", everyRule, func(f *genuine.Facts) { f.Currency = "cny" }, "pass", everyPass, "", ""},
		{"price: below", everyRule, func(f *genuine.Facts) { f.Price = 9999 }, "refuse",
			"authentic:pass state:pass region:pass expiry:pass merchant:pass price:fail:price_out_of_range velocity:pass", "price:price_out_of_range:refuse",
			"price 99.99 CNY is below the minimum 100.00 CNY"},
		{"price: above", everyRule, func(f *genuine.Facts) { f.Price = 20001 }, "refuse",
			"authentic:pass state:pass region:pass expiry:pass merchant:pass price:fail:price_out_of_range velocity:pass", "price:price_out_of_range:refuse",
			"price 200.01 CNY is above the maximum 200.00 CNY"},
		{"price: another currency", everyRule, func(f *genuine.Facts) { f.Currency = "HKD" }, "refuse",
			"authentic:pass state:pass region:pass expiry:pass merchant:pass price:fail:price_out_of_range velocity:pass", "price:price_out_of_range:refuse",
			`the price is in "HKD"; the brand's range is in CNY`},
		{"price: open upper bound", rules(`{"rule":"price","currency":"CNY","min":1}`), func(f *genuine.Facts) { f.Price = 1 << 60 }, "pass",
			"authentic:pass price:pass", "", ""},
		{"velocity: as many scans as allowed", everyRule, func(f *genuine.Facts) { f.Scans = 10 }, "pass", everyPass, "", ""},
		{"velocity: too many scans", everyRule, func(f *genuine.Facts) { f.Scans = 11 }, "refuse",
			"authentic:pass state:pass region:pass expiry:pass merchant:pass price:pass velocity:fail:anomalous_scans", "velocity:anomalous_scans:refuse",
			"the code was verified by 11 clients before, more than the 10 expected"},
		{"velocity: Beijing an hour ago", everyRule, func(f *genuine.Facts) { f.LastScan = scan(39.9042, 116.4074, now.Add(-time.Hour)) }, "refuse",
			"authentic:pass state:pass region:pass expiry:pass merchant:pass price:pass velocity:fail:anomalous_scans", "velocity:anomalous_scans:refuse",
			"it was scanned 1943 km away 1h0m0s before: faster than 900 km/h"},
		{"velocity: Beijing three hours ago", everyRule, func(f *genuine.Facts) { f.LastScan = scan(39.9042, 116.4074, now.Add(-3*time.Hour)) }, "pass",
			everyPass, "", ""},
		{"velocity: too many and too fast", everyRule, func(f *genuine.Facts) {
			f.LastScan, f.Scans = scan(39.9042, 116.4074, now.Add(-time.Hour)), 50
		}, "refuse", "authentic:pass state:pass region:pass expiry:pass merchant:pass price:pass velocity:fail:anomalous_scans", "velocity:anomalous_scans:refuse",
			"the code was verified by 50 clients before, more than the 10 expected; it was scanned 1943 km away"},
		{"velocity: 5 km away at the same moment", everyRule, func(f *genuine.Facts) { f.LastScan = scan(22.5431+0.045, 114.0579, now) }, "refuse",
			"authentic:pass state:pass region:pass expiry:pass merchant:pass price:pass velocity:fail:anomalous_scans", "velocity:anomalous_scans:refuse", "5 km away 0s before"},
		{"velocity: 5 km away, in the future", everyRule, func(f *genuine.Facts) { f.LastScan = scan(22.5431+0.045, 114.0579, now.Add(time.Minute)) }, "refuse",
			"authentic:pass state:pass region:pass expiry:pass merchant:pass price:pass velocity:fail:anomalous_scans", "velocity:anomalous_scans:refuse", ""},
		{"velocity: 500 m away at the same moment is the same place", everyRule, func(f *genuine.Facts) { f.LastScan = scan(22.5431+0.0045, 114.0579, now) }, "pass",
			everyPass, "", ""},
		{"velocity: never scanned", everyRule, func(f *genuine.Facts) { f.LastScan, f.Scans = nil, 0 }, "pass", everyPass, "", ""},
		{"velocity: a merchant without coordinates", everyRule, func(f *genuine.Facts) {
			f.LastScan, f.Merchant.Lat, f.Merchant.Lon = scan(39.9042, 116.4074, now.Add(-time.Minute)), nil, nil
		}, "pass", everyPass, "", ""},

		{"every failure is reported", everyRule, func(f *genuine.Facts) {
			f.State, f.Merchant.Region, f.Merchant.ID, f.Price, f.Scans = genuine.StateConsumed, "US", merchantB+"x", 1, 99
			f.Now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		}, "refuse",
			"authentic:pass state:fail:already_used region:fail:outside_region expiry:fail:expired merchant:fail:unauthorized_merchant price:fail:price_out_of_range velocity:fail:anomalous_scans",
			"state:already_used:refuse region:outside_region:refuse expiry:expired:refuse merchant:unauthorized_merchant:refuse price:price_out_of_range:refuse velocity:anomalous_scans:refuse", ""},
		{"a counterfeit skips the rules about the unit", everyRule, func(f *genuine.Facts) { counterfeit(f); f.Merchant.ID = merchantB + "x"; f.Price = 1 }, "refuse",
			"authentic:fail:counterfeit_suspected state:skip region:skip expiry:skip merchant:fail:unauthorized_merchant price:fail:price_out_of_range velocity:skip",
			"authentic:counterfeit_suspected:refuse merchant:unauthorized_merchant:refuse price:price_out_of_range:refuse", ""},

		{"flag: allows, with a reason", rules(`{"rule":"state","action":"flag"}`, `{"rule":"expiry"}`), func(f *genuine.Facts) { f.State = genuine.StateStolen }, "pass",
			"authentic:pass state:fail:stolen expiry:pass", "state:stolen:flag", ""},
		{"flag and refuse", rules(`{"rule":"state","action":"flag"}`, `{"rule":"expiry"}`), func(f *genuine.Facts) { f.State = genuine.StateStolen; f.Batch.Expiry = genuine.NewDate(2020, 1, 1) }, "refuse",
			"authentic:pass state:fail:stolen expiry:fail:expired", "state:stolen:flag expiry:expired:refuse", ""},
		{"shadow rule: allows, with a reason", rules(`{"rule":"state","shadow":true}`, `{"rule":"expiry"}`), func(f *genuine.Facts) { f.State = genuine.StateLocked }, "pass",
			"authentic:pass state:fail:locked expiry:pass", "state:locked:refuse:shadow", ""},
		{"shadow rule and refuse", rules(`{"rule":"state","shadow":true}`, `{"rule":"expiry"}`), func(f *genuine.Facts) { f.State = genuine.StateLocked; f.Batch.Expiry = genuine.NewDate(2020, 1, 1) }, "refuse",
			"authentic:pass state:fail:locked expiry:fail:expired", "state:locked:refuse:shadow expiry:expired:refuse", ""},
		{"shadow policy: allows, with reasons", `{"mode":"shadow","rules":[{"rule":"state"},{"rule":"expiry","action":"flag"}]}`, func(f *genuine.Facts) {
			f.State = genuine.StateRecalled
			f.Batch.Expiry = genuine.NewDate(2020, 1, 1)
		}, "pass", "authentic:pass state:fail:recalled expiry:fail:expired", "state:recalled:refuse:shadow expiry:expired:flag:shadow", ""},
		{"shadow policy: authentic is still enforced", `{"mode":"shadow","rules":[{"rule":"state"}]}`, counterfeit, "refuse",
			"authentic:fail:counterfeit_suspected state:skip", "authentic:counterfeit_suspected:refuse", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := baseFacts()
			if tt.facts != nil {
				tt.facts(&f)
			}
			d := genuine.Evaluate(mustPolicy(t, tt.policy), f)
			rules, reasons := summary(d)
			if d.Outcome != tt.outcome || rules != tt.rules || reasons != tt.reasons {
				t.Errorf("Evaluate:\n got %s\n     %s\n     %s\nwant %s\n     %s\n     %s", d.Outcome, rules, reasons, tt.outcome, tt.rules, tt.reasons)
			}
			if tt.message != "" && (len(d.Reasons) == 0 || !strings.Contains(d.Reasons[0].Message, tt.message)) {
				t.Errorf("reasons %+v, want the first to say %q", d.Reasons, tt.message)
			}
			if d.Shadow != strings.Contains(tt.policy, `"shadow","rules"`) {
				t.Errorf("Shadow = %v", d.Shadow)
			}
			for _, r := range d.Reasons {
				if r.Message == "" {
					t.Errorf("reason %+v has no message", r)
				}
			}
		})
	}
}

// counterfeit makes the facts those of a forged code.
func counterfeit(f *genuine.Facts) {
	f.Reason, f.ReasonMessage = genuine.ReasonCounterfeit, "serial X was not issued by the brand"
	f.State, f.Batch, f.Scans, f.LastScan = "", nil, 0, nil
}

// inMacau moves the merchant to Macau, outside the batch's regions but
// inside everyRule's geofence.
func inMacau(f *genuine.Facts) {
	f.Merchant.Region, f.Merchant.Lat, f.Merchant.Lon = "MO", f64(22.19), f64(113.55)
}

// The default policy refuses a unit in any state but in_channel, with the
// state's code.
func TestEvaluateStates(t *testing.T) {
	codes := map[genuine.UnitState]string{
		genuine.StateCommissioned: "not_released", genuine.StateReserved: "in_checkout", genuine.StateSold: "already_sold",
		genuine.StateConsumed: "already_used", genuine.StateStolen: "stolen", genuine.StateDestroyed: "destroyed",
		genuine.StateLocked: "locked", genuine.StateReturned: "returned", genuine.StateRecalled: "recalled",
		genuine.StateWithdrawn: "withdrawn", genuine.StateInChannel: "",
	}
	for state, code := range codes {
		f := baseFacts()
		f.State = state
		d := genuine.Evaluate(genuine.DefaultPolicy(), f)
		want := "refuse"
		if code == "" {
			want = "pass"
		}
		if d.Outcome != want || d.Rules[1].Code != code {
			t.Errorf("state %s: outcome %s, code %q; want %s, %q", state, d.Outcome, d.Rules[1].Code, want, code)
		}
	}
}

func TestEvaluatePolicyName(t *testing.T) {
	tests := []struct {
		p    *genuine.Policy
		want string
	}{
		{nil, "default@0"},
		{genuine.DefaultPolicy(), "default@0"},
		{mustPolicy(t, everyRule), "brand@3"},
		// Merchants see decisions: the label names the kind of scope only.
		{&genuine.Policy{Scope: "batch:bat_0123456789abcdefghjk", Version: 1}, "batch@1"},
		{&genuine.Policy{Scope: "product:09506000134352", Version: 12}, "product@12"},
		{&genuine.Policy{}, "default@0"},
	}
	for _, tt := range tests {
		if got := genuine.Evaluate(tt.p, baseFacts()).Policy; got != tt.want {
			t.Errorf("Policy = %q, want %q", got, tt.want)
		}
	}
}

// Policies built in Go that skip validation still check authenticity first
// and refuse what they cannot evaluate.
func TestEvaluateUnvalidated(t *testing.T) {
	p := &genuine.Policy{Rules: []genuine.Rule{{Rule: "state"}, {Rule: "teleport"}}}
	d := genuine.Evaluate(p, baseFacts())
	if rules, reasons := summary(d); d.Outcome != "refuse" || rules != "authentic:pass state:pass teleport:fail:invalid" || reasons != "teleport:invalid:refuse" {
		t.Errorf("Evaluate = %s; %s; %s", d.Outcome, rules, reasons)
	}
	p = &genuine.Policy{Rules: []genuine.Rule{{Rule: "authentic", Action: "flag", Shadow: true}}, Mode: "shadow"}
	f := baseFacts()
	counterfeit(&f)
	if d := genuine.Evaluate(p, f); d.Outcome != "refuse" || d.Reasons[0].Action != "refuse" || d.Reasons[0].Shadow {
		t.Errorf("a flagged, shadowed authentic rule let a counterfeit pass: %+v", d)
	}
}

// A decision always lists its reasons, as [] when there are none.
func TestDecisionJSON(t *testing.T) {
	d := genuine.Evaluate(genuine.DefaultPolicy(), baseFacts())
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"outcome":"pass","policy":"default@0","reasons":[],"rules":[{"rule":"authentic","outcome":"pass"},` +
		`{"rule":"state","outcome":"pass"},{"rule":"region","outcome":"pass"},{"rule":"expiry","outcome":"pass"}]}`
	if string(b) != want {
		t.Errorf("decision JSON = %s\nwant %s", b, want)
	}
}

// Evaluate only reads the policy and the facts.
func TestEvaluateChangesNothing(t *testing.T) {
	p := mustPolicy(t, everyRule)
	f := baseFacts()
	f.State = genuine.StateSold
	before := fmt.Sprintf("%s %+v %+v %+v", mustJSON(t, p), f, *f.Batch, *f.Merchant)
	genuine.Evaluate(p, f)
	if after := fmt.Sprintf("%s %+v %+v %+v", mustJSON(t, p), f, *f.Batch, *f.Merchant); after != before {
		t.Errorf("Evaluate changed its input:\n%s\n%s", before, after)
	}
}

// BenchmarkEvaluate evaluates a policy with every rule for a unit that
// passes them all: the common case at a till.
func BenchmarkEvaluate(b *testing.B) {
	p, f := mustPolicy(b, everyRule), baseFacts()
	b.ReportAllocs()
	for b.Loop() {
		if d := genuine.Evaluate(p, f); d.Outcome != "pass" {
			b.Fatal(d)
		}
	}
}

// BenchmarkEvaluateGeofence evaluates the same policy for a merchant that
// only a geofence authorizes.
func BenchmarkEvaluateGeofence(b *testing.B) {
	p, f := mustPolicy(b, everyRule), baseFacts()
	inMacau(&f)
	b.ReportAllocs()
	for b.Loop() {
		if d := genuine.Evaluate(p, f); d.Outcome != "pass" {
			b.Fatal(d)
		}
	}
}

// BenchmarkEvaluateRefuse evaluates it for a unit that fails every rule.
func BenchmarkEvaluateRefuse(b *testing.B) {
	p, f := mustPolicy(b, everyRule), baseFacts()
	f.State, f.Merchant.Region, f.Merchant.ID, f.Price, f.Scans = genuine.StateSold, "US", merchantB+"x", 1, 99
	f.Now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if d := genuine.Evaluate(p, f); len(d.Reasons) != 6 {
			b.Fatal(d)
		}
	}
}

// BenchmarkEvaluateLargeGeofence evaluates a region rule whose geofence has
// the most positions a policy allows.
func BenchmarkEvaluateLargeGeofence(b *testing.B) {
	p, f := mustPolicy(b, rules(`{"rule":"region","geofences":[`+fence(1000)+`]}`)), baseFacts()
	f.Merchant.Region, f.Merchant.Lat, f.Merchant.Lon = "MO", f64(0), f64(0)
	b.ReportAllocs()
	for b.Loop() {
		if d := genuine.Evaluate(p, f); d.Outcome != "pass" {
			b.Fatal(d)
		}
	}
}
