package web

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPI checks the OpenAPI document against the route table: the
// same paths and methods both ways, who may call each operation, its
// path parameters and responses, and that every reference resolves.
// Mounted pages are not API: the document leaves them out.
func TestOpenAPI(t *testing.T) {
	ts := newTestServer(t, Config{})
	resp := ts.do(request{method: "GET", path: "/openapi.json"})
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			SecuritySchemes map[string]struct {
				Type   string `json:"type"`
				Scheme string `json:"scheme"`
			} `json:"securitySchemes"`
		} `json:"components"`
		Security []map[string][]string `json:"security"`
	}
	decodeJSON(t, resp, 200, "application/json", &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Fatalf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	if s := doc.Components.SecuritySchemes["bearer"]; s.Type != "http" || s.Scheme != "bearer" || len(doc.Security) != 1 || doc.Security[0]["bearer"] == nil {
		t.Fatalf("security %+v, schemes %+v", doc.Security, doc.Components.SecuritySchemes)
	}

	inTable := map[string]bool{}
	var pages []string
	for _, rt := range ts.srv.routes() {
		if rt.Page() {
			if rt.Mount != nil && (rt.Method != "" || !rt.Browser) || !rt.Public() {
				t.Errorf("page %s: method %q, public %v, browser %v; want public, and a mounted page every method and browser", rt.Pattern, rt.Method, rt.Public(), rt.Browser)
			}
			pages = append(pages, rt.Pattern)
			continue
		}
		path := strings.ReplaceAll(rt.Pattern, "...}", "}")
		method := strings.ToLower(rt.Method)
		inTable[method+" "+path] = true
		raw, ok := doc.Paths[path][method]
		if !ok {
			t.Errorf("%s %s is not in the OpenAPI document", rt.Method, path)
			continue
		}
		var op struct {
			OperationID string                     `json:"operationId"`
			Responses   map[string]json.RawMessage `json:"responses"`
			Security    *[]map[string][]string     `json:"security"`
			Roles       []string                   `json:"x-roles"`
			Parameters  []struct {
				Name     string `json:"name"`
				In       string `json:"in"`
				Required bool   `json:"required"`
			} `json:"parameters"`
		}
		if err := json.Unmarshal(raw, &op); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		if op.OperationID == "" || len(op.Responses) == 0 {
			t.Errorf("%s %s: operationId %q, %d responses", method, path, op.OperationID, len(op.Responses))
		}
		if public := op.Security != nil && len(*op.Security) == 0; public != rt.Public() {
			t.Errorf("%s %s: public in the document %v, in the table %v", method, path, public, rt.Public())
		}
		roles := []string{"public"}
		if !rt.Public() {
			roles = nil
			for _, r := range rt.Roles {
				roles = append(roles, string(r))
			}
		}
		if !slices.Equal(op.Roles, roles) {
			t.Errorf("%s %s: x-roles %v, the table says %v", method, path, op.Roles, roles)
		}
		if !rt.Public() || !rt.Unlimited {
			// Keyed routes are limited per key and by failed
			// authentications, public ones per address.
			if op.Responses["429"] == nil {
				t.Errorf("%s %s: no 429 response", method, path)
			}
		}
		if !rt.Public() {
			for _, status := range []string{"401", "403"} {
				if op.Responses[status] == nil {
					t.Errorf("%s %s: no %s response", method, path, status)
				}
			}
		}
		for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
			if !slices.ContainsFunc(op.Parameters, func(p struct {
				Name     string `json:"name"`
				In       string `json:"in"`
				Required bool   `json:"required"`
			}) bool {
				return p.Name == m[1] && p.In == "path" && p.Required
			}) {
				t.Errorf("%s %s: path parameter %s is not declared", method, path, m[1])
			}
		}
	}
	if !slices.Contains(pages, "/pay/simulated/") {
		t.Errorf("the simulated provider's pages are not mounted: pages %v", pages)
	}
	for path, ops := range doc.Paths {
		for _, prefix := range pages {
			if strings.HasPrefix(path, prefix) {
				t.Errorf("the OpenAPI document has %s, under the page prefix %s", path, prefix)
			}
		}
		for method := range ops {
			if !inTable[method+" "+path] {
				t.Errorf("the OpenAPI document has %s %s, which is not in the route table", method, path)
			}
		}
	}

	// Every reference resolves.
	var whole map[string]any
	if err := json.Unmarshal(openAPIDocument, &whole); err != nil {
		t.Fatal(err)
	}
	for _, ref := range regexp.MustCompile(`"\$ref":\s*"#/([^"]+)"`).FindAllStringSubmatch(string(openAPIDocument), -1) {
		var node any = whole
		for _, part := range strings.Split(ref[1], "/") {
			m, ok := node.(map[string]any)
			if !ok || m[part] == nil {
				t.Errorf("$ref #/%s does not resolve", ref[1])
				break
			}
			node = m[part]
		}
	}
}
