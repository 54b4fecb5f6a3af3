package genuine_test

import (
	"context"
	"strings"
	"testing"

	"genuine"
)

func TestUnitEvents(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	b := w.batch(t, 10)
	codes := w.codes(t, b)
	record := func(p *genuine.Principal, typ string, codes ...string) error {
		_, err := w.app.RecordUnitEvents(ctx, p, genuine.UnitEventInput{Type: typ, Codes: codes})
		return err
	}
	// The brand hands the first units to the merchant.
	_, err := w.app.RecordUnitEvents(ctx, w.brand, genuine.UnitEventInput{Type: "receive", Codes: codes[:2], MerchantID: w.merchant.MerchantID})
	if err != nil {
		t.Fatal(err)
	}
	// Not released yet: a merchant cannot sell-side consume it.
	if err := record(w.merchant, "consumed", codes[0]); genuine.ErrorCode(err) != genuine.ENotSold {
		t.Errorf("consume commissioned unit: %v", err)
	}
	if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "release"}); err != nil {
		t.Fatal(err)
	}
	if err := record(w.merchant, "stolen", codes[1]); err != nil {
		t.Fatal(err)
	}
	if v := w.verify(t, codes[1]); v.State != genuine.StateStolen || v.Events[len(v.Events)-1].Location != "CN-GD-SZ" {
		t.Errorf("stolen unit: %+v", v)
	}
	if err := record(w.merchant, "stolen", codes[1]); genuine.ErrorCode(err) != genuine.EStolen {
		t.Errorf("stolen twice: %v", err)
	}
	// Lock and unlock restore the state the unit had.
	if err := record(w.brand, "lock", codes[2]); err != nil {
		t.Fatal(err)
	}
	if v := w.verify(t, codes[2]); v.State != genuine.StateLocked {
		t.Errorf("locked: %s", v.State)
	}
	if err := record(w.merchant, "unlock", codes[2]); genuine.ErrorCode(err) != genuine.EForbidden {
		t.Errorf("merchant unlock: %v", err)
	}
	if err := record(w.brand, "unlock", codes[2]); err != nil {
		t.Fatal(err)
	}
	if v := w.verify(t, codes[2]); v.State != genuine.StateInChannel {
		t.Errorf("unlocked: %s", v.State)
	}
	// All or none: a refused unit leaves the others unchanged.
	if err := record(w.brand, "destroyed", codes[3], codes[1], codes[4]); err != nil {
		t.Fatalf("destroy (a stolen unit may be destroyed): %v", err)
	}
	if err := record(w.brand, "lock", codes[5], codes[3]); genuine.ErrorCode(err) != genuine.EDestroyed {
		t.Errorf("lock with a destroyed unit: %v", err)
	}
	if v := w.verify(t, codes[5]); v.State != genuine.StateInChannel {
		t.Errorf("all or none broken: unit 5 is %s", v.State)
	}
	// Bad requests.
	for _, tt := range []struct {
		p     *genuine.Principal
		typ   string
		codes []string
		code  string
	}{
		{nil, "stolen", codes[:1], genuine.EUnauthorized},
		{w.brand, "explode", codes[:1], genuine.EInvalid},
		{w.brand, "sell", codes[:1], genuine.EInvalid},
		{w.brand, "stolen", nil, genuine.EInvalid},
		{w.brand, "stolen", []string{codes[6], codes[6]}, genuine.EInvalid},
		{w.brand, "stolen", []string{"hello"}, genuine.EInvalid},
		{w.brand, "stolen", []string{"(01)" + w.gtin + "(21)FORGED"}, genuine.EInvalid},
	} {
		if err := record(tt.p, tt.typ, tt.codes...); genuine.ErrorCode(err) != tt.code {
			t.Errorf("%s %v: err %v, want %s", tt.typ, tt.codes, err, tt.code)
		}
	}
	// Another brand cannot touch these units.
	other, _ := w.newBrand(t, "Other")
	if err := record(other, "stolen", codes[6]); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("other brand: %v", err)
	}
}

