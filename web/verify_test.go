package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"genuine"
)

func TestPrefersJSON(t *testing.T) {
	for _, c := range []struct {
		accept string
		json   bool
	}{
		{"", false},
		{"*/*", false},
		{"application/json", true},
		{"application/problem+json", true},
		{"Application/JSON; charset=utf-8", true},
		{"text/html", false},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"application/json, text/html;q=0.9", true},
		{"application/json;q=0.5, text/html;q=0.9", false},
		{"text/html;q=0.1, application/*", true},
		{"application/*;q=0.2, text/*;q=0.3", false},
		{"application/json;q=0, */*", false},
		{"*/*;q=0.1, application/json", true},
		{"image/png", false},
		{"application/json; q=0.8, text/html; q=0.7", true},
	} {
		r := httptest.NewRequest("GET", "/01/x", nil)
		if c.accept != "" {
			r.Header.Set("Accept", c.accept)
		}
		if got := prefersJSON(r); got != c.json {
			t.Errorf("Accept %q: prefersJSON %v, want %v", c.accept, got, c.json)
		}
	}
}

// TestResolverErrors checks the resolver's errors for JSON clients and
// for people, and that the public routes allow any origin.
func TestResolverErrors(t *testing.T) {
	ts := newTestServer(t, Config{})
	resp := ts.do(request{method: "GET", path: "/01/09520123456788/21/A?17=991399", header: map[string]string{"Accept": "application/json"}})
	if p := resp.problem(t); resp.status != 400 || p.Code != genuine.EInvalid || resp.header.Get("Vary") != "Accept" || resp.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("%d %+v %v", resp.status, p, resp.header)
	}
	page := checkPage(t, ts.do(request{method: "GET", path: "/01/09520123456788/21/A?17=991399"}), 400)
	if !strings.Contains(page, "Not a product code") {
		t.Fatalf("page:\n%s", page)
	}
	// An unknown product is GS1 data: a page that says so, not an error.
	page = checkPage(t, ts.do(request{method: "GET", path: "/01/09520123456788/21/ABC"}), 200)
	if !strings.Contains(page, "Not genuine") || !strings.Contains(page, "No brand here makes") {
		t.Fatalf("page:\n%s", page)
	}
	resp = ts.do(request{method: "OPTIONS", path: "/v1/verify", header: map[string]string{
		"Origin": "https://shop.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}})
	if resp.status != 204 || resp.header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.header.Get("Access-Control-Allow-Methods"), "POST") || !strings.Contains(resp.header.Get("Access-Control-Allow-Headers"), "Content-Type") {
		t.Fatalf("preflight: %d %v", resp.status, resp.header)
	}
}

// TestCrossOrigin checks that a browser on another site may verify codes
// but not call keyed routes, even holding a key.
func TestCrossOrigin(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 1)
	cross := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
	resp := ts.do(request{method: "POST", path: "/v1/products", key: w.brandKey, body: map[string]any{"gtin": "09520123456801", "name": "X"}, header: cross})
	if p := resp.problem(t); resp.status != 403 || p.Code != genuine.EForbidden {
		t.Fatalf("cross-origin POST with a key: %d %+v", resp.status, p)
	}
	resp = ts.do(request{method: "POST", path: "/v1/verify", body: map[string]any{"code": "(01)09520123456788(21)X"}, header: cross})
	if resp.status != 200 {
		t.Fatalf("cross-origin verify: %d %s", resp.status, resp.body)
	}
	resp = ts.do(request{method: "GET", path: "/v1/products/09520123456788", key: w.brandKey, header: cross})
	if resp.status != 200 {
		t.Fatalf("cross-origin GET: %d %s", resp.status, resp.body)
	}
}

