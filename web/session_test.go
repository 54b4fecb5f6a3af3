package web

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"genuine"
	"genuine/sqlite"
)

// browser returns a copy of ts whose client does not follow redirects, so
// that a test sees each 303 and its cookie.
func (ts *testServer) browser() *testServer {
	b := *ts
	b.client = &http.Client{
		Timeout:       ts.client.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &b
}

// login posts the sign-in form with key to /login?next=next ("" for
// none), with extra headers.
func (ts *testServer) login(key, next string, header map[string]string) *response {
	ts.tb.Helper()
	path := "/login"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for k, v := range header {
		h[k] = v
	}
	return ts.browser().do(request{method: "POST", path: path, body: url.Values{"key": {key}}.Encode(), header: h})
}

// cookieOf returns the cookie of a name a response sets, failing the test
// if it sets none or more than one.
func cookieOf(tb testing.TB, resp *response, name string) *http.Cookie {
	tb.Helper()
	var found []*http.Cookie
	for _, line := range resp.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			tb.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if c.Name == name {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		tb.Fatalf("%d %s cookies set, want 1; Set-Cookie %q", len(found), name, resp.header.Values("Set-Cookie"))
	}
	return found[0]
}

// principalOf returns the caller a page request carrying the session
// cookie token would have, as pages will ask.
func (ts *testServer) principalOf(token string) (*genuine.Principal, error) {
	r := httptest.NewRequest("GET", "/till", nil)
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	return ts.srv.sessionPrincipal(r)
}

// newMerchantKey makes a key of the merchant and returns its id and key.
func (ts *testServer) newMerchantKey(merchantID string) (id, key string) {
	ts.tb.Helper()
	var k struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	ts.call("POST", "/v1/keys", ts.admin, map[string]any{"role": "merchant", "merchant_id": merchantID}, 201, &k)
	return k.ID, k.Key
}

// Signing in sets exactly the session cookie the brief of issue 19 asks
// for and sends the browser on; the cookie then calls the API as the key
// does, from this server's pages and never from another site's.
func TestLogin(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 1)
	form := ts.do(request{method: "GET", path: "/login?next=%2Ftill"})
	if form.status != 200 || !strings.HasPrefix(form.header.Get("Content-Type"), "text/html") ||
		!bytes.Contains(form.body, []byte(`type="password"`)) || !bytes.Contains(form.body, []byte(`<label for="key">`)) ||
		!bytes.Contains(form.body, []byte(`<form method="post">`)) || !strings.Contains(form.header.Get("Content-Security-Policy"), "form-action 'self'") {
		t.Errorf("GET /login: %d %q, CSP %q:\n%s", form.status, form.header.Get("Content-Type"), form.header.Get("Content-Security-Policy"), form.body)
	}

	resp := ts.login(w.merchantKey, "", nil)
	if resp.status != 303 || resp.header.Get("Location") != "/" {
		t.Fatalf("POST /login: %d, Location %q, want 303 to /; body: %s", resp.status, resp.header.Get("Location"), resp.body)
	}
	c := cookieOf(t, resp, sessionCookie)
	if c.Path != "/" || c.MaxAge != 12*60*60 || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.Domain != "" ||
		!strings.HasPrefix(c.Value, "gs_") || strings.Contains(c.Value, w.merchantKey) {
		t.Errorf("session cookie %+v: want Path=/, Max-Age=43200, HttpOnly, SameSite=Strict, not Secure over http, a gs_ token", c)
	}
	p, err := ts.principalOf(c.Value)
	if err != nil || p.Role != genuine.RoleMerchant || p.MerchantID != w.merchant.ID {
		t.Fatalf("the session's principal: %+v, %v; want merchant %s", p, err, w.merchant.ID)
	}
	cookie := sessionCookie + "=" + c.Value
	if api := ts.do(request{method: "GET", path: "/v1/merchants/" + w.merchant.ID, header: map[string]string{"Cookie": cookie}}); api.status != 200 {
		t.Errorf("GET /v1/merchants/{id} with the session cookie and no key: %d, want 200", api.status)
	}
	if api := ts.do(request{method: "GET", path: "/v1/merchants/" + w.merchant.ID, header: map[string]string{"Cookie": sessionCookie + "=gs_" + strings.Repeat("a", 52)}}); api.status != 401 {
		t.Errorf("GET /v1/merchants/{id} with a made-up session cookie: %d, want 401", api.status)
	}
	preview := map[string]any{"items": []map[string]any{{"code": ts.codes(w.brandKey, w.batch.ID)[0].Code}}}
	for site, want := range map[string]int{"same-origin": 200, "cross-site": 403, "same-site": 403} {
		api := ts.do(request{method: "POST", path: "/v1/checkouts/preview", body: preview, header: map[string]string{"Cookie": cookie, "Sec-Fetch-Site": site}})
		if api.status != want {
			t.Errorf("POST /v1/checkouts/preview with the session cookie, Sec-Fetch-Site %s: %d, want %d; body %s", site, api.status, want, api.body)
		}
	}
	if _, err := ts.principalOf("gs_" + strings.Repeat("a", 52)); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("a made-up session token: %v, want %s", err, genuine.EUnauthorized)
	}
	if _, err := ts.srv.sessionPrincipal(httptest.NewRequest("GET", "/till", nil)); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("no session cookie: %v, want %s", err, genuine.EUnauthorized)
	}
}

