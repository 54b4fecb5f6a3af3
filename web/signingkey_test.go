package web

import (
	"strings"
	"testing"
	"time"

	"genuine"
)

// signingKey is a signing key as the API shows it.
type signingKey struct {
	ID        int        `json:"id"`
	RetiredAt *time.Time `json:"retired_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// A retired signing key mints no more, and its codes still verify and
// sell; a revoked key's codes are refused as key_revoked at verification
// and at checkout, while the codes of the brand's other keys are not.
func TestRetireAndRevokeSigningKey(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 10)
	ts.call("POST", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, map[string]any{"type": "release"}, 201, nil)
	old := ts.codes(w.brandKey, w.batch.ID)
	base := "/v1/brands/" + w.brand.ID + "/signing-keys/"

	ts.call("POST", base+"first/retire", w.brandKey, nil, 400, nil)
	ts.call("POST", base+"40/retire", w.brandKey, nil, 404, nil)
	var retired signingKey
	ts.call("POST", base+"0/retire", w.brandKey, nil, 200, &retired)
	if retired.ID != 0 || retired.RetiredAt == nil || retired.RevokedAt != nil {
		t.Fatalf("retired key: %+v", retired)
	}
	var brand genuine.Brand
	ts.call("GET", "/v1/brands/"+w.brand.ID, w.brandKey, nil, 200, &brand)
	if brand.CodeRule.ActiveKey == 0 {
		t.Fatal("the retired key is still the active one")
	}
	var fresh genuine.Batch
	ts.call("POST", "/v1/batches", w.brandKey, map[string]any{
		"gtin": w.product.GTIN, "lot": "L2", "expiry": "2027-12-31", "quantity": 5, "regions": []string{"CN-GD"},
	}, 201, &fresh)
	ts.call("POST", "/v1/batches/"+fresh.ID+"/events", w.brandKey, map[string]any{"type": "release"}, 201, nil)
	if fresh.KeyID == 0 {
		t.Error("a batch was minted under the retired key")
	}
	newer := ts.codes(w.brandKey, fresh.ID)
	verify := func(code string) genuine.Verification {
		t.Helper()
		var v genuine.Verification
		ts.call("POST", "/v1/verify", "", map[string]string{"code": code}, 200, &v)
		return v
	}
	if v := verify(old[0].Code); !v.Authentic {
		t.Errorf("a code of the retired key: %+v", v)
	}
	checkoutOf(t, ts.checkout(w.merchantKey, "retired-1", cartOf(1000, old[1].Code)), 201)

	var revoked signingKey
	ts.call("POST", base+"0/revoke", w.brandKey, nil, 200, &revoked)
	if revoked.RevokedAt == nil || revoked.RetiredAt == nil || !revoked.RetiredAt.Equal(*retired.RetiredAt) {
		t.Fatalf("revoked key: %+v", revoked)
	}
	if v := verify(old[2].Code); v.Authentic || v.Reason != "key_revoked" {
		t.Errorf("a code of the revoked key: authentic %v, reason %q", v.Authentic, v.Reason)
	}
	refusedFor(t, ts.checkout(w.merchantKey, "revoked-1", cartOf(1000, old[3].Code)), "key_revoked")
	if v := verify(newer[0].Code); !v.Authentic {
		t.Errorf("a code of the brand's other key after a revocation: %+v", v)
	}
	checkoutOf(t, ts.checkout(w.merchantKey, "other-1", cartOf(1000, newer[1].Code)), 201)
	// A forged serial naming the revoked key is still a counterfeit.
	if v := verify(forge(old[4].Code)); v.Reason != genuine.ReasonCounterfeit {
		t.Errorf("a forged code naming the revoked key: reason %q", v.Reason)
	}

	resp := ts.call("GET", "/v1/brands/"+w.brand.ID+"/signing-keys", w.brandKey, nil, 200, nil)
	if strings.Contains(string(resp.body), "secret") {
		t.Errorf("the key list shows secrets: %s", resp.body)
	}
	var list struct {
		SigningKeys []signingKey `json:"signing_keys"`
	}
	ts.call("GET", "/v1/brands/"+w.brand.ID+"/signing-keys", w.brandKey, nil, 200, &list)
	if len(list.SigningKeys) != 2 || list.SigningKeys[0].RevokedAt == nil || list.SigningKeys[1].RetiredAt != nil {
		t.Errorf("signing keys: %s", resp.body)
	}
	if p := ts.do(request{method: "POST", path: base + "9/revoke", key: w.brandKey}).problem(t); p.Code != genuine.ENotFound {
		t.Errorf("revoke a missing key: %+v", p)
	}
	if p := ts.do(request{method: "POST", path: base + "x/retire", key: w.brandKey}).problem(t); p.Code != genuine.EInvalid {
		t.Errorf("retire key x: %+v", p)
	}
}
