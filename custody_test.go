package genuine_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"genuine"
)

// TestCustodyFinding is issue 17's finding 2 end to end: a unit sold by
// one merchant cannot be taken back to sale by another, through return
// and restock or any other event; a merchant's report of another brand's
// units it does not hold changes nothing and alerts that brand; and the
// brand sees who recorded each event.
func TestCustodyFinding(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	b := w.batch(t, 3)
	if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "release"}); err != nil {
		t.Fatal(err)
	}
	codes := w.codes(t, b)
	m1, m2 := w.merchant, w.newMerchant(t, "CN-GD-GZ")
	record := func(p *genuine.Principal, typ string, codes ...string) error {
		_, err := w.app.RecordUnitEvents(ctx, p, genuine.UnitEventInput{Type: typ, Codes: codes})
		return err
	}

	// M1 sells a unit.
	c, err := w.app.Checkout(ctx, m1, "sale-1", cart(3500, codes[0]))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.sim.Pay(ctx, c.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	w.waitStatus(t, m1, c.ID, genuine.CheckoutPaid)

	// Neither M2 nor M1 itself takes it back to sale outside a refund.
	for _, p := range []*genuine.Principal{m2, m1, w.brand} {
		for _, typ := range []string{"return", "returned", "restock"} {
			if err := record(p, typ, codes[0]); genuine.ErrorCode(err) != "refund_only" {
				t.Errorf("%s records %s of a sold unit: %v, want refund_only", p.Role, typ, err)
			}
		}
	}
	if v := w.verify(t, codes[0]); v.State != genuine.StateSold {
		t.Fatalf("sold unit is %s after refused returns", v.State)
	}
	again, err := w.app.Checkout(ctx, m2, "sale-2", cart(3500, codes[0]))
	if err != nil || again.Status != genuine.CheckoutRefused || !hasReason(again, genuine.EAlreadySold) {
		t.Fatalf("second sale of one serial: %+v, %v", again, err)
	}
	// M2 holds nothing it may consume.
	if err := record(m2, "consume", codes[0]); genuine.ErrorCode(err) != "not_in_custody" {
		t.Errorf("M2 consumes M1's sold unit: %v, want not_in_custody", err)
	}

	// M2 destroys five units of another brand: nothing changes, and that
	// brand is alerted, naming M2.
	other, otherID := w.newBrand(t, "Other")
	const otherGTIN = "09520123456795"
	if err := w.app.CreateProduct(ctx, other, &genuine.Product{GTIN: otherGTIN, Name: "Other Tonic"}); err != nil {
		t.Fatal(err)
	}
	ob, err := w.app.CreateBatch(ctx, other, genuine.BatchInput{
		GTIN: otherGTIN, Lot: "O-1", Expiry: genuine.NewDate(2027, 12, 31), Quantity: 5, Regions: []string{"CN-GD"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.RecordBatchEvent(ctx, other, ob.ID, genuine.BatchEventInput{Type: "release"}); err != nil {
		t.Fatal(err)
	}
	var otherCodes []string
	err = w.app.WriteCodes(ctx, other, ob.ID, func(_ int64, _, code []byte) error {
		otherCodes = append(otherCodes, string(code))
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := record(m2, "destroy", otherCodes...); err != nil {
		t.Fatalf("M2's report of units it does not hold: %v", err)
	}
	for _, code := range otherCodes {
		if v := w.verify(t, code); v.State != genuine.StateInChannel {
			t.Errorf("unit destroyed by a merchant that does not hold it: %s", v.State)
		}
	}
	es, err := w.app.Events(ctx, other, ob.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Type == genuine.EventDestroy {
			t.Errorf("a report of a unit not held was recorded as an event: %+v", e)
		}
	}
	alerts, err := w.app.Alerts(ctx, other, 0)
	if err != nil {
		t.Fatal(err)
	}
	reported := 0
	for _, al := range alerts {
		if al.Code == "custody_report" && al.MerchantID == m2.MerchantID && strings.Contains(al.Message, "destroy") {
			reported++
		}
	}
	if reported != 5 {
		t.Errorf("%d custody alerts for the other brand, want 5: %+v", reported, alerts)
	}
	if mine, _ := w.app.Alerts(ctx, w.brand, 0); len(mine) != 0 && otherID != w.brandID {
		for _, al := range mine {
			if al.Code == "custody_report" {
				t.Errorf("Acme got another brand's custody alert: %+v", al)
			}
		}
	}

	// The brand sees who recorded each event: key, role, organisation.
	es, err = w.app.Events(ctx, w.brand, b.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	authors := map[genuine.EventType]string{}
	for _, e := range es {
		j, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		authors[e.Type] = string(j)
	}
	for typ, want := range map[genuine.EventType][]string{
		genuine.EventCommission: {w.brand.KeyID, w.brandID},
		genuine.EventRelease:    {w.brand.KeyID, w.brandID},
		genuine.EventSell:       {m1.MerchantID},
	} {
		for _, s := range want {
			if !strings.Contains(authors[typ], `"`+s+`"`) {
				t.Errorf("%s event as the brand sees it lacks its author %s: %s", typ, s, authors[typ])
			}
		}
	}
	// Decisions name the key that made the checkout.
	ds, err := w.app.Decisions(ctx, w.brand, genuine.DecisionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if want := map[string]string{c.ID: m1.KeyID, again.ID: m2.KeyID}[d.CheckoutID]; d.KeyID != want {
			t.Errorf("decision of checkout %s names key %q, want %q", d.CheckoutID, d.KeyID, want)
		}
	}
	if len(ds) != 2 {
		t.Errorf("%d decisions, want 2", len(ds))
	}
	// The public journey names no key.
	for _, e := range w.verify(t, codes[0]).Events {
		if j, _ := json.Marshal(e); strings.Contains(string(j), "key_") || strings.Contains(string(j), m1.MerchantID) {
			t.Errorf("public journey shows an author: %s", j)
		}
	}
}

// TestCustodyRules: a merchant holds the units a receive names it for, or
// a ship sends it and it receives, or it sold (and refunded); it records
// events only for those, and its stolen or destroy of another unit is a
// report to the brand.
func TestCustodyRules(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	b := w.batch(t, 10)
	if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "release"}); err != nil {
		t.Fatal(err)
	}
	codes := w.codes(t, b)
	partner := w.key(t, &genuine.APIKey{Role: genuine.RolePartner, BrandID: w.brandID})
	m1, m2 := w.merchant, w.newMerchant(t, "CN-GD-GZ")
	record := func(p *genuine.Principal, typ, merchant string, codes ...string) (*genuine.UnitEvents, error) {
		return w.app.RecordUnitEvents(ctx, p, genuine.UnitEventInput{Type: typ, Codes: codes, MerchantID: merchant})
	}
	state := func(code string, want genuine.UnitState) {
		t.Helper()
		if v := w.verify(t, code); v.State != want {
			t.Errorf("unit is %s, want %s", v.State, want)
		}
	}

	// A merchant receives only what was shipped to it.
	if _, err := record(m1, "receive", "", codes[0]); genuine.ErrorCode(err) != genuine.ENotShipped {
		t.Errorf("receive of a unit not shipped: %v", err)
	}
	from, to := b.FirstSeq, b.FirstSeq+1
	if _, err := w.app.RecordBatchEvent(ctx, partner, b.ID, genuine.BatchEventInput{Type: "ship", From: &from, To: &to, MerchantID: m1.MerchantID}); err != nil {
		t.Fatal(err)
	}
	if _, err := record(m2, "receive", "", codes[0]); genuine.ErrorCode(err) != genuine.ENotShipped {
		t.Errorf("receive of a unit shipped to another merchant: %v", err)
	}
	out, err := record(m1, "receive", "", codes[0], codes[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 2 || out.Events[0].MerchantID != m1.MerchantID || out.Events[0].Org != m1.MerchantID || len(out.Reports) != 0 {
		t.Fatalf("receive: %+v", out)
	}

	// Held: M1's stolen changes the unit.
	if _, err := record(m1, "stolen", "", codes[0]); err != nil {
		t.Fatal(err)
	}
	state(codes[0], genuine.StateStolen)
	// Held and not held in one request: one event, one report.
	out, err = record(m1, "destroy", "", codes[1], codes[2])
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 1 || out.Events[0].Serial == "" || len(out.Reports) != 1 || out.Reports[0].Code != codes[2] {
		t.Fatalf("destroy of a held and a foreign unit: %+v", out)
	}
	state(codes[1], genuine.StateDestroyed)
	state(codes[2], genuine.StateInChannel)
	// All or none still: a refused transition of a held unit drops the
	// request's reports too.
	before, _ := w.app.Alerts(ctx, w.brand, 0)
	if _, err := record(m1, "stolen", "", codes[3], codes[1]); genuine.ErrorCode(err) != genuine.EDestroyed {
		t.Errorf("stolen of a destroyed unit: %v", err)
	}
	if after, _ := w.app.Alerts(ctx, w.brand, 0); len(after) != len(before) {
		t.Errorf("a refused request raised alerts: %d, then %d", len(before), len(after))
	}

	// A brand's receive naming a merchant hands it the unit; one naming
	// none takes it back.
	if _, err := record(w.brand, "receive", m2.MerchantID, codes[3]); err != nil {
		t.Fatal(err)
	}
	if _, err := record(m1, "consume", "", codes[3]); genuine.ErrorCode(err) != genuine.ENotInCustody {
		t.Errorf("consume of another merchant's unit: %v", err)
	}
	if _, err := record(w.brand, "receive", "", codes[3]); err != nil {
		t.Fatal(err)
	}
	if out, err := record(m2, "stolen", "", codes[3]); err != nil || len(out.Reports) != 1 {
		t.Errorf("stolen of a unit taken back by its brand: %+v, %v", out, err)
	}
	state(codes[3], genuine.StateInChannel)

	// A sale gives custody, a refund keeps it with the merchant.
	sell := func(p *genuine.Principal, key, code string) *genuine.Checkout {
		t.Helper()
		c, err := w.app.Checkout(ctx, p, key, cart(1000, code))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.sim.Pay(ctx, c.Payment.Reference); err != nil {
			t.Fatal(err)
		}
		return w.waitStatus(t, p, c.ID, genuine.CheckoutPaid)
	}
	c4, _ := sell(m2, "s4", codes[4]), sell(m2, "s5", codes[5])
	if _, err := record(m1, "consume", "", codes[5]); genuine.ErrorCode(err) != genuine.ENotInCustody {
		t.Errorf("consume of a unit another merchant sold: %v", err)
	}
	if _, err := record(m2, "consume", "", codes[5]); err != nil {
		t.Errorf("consume of a unit the merchant sold: %v", err)
	}
	if _, err := w.app.RefundCheckout(ctx, m2, c4.ID, genuine.RefundInput{}); err != nil {
		t.Fatal(err)
	}
	if out, err := record(m2, "stolen", "", codes[4]); err != nil || len(out.Events) != 1 {
		t.Errorf("stolen of a refunded unit by its merchant: %+v, %v", out, err)
	}
	state(codes[4], genuine.StateStolen)

	// What names a merchant, and who may.
	for _, tt := range []struct {
		p        *genuine.Principal
		typ      string
		merchant string
		code     string
	}{
		{w.brand, "stolen", m1.MerchantID, genuine.EInvalid},
		{w.brand, "receive", "mer_nonsense", genuine.EInvalid},
		{w.brand, "receive", "mer_00000000000000000000", genuine.ENotFound},
		{m1, "receive", m2.MerchantID, genuine.EForbidden},
	} {
		if _, err := record(tt.p, tt.typ, tt.merchant, codes[6]); genuine.ErrorCode(err) != tt.code {
			t.Errorf("%s %s naming %s: %v, want %s", tt.p.Role, tt.typ, tt.merchant, err, tt.code)
		}
	}
	if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "recall", MerchantID: m1.MerchantID}); genuine.ErrorCode(err) != genuine.EInvalid {
		t.Errorf("recall naming a merchant: %v", err)
	}
}
