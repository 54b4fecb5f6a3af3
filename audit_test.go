package genuine_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"genuine"
)

// auditTrail returns every audit record, oldest first, as an admin sees them.
func (w *world) auditTrail(t *testing.T) []*genuine.AuditRecord {
	t.Helper()
	rs, err := w.app.Audit(context.Background(), w.admin, genuine.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return rs
}

// findAudit returns the first record of an action about subject ("" for
// any), or nil.
func findAudit(rs []*genuine.AuditRecord, action, subject string) *genuine.AuditRecord {
	for _, r := range rs {
		if r.Action == action && (subject == "" || r.Subject == subject) {
			return r
		}
	}
	return nil
}

// TestAuditRecordsChanges runs every kind of change the audit trail
// records and checks each record's author, brand, subject and detail.
func TestAuditRecordsChanges(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.app.BreakGlass(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.RotateSigningKey(ctx, w.brand, w.brandID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.RetireSigningKey(ctx, w.brand, w.brandID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.RevokeSigningKey(ctx, w.brand, w.brandID, 0); err != nil {
		t.Fatal(err)
	}
	spare := &genuine.APIKey{Role: genuine.RoleMerchant, MerchantID: w.merchant.MerchantID, Name: "spare till"}
	if _, err := w.app.CreateAPIKey(ctx, w.admin, spare); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.RevokeAPIKey(ctx, w.admin, spare.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.UpdateCodeRule(ctx, w.brand, w.brandID, genuine.CodeRule{LotInLink: true, Serials: genuine.SerialsMinted}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.SetPolicy(ctx, w.brand, "brand", []byte(`{"rules": [{"rule": "state"}]}`)); err != nil {
		t.Fatal(err)
	}
	b := w.batch(t, 10)
	if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "release"}); err != nil {
		t.Fatal(err)
	}
	from, to := b.FirstSeq+8, b.FirstSeq+9
	if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "lock", From: &from, To: &to}); err != nil {
		t.Fatal(err)
	}
	codes := w.codes(t, b)
	if _, err := w.app.RecordUnitEvents(ctx, w.brand, genuine.UnitEventInput{Type: "stolen", Codes: codes[7:8]}); err != nil {
		t.Fatal(err)
	}
	paid, err := w.app.Checkout(ctx, w.merchant, "paid", cart(100, codes[0]))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.sim.Pay(ctx, paid.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	w.waitStatus(t, w.merchant, paid.ID, genuine.CheckoutPaid)
	if _, err := w.app.RefundCheckout(ctx, w.merchant, paid.ID, genuine.RefundInput{}); err != nil {
		t.Fatal(err)
	}
	canceled, err := w.app.Checkout(ctx, w.merchant, "canceled", cart(100, codes[1]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.CancelCheckout(ctx, w.merchant, canceled.ID); err != nil {
		t.Fatal(err)
	}
	expired, err := w.app.Checkout(ctx, w.merchant, "expired", cart(100, codes[2]))
	if err != nil {
		t.Fatal(err)
	}
	w.clock.add(time.Hour)
	if _, err := w.app.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}

	rs := w.trailWithout(t, "")
	admin := genuine.Author{KeyID: w.admin.KeyID, Role: "admin"}
	brand := genuine.Author{KeyID: w.brand.KeyID, Role: "brand", Org: w.brandID}
	merchant := genuine.Author{KeyID: w.merchant.KeyID, Role: "merchant", Org: w.merchant.MerchantID}
	tests := []struct {
		action, subject string
		by              genuine.Author
		brandID         string
		detail          string // a part of the detail
	}{
		{"key.create", w.admin.KeyID, genuine.Author{Role: "operator"}, "", `"role":"admin"`},
		{"brand.create", w.brandID, admin, w.brandID, `"name":"Acme"`},
		{"key.create", w.brand.KeyID, admin, w.brandID, `"role":"brand"`},
		{"product.create", w.gtin, brand, w.brandID, `"name":"Acme Tonic"`},
		{"merchant.create", w.merchant.MerchantID, admin, "", `"region":"CN-GD-SZ"`},
		{"key.create", w.merchant.KeyID, admin, "", `"merchant_id":"` + w.merchant.MerchantID},
		{"key.create", "", genuine.Author{Role: "operator"}, "", `"name":"break-glass admin key"`},
		{"signing_key.rotate", w.brandID, brand, w.brandID, `"key":1`},
		{"signing_key.retire", w.brandID, brand, w.brandID, `"key":0`},
		{"signing_key.revoke", w.brandID, brand, w.brandID, `"key":0`},
		{"key.revoke", spare.ID, admin, "", `"role":"merchant"`},
		{"code_rule.update", w.brandID, brand, w.brandID, `"lot_in_link":true`},
		{"policy.set", "brand", brand, w.brandID, `"version":1`},
		{"batch.create", b.ID, brand, w.brandID, `"quantity":10`},
		{"batch.release", b.ID, brand, w.brandID, `"regions":["CN-GD"]`},
		{"range.lock", b.ID, brand, w.brandID, `"to_sequence":9`},
		{"unit.stolen", b.ID, brand, w.brandID, `"serial":"`},
		{"checkout.paid", paid.ID, genuine.Author{Role: "system", Org: "provider:simulated"}, w.brandID, `"amount":100`},
		{"checkout.refunded", paid.ID, merchant, w.brandID, `"amount":100`},
		{"checkout.canceled", canceled.ID, merchant, w.brandID, `"units":1`},
		{"checkout.expired", expired.ID, genuine.Author{Role: "system", Org: "reconciler"}, w.brandID, `"units":1`},
	}
	for _, tt := range tests {
		var r *genuine.AuditRecord
		for _, c := range rs {
			if c.Action == tt.action && (tt.subject == "" || c.Subject == tt.subject) && strings.Contains(c.Detail, tt.detail) {
				r = c
				break
			}
		}
		if r == nil {
			t.Errorf("no %s record of %q with %s", tt.action, tt.subject, tt.detail)
			continue
		}
		if r.Author != tt.by || r.BrandID != tt.brandID || r.At.IsZero() {
			t.Errorf("%s %s: by %+v of brand %q at %v; want by %+v of brand %q",
				tt.action, tt.subject, r.Author, r.BrandID, r.At, tt.by, tt.brandID)
		}
	}
	// The brand sees its own records, and not the admin's alone.
	own, err := w.app.Audit(ctx, w.brand, genuine.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range own {
		if r.BrandID != w.brandID {
			t.Errorf("brand sees record %d of brand %q", r.ID, r.BrandID)
		}
	}
	if findAudit(own, "batch.create", b.ID) == nil || findAudit(own, "merchant.create", "") != nil {
		t.Errorf("brand's records: %d, without its batch or with a merchant's", len(own))
	}
	if _, err := w.app.Audit(ctx, w.merchant, genuine.AuditFilter{}); genuine.ErrorCode(err) != genuine.EForbidden {
		t.Errorf("merchant reads the audit trail: %v", err)
	}
}

// trailWithout returns the audit trail; with action, it fails the test if
// a record of that action is in it.
func (w *world) trailWithout(t *testing.T, action string) []*genuine.AuditRecord {
	t.Helper()
	rs := w.auditTrail(t)
	if action != "" && findAudit(rs, action, "") != nil {
		t.Errorf("a %s record was written", action)
	}
	return rs
}

// TestAuditOnlyWithChange checks that a change refused writes no record.
func TestAuditOnlyWithChange(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	err := w.app.CreateProduct(ctx, w.brand, &genuine.Product{GTIN: w.gtin, Name: "Again"})
	if genuine.ErrorCode(err) != genuine.EConflict {
		t.Fatalf("product created twice: %v", err)
	}
	n := 0
	for _, r := range w.auditTrail(t) {
		if r.Action == "product.create" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d product.create records, want 1 (the refused one writes none)", n)
	}
	// A batch refused (no product) writes none.
	if _, err := w.app.CreateBatch(ctx, w.brand, genuine.BatchInput{
		GTIN: "04006381333931", Lot: "L", Expiry: genuine.NewDate(2027, 1, 1), Quantity: 1,
	}); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Fatalf("batch of an unknown product: %v", err)
	}
	w.trailWithout(t, "batch.create")
}

// TestAuditChainVerifies chains the records of a world and verifies them.
func TestAuditChainVerifies(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	rep, err := w.app.VerifyAudit(ctx)
	if err != nil || rep.Broken != nil || rep.Chained != 0 || rep.Pending == 0 {
		t.Fatalf("before chaining: %+v, %v; want records pending, none chained", rep, err)
	}
	want := len(w.auditTrail(t))
	n, err := w.app.ChainAudit(ctx)
	if err != nil || n != want {
		t.Fatalf("ChainAudit = %d, %v; want %d", n, err, want)
	}
	if n, err := w.app.ChainAudit(ctx); err != nil || n != 0 {
		t.Errorf("ChainAudit again = %d, %v; want 0", n, err)
	}
	w.batch(t, 1)
	if n, err := w.app.ChainAudit(ctx); err != nil || n != 1 {
		t.Errorf("ChainAudit after a batch = %d, %v; want 1", n, err)
	}
	rep, err = w.app.VerifyAudit(ctx)
	if err != nil || rep.Broken != nil || rep.Chained != int64(want+1) || rep.Pending != 0 || len(rep.Head) != 32 {
		t.Fatalf("VerifyAudit = %+v, %v; want %d chained, whole", rep, err, want+1)
	}
	// A record left out of the chain beyond the grace is reported.
	w.batch(t, 1)
	w.clock.add(genuine.AuditGrace)
	rep, err = w.app.VerifyAudit(ctx)
	if err != nil || rep.Broken == nil || rep.Broken.Seq != 0 || !strings.Contains(rep.Broken.Reason, "not in the chain") {
		t.Fatalf("VerifyAudit of a record left unchained = %+v, %v", rep, err)
	}
}

// TestAuditChainConcurrent chains from two Apps on one store, as two
// servers on one database do, while changes are written: every record is
// chained once, and the chain verifies.
func TestAuditChainConcurrent(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	other := genuine.NewApp(w.db, genuine.Config{Now: w.clock.now})
	t.Cleanup(func() { other.Close() })
	const writers, each = 4, 10
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, app := range []*genuine.App{w.app, other} {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := app.ChainAudit(ctx); err != nil && genuine.ErrorCode(err) != genuine.EConflict {
					t.Errorf("ChainAudit: %v", err)
					return
				}
			}
		})
	}
	var written sync.WaitGroup
	for i := range writers {
		written.Go(func() {
			for j := range each {
				m := &genuine.Merchant{Name: fmt.Sprintf("Shop %d-%d", i, j), Region: "CN-GD-SZ"}
				if err := w.app.CreateMerchant(ctx, w.admin, m); err != nil {
					t.Errorf("CreateMerchant: %v", err)
					return
				}
			}
		})
	}
	written.Wait()
	close(stop)
	wg.Wait()
	if _, err := other.ChainAudit(ctx); err != nil {
		t.Fatal(err)
	}
	total := len(w.auditTrail(t))
	rep, err := w.app.VerifyAudit(ctx)
	if err != nil || rep.Broken != nil || rep.Chained != int64(total) || rep.Pending != 0 {
		t.Fatalf("VerifyAudit = %+v, %v; want all %d records chained, whole", rep, err, total)
	}
}
