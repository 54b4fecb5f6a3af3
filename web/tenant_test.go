package web

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"genuine"
)

// caller is one of the keys the tenant isolation test calls every route
// with. tenant is "A" or "B" for keys bound to a brand or merchant.
type caller struct {
	name, key string
	role      genuine.Role
	tenant    string
}

// tenantCase says how to call a route as a caller, and what owns the
// thing the call names: "brand" (brand A's), "merchant" (merchant A's) or
// "" (nothing of another tenant's: the caller acts on its own). status is
// the success status for a caller the route admits.
type tenantCase struct {
	owner  string
	status int
	call   func(c caller) (path string, body any)
}

// TestTenantIsolation calls every authenticated route of the route table
// with no key, an invalid key, and a key of each role for tenant A and B,
// and checks the App's answers: 401 without a valid key, 403 for a role
// the route does not admit, 404 (never the data) for another tenant's
// things, success otherwise. A route without a case fails the test, so a
// new route cannot be left out. Every call carries an Idempotency-Key of
// its own, which only POST /v1/checkouts reads.
func TestTenantIsolation(t *testing.T) {
	ts := newTestServer(t, Config{MetricsHandler: metricsStub})
	a := ts.newWorld("Acme", "09520123456788", 100)
	b := ts.newWorld("Bolt", "09520123456795", 10)
	ts.call("POST", "/v1/batches/"+a.batch.ID+"/events", a.brandKey, map[string]any{"type": "release"}, 201, nil)
	codes := ts.codes(a.brandKey, a.batch.ID)
	// A second batch of brand A with registered serials, for /serials.
	ts.call("PUT", "/v1/brands/"+a.brand.ID+"/code-rule", a.brandKey, map[string]any{"serials": "registered"}, 200, nil)
	var registered genuine.Batch
	ts.call("POST", "/v1/batches", a.brandKey, map[string]any{"gtin": a.product.GTIN, "lot": "R1", "expiry": "2028-01-31", "quantity": 50}, 201, &registered)
	// A policy of that batch, and checkouts of merchant A: one refused (an
	// alert for brand A), one awaiting payment, one paid.
	policy := "/v1/policies/batch:" + registered.ID
	ts.call("PUT", policy, a.brandKey, map[string]any{"rules": []any{map[string]any{"rule": "state"}}}, 200, nil)
	refusedFor(t, ts.checkout(a.merchantKey, "tenant-refused", cartOf(1000, forge(codes[0].Code))), genuine.ReasonCounterfeit)
	keys := 0
	nextKey := func() string { keys++; return fmt.Sprintf("tenant-%d", keys) }
	// Key 1 of brand A, which minted none of its codes, is the one revoked.
	ts.call("POST", "/v1/brands/"+a.brand.ID+"/signing-keys", a.brandKey, nil, 201, nil)

	callers := []caller{
		{"admin", ts.admin, genuine.RoleAdmin, ""},
		{"brand A", a.brandKey, genuine.RoleBrand, "A"},
		{"partner A", a.partnerKey, genuine.RolePartner, "A"},
		{"merchant A", a.merchantKey, genuine.RoleMerchant, "A"},
		{"brand B", b.brandKey, genuine.RoleBrand, "B"},
		{"partner B", b.partnerKey, genuine.RolePartner, "B"},
		{"merchant B", b.merchantKey, genuine.RoleMerchant, "B"},
	}
	next := 0
	nextCode := func() string { next++; return codes[next].Code }
	awaiting := checkoutOf(t, ts.checkout(a.merchantKey, nextKey(), cartOf(1000, nextCode())), 201)
	paid := ts.paidCheckout(a.merchantKey, nextKey(), nextCode())
	// Merchant A's own call needs a checkout of its own to succeed on.
	fresh := func(c caller, shared genuine.Checkout, pay bool) string {
		if c.name != "merchant A" {
			return shared.ID
		}
		if pay {
			return ts.paidCheckout(a.merchantKey, nextKey(), nextCode()).ID
		}
		return checkoutOf(t, ts.checkout(a.merchantKey, nextKey(), cartOf(1000, nextCode())), 201).ID
	}
	gtins := 0
	nextGTIN := func() string { gtins++; return gtinWithCheckDigit(fmt.Sprintf("095201%07d", 5000+gtins)) }
	fixed := func(path string, body any) func(caller) (string, any) {
		return func(caller) (string, any) { return path, body }
	}
	accountPath := "/v1/merchants/" + a.merchant.ID + "/providers/testpay"
	pricesPath := "/v1/merchants/" + a.merchant.ID + "/prices"
	// A preview changes nothing: every caller previews the same unit.
	previewed := codes[len(codes)-1].Code
	cases := map[string]tenantCase{
		"POST /v1/brands":                                {"", 201, fixed("/v1/brands", map[string]any{"name": "New"})},
		"GET /v1/brands/{id}":                            {"brand", 200, fixed("/v1/brands/"+a.brand.ID, nil)},
		"PATCH /v1/brands/{id}":                          {"brand", 200, fixed("/v1/brands/"+a.brand.ID, map[string]any{"gs1_prefixes": []string{}})},
		"PUT /v1/brands/{id}/code-rule":                  {"brand", 200, fixed("/v1/brands/"+a.brand.ID+"/code-rule", map[string]any{"serials": "registered"})},
		"POST /v1/brands/{id}/signing-keys":              {"brand", 201, fixed("/v1/brands/"+a.brand.ID+"/signing-keys", nil)},
		"GET /v1/brands/{id}/signing-keys":               {"brand", 200, fixed("/v1/brands/"+a.brand.ID+"/signing-keys", nil)},
		"POST /v1/brands/{id}/signing-keys/{key}/retire": {"brand", 200, fixed("/v1/brands/"+a.brand.ID+"/signing-keys/0/retire", nil)},
		"POST /v1/brands/{id}/signing-keys/{key}/revoke": {"brand", 200, fixed("/v1/brands/"+a.brand.ID+"/signing-keys/1/revoke", nil)},
		"POST /v1/merchants":                             {"", 201, fixed("/v1/merchants", map[string]any{"name": "New", "region": "CN"})},
		"GET /v1/merchants/{id}":                         {"merchant", 200, fixed("/v1/merchants/"+a.merchant.ID, nil)},
		"GET /v1/merchants/{id}/providers":               {"merchant", 200, fixed("/v1/merchants/"+a.merchant.ID+"/providers", nil)},
		"PUT /v1/merchants/{id}/providers/{name}":        {"merchant", 200, fixed(accountPath, map[string]any{"mode": "test", "key": "key_12345678"})},
		"DELETE /v1/merchants/{id}/providers/{name}": {"merchant", 204, func(c caller) (string, any) {
			ts.call("PUT", accountPath, ts.admin, map[string]any{"mode": "test", "key": "key_12345678"}, 200, nil)
			return accountPath, nil
		}},
		"GET /v1/merchants/{id}/prices":        {"merchant", 200, fixed(pricesPath, nil)},
		"PUT /v1/merchants/{id}/prices":        {"merchant", 200, fixed(pricesPath, []any{map[string]any{"gtin": b.product.GTIN, "price": 3500, "currency": "CNY"}})},
		"PUT /v1/merchants/{id}/self-checkout": {"merchant", 200, fixed("/v1/merchants/"+a.merchant.ID+"/self-checkout", map[string]any{"enabled": true, "max_open_carts": 5})},
		"POST /v1/keys":                        {"", 201, fixed("/v1/keys", map[string]any{"role": "admin"})},
		"GET /v1/products/{gtin}":              {"brand", 200, fixed("/v1/products/"+a.product.GTIN, nil)},
		"POST /v1/batches":                     {"brand", 201, fixed("/v1/batches", map[string]any{"gtin": a.product.GTIN, "lot": "T1", "expiry": "2030-01-01", "quantity": 10})},
		"GET /v1/batches":                      {"", 200, fixed("/v1/batches", nil)},
		"GET /v1/batches/{id}":                 {"brand", 200, fixed("/v1/batches/"+a.batch.ID, nil)},
		"GET /v1/batches/{id}/codes":           {"brand", 200, fixed("/v1/batches/"+a.batch.ID+"/codes", nil)},
		"POST /v1/batches/{id}/events":         {"brand", 201, fixed("/v1/batches/"+a.batch.ID+"/events", map[string]any{"type": "ship"})},
		"GET /v1/batches/{id}/events":          {"brand", 200, fixed("/v1/batches/"+a.batch.ID+"/events", nil)},
		"POST /v1/batches/{id}/serials": {"brand", 200, func(c caller) (string, any) {
			return "/v1/batches/" + registered.ID + "/serials", map[string]any{"serials": []string{"S-" + strings.ReplaceAll(c.name, " ", "")}}
		}},
		"POST /v1/products": {"", 201, func(c caller) (string, any) {
			body := map[string]any{"gtin": nextGTIN(), "name": "New"}
			if c.role == genuine.RoleAdmin {
				body["brand_id"] = a.brand.ID
			}
			return "/v1/products", body
		}},
		"POST /v1/units/events": {"brand", 201, func(c caller) (string, any) {
			code := nextCode()
			// A merchant records events of the units it holds, whatever
			// their brand: brand A hands this one to it.
			if m := map[string]string{"merchant A": a.merchant.ID, "merchant B": b.merchant.ID}[c.name]; m != "" {
				ts.call("POST", "/v1/units/events", a.brandKey, map[string]any{"type": "receive", "codes": []string{code}, "merchant_id": m}, 201, nil)
			}
			return "/v1/units/events", map[string]any{"type": "stolen", "codes": []string{code}}
		}},
		"PUT /v1/policies/{scope}": {"brand", 200, fixed(policy, map[string]any{"rules": []any{map[string]any{"rule": "expiry"}}})},
		"GET /v1/policies/{scope}": {"brand", 200, fixed(policy, nil)},
		"POST /v1/checkouts": {"", 201, func(caller) (string, any) {
			return "/v1/checkouts", cartOf(1000, nextCode())
		}},
		// A merchant lists its own; an admin names merchant A.
		"GET /v1/checkouts": {"", 200, func(c caller) (string, any) {
			if c.role == genuine.RoleAdmin {
				return "/v1/checkouts?merchant_id=" + a.merchant.ID, nil
			}
			return "/v1/checkouts?limit=5", nil
		}},
		"POST /v1/checkouts/preview": {"", 200, fixed("/v1/checkouts/preview", map[string]any{"items": []any{map[string]any{"code": previewed}}, "currency": "CNY"})},
		"GET /v1/checkouts/{id}":     {"merchant", 200, fixed("/v1/checkouts/"+awaiting.ID, nil)},
		// A paid checkout's stream tells its status once and ends.
		"GET /v1/checkouts/{id}/events": {"merchant", 200, fixed("/v1/checkouts/"+paid.ID+"/events", nil)},
		"POST /v1/checkouts/{id}/cancel": {"merchant", 200, func(c caller) (string, any) {
			return "/v1/checkouts/" + fresh(c, awaiting, false) + "/cancel", nil
		}},
		"POST /v1/checkouts/{id}/refund": {"merchant", 200, func(c caller) (string, any) {
			return "/v1/checkouts/" + fresh(c, paid, true) + "/refund", nil
		}},
		"GET /v1/decisions": {"", 200, fixed("/v1/decisions", nil)},
		"GET /v1/alerts":    {"", 200, fixed("/v1/alerts", nil)},
		"GET /v1/audit":     {"", 200, fixed("/v1/audit", nil)},
		"GET /metrics":      {"", 200, fixed("/metrics", nil)},
		"GET /v1/keys":      {"", 200, fixed("/v1/keys", nil)},
		// Each caller revokes a key of its own; TestKeyLifecycle revokes
		// another's.
		"DELETE /v1/keys/{id}": {"", 200, func(c caller) (string, any) {
			body := map[string]any{"role": "admin"}
			switch c.role {
			case genuine.RoleBrand, genuine.RolePartner:
				body = map[string]any{"role": "partner", "brand_id": map[string]string{"A": a.brand.ID, "B": b.brand.ID}[c.tenant]}
			case genuine.RoleMerchant:
				body = map[string]any{"role": "merchant", "merchant_id": map[string]string{"A": a.merchant.ID, "B": b.merchant.ID}[c.tenant]}
			}
			var k struct{ ID string }
			ts.call("POST", "/v1/keys", ts.admin, body, 201, &k)
			return "/v1/keys/" + k.ID, nil
		}},
	}

	for _, rt := range ts.srv.routes() {
		if rt.Public() {
			continue
		}
		name := rt.Method + " " + rt.Pattern
		tc, ok := cases[name]
		if !ok {
			t.Errorf("%s has no tenant isolation case", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			path, body := tc.call(caller{name: "nobody"})
			for _, key := range []string{"", "gk_" + strings.Repeat("x", 52), "not-a-key"} {
				resp := ts.do(request{method: rt.Method, path: path, key: key, body: body, header: map[string]string{"Idempotency-Key": nextKey()}})
				if p := resp.problem(t); resp.status != 401 || p.Code != genuine.EUnauthorized || !strings.HasPrefix(resp.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("key %q: %d %+v, WWW-Authenticate %q", key, resp.status, p, resp.header.Get("WWW-Authenticate"))
				}
			}
			for _, c := range callers {
				path, body := tc.call(c)
				resp := ts.do(request{method: rt.Method, path: path, key: c.key, body: body, header: map[string]string{"Idempotency-Key": nextKey()}})
				want := expected(rt, tc, c)
				if !slices.Contains(want, resp.status) {
					t.Errorf("%s: status %d, want %v; body: %.300s", c.name, resp.status, want, resp.body)
					continue
				}
				if resp.status >= 400 {
					p := resp.problem(t)
					if wantCode := map[int]string{403: genuine.EForbidden, 404: genuine.ENotFound}[resp.status]; p.Code != wantCode {
						t.Errorf("%s: code %q, want %q", c.name, p.Code, wantCode)
					}
					continue
				}
				// Whatever another tenant may read holds nothing of tenant A's.
				if c.tenant == "B" {
					secrets := []string{a.batch.ID, registered.ID, a.brand.ID, a.product.GTIN}
					if c.role == genuine.RoleMerchant && (name == "POST /v1/units/events" || name == "POST /v1/checkouts" || name == "POST /v1/checkouts/preview" || name == "GET /v1/checkouts") {
						// A merchant acts on any brand's units it holds, named by
						// codes that carry the GTIN, and checks them out; it
						// learns no identifier; its list of checkouts holds
						// those it made.
						secrets = []string{a.batch.ID, registered.ID, a.brand.ID}
					}
					for _, secret := range secrets {
						if strings.Contains(string(resp.body), secret) {
							t.Errorf("%s reads %s of tenant A: %.300s", c.name, secret, resp.body)
						}
					}
				}
			}
		})
	}
}

// expected returns the statuses a caller may get from a route.
func expected(rt route, tc tenantCase, c caller) []int {
	admitted := slices.Contains(rt.Roles, c.role)
	otherTenant := c.tenant == "B" && (tc.owner == "brand" && c.role != genuine.RoleMerchant ||
		tc.owner == "merchant" && c.role == genuine.RoleMerchant)
	switch {
	case !admitted && c.tenant == "B" && tc.owner != "":
		// Either answer hides tenant A's things; which comes first is the
		// App's order of checks.
		return []int{403, 404}
	case !admitted:
		return []int{403}
	case otherTenant:
		return []int{404}
	}
	return []int{tc.status}
}