// TestRateLimit checks that a public endpoint answers 429 with
// Retry-After once a client has used its burst, that the other public
// routes share the client's budget, and that neither health checks nor
// keyed routes are limited.
func TestRateLimit(t *testing.T) {
	ts := newTestServer(t, Config{PublicRateLimit: 0.01, PublicBurst: 3})
	w := ts.newWorld("Acme", "09520123456788", 1)
	verify := request{method: "POST", path: "/v1/verify", body: map[string]any{"code": "(01)09520123456788(21)X"}}
	for i := range 3 {
		if resp := ts.do(verify); resp.status != 200 {
			t.Fatalf("request %d: %d %s", i+1, resp.status, resp.body)
		}
	}
	resp := ts.do(verify)
	p := resp.problem(t)
	retry, err := strconv.Atoi(resp.header.Get("Retry-After"))
	if resp.status != 429 || p.Code != genuine.ERateLimited || err != nil || retry < 1 || retry > 100 || resp.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("after the burst: %d %+v, Retry-After %q, %v", resp.status, p, resp.header.Get("Retry-After"), resp.header)
	}
	checkPage(t, ts.do(request{method: "GET", path: "/01/09520123456788/21/X"}), 429)
	if resp := ts.do(request{method: "GET", path: "/healthz"}); resp.status != 200 {
		t.Fatalf("healthz: %d", resp.status)
	}
	for range 5 {
		ts.call("GET", "/v1/batches", w.brandKey, nil, 200, nil)
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(1e9, 0)
	l := newLimiter[netip.Prefix](2, 2, func() time.Time { return now })
	a := netip.MustParsePrefix("192.0.2.1/32")
	b := netip.MustParsePrefix("192.0.2.2/32")
	for i := range 2 {
		if ok, _ := l.allow(a); !ok {
			t.Fatalf("request %d refused", i+1)
		}
	}
	if empty, wait := l.empty(a); !empty || wait != 500*time.Millisecond {
		t.Fatalf("empty after the burst: %v, wait %v", empty, wait)
	}
	ok, wait := l.allow(a)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("third request: %v, wait %v", ok, wait)
	}
	if empty, _ := l.empty(b); empty {
		t.Fatal("another client's bucket empty")
	}
	if ok, _ := l.allow(b); !ok {
		t.Fatal("another client refused")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.allow(a); !ok {
		t.Fatal("refused after a refill")
	}
	now = now.Add(10 * time.Second)
	l.allow(b)
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets after a sweep, want 1", len(l.buckets))
	}

	for addr, want := range map[string]string{
		"192.0.2.1:1234":          "192.0.2.1/32",
		"[2001:db8::1]:1234":      "2001:db8::/64",
		"[2001:db8::ffff:1]:1":    "2001:db8::/64",
		"[::ffff:192.0.2.1]:1234": "192.0.2.1/32",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = addr
		if got := (&Server{}).clientOf(r); got.String() != want {
			t.Errorf("clientOf(%s) = %s, want %s", addr, got, want)
		}
	}
}

