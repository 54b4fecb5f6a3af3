package web

import (
	"slices"
	"testing"

	"genuine"
)

// TestBrandPrefixes: an admin registers a brand's GS1 company prefixes
// when creating it and with PATCH; products outside them are refused with
// the code gtin_prefix.
func TestBrandPrefixes(t *testing.T) {
	ts := newTestServer(t, Config{})
	a := ts.newWorld("Acme", "09520123456788", 1)
	var held genuine.Brand
	ts.call("POST", "/v1/brands", ts.admin, map[string]any{"name": "Holder", "gs1_prefixes": []string{"952099"}}, 201, &held)
	if !slices.Equal(held.GS1Prefixes, []string{"952099"}) {
		t.Fatalf("created brand %+v", held)
	}
	holderKey := ts.newKey(map[string]any{"role": "brand", "brand_id": held.ID})
	var got genuine.Brand
	ts.call("GET", "/v1/brands/"+held.ID, holderKey, nil, 200, &got)
	if !slices.Equal(got.GS1Prefixes, []string{"952099"}) {
		t.Errorf("GET brand %+v", got)
	}

	product := func(key, gtin string, status int, code string) {
		t.Helper()
		resp := ts.do(request{method: "POST", path: "/v1/products", key: key, body: map[string]any{"gtin": gtin, "name": "P"}})
		if resp.status != status {
			t.Fatalf("product %s: status %d, want %d; body %s", gtin, resp.status, status, resp.body)
		}
		if code != "" {
			if p := resp.problem(t); p.Code != code {
				t.Errorf("product %s: problem %+v, want code %s", gtin, p, code)
			}
		}
	}
	product(holderKey, "09520991234563", 201, "")
	product(holderKey, "09520123456795", 403, genuine.EGTINPrefix)
	product(a.brandKey, "09520997654327", 403, genuine.EGTINPrefix)

	path := "/v1/brands/" + a.brand.ID
	ts.call("PATCH", path, a.brandKey, map[string]any{"gs1_prefixes": []string{"952012"}}, 403, nil)
	ts.call("PATCH", path, ts.admin, map[string]any{"gs1_prefixes": []string{"95201"}}, 400, nil)
	ts.call("PATCH", path, ts.admin, map[string]any{"gs1_prefixes": []string{"9520991"}}, 409, nil)
	ts.call("PATCH", "/v1/brands/brd_00000000000000000000", ts.admin, map[string]any{"gs1_prefixes": []string{"952012"}}, 404, nil)
	ts.call("PATCH", path, ts.admin, map[string]any{"gs1_prefixes": []string{"952012"}}, 200, &got)
	if !slices.Equal(got.GS1Prefixes, []string{"952012"}) || got.Name != "Acme" {
		t.Errorf("patched brand %+v", got)
	}
	product(a.brandKey, "09520123456801", 201, "")
	product(a.brandKey, "04006381333948", 403, genuine.EGTINPrefix)
	// An empty list removes them; a PATCH without the member changes nothing.
	ts.call("PATCH", path, ts.admin, map[string]any{}, 200, &got)
	if !slices.Equal(got.GS1Prefixes, []string{"952012"}) {
		t.Errorf("brand after an empty PATCH %+v", got)
	}
	got = genuine.Brand{}
	ts.call("PATCH", path, ts.admin, map[string]any{"gs1_prefixes": []string{}}, 200, &got)
	if len(got.GS1Prefixes) != 0 {
		t.Errorf("brand after removing its prefixes %+v", got)
	}
	product(a.brandKey, "04006381333948", 201, "")
}