func TestBatchAndRangeEvents(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	b := w.batch(t, 100)
	codes := w.codes(t, b)
	event := func(in genuine.BatchEventInput) error {
		_, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, in)
		return err
	}
	seq := func(i int64) *int64 { s := b.FirstSeq + i; return &s }
	// Release the first ten units alone.
	if err := event(genuine.BatchEventInput{Type: "release", From: seq(0), To: seq(9)}); err != nil {
		t.Fatal(err)
	}
	if v := w.verify(t, codes[9]); v.State != genuine.StateInChannel {
		t.Errorf("unit 9: %s", v.State)
	}
	if v := w.verify(t, codes[10]); v.State != genuine.StateCommissioned {
		t.Errorf("unit 10: %s", v.State)
	}
	// Locking 5..14 works: commissioned and released units alike.
	if err := event(genuine.BatchEventInput{Type: "lock", From: seq(5), To: seq(14)}); err != nil {
		t.Fatal(err)
	}
	// Releasing 0..20 fails as a whole: some are released or locked.
	err := event(genuine.BatchEventInput{Type: "release", From: seq(0), To: seq(20)})
	if genuine.ErrorCode(err) == "" || !strings.Contains(err.Error(), "of the 21 units") {
		t.Errorf("overlapping release: %v", err)
	}
	if v := w.verify(t, codes[20]); v.State != genuine.StateCommissioned {
		t.Errorf("unit 20 changed by a refused range event: %s", v.State)
	}
	if err := event(genuine.BatchEventInput{Type: "unlock", From: seq(5), To: seq(14)}); err != nil {
		t.Fatal(err)
	}
	if v := w.verify(t, codes[12]); v.State != genuine.StateCommissioned {
		t.Errorf("unit 12 after unlock: %s", v.State)
	}
	// The whole batch is released; units that followed it are in the channel.
	if err := event(genuine.BatchEventInput{Type: "release", Regions: []string{"CN-GD", "CN-BJ"}}); err != nil {
		t.Fatal(err)
	}
	if v := w.verify(t, codes[12]); v.State != genuine.StateInChannel {
		t.Errorf("unit 12 after batch release: %s", v.State)
	}
	if err := event(genuine.BatchEventInput{Type: "release"}); genuine.ErrorCode(err) != genuine.EAlreadyReleased {
		t.Errorf("second release: %v", err)
	}
	// A recall is terminal for every unit, even one with a state of its own.
	if err := event(genuine.BatchEventInput{Type: "recall"}); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 12, 99} {
		if v := w.verify(t, codes[i]); v.State != genuine.StateRecalled {
			t.Errorf("unit %d after recall: %s", i, v.State)
		}
	}
	if err := event(genuine.BatchEventInput{Type: "withdraw"}); genuine.ErrorCode(err) != genuine.ERecalled {
		t.Errorf("withdraw recalled: %v", err)
	}
	// Custody events change nothing and are allowed to partners.
	partner := w.key(t, &genuine.APIKey{Role: genuine.RolePartner, BrandID: w.brandID})
	if _, err := w.app.RecordBatchEvent(ctx, partner, b.ID, genuine.BatchEventInput{Type: "ship", Location: "urn:epc:id:sgln:9520123.00001.0"}); err != nil {
		t.Errorf("partner ship: %v", err)
	}
	if _, err := w.app.RecordBatchEvent(ctx, partner, b.ID, genuine.BatchEventInput{Type: "recall"}); genuine.ErrorCode(err) != genuine.EForbidden {
		t.Errorf("partner recall: %v", err)
	}
	for _, in := range []genuine.BatchEventInput{
		{Type: "recall", From: seq(0), To: seq(1)},      // not for ranges
		{Type: "lock", From: seq(0)},                    // half a range
		{Type: "lock", From: seq(50), To: seq(100)},     // beyond the batch
		{Type: "ship", Regions: []string{"CN"}},         // regions only with release
		{Type: "commission"},                            // not recordable
		{Type: "release", Regions: []string{"nowhere"}}, // bad region
		{Type: "ship", Note: strings.Repeat("x", 2000)}, // note too long
	} {
		if err := event(in); genuine.ErrorCode(err) != genuine.EInvalid {
			t.Errorf("%+v: err %v, want invalid", in, err)
		}
	}
	es, err := w.app.Events(ctx, w.brand, b.ID, 0)
	if err != nil || len(es) != 7 || es[0].Type != genuine.EventCommission {
		t.Errorf("events: %d, %v", len(es), err)
	}
}