// TestPages renders every page in each of its variants.
func TestPages(t *testing.T) {
	p := mustParsePages()
	product := &genuine.PublicProduct{GTIN: "09520123456788", Name: "Tea <green>", Brand: "Acme & Co"}
	batch := &genuine.PublicBatch{Lot: "L1", Expiry: genuine.NewDate(2027, 12, 31)}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	events := []genuine.PublicEvent{{Type: genuine.EventCommission, At: at}, {Type: genuine.EventRelease, At: at, Location: "CN-GD"}}
	render := func(status int, name string, data any) string {
		w := httptest.NewRecorder()
		p.render(w, httptest.NewRequest("GET", "/", nil), status, name, data)
		if w.Code != status {
			t.Fatalf("%s: status %d; body: %s", name, w.Code, w.Body)
		}
		return w.Body.String()
	}
	for _, c := range []struct {
		v    genuine.Verification
		want []string
		not  []string
	}{
		{genuine.Verification{Authentic: true, GTIN: product.GTIN, Serial: "S1", State: genuine.StateInChannel, Product: product, Batch: batch, Verifications: 1, Events: events},
			[]string{"Genuine", "Tea &lt;green&gt;", "Acme &amp; Co", "verified 1 time before", "Released for sale, CN-GD", "2 Jan 2026 03:04"}, []string{"Warning", "Not genuine"}},
		{genuine.Verification{Authentic: true, State: genuine.StateRecalled, Product: product, Batch: &genuine.PublicBatch{Lot: "L1", Expiry: genuine.NewDate(2020, 1, 1), Expired: true}, Events: events},
			[]string{"Warning: Recalled by the brand", "Warning: expired on 1 January 2020", "(expired)", "first verification"}, nil},
		{genuine.Verification{Authentic: true, State: genuine.StateSold, Product: product, Batch: batch},
			[]string{"Sold to a customer"}, []string{"Warning"}},
		{genuine.Verification{Authentic: true, State: genuine.StateInChannel, Product: product, Batch: batch,
			Warnings: []genuine.Warning{{Code: genuine.WarningForeignHost, Message: "the code points to phish.example"}}},
			[]string{"Genuine", "Warning: the code points to phish.example."}, nil},
		{genuine.Verification{Authentic: false, Reason: genuine.ReasonBatchMismatch, Message: "lot X is not L1", GTIN: product.GTIN, Serial: "S1"},
			[]string{"Not genuine", "does not match", "lot X is not L1"}, []string{"Journey", "State"}},
	} {
		page := render(200, "verification.html", &c.v)
		for _, s := range c.want {
			if !strings.Contains(page, s) {
				t.Errorf("page of %+v lacks %q:\n%s", c.v, s, page)
			}
		}
		for _, s := range c.not {
			if strings.Contains(page, s) {
				t.Errorf("page of %+v has %q:\n%s", c.v, s, page)
			}
		}
	}
	for _, status := range []int{400, 429, 500} {
		pr := problemOf(genuine.Errorf(map[int]string{400: genuine.EInvalid, 429: genuine.ERateLimited, 500: genuine.EInternal}[status], "detail <b>"))
		page := render(status, "problem.html", pr)
		if !strings.Contains(page, "detail &lt;b&gt;") && status != 500 {
			t.Errorf("problem page %d:\n%s", status, page)
		}
	}
	if page := render(401, "login.html", loginPage{Message: "try <again>"}); !strings.Contains(page, "try &lt;again&gt;") || !strings.Contains(page, `type="password"`) {
		t.Errorf("login page:\n%s", page)
	}
	// Every state, reason and event type has words of its own.
	for _, s := range []genuine.UnitState{genuine.StateCommissioned, genuine.StateInChannel, genuine.StateReserved, genuine.StateSold, genuine.StateConsumed,
		genuine.StateStolen, genuine.StateDestroyed, genuine.StateLocked, genuine.StateReturned, genuine.StateRecalled, genuine.StateWithdrawn} {
		if stateWords(s) == string(s) {
			t.Errorf("no words for state %s", s)
		}
	}
	for _, e := range []genuine.EventType{genuine.EventCommission, genuine.EventRelease, genuine.EventShip, genuine.EventReceive, genuine.EventRecall,
		genuine.EventWithdraw, genuine.EventDestroy, genuine.EventStolen, genuine.EventConsume, genuine.EventLock, genuine.EventUnlock,
		genuine.EventReturn, genuine.EventRestock, genuine.EventReserve, genuine.EventUnreserve, genuine.EventSell, genuine.EventRefund} {
		if eventWords(e) == string(e) {
			t.Errorf("no words for event %s", e)
		}
	}
	for _, r := range []string{genuine.ReasonInvalidCode, genuine.ReasonUnknownProduct, genuine.ReasonCounterfeit, genuine.ReasonBatchMismatch} {
		if reasonWords(r) == reasonWords("") {
			t.Errorf("no words for reason %s", r)
		}
	}
}

// TestErrorTable checks the one table from codes to statuses.
func TestErrorTable(t *testing.T) {
	for code, status := range map[string]int{
		genuine.EInvalid: 400, genuine.EUnauthorized: 401, genuine.EForbidden: 403, genuine.ENotFound: 404,
		genuine.EConflict: 409, genuine.ETooLarge: 413, genuine.ERateLimited: 429, genuine.EInternal: 500, genuine.EUnavailable: 503,
	} {
		if p := problemOf(genuine.Errorf(code, "x")); p.Status != status || p.Code != code || p.Detail != "x" {
			t.Errorf("%s: %+v, want status %d", code, p, status)
		}
	}
	for _, code := range append([]string{genuine.ExpiredCode}, genuine.TransitionCodes...) {
		if p := problemOf(genuine.Errorf(code, "x")); p.Status != 409 || p.Code != code {
			t.Errorf("%s: %+v, want 409", code, p)
		}
	}
	if p := problemOf(bytes.ErrTooLarge); p.Status != 500 || p.Code != genuine.EInternal || strings.Contains(p.Detail, "too large") {
		t.Errorf("internal error shown as %+v", p)
	}
}