// The cookie is Secure when the browser came over HTTPS through a trusted
// proxy, and not when anyone else claims so.
func TestLoginSecureCookie(t *testing.T) {
	https := map[string]string{"X-Forwarded-Proto": "https"}
	for _, tt := range []struct {
		name    string
		proxies []netip.Prefix
		header  map[string]string
		secure  bool
	}{
		{"trusted proxy, https", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, https, true},
		{"trusted proxy, http", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, map[string]string{"X-Forwarded-Proto": "http"}, false},
		{"trusted proxy, last hop http", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, map[string]string{"X-Forwarded-Proto": "https, http"}, false},
		{"untrusted peer claiming https", nil, https, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, Config{TrustedProxies: tt.proxies})
			w := ts.newWorld("Acme", "09520123456788", 1)
			resp := ts.login(w.merchantKey, "", tt.header)
			if resp.status != 303 {
				t.Fatalf("POST /login: %d; body: %s", resp.status, resp.body)
			}
			if c := cookieOf(t, resp, sessionCookie); c.Secure != tt.secure {
				t.Errorf("cookie Secure %v, want %v", c.Secure, tt.secure)
			}
		})
	}
}

// Revoking the key a browser signed in with (DELETE /v1/keys/{id}) ends
// its session at once.
func TestLoginEndsWithRevokedKey(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 1)
	id, key := ts.newMerchantKey(w.merchant.ID)
	token := cookieOf(t, ts.login(key, "", nil), sessionCookie).Value
	if _, err := ts.principalOf(token); err != nil {
		t.Fatal(err)
	}
	ts.call("DELETE", "/v1/keys/"+id, ts.admin, nil, 200, nil)
	if p, err := ts.principalOf(token); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("the session after its key was revoked: %+v, %v; want %s", p, err, genuine.EUnauthorized)
	}
	if resp := ts.login(key, "", nil); resp.status != 401 || len(resp.header.Values("Set-Cookie")) != 0 {
		t.Errorf("signing in with the revoked key: %d, Set-Cookie %q; want 401 and no cookie", resp.status, resp.header.Values("Set-Cookie"))
	}
}

// Signing out ends the session and clears the cookie; without a session
// it only clears the cookie.
func TestLogout(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 1)
	token := cookieOf(t, ts.login(w.merchantKey, "", nil), sessionCookie).Value
	kept := cookieOf(t, ts.login(w.merchantKey, "", nil), sessionCookie).Value
	for _, cookie := range []string{sessionCookie + "=" + token, ""} {
		resp := ts.browser().do(request{method: "POST", path: "/logout", header: map[string]string{"Cookie": cookie}})
		if resp.status != 303 || resp.header.Get("Location") != "/login" {
			t.Fatalf("POST /logout with cookie %q: %d, Location %q; want 303 to /login", cookie, resp.status, resp.header.Get("Location"))
		}
		c := cookieOf(t, resp, sessionCookie)
		if c.Value != "" || c.MaxAge >= 0 || c.Path != "/" || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode ||
			!strings.Contains(strings.Join(resp.header.Values("Set-Cookie"), " "), "Max-Age=0") {
			t.Errorf("cookie after signing out %+v; want it cleared (Max-Age=0) with the session cookie's attributes", c)
		}
	}
	if p, err := ts.principalOf(token); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("the session after signing out: %+v, %v; want %s", p, err, genuine.EUnauthorized)
	}
	if _, err := ts.principalOf(kept); err != nil {
		t.Errorf("another session of the same key after signing out: %v", err)
	}
}

