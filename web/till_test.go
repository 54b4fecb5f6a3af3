package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"genuine"
)

// sessionOf signs in with key and returns the header of a browser that
// holds the session, speaking lang.
func (ts *testServer) sessionOf(key, lang string) map[string]string {
	ts.tb.Helper()
	resp := ts.login(key, "/till", nil)
	if resp.status != http.StatusSeeOther {
		ts.tb.Fatalf("sign in: %d %s", resp.status, resp.body)
	}
	c := cookieOf(ts.tb, resp, sessionCookie)
	return map[string]string{"Cookie": c.Name + "=" + c.Value, "Accept-Language": lang}
}

// page gets a page as a browser with the session header h, without
// following redirects.
func (ts *testServer) page(path string, h map[string]string) *response {
	ts.tb.Helper()
	return ts.browser().do(request{method: "GET", path: path, header: h})
}

// checkTillPage checks a till page as checkPage does, but for its scripts:
// only this server's, and JSON data blocks that do not run.
func checkTillPage(t *testing.T, resp *response, status int) string {
	t.Helper()
	if resp.status != status || resp.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("page: %d %q; body: %s", resp.status, resp.header.Get("Content-Type"), resp.body)
	}
	checkSecurityHeaders(t, resp)
	csp := resp.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
		t.Fatalf("CSP %q", csp)
	}
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(string(resp.body), -1) {
		if !strings.HasPrefix(tag, `<script src="/static/`) && tag != `<script type="application/json" id="till-data">` {
			t.Errorf("page has a script that is not this server's file: %s", tag)
		}
	}
	if regexp.MustCompile(`\son[a-z]+=|\sstyle=`).Match(resp.body) {
		t.Errorf("page has an inline event handler or style attribute")
	}
	return string(resp.body)
}

// tillWorld is a server with a world whose batch is released, a merchant
// session in each language and another merchant's.
type tillWorld struct {
	ts            *testServer
	w             *world
	codes         []codeRecord
	en, zh, other map[string]string
	otherKey      string
}

func newTillWorld(t *testing.T, units int) *tillWorld {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", units)
	ts.call("POST", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, map[string]any{"type": "release"}, 201, nil)
	var other genuine.Merchant
	ts.call("POST", "/v1/merchants", ts.admin, map[string]any{"name": "Other shop", "region": "CN-GD-GZ"}, 201, &other)
	_, otherKey := ts.newMerchantKey(other.ID)
	return &tillWorld{
		ts: ts, w: w, codes: ts.codes(w.brandKey, w.batch.ID),
		en: ts.sessionOf(w.merchantKey, "en"), zh: ts.sessionOf(w.merchantKey, "zh-CN"),
		other: ts.sessionOf(otherKey, "en"), otherKey: otherKey,
	}
}