// TestLogging checks that requests are logged without keys, and that a
// panic becomes a logged 500.
func TestLogging(t *testing.T) {
	var buf bytes.Buffer
	ts := newTestServer(t, Config{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	w := ts.newWorld("Acme", "09520123456788", 1)
	ts.call("GET", "/v1/batches", w.brandKey, nil, 200, nil)
	ts.do(request{method: "GET", path: "/v1/batches", key: w.brandKey + "x"})
	log := buf.String()
	for _, key := range []string{ts.admin, w.brandKey, w.partnerKey, w.merchantKey, "Bearer", "gk_"} {
		if strings.Contains(log, key) {
			t.Fatalf("the log holds %q:\n%s", key, log)
		}
	}
	if !strings.Contains(log, `route="GET /v1/batches"`) || !strings.Contains(log, "status=401") || !strings.Contains(log, "key_id=key_") {
		t.Fatalf("log:\n%s", log)
	}

	buf.Reset()
	h := ts.srv.logRequests(ts.srv.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"code":"internal"`) || !strings.Contains(buf.String(), "boom") {
		t.Fatalf("panic: %d %s; log: %s", rec.Code, rec.Body, buf.String())
	}
}

func TestHealth(t *testing.T) {
	ts := newTestServer(t, Config{})
	var h struct{ Status string }
	resp := ts.call("GET", "/healthz", "", nil, 200, &h)
	if h.Status != "ok" {
		t.Fatalf("healthz: %s", resp.body)
	}
	checkSecurityHeaders(t, resp)
}

// BenchmarkVerifyHTTP posts an authentic code to /v1/verify over a real
// connection, from as many goroutines as GOMAXPROCS. Each verification is
// a read-only transaction; its count is stored in batches.
func BenchmarkVerifyHTTP(b *testing.B) {
	ts := newTestServer(b, Config{})
	w := ts.newWorld("Acme", "09520123456788", 1000)
	ts.call("POST", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, map[string]any{"type": "release"}, 201, nil)
	codes := ts.codes(w.brandKey, w.batch.ID)
	body := []byte(`{"code":"` + codes[0].Code + `"}`)
	ts.client.Transport = &http.Transport{MaxIdleConnsPerHost: 64}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := ts.client.Post(ts.url+"/v1/verify", "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			var buf [4096]byte
			n, _ := resp.Body.Read(buf[:])
			resp.Body.Close()
			if resp.StatusCode != 200 || !bytes.Contains(buf[:n], []byte(`"authentic":true`)) {
				b.Errorf("%d %s", resp.StatusCode, buf[:n])
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

// TestVelocityCountsClients: the velocity rule counts the distinct clients
// that verified a unit, not page loads. Five loads of the resolver page by
// one phone leave a genuine unit sellable under max_scans 3; four clients
// make it anomalous.
func TestVelocityCountsClients(t *testing.T) {
	ts := newTestServer(t, Config{})
	a := ts.newWorld("Acme", "09520123456788", 10)
	ts.call("POST", "/v1/batches/"+a.batch.ID+"/events", a.brandKey, map[string]any{"type": "release"}, 201, nil)
	ts.call("PUT", "/v1/policies/brand", a.brandKey, map[string]any{"rules": []any{
		map[string]any{"rule": "state"}, map[string]any{"rule": "velocity", "max_scans": 3},
	}}, 200, nil)
	codes := ts.codes(a.brandKey, a.batch.ID)

	for range 5 {
		checkPage(t, ts.do(request{method: "GET", path: codes[0].Code}), 200)
	}
	if v := ts.verify(codes[0].Code); v.Verifications != 5 {
		t.Errorf("verifications shown after 5 page loads: %d, want 5", v.Verifications)
	}
	// Four phones, each loading the page twice.
	for i := range 8 {
		r := httptest.NewRequest("GET", codes[1].Code, nil)
		r.RemoteAddr = "198.51.100." + strconv.Itoa(1+i%4) + ":40000"
		w := httptest.NewRecorder()
		ts.srv.Handler().ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("page load from %s: %d %s", r.RemoteAddr, w.Code, w.Body)
		}
	}
	if err := ts.app.FlushVerifications(t.Context()); err != nil {
		t.Fatal(err)
	}
	c := checkoutOf(t, ts.checkout(a.merchantKey, "one-phone", cartOf(1000, codes[0].Code)), 201)
	if c.Status != genuine.CheckoutAwaitingPayment {
		t.Errorf("checkout of a unit one phone verified 6 times: %+v", c)
	}
	refusedFor(t, ts.checkout(a.merchantKey, "four-phones", cartOf(1000, codes[1].Code)), genuine.ReasonAnomalousScans)
}