func TestRegisteredSerials(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.app.UpdateCodeRule(ctx, w.brand, w.brandID, genuine.CodeRule{Serials: genuine.SerialsRegistered, LotInLink: true, ExpiryInLink: true, LinkStem: "https://id.acme.example/p"}); err != nil {
		t.Fatal(err)
	}
	b := w.batch(t, 3)
	if _, err := w.app.RegisterSerials(ctx, w.brand, b.ID, []string{"A-1", "A/2", "A-1"}); genuine.ErrorCode(err) != genuine.EInvalid {
		t.Errorf("duplicate in list: %v", err)
	}
	if _, err := w.app.RegisterSerials(ctx, w.brand, b.ID, []string{"A-1", "A/2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.RegisterSerials(ctx, w.brand, b.ID, []string{"A-3", "A-4"}); genuine.ErrorCode(err) != genuine.EConflict {
		t.Errorf("beyond quantity: %v", err)
	}
	codes := w.codes(t, b)
	want := "https://id.acme.example/p/01/09520123456788/10/LOT-1/21/A%2F2?17=271231"
	if len(codes) != 2 || codes[1] != want {
		t.Fatalf("codes %q, want 2 ending with %s", codes, want)
	}
	for _, c := range codes {
		if v := w.verify(t, c); !v.Authentic {
			t.Errorf("registered %s: %+v", c, v)
		}
	}
	if v := w.verify(t, "(01)"+w.gtin+"(21)A-9"); v.Authentic || v.Reason != genuine.ReasonCounterfeit {
		t.Errorf("unregistered serial: %+v", v)
	}
}

func TestTenantIsolation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	b := w.batch(t, 2)
	other, _ := w.newBrand(t, "Other")
	if _, err := w.app.Batch(ctx, other, b.ID); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("other brand reads batch: %v", err)
	}
	if err := w.app.WriteCodes(ctx, other, b.ID, func(int64, []byte, []byte) error { return nil }, nil); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("other brand exports codes: %v", err)
	}
	if _, err := w.app.Product(ctx, other, w.gtin); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("other brand reads product: %v", err)
	}
	if _, err := w.app.Batch(ctx, w.merchant, b.ID); genuine.ErrorCode(err) != genuine.EForbidden {
		t.Errorf("merchant reads batch: %v", err)
	}
	if _, err := w.app.Batch(ctx, nil, b.ID); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("public reads batch: %v", err)
	}
	if err := w.app.CreateBrand(ctx, w.brand, &genuine.Brand{Name: "X"}); genuine.ErrorCode(err) != genuine.EForbidden {
		t.Errorf("brand creates brand: %v", err)
	}
	if _, err := w.app.CreateAPIKey(ctx, w.brand, &genuine.APIKey{Role: genuine.RoleAdmin}); genuine.ErrorCode(err) != genuine.EForbidden {
		t.Errorf("brand creates admin key: %v", err)
	}
	if _, err := w.app.RotateSigningKey(ctx, other, w.brandID); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("other brand rotates keys: %v", err)
	}
	if _, err := w.app.Authenticate(ctx, "gk_notakeyatallnotakeyatall"); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("bad key: %v", err)
	}
	if _, err := w.app.Bootstrap(ctx); genuine.ErrorCode(err) != genuine.EConflict {
		t.Errorf("second bootstrap: %v", err)
	}
}