// A key that does not work shows the form again, 401, without the key and
// without a cookie; too many failures from an address are refused before
// the key is tried, a good one included.
func TestLoginRefused(t *testing.T) {
	ts := newTestServer(t, Config{AuthFailureRate: 0.001, AuthFailureBurst: 3})
	w := ts.newWorld("Acme", "09520123456788", 1)
	for _, key := range []string{"gk_" + strings.Repeat("q", 52), "<b>not-a-key</b>", ""} {
		resp := ts.login(key, "/till", nil)
		if resp.status != 401 || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") ||
			!bytes.Contains(resp.body, []byte("That key did not work")) || !bytes.Contains(resp.body, []byte(`type="password"`)) {
			t.Errorf("key %q: %d %q; want 401 and the form again:\n%s", key, resp.status, resp.header.Get("Content-Type"), resp.body)
		}
		if key != "" && (bytes.Contains(resp.body, []byte(key)) || bytes.Contains(resp.body, []byte("not-a-key"))) {
			t.Errorf("the page echoes the key %q:\n%s", key, resp.body)
		}
		if sc := resp.header.Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("key %q: Set-Cookie %q", key, sc)
		}
	}
	resp := ts.login(w.merchantKey, "", nil)
	if resp.status != 429 || resp.header.Get("Retry-After") == "" || len(resp.header.Values("Set-Cookie")) != 0 {
		t.Errorf("a good key after 3 failures: %d, Retry-After %q; want 429 and no cookie", resp.status, resp.header.Get("Retry-After"))
	}
	// A body that is not the form is refused as such.
	if resp := ts.browser().do(request{method: "POST", path: "/login", body: `{"key":"` + w.merchantKey + `"}`}); resp.status != 415 {
		t.Errorf("a JSON body: %d, want 415", resp.status)
	}
}

// ?next= sends the browser on to a path of this server, and anywhere else
// to /.
func TestLoginNext(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 1)
	for next, want := range map[string]string{
		"/till":              "/till",
		"/till?lang=zh-CN":   "/till?lang=zh-CN",
		"//evil.com":         "/",
		"https://evil.com":   "/",
		"/\\evil.com":        "/",
		"/\t/evil.com":       "/",
		"evil.com":           "/",
		"javascript:alert()": "/",
		"///evil.com":        "/",
	} {
		resp := ts.login(w.merchantKey, next, nil)
		if got := resp.header.Get("Location"); resp.status != 303 || got != want {
			t.Errorf("next %q: %d to %q, want 303 to %q", next, resp.status, got, want)
		}
	}
}

// Cross-origin posts of the forms are refused before they act: a page of
// another site can neither sign a browser in nor out.
func TestLoginCrossOrigin(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 1)
	token := cookieOf(t, ts.login(w.merchantKey, "", nil), sessionCookie).Value
	for _, h := range []map[string]string{
		{"Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site", "Origin": "https://shop.127.0.0.1"},
	} {
		if resp := ts.login(w.merchantKey, "", h); resp.status != 403 || len(resp.header.Values("Set-Cookie")) != 0 {
			t.Errorf("POST /login with %v: %d, Set-Cookie %q; want 403 and no cookie", h, resp.status, resp.header.Values("Set-Cookie"))
		}
		h["Cookie"] = sessionCookie + "=" + token
		if resp := ts.browser().do(request{method: "POST", path: "/logout", header: h}); resp.status != 403 {
			t.Errorf("POST /logout with %v: %d, want 403", h, resp.status)
		}
	}
	if _, err := ts.principalOf(token); err != nil {
		t.Errorf("the session after cross-origin sign-outs: %v", err)
	}
	// The same origin's post passes.
	if resp := ts.login(w.merchantKey, "", map[string]string{"Origin": ts.url, "Sec-Fetch-Site": "same-origin"}); resp.status != 303 {
		t.Errorf("a same-origin POST /login: %d, want 303", resp.status)
	}
}

// The store holds the session token's SHA-256 hash and never the token:
// the SQLite files are searched for both.
func TestSessionTokenStoredHashed(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "genuine.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ts := newTestServerOn(t, db, Config{})
	w := ts.newWorld("Acme", "09520123456788", 1)
	token := cookieOf(t, ts.login(w.merchantKey, "", nil), sessionCookie).Value
	hash := sha256.Sum256([]byte(token))
	var all []byte
	files, err := filepath.Glob(filepath.Join(dir, "genuine.db*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("the store's files: %v, %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if !bytes.Contains(all, hash[:]) {
		t.Errorf("the store's files %v do not hold the token's SHA-256 hash", files)
	}
	if bytes.Contains(all, []byte(token)) || bytes.Contains(all, []byte(strings.TrimPrefix(token, "gs_"))) {
		t.Errorf("the store's files %v hold the session token", files)
	}
}

// localPath keeps paths of this server and turns everything else into /.
func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/": "/", "/till": "/till", "/a/b?c=d#e": "/a/b?c=d#e", "/%2F%2Fevil.com": "/%2F%2Fevil.com",
		"": "/", "till": "/", "//evil.com": "/", "//evil.com/till": "/", "https://evil.com": "/", "/\\evil.com": "/",
		"/\\/evil.com": "/", "\\\\evil.com": "/", "/\n/evil.com": "/", "/\r\n/evil.com": "/", "http:/evil.com": "/", "/a\x00": "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
