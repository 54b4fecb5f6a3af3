package web

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"genuine"
)

// keyRecord is a key as GET /v1/keys and DELETE /v1/keys/{id} show it.
type keyRecord struct {
	ID         string       `json:"id"`
	Role       genuine.Role `json:"role"`
	BrandID    string       `json:"brand_id"`
	MerchantID string       `json:"merchant_id"`
	Name       string       `json:"name"`
	CreatedAt  time.Time    `json:"created_at"`
	ExpiresAt  time.Time    `json:"expires_at"`
	RevokedAt  time.Time    `json:"revoked_at"`
}

// TestKeyLifecycle makes a key that expires, lists keys as an admin and as
// their owners without any secret or hash, revokes one, and sees it
// refused at once with a message that says why.
func TestKeyLifecycle(t *testing.T) {
	ts := newTestServer(t, Config{})
	a := ts.newWorld("Acme", "09520123456788", 1)
	b := ts.newWorld("Bolt", "09520123456795", 1)
	expires := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	var made struct {
		keyRecord
		Key string `json:"key"`
	}
	ts.call("POST", "/v1/keys", ts.admin, map[string]any{"role": "merchant", "merchant_id": a.merchant.ID, "name": "till 2", "expires_at": expires}, 201, &made)
	if !made.ExpiresAt.Equal(expires) || made.Key == "" {
		t.Fatalf("made %+v, want it to expire at %v", made, expires)
	}
	ts.call("GET", "/v1/merchants/"+a.merchant.ID, made.Key, nil, 200, nil)
	past := ts.do(request{method: "POST", path: "/v1/keys", key: ts.admin, body: map[string]any{"role": "admin", "expires_at": time.Now().Add(-time.Hour)}})
	if past.status != 400 || !strings.Contains(past.problem(t).Detail, "expires_at") {
		t.Errorf("a key that expired already: %d %s", past.status, past.body)
	}

	list := func(key string) []keyRecord {
		t.Helper()
		resp := ts.call("GET", "/v1/keys", key, nil, 200, nil)
		for _, secret := range []string{ts.admin, a.brandKey, a.merchantKey, made.Key, `"hash"`, `"key"`} {
			if strings.Contains(string(resp.body), secret) {
				t.Errorf("GET /v1/keys shows %q: %s", secret, resp.body)
			}
		}
		var l struct{ Keys []keyRecord }
		if err := json.Unmarshal(resp.body, &l); err != nil {
			t.Fatal(err)
		}
		return l.Keys
	}
	all := list(ts.admin)
	if len(all) != 8 || all[0].Role != genuine.RoleAdmin || all[7].ID != made.ID || !all[7].ExpiresAt.Equal(expires) || all[7].Name != "till 2" {
		t.Errorf("the admin lists %+v; want 8 keys, the first the admin's, the last %s", all, made.ID)
	}
	mine := list(a.merchantKey)
	if len(mine) != 2 || mine[0].MerchantID != a.merchant.ID || mine[1].ID != made.ID {
		t.Errorf("merchant A lists %+v; want its 2 keys", mine)
	}
	if brands := list(b.brandKey); len(brands) != 2 || brands[0].BrandID != b.brand.ID || brands[1].Role != genuine.RolePartner {
		t.Errorf("brand B lists %+v; want its key and its partner's", brands)
	}

	ts.call("DELETE", "/v1/keys/"+made.ID, b.merchantKey, nil, 404, nil)
	var revoked keyRecord
	ts.call("DELETE", "/v1/keys/"+made.ID, a.merchantKey, nil, 200, &revoked)
	if revoked.ID != made.ID || revoked.RevokedAt.IsZero() {
		t.Errorf("revoked %+v", revoked)
	}
	resp := ts.do(request{method: "GET", path: "/v1/merchants/" + a.merchant.ID, key: made.Key})
	if p := resp.problem(t); resp.status != 401 || !strings.Contains(p.Detail, "revoked") {
		t.Errorf("the revoked key: %d %+v", resp.status, p)
	}
	ts.call("GET", "/v1/merchants/"+a.merchant.ID, a.merchantKey, nil, 200, nil)
	if l := list(ts.admin); l[7].RevokedAt.IsZero() {
		t.Errorf("the admin lists the revoked key as %+v", l[7])
	}
	admin := list(ts.admin)[0]
	ts.call("DELETE", "/v1/keys/"+admin.ID, ts.admin, nil, 409, nil)
}
