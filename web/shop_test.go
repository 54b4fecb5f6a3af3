package web

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"genuine"
)

// shopWorld is a world whose merchant offers self-checkout and prices the
// product at 35.00 CNY, with the codes of its released batch.
type shopWorld struct {
	*world
	codes []codeRecord
	page  string // the shop page's path
}

func (ts *testServer) shopWorld(t *testing.T) *shopWorld {
	t.Helper()
	w := ts.newWorld("Acme", "09520123456788", 10)
	ts.call("POST", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, map[string]any{"type": "release"}, 201, nil)
	ts.call("PUT", "/v1/merchants/"+w.merchant.ID+"/prices", w.merchantKey,
		[]any{map[string]any{"gtin": w.product.GTIN, "price": 3500, "currency": "CNY"}}, 200, nil)
	var m struct {
		SelfCheckout genuine.SelfCheckout `json:"self_checkout"`
	}
	ts.call("PUT", "/v1/merchants/"+w.merchant.ID+"/self-checkout", w.merchantKey, map[string]any{"enabled": true}, 200, &m)
	if !m.SelfCheckout.Enabled || m.SelfCheckout.MaxOpenCarts != genuine.DefaultMaxOpenCarts {
		t.Fatalf("merchant's self-checkout: %+v", m.SelfCheckout)
	}
	return &shopWorld{world: w, codes: ts.codes(w.brandKey, w.batch.ID), page: "/shop/" + w.merchant.ID}
}

// TestShopPage: the shop page opens a shop session with a cookie that is
// HttpOnly and SameSite=Lax on Path=/ (Secure only over HTTPS), and shows
// the shop in the page's language; a merchant without self-checkout is
// 403 and an unknown one 404.
func TestShopPage(t *testing.T) {
	ts := newTestServer(t, Config{})
	sw := ts.shopWorld(t)
	resp := ts.do(request{method: "GET", path: sw.page, header: map[string]string{"Accept-Language": "zh-CN"}})
	if resp.status != 200 || !strings.Contains(string(resp.body), "Acme shop") || !strings.Contains(string(resp.body), "购物车") ||
		!strings.Contains(string(resp.body), `src="/static/shop.js?v=`) || strings.Contains(string(resp.body), "<script>") {
		t.Fatalf("shop page: %d %s", resp.status, resp.body)
	}
	c := cookieOf(t, resp, shopCookie)
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.MaxAge != 7200 || !strings.HasPrefix(c.Value, "gc_") {
		t.Errorf("shop cookie: %+v", c)
	}
	// Over HTTPS (a trusted proxy's word here) it is Secure.
	proxied := newTestServer(t, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}})
	pw := proxied.shopWorld(t)
	secure := proxied.do(request{method: "GET", path: pw.page, header: map[string]string{"X-Forwarded-Proto": "https"}})
	if c := cookieOf(t, secure, shopCookie); !c.Secure {
		t.Errorf("shop cookie over https: %+v", c)
	}
	// The empty cart has no total to write, not "0 " without a currency.
	if !strings.Contains(string(resp.body), `"total_text":""`) {
		t.Errorf("an empty cart's total is written: %s", resp.body)
	}
	// The page again with the cookie keeps the session.
	again := ts.do(request{method: "GET", path: sw.page, header: map[string]string{"Cookie": shopCookie + "=" + c.Value}})
	if again.status != 200 || len(again.header.Values("Set-Cookie")) != 0 {
		t.Errorf("the page with a live session: %d, Set-Cookie %q", again.status, again.header.Values("Set-Cookie"))
	}

	other := ts.newWorld("Bolt", "09520123456795", 1)
	if resp := ts.do(request{method: "GET", path: "/shop/" + other.merchant.ID}); resp.status != 403 || len(resp.header.Values("Set-Cookie")) != 0 {
		t.Errorf("a shop without self-checkout: %d %s", resp.status, resp.body)
	}
	if resp := ts.do(request{method: "GET", path: "/shop/mer_00000000000000000000", header: map[string]string{"Accept": "application/json"}}); resp.status != 404 {
		t.Errorf("no shop: %d %s", resp.status, resp.body)
	}
}

// shopper is a phone at a shop: its cookie goes with every request.
type shopper struct {
	ts     *testServer
	sw     *shopWorld
	cookie string
}