// The till answers a browser without a session with the sign-in page,
// one signed in with a key that is not a shop's with a page saying so,
// and a merchant's cashier with the till and its script's data.
func TestTillPage(t *testing.T) {
	tw := newTillWorld(t, 1)
	ts := tw.ts
	resp := ts.page("/till", nil)
	if resp.status != http.StatusSeeOther || resp.header.Get("Location") != "/login?next=%2Ftill" {
		t.Errorf("without a session: %d %q", resp.status, resp.header.Get("Location"))
	}
	brand := ts.sessionOf(tw.w.brandKey, "zh-CN")
	body := checkTillPage(t, ts.page("/till", brand), http.StatusForbidden)
	if !strings.Contains(body, "收银台仅供门店收银员使用") || !strings.Contains(body, `action="/logout"`) {
		t.Errorf("a brand's session: %s", body)
	}
	ts.call("PUT", "/v1/merchants/"+tw.w.merchant.ID+"/prices", tw.w.merchantKey, []any{map[string]any{"gtin": tw.w.product.GTIN, "price": 3500, "currency": "CNY"}}, 200, nil)
	for _, h := range []map[string]string{tw.en, tw.zh} {
		resp := ts.page("/till", h)
		body := checkTillPage(t, resp, http.StatusOK)
		if !strings.Contains(body, "Acme shop") || !strings.Contains(body, `id="scan"`) || !strings.Contains(body, `action="/logout"`) ||
			!strings.Contains(body, `href="/till/shop-qr"`) || resp.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: the till lacks its name, scan field, sign-out or shop QR: %s", h["Accept-Language"], body)
		}
		m := regexp.MustCompile(`(?s)<script type="application/json" id="till-data">(.*?)</script>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no till-data: %s", body)
		}
		var cfg tillConfig
		if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
			t.Fatalf("till-data: %v: %s", err, m[1])
		}
		if cfg.MerchantID != tw.w.merchant.ID || cfg.Currency != "CNY" || cfg.Symbol != "¥" || cfg.Digits != 2 || cfg.Zone != "Asia/Shanghai" ||
			strings.Join(cfg.Providers, ",") != "simulated" || !strings.HasPrefix(cfg.Camera, "/static/vendor/jsqr.js?v=") {
			t.Errorf("till-data: %+v", cfg)
		}
		wantSold := map[string]string{"en": "Already sold on {date} at {shop}", "zh-CN": "已于{date}在{shop}售出"}[h["Accept-Language"]]
		if cfg.Reasons["already_sold.detail"] != wantSold || cfg.Regions["CN-GD"] == "" || cfg.Words["till.duplicate"] == "" || cfg.Words["pay"] == "" {
			t.Errorf("till-data words: %q, %q", cfg.Reasons["already_sold.detail"], cfg.Regions["CN-GD"])
		}
	}
}

// The QR code of a checkout's payment is a PNG for the merchant that made
// it, and not found for another or without a session that works.
func TestTillQR(t *testing.T) {
	tw := newTillWorld(t, 2)
	ts := tw.ts
	c := checkoutOf(t, ts.checkout(tw.w.merchantKey, "qr", cartOf(1000, tw.codes[0].Code)), 201)
	resp := ts.page("/till/checkouts/"+c.ID+"/qr", tw.en)
	if resp.status != 200 || resp.header.Get("Content-Type") != "image/png" || resp.header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("QR: %d %v", resp.status, resp.header)
	}
	img, err := png.Decode(bytes.NewReader(resp.body))
	if err != nil || img.Bounds().Dx() < 256 {
		t.Fatalf("QR: %v, %v", img, err)
	}
	for name, path := range map[string]string{
		"another merchant's": "/till/checkouts/" + c.ID + "/qr",
		"no such checkout":   "/till/checkouts/chk_00000000000000000000/qr",
		"not an id":          "/till/checkouts/x/qr",
	} {
		resp := ts.page(path, tw.other)
		if resp.status != 404 || bytes.Contains(resp.body, []byte(c.Payment.Reference)) {
			t.Errorf("%s: %d %s", name, resp.status, resp.body)
		}
	}
	// Refused: no payment, nothing to show.
	refused := refusedFor(t, ts.checkout(tw.w.merchantKey, "forged", cartOf(1000, forge(tw.codes[1].Code))), genuine.ReasonCounterfeit)
	if resp := ts.page("/till/checkouts/"+refused.ID+"/qr", tw.en); resp.status != 404 {
		t.Errorf("refused: %d", resp.status)
	}
	if resp := ts.page("/till/checkouts/"+c.ID+"/qr", nil); resp.status != http.StatusSeeOther {
		t.Errorf("without a session: %d", resp.status)
	}
}

// The receipt of a paid checkout names the shop, the time in its zone,
// each item's product and price, the total, the provider and its
// reference, and marks refunded items, in both languages; a checkout not
// paid, or another merchant's, has none.
func TestTillReceipt(t *testing.T) {
	tw := newTillWorld(t, 3)
	ts := tw.ts
	c := checkoutOf(t, ts.checkout(tw.w.merchantKey, "two", map[string]any{
		"items":    []any{map[string]any{"code": tw.codes[0].Code, "price": 3500}, map[string]any{"code": tw.codes[1].Code, "price": 123456}},
		"currency": "CNY", "provider": "simulated"}), 201)
	ts.pay(c)
	paid := ts.waitCheckout(tw.w.merchantKey, c.ID, genuine.CheckoutPaid)
	ts.call("POST", "/v1/checkouts/"+c.ID+"/refund", tw.w.merchantKey, map[string]any{"items": []string{tw.codes[1].Code}}, 200, nil)
	at := paid.Payment.PaidAt
	for lang, want := range map[string][]string{
		"en":    {"Receipt", "Acme shop", "Acme tea", "¥35.00", "¥1,234.56", "¥1,269.56", "Refunded", "-¥1,234.56", "Simulated payment (test)", paid.Payment.Reference, "Print", formatShanghai(at, "en")},
		"zh-CN": {"小票", "Acme shop", "Acme tea", "¥35.00", "¥1,269.56", "已退款", "模拟支付（测试）", paid.Payment.Reference, "打印", formatShanghai(at, "zh-CN")},
	} {
		h := tw.en
		if lang == "zh-CN" {
			h = tw.zh
		}
		body := checkTillPage(t, ts.page("/till/receipt/"+c.ID, h), 200)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the receipt lacks %q:\n%s", lang, w, body)
			}
		}
		if strings.Count(body, `class="refunded"`) != 1 {
			t.Errorf("%s: %d refunded lines, want 1", lang, strings.Count(body, `class="refunded"`))
		}
	}
	if resp := ts.page("/till/receipt/"+c.ID, tw.other); resp.status != 404 {
		t.Errorf("another merchant's: %d", resp.status)
	}
	unpaid := checkoutOf(t, ts.checkout(tw.w.merchantKey, "unpaid", cartOf(1000, tw.codes[2].Code)), 201)
	if resp := ts.page("/till/receipt/"+unpaid.ID, tw.en); resp.status != 404 {
		t.Errorf("unpaid: %d", resp.status)
	}
}

// formatShanghai writes a time as a receipt does for a shop in Shenzhen.
func formatShanghai(at time.Time, lang string) string {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	tm := at.In(loc)
	if lang == "zh-CN" {
		return fmt.Sprintf("%d年%d月%d日 %s", tm.Year(), tm.Month(), tm.Day(), tm.Format("15:04"))
	}
	return tm.Format("2 Jan 2006 15:04")
}

// The shop's QR page shows the shop's name, the link to its self-checkout
// page at the server's public URL (the codes' stem), and its QR code
// inline; a till opened at an address of the shop's own network prints
// the public link all the same. While self-checkout is off it tells the
// merchant to turn it on, in the page's language.
func TestTillShopQR(t *testing.T) {
	tw := newTillWorld(t, 1)
	ts := tw.ts
	link := ts.url + "/shop/" + tw.w.merchant.ID
	for _, host := range []string{"", "10.0.0.5:8080"} {
		h := maps.Clone(tw.zh)
		if host != "" {
			h["Host"] = host
		}
		body := checkTillPage(t, ts.page("/till/shop-qr", h), 200)
		for _, w := range []string{"Acme shop", link, "用手机扫码，核验商品并付款", `<img src="data:image/png;base64,`, "打印", "请先开通自助结账"} {
			if !strings.Contains(body, w) {
				t.Errorf("the shop QR page (Host %q) lacks %q:\n%s", host, w, body)
			}
		}
	}
	if body := checkTillPage(t, ts.page("/till/shop-qr", tw.en), 200); !strings.Contains(body, "Self-checkout is off for this shop") {
		t.Errorf("self-checkout off: the English shop QR page does not say so:\n%s", body)
	}
	ts.call("PUT", "/v1/merchants/"+tw.w.merchant.ID+"/self-checkout", tw.w.merchantKey, map[string]any{"enabled": true}, 200, nil)
	if body := checkTillPage(t, ts.page("/till/shop-qr", tw.zh), 200); strings.Contains(body, "请先开通自助结账") {
		t.Errorf("self-checkout on: the shop QR page says it is off:\n%s", body)
	}
	if resp := ts.page("/till/shop-qr", nil); resp.status != http.StatusSeeOther || resp.header.Get("Location") != "/login?next=%2Ftill%2Fshop-qr" {
		t.Errorf("without a session: %d %q", resp.status, resp.header.Get("Location"))
	}
}

