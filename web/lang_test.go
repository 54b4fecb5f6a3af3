package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The language switch remembers the choice in a cookie every page then
// follows, over Accept-Language, and goes back to the page it came from,
// never to another site.
func TestLanguageSwitch(t *testing.T) {
	ts := newTestServer(t, Config{})
	login := ts.do(request{method: "GET", path: "/login", header: map[string]string{"Accept-Language": "zh-CN,zh;q=0.9"}})
	if !bytes.Contains(login.body, []byte(`<html lang="zh-CN">`)) || !bytes.Contains(login.body, []byte("登录")) ||
		login.header.Get("Content-Language") != "zh-CN" || !bytes.Contains(login.body, []byte(`value="en" lang="en"`)) {
		t.Errorf("GET /login in Chinese: Content-Language %q:\n%s", login.header.Get("Content-Language"), login.body)
	}

	form := func(body string) *response {
		return ts.browser().do(request{method: "POST", path: "/lang", body: body, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	}
	resp := form("lang=zh-CN&next=%2Flogin%3Fnext%3D%252Ftill")
	if resp.status != 303 || resp.header.Get("Location") != "/login?next=%2Ftill" {
		t.Fatalf("POST /lang: %d, Location %q", resp.status, resp.header.Get("Location"))
	}
	var c *http.Cookie
	for _, line := range resp.header.Values("Set-Cookie") {
		if k, err := http.ParseSetCookie(line); err == nil && k.Name == langCookie {
			c = k
		}
	}
	if c == nil || c.Value != "zh-CN" || c.Path != "/" || c.MaxAge != 365*24*3600 || c.SameSite != http.SameSiteLaxMode || !c.HttpOnly {
		t.Fatalf("language cookie %+v", c)
	}
	page := ts.do(request{method: "GET", path: "/login", header: map[string]string{"Accept-Language": "en", "Cookie": langCookie + "=zh-CN"}})
	if !bytes.Contains(page.body, []byte(`<html lang="zh-CN">`)) {
		t.Errorf("the remembered choice did not win over Accept-Language:\n%s", page.body)
	}

	if resp := form("lang=zh-CN&next=https%3A%2F%2Fevil.example%2F"); resp.status != 303 || resp.header.Get("Location") != "/" {
		t.Errorf("next to another site: %d, Location %q, want 303 to /", resp.status, resp.header.Get("Location"))
	}
	if resp := form("lang=fr&next=%2F"); resp.status != 400 {
		t.Errorf("lang=fr: %d, want 400", resp.status)
	}
	cross := ts.browser().do(request{method: "POST", path: "/lang", body: "lang=zh-CN&next=%2F",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"}})
	if cross.status != 403 {
		t.Errorf("a cross-site post of the switch: %d, want 403", cross.status)
	}
}

// Static files are served with their type, cached for a year at their
// current version, revalidated by ETag otherwise; licences are not served.
func TestStatic(t *testing.T) {
	ts := newTestServer(t, Config{})
	for name, f := range staticFiles {
		u := staticURL(name)
		resp := ts.do(request{method: "GET", path: u})
		if resp.status != 200 || resp.header.Get("Content-Type") != f.contentType || !bytes.Equal(resp.body, f.body) ||
			!strings.Contains(resp.header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s: %d %q, Cache-Control %q", u, resp.status, resp.header.Get("Content-Type"), resp.header.Get("Cache-Control"))
		}
		plain := ts.do(request{method: "GET", path: "/static/" + name})
		if plain.header.Get("Cache-Control") != "no-cache" || plain.header.Get("ETag") == "" {
			t.Errorf("GET /static/%s without its version: Cache-Control %q, ETag %q", name, plain.header.Get("Cache-Control"), plain.header.Get("ETag"))
		}
		again := ts.do(request{method: "GET", path: "/static/" + name, header: map[string]string{"If-None-Match": plain.header.Get("ETag")}})
		if again.status != 304 || len(again.body) != 0 {
			t.Errorf("GET /static/%s revalidated: %d, %d bytes", name, again.status, len(again.body))
		}
	}
	for _, p := range []string{"/static/README.md", "/static/nothing.js", "/static/../page.go"} {
		if resp := ts.do(request{method: "GET", path: p}); resp.status != 404 {
			t.Errorf("GET %s: %d, want 404", p, resp.status)
		}
	}
}

// The home page sends a browser signed in to the till, any other to the
// sign-in page, which comes back to it.
func TestHome(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 1)
	if resp := ts.browser().do(request{method: "GET", path: "/"}); resp.status != 303 || resp.header.Get("Location") != "/login" {
		t.Errorf("GET / without a session: %d, Location %q, want 303 to /login", resp.status, resp.header.Get("Location"))
	}
	c := cookieOf(t, ts.login(w.merchantKey, "", nil), sessionCookie)
	resp := ts.browser().do(request{method: "GET", path: "/", header: map[string]string{"Cookie": sessionCookie + "=" + c.Value}})
	if resp.status != 303 || resp.header.Get("Location") != "/till" {
		t.Errorf("GET / signed in: %d, Location %q, want 303 to /till", resp.status, resp.header.Get("Location"))
	}
	if resp := ts.browser().do(request{method: "GET", path: "/nothing-here"}); resp.status != 404 {
		t.Errorf("GET /nothing-here: %d, want 404", resp.status)
	}
}

// A page that fails to render is a clean 500, and the log hears why.
func TestPageFailureLogged(t *testing.T) {
	var logged bytes.Buffer
	p := mustParsePages()
	p.log = slog.New(slog.NewTextHandler(&logged, nil))
	rec := httptest.NewRecorder()
	p.render(rec, httptest.NewRequest("GET", "/login", nil), 200, "login.html", 42) // not a loginPage
	if rec.Code != 500 || !strings.Contains(logged.String(), "page failed to render") || !strings.Contains(logged.String(), "login.html") {
		t.Errorf("status %d, log %q", rec.Code, logged.String())
	}
}