func (sw *shopWorld) shopper(t *testing.T, ts *testServer) *shopper {
	t.Helper()
	resp := ts.do(request{method: "GET", path: sw.page})
	return &shopper{ts: ts, sw: sw, cookie: shopCookie + "=" + cookieOf(t, resp, shopCookie).Value}
}

func (s *shopper) do(method, path string, body any, header map[string]string) *response {
	h := map[string]string{"Cookie": s.cookie, "Accept": "application/json"}
	for k, v := range header {
		h[k] = v
	}
	return s.ts.do(request{method: method, path: s.sw.page + path, body: body, header: h})
}

// TestShopScanAndPay: the page's script adds a genuine unit (green, with
// its price as people write it), a forged one is refused in the shopper's
// words and not added, Pay answers the self-checkout with its pay URL,
// and once the simulated provider is paid the cart is paid.
func TestShopScanAndPay(t *testing.T) {
	ts := newTestServer(t, Config{})
	sw := ts.shopWorld(t)
	s := sw.shopper(t, ts)
	var add shopAddJSON
	decodeJSON(t, s.do("POST", "/add", map[string]any{"code": sw.codes[0].Code}, nil), 200, "application/json", &add)
	if !add.Added || add.Item.PriceText != "¥35.00" || add.Item.Name != "Acme tea" || add.Cart.TotalText != "¥35.00" || len(add.Cart.Items) != 1 {
		t.Fatalf("add: %+v", add)
	}
	var refused shopAddJSON
	forged := sw.codes[1].Code[:len(sw.codes[1].Code)-1] + "0"
	if strings.HasSuffix(sw.codes[1].Code, "0") {
		forged = sw.codes[1].Code[:len(sw.codes[1].Code)-1] + "1"
	}
	decodeJSON(t, s.do("POST", "/add", map[string]any{"code": forged}, map[string]string{"Accept-Language": "zh-CN"}), 200, "application/json", &refused)
	if refused.Added || !refused.Item.Refused || refused.Item.Why != "非正品：品牌从未发放此码" || len(refused.Cart.Items) != 1 {
		t.Fatalf("a forged unit: %+v", refused)
	}
	var pay struct {
		genuine.Checkout
		Cart shopCartJSON `json:"cart"`
	}
	decodeJSON(t, s.do("POST", "/pay", nil, nil), 201, "application/json", &pay)
	if pay.Channel != genuine.ChannelSelfCheckout || pay.Payment == nil || !strings.HasPrefix(pay.Payment.PayURL, ts.url+"/pay/simulated/") || pay.Cart.Status != genuine.CartPaying {
		t.Fatalf("pay: %+v", pay)
	}
	// The till's merchant sees the sale as a self-checkout.
	var k genuine.Checkout
	ts.call("GET", "/v1/checkouts/"+pay.ID, sw.merchantKey, nil, 200, &k)
	if k.Channel != genuine.ChannelSelfCheckout {
		t.Errorf("the merchant's view of the checkout: channel %q", k.Channel)
	}
	if err := ts.sim.Pay(t.Context(), pay.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	ts.waitCheckout(sw.merchantKey, pay.ID, genuine.CheckoutPaid)
	var cart shopCartJSON
	decodeJSON(t, s.do("GET", "/cart", nil, nil), 200, "application/json", &cart)
	if cart.Status != genuine.CartPaid || cart.Checkout == nil || cart.Checkout.Status != genuine.CheckoutPaid {
		t.Fatalf("cart once paid: %+v", cart)
	}

	// Without a session the cart is 401; another session sees nothing of
	// this one's.
	if resp := ts.do(request{method: "GET", path: sw.page + "/cart", header: map[string]string{"Accept": "application/json"}}); resp.status != 401 {
		t.Errorf("cart without a session: %d %s", resp.status, resp.body)
	}
	var theirs shopCartJSON
	decodeJSON(t, sw.shopper(t, ts).do("GET", "/cart", nil, nil), 200, "application/json", &theirs)
	if theirs.ID != "" || len(theirs.Items) != 0 {
		t.Errorf("another session's cart: %+v", theirs)
	}
}

// TestShopCrossOrigin: another site's page cannot add to, remove from or
// pay for a shopper's cart with the shopper's cookie.
func TestShopCrossOrigin(t *testing.T) {
	ts := newTestServer(t, Config{})
	sw := ts.shopWorld(t)
	s := sw.shopper(t, ts)
	cross := map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
	for _, path := range []string{"/add", "/remove", "/pay"} {
		if resp := s.do("POST", path, map[string]any{"code": sw.codes[0].Code}, cross); resp.status != 403 {
			t.Errorf("cross-origin POST %s: %d %s", path, resp.status, resp.body)
		}
	}
	var cart shopCartJSON
	decodeJSON(t, s.do("GET", "/cart", nil, nil), 200, "application/json", &cart)
	if len(cart.Items) != 0 {
		t.Errorf("a cross-origin add reached the cart: %+v", cart.Items)
	}
}

// TestShopResolverHook: a product link opened with a live shop session's
// cookie adds the unit and sends the phone back to the shop; a refused
// unit comes back as ?scan=; without the cookie, with a bad one, or asked
// for JSON, the resolver answers as ever.
func TestShopResolverHook(t *testing.T) {
	ts := newTestServer(t, Config{})
	b := ts.browser()
	sw := ts.shopWorld(t)
	s := sw.shopper(t, ts)
	link := func(code string) string {
		u, err := url.Parse(code)
		if err != nil {
			t.Fatal(err)
		}
		return u.RequestURI()
	}
	open := func(code string, header map[string]string) *response {
		return b.do(request{method: "GET", path: link(code), header: header})
	}
	resp := open(sw.codes[0].Code, map[string]string{"Cookie": s.cookie, "Sec-Fetch-Site": "cross-site"})
	if resp.status != 303 || resp.header.Get("Location") != sw.page {
		t.Fatalf("a product link while shopping: %d, Location %q; body %s", resp.status, resp.header.Get("Location"), resp.body)
	}
	var cart shopCartJSON
	decodeJSON(t, s.do("GET", "/cart", nil, nil), 200, "application/json", &cart)
	if len(cart.Items) != 1 || cart.Items[0].Serial != sw.codes[0].Serial {
		t.Fatalf("cart after the link: %+v", cart.Items)
	}
	// A unit in another checkout is refused: back with ?scan=.
	ts.checkout(sw.merchantKey, "held", cartOf(1000, sw.codes[1].Code))
	resp = open(sw.codes[1].Code, map[string]string{"Cookie": s.cookie})
	if resp.status != 303 || resp.header.Get("Location") != sw.page+"?scan="+url.QueryEscape(sw.codes[1].Code) {
		t.Errorf("a refused unit's link: %d, Location %q", resp.status, resp.header.Get("Location"))
	}
	for name, h := range map[string]map[string]string{
		"no cookie":  nil,
		"bad cookie": {"Cookie": shopCookie + "=gc_" + strings.Repeat("a", 52)},
		"JSON":       {"Cookie": s.cookie, "Accept": "application/json"},
	} {
		if resp := open(sw.codes[2].Code, h); resp.status != 200 {
			t.Errorf("%s: %d, Location %q; want the verification", name, resp.status, resp.header.Get("Location"))
		}
	}
	decodeJSON(t, s.do("GET", "/cart", nil, nil), 200, "application/json", &cart)
	if len(cart.Items) != 1 {
		t.Errorf("cart after links the hook must not take: %+v", cart.Items)
	}
	// Once self-checkout is off, the link verifies as ever.
	ts.call("PUT", "/v1/merchants/"+sw.merchant.ID+"/self-checkout", sw.merchantKey, map[string]any{"enabled": false}, 200, nil)
	if resp := open(sw.codes[2].Code, map[string]string{"Cookie": s.cookie}); resp.status != 200 {
		t.Errorf("with self-checkout off: %d", resp.status)
	}
}

// TestShopResolverHookRefused: a product link the cart cannot take (here
// the shop has its most carts open) sends the phone back to the shop with
// ?scan=, for the page to say why, not to the product's verification.
func TestShopResolverHookRefused(t *testing.T) {
	ts := newTestServer(t, Config{})
	b := ts.browser()
	sw := ts.shopWorld(t)
	ts.call("PUT", "/v1/merchants/"+sw.merchant.ID+"/self-checkout", sw.merchantKey, map[string]any{"enabled": true, "max_open_carts": 1}, 200, nil)
	if resp := sw.shopper(t, ts).do("POST", "/add", map[string]any{"code": sw.codes[0].Code}, nil); resp.status != 200 {
		t.Fatalf("add: %d %s", resp.status, resp.body)
	}
	u, err := url.Parse(sw.codes[1].Code)
	if err != nil {
		t.Fatal(err)
	}
	resp := b.do(request{method: "GET", path: u.RequestURI(), header: map[string]string{"Cookie": sw.shopper(t, ts).cookie}})
	if want := sw.page + "?scan=" + url.QueryEscape(sw.codes[1].Code); resp.status != 303 || resp.header.Get("Location") != want {
		t.Errorf("a link the busy shop cannot take: %d, Location %q; want 303 to %q", resp.status, resp.header.Get("Location"), want)
	}
}

// TestShopLimitsHTTP: the limits answer with their codes and statuses.
func TestShopLimitsHTTP(t *testing.T) {
	ts := newTestServer(t, Config{})
	sw := ts.shopWorld(t)
	ts.call("PUT", "/v1/merchants/"+sw.merchant.ID+"/self-checkout", sw.merchantKey, map[string]any{"enabled": true, "max_open_carts": 1}, 200, nil)
	first := sw.shopper(t, ts)
	if resp := first.do("POST", "/add", map[string]any{"code": sw.codes[0].Code}, nil); resp.status != 200 {
		t.Fatalf("add: %d %s", resp.status, resp.body)
	}
	resp := sw.shopper(t, ts).do("POST", "/add", map[string]any{"code": sw.codes[1].Code}, nil)
	var p problem
	if err := json.Unmarshal(resp.body, &p); err != nil || resp.status != 429 || p.Code != genuine.EShopBusy || resp.header.Get("Retry-After") == "" {
		t.Errorf("a cart over the merchant's number: %d %s", resp.status, resp.body)
	}
	resp = ts.do(request{method: "PUT", path: "/v1/merchants/" + sw.merchant.ID + "/self-checkout", key: sw.merchantKey, body: map[string]any{"enabled": true, "max_open_carts": 10001}})
	if resp.status != 400 {
		t.Errorf("max_open_carts 10001: %d %s", resp.status, resp.body)
	}
}

// TestShopShowsNoMerchantFacts: a shopper's JSON says whether each unit
// passed and the reason's code, never what only a merchant's till may see:
// the brand's policy and rules, a reason's facts (which shop sold a unit
// and when, the brand's price range, a batch's regions) or its message.
// Here a rival shop sells one unit before the shopper scans it, and another
// after the shopper scanned it and before they pay.
func TestShopShowsNoMerchantFacts(t *testing.T) {
	ts := newTestServer(t, Config{})
	sw := ts.shopWorld(t)
	var rival genuine.Merchant
	ts.call("POST", "/v1/merchants", ts.admin, map[string]any{"name": "Rival Emporium", "region": "CN-GD-SZ"}, 201, &rival)
	rivalKey := ts.newKey(map[string]any{"role": "merchant", "merchant_id": rival.ID})
	ts.paidCheckout(rivalKey, "before", sw.codes[2].Code)

	s := sw.shopper(t, ts)
	leaks := func(what string, resp *response) {
		t.Helper()
		for _, secret := range []string{"Rival Emporium", `"detail"`, `"rules"`, `"policy"`, `"message"`, `"rule"`} {
			if strings.Contains(string(resp.body), secret) {
				t.Errorf("%s tells the shopper %s: %s", what, secret, resp.body)
			}
		}
	}
	resp := s.do("POST", "/add", map[string]any{"code": sw.codes[2].Code}, nil)
	var sold shopAddJSON
	decodeJSON(t, resp, 200, "application/json", &sold)
	if sold.Added || !sold.Item.Refused || sold.Item.Decision == nil || len(sold.Item.Decision.Reasons) == 0 ||
		sold.Item.Decision.Reasons[0].Code != genuine.EAlreadySold || sold.Item.Why == "" {
		t.Fatalf("a unit sold elsewhere: %s", resp.body)
	}
	leaks("a refused add", resp)

	decodeJSON(t, s.do("POST", "/add", map[string]any{"code": sw.codes[3].Code}, nil), 200, "application/json", &shopAddJSON{})
	ts.paidCheckout(rivalKey, "meanwhile", sw.codes[3].Code)
	resp = s.do("POST", "/pay", nil, nil)
	if resp.status != 422 || !strings.Contains(string(resp.body), genuine.EAlreadySold) {
		t.Fatalf("pay for a unit sold meanwhile: %d %s", resp.status, resp.body)
	}
	leaks("a refused payment", resp)
	leaks("the cart", s.do("GET", "/cart", nil, nil))
}
