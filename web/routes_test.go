package web

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"genuine"
)

// TestMountedPages checks the pages of Config.Pages: served under their
// prefix, which they receive unstripped, for every method, without a key,
// with the security headers, cross-origin protection and the public rate
// limit; and that a malformed prefix is refused when the server is made.
func TestMountedPages(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Method+" "+r.URL.Path)
	})
	ts := newTestServer(t, Config{PublicRateLimit: 0.01, PublicBurst: 3, Pages: map[string]http.Handler{"/x/": echo}})
	for _, method := range []string{"GET", "POST"} {
		resp := ts.do(request{method: method, path: "/x/a/b"})
		checkSecurityHeaders(t, resp)
		if resp.status != 200 || string(resp.body) != method+" /x/a/b" || resp.header.Get("Vary") != "Accept" {
			t.Fatalf("%s /x/a/b: %d %q %v", method, resp.status, resp.body, resp.header)
		}
	}
	resp := ts.do(request{method: "POST", path: "/x/a", header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example", "Accept": "application/json"}})
	if p := resp.problem(t); resp.status != 403 || p.Code != genuine.EForbidden {
		t.Fatalf("cross-origin POST: %d %+v", resp.status, p)
	}
	// The cross-origin request took the third token.
	checkPage(t, ts.do(request{method: "GET", path: "/x/a"}), 429)
	if resp := ts.do(request{method: "GET", path: "/y/a"}); resp.status != 404 {
		t.Fatalf("GET /y/a: %d %s", resp.status, resp.body)
	}

	for _, prefix := range []string{"", "/", "x/", "/x"} {
		func() {
			defer func() {
				if v := recover(); v == nil || !strings.Contains(v.(string), "page prefix") {
					t.Errorf("prefix %q: panic %v", prefix, v)
				}
			}()
			NewServer(ts.app, Config{Pages: map[string]http.Handler{prefix: echo}})
		}()
	}
}