// GET /v1/checkouts pages through a merchant's checkouts, newest first,
// with the session of the till as with a key.
func TestListCheckoutsOverHTTP(t *testing.T) {
	tw := newTillWorld(t, 5)
	ts := tw.ts
	var ids []string
	for i := range 5 {
		ids = append([]string{checkoutOf(t, ts.checkout(tw.w.merchantKey, fmt.Sprint("list-", i), cartOf(1000, tw.codes[i].Code)), 201).ID}, ids...)
	}
	var got []string
	path := "/v1/checkouts?limit=2"
	for range 4 {
		var l genuine.CheckoutList
		resp := ts.do(request{method: "GET", path: path, header: tw.en})
		decodeJSON(t, resp, 200, "application/json", &l)
		for _, c := range l.Checkouts {
			got = append(got, c.ID)
		}
		if l.Next == "" {
			break
		}
		path = "/v1/checkouts?limit=2&before=" + l.Next
	}
	if strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Errorf("pages: %v, want %v", got, ids)
	}
	var l genuine.CheckoutList
	ts.call("GET", "/v1/checkouts?limit=1000", tw.otherKey, nil, 200, &l)
	if len(l.Checkouts) != 0 {
		t.Errorf("another merchant sees %d checkouts", len(l.Checkouts))
	}
	for _, q := range []string{"limit=0", "limit=x", "before=chk_00000000000000000000"} {
		if resp := ts.do(request{method: "GET", path: "/v1/checkouts?" + q, key: tw.w.merchantKey}); resp.status != 400 {
			t.Errorf("%s: %d", q, resp.status)
		}
	}
	if resp := ts.do(request{method: "GET", path: "/v1/checkouts", key: ts.admin}); resp.status != 400 {
		t.Errorf("an admin without merchant_id: %d", resp.status)
	}
}

// tillBudget is the most the till page may weigh: its HTML, style and
// scripts, the vendored camera decoder aside (loaded only when used).
const tillBudget = 100 << 10

// The till page's own HTML, CSS and JavaScript stay under 100 KB.
func TestTillBudget(t *testing.T) {
	tw := newTillWorld(t, 1)
	ts := tw.ts
	body := checkTillPage(t, ts.page("/till", tw.zh), 200)
	total := len(body)
	refs := regexp.MustCompile(`(?:src|href)="(/static/[^"?]+)`).FindAllStringSubmatch(body, -1)
	if len(refs) < 2 {
		t.Fatalf("the till loads %d static files: %v", len(refs), refs)
	}
	for _, ref := range refs {
		resp := ts.do(request{method: "GET", path: ref[1]})
		if resp.status != 200 {
			t.Fatalf("%s: %d", ref[1], resp.status)
		}
		total += len(resp.body)
		t.Logf("%s: %d bytes", ref[1], len(resp.body))
	}
	t.Logf("the till weighs %d bytes (HTML %d), of a budget of %d", total, len(body), tillBudget)
	if total > tillBudget {
		t.Errorf("the till weighs %d bytes, over its budget of %d", total, tillBudget)
	}
}
