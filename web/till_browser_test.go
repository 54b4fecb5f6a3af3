package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"genuine"
	"genuine/web/browsertest"
	"genuine/web/i18n"
)

// tillScene is what the till's browser test sells and refuses: units of a
// product on the shop's price list and of one priced at the till, a unit
// another shop sold, one of a batch for Beijing only, and a forged code.
type tillScene struct {
	*tillWorld
	honey                 []codeRecord // a product without a list price
	sold, outside, forged string
	soldDay               map[string]string // the day the sold unit was sold, by language
	otherShop             string
	cameraCode            string
	merchantKey, brandKey string
}

func newTillScene(t *testing.T) *tillScene {
	tw := newTillWorld(t, 8)
	ts, w := tw.ts, tw.w
	sc := &tillScene{tillWorld: tw, merchantKey: w.merchantKey, brandKey: w.brandKey, otherShop: "Other shop"}
	ts.call("PUT", "/v1/merchants/"+w.merchant.ID+"/prices", w.merchantKey, []any{map[string]any{"gtin": w.product.GTIN, "price": 3500, "currency": "CNY"}}, 200, nil)
	honey := gtinWithCheckDigit("0952012345679")
	ts.call("POST", "/v1/products", w.brandKey, map[string]any{"gtin": honey, "name": "Acme honey"}, 201, nil)
	var hb, bj genuine.Batch
	ts.call("POST", "/v1/batches", w.brandKey, map[string]any{"gtin": honey, "lot": "H1", "expiry": "2028-06-30", "quantity": 2, "regions": []string{"CN-GD"}}, 201, &hb)
	ts.call("POST", "/v1/batches", w.brandKey, map[string]any{"gtin": w.product.GTIN, "lot": "BJ1", "expiry": "2028-06-30", "quantity": 2, "regions": []string{"CN-BJ"}}, 201, &bj)
	for _, b := range []string{hb.ID, bj.ID} {
		ts.call("POST", "/v1/batches/"+b+"/events", w.brandKey, map[string]any{"type": "release"}, 201, nil)
	}
	sc.honey = ts.codes(w.brandKey, hb.ID)
	sc.outside = ts.codes(w.brandKey, bj.ID)[0].Code
	sc.sold = tw.codes[7].Code
	paid := ts.paidCheckout(tw.otherKey, "sold-elsewhere", sc.sold)
	sc.soldDay = map[string]string{}
	for _, lang := range []string{"en", "zh-CN"} {
		at := formatShanghai(paid.Payment.PaidAt, lang)
		sc.soldDay[lang] = at[:strings.LastIndexByte(at, ' ')]
	}
	sc.forged = forge(tw.codes[6].Code)
	sc.cameraCode = tw.codes[5].Code
	return sc
}

// do runs actions on a tab, failing the test with what it was doing.
func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression on a tab.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// tabTo presses Tab until the focused element is the one matching sel,
// failing after 40 presses: the page is used by keyboard alone.
func tabTo(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	for range 40 {
		if eval[bool](t, ctx, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel)) {
			return
		}
		do(t, ctx, "Tab", chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("Tab never reaches %s; focus is on %s", sel, eval[string](t, ctx, `document.activeElement.outerHTML.slice(0, 200)`))
}

// signIn signs the tab in with key by keyboard and lands on the till.
func signIn(t *testing.T, ctx context.Context, url, key string) {
	t.Helper()
	do(t, ctx, "sign in", chromedp.Navigate(url+"/login?next=%2Ftill"), browsertest.Wedge(key), chromedp.WaitVisible(chromedp.CSS("#scan")))
	if id := eval[string](t, ctx, `document.activeElement.id`); id != "scan" {
		t.Fatalf("the till opens with focus on %q, not the scan field", id)
	}
}

// line waits for the n-th line of the cart (from 1) to be decided and
// returns its class and text.
func line(t *testing.T, ctx context.Context, n int) (string, string) {
	t.Helper()
	sel := fmt.Sprintf("#cart li:nth-child(%d)", n)
	v, err := chromedp.Run(ctx, chromedp.Poll[[]string](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); return e && !e.classList.contains("checking") ? [e.className, e.innerText] : null; })()`, sel),
		chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		t.Fatalf("line %d: %v", n, err)
	}
	return v[0], v[1]
}

// The cashier's flow in Chromium, by keyboard alone: scans from a wedge
// scanner, prices typed, Pay, the buyer pays, the receipt; refusals in
// both languages with the cashier's words; a refund of one item; a scan
// from the camera; at a till's width and a phone's.
func TestTillBrowser(t *testing.T) {
	sc := newTillScene(t)
	ts := sc.ts
	b := browsertest.New(t, browsertest.WithFakeCamera(browsertest.QRVideo(t, sc.cameraCode)))

	t.Run("sale", func(t *testing.T) {
		ctx := b.Page(t, "en", 1280)
		signIn(t, ctx, ts.url, sc.merchantKey)
		browsertest.Screenshot(t, ctx, "till-empty-en-1280")
		browsertest.Axe(t, ctx)

		do(t, ctx, "scan", browsertest.Wedge(sc.codes[0].Code))
		if class, text := line(t, ctx, 1); class != "line pass" || !strings.Contains(text, "Acme tea") || !strings.Contains(text, "¥35.00") {
			t.Fatalf("genuine unit: %q %q", class, text)
		}
		// The same unit again is said to be in the cart already.
		do(t, ctx, "scan again", browsertest.Wedge(sc.codes[0].Code), browsertest.WaitText("#status", "Already in the cart"))
		// A GS1 element string with GS separators, as scanners send one.
		honey := strings.TrimPrefix(sc.honey[0].Code, ts.url+"/01/")
		gtin, serial, _ := strings.Cut(honey, "/21/")
		do(t, ctx, "scan an element string", browsertest.Wedge("]d201"+gtin+"21"+serial+"\x1d"+"10H1"))
		if class, text := line(t, ctx, 2); class != "line pass" || !strings.Contains(text, "Acme honey") || !strings.Contains(text, "Type the price") {
			t.Fatalf("unit without a list price: %q %q", class, text)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("#cart li").length`); n != 2 {
			t.Fatalf("%d lines, want 2", n)
		}
		if eval[string](t, ctx, `document.getElementById("pay").getAttribute("aria-disabled")`) != "true" {
			t.Error("Pay is offered before every price is known")
		}
		tabTo(t, ctx, "#cart li:nth-child(2) input")
		do(t, ctx, "type the price", chromedp.KeyEvent("12.50\r"), browsertest.WaitText("#total", "¥47.50"))
		if id := eval[string](t, ctx, `document.activeElement.id`); id != "scan" {
			t.Errorf("after the price, focus is on %q, not the scan field", id)
		}
		browsertest.Screenshot(t, ctx, "till-cart-en-1280")

		// Escape from anywhere comes back to the scan field.
		tabTo(t, ctx, "#pay")
		do(t, ctx, "Escape", chromedp.KeyEvent(kb.Escape))
		if id := eval[string](t, ctx, `document.activeElement.id`); id != "scan" {
			t.Errorf("Escape leaves focus on %q", id)
		}
		tabTo(t, ctx, "#pay")
		do(t, ctx, "Pay", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#pay-qr")),
			browsertest.WaitText("#pay-amount", "¥47.50"))
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("pay-qr").naturalWidth >= 256`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("the payment's QR code is not shown: %v", err)
		}
		browsertest.Screenshot(t, ctx, "till-paying-en-1280")
		browsertest.Axe(t, ctx)

		payURL := eval[string](t, ctx, `document.getElementById("pay-link").href`)
		resp := ts.do(request{method: "POST", path: payURL + "/pay", header: map[string]string{"Accept": "application/json"}})
		if resp.status != 200 {
			t.Fatalf("pay: %d %s", resp.status, resp.body)
		}
		do(t, ctx, "paid", browsertest.WaitText("#done-h", "Paid"), chromedp.WaitVisible(chromedp.CSS("#done")),
			browsertest.WaitText("#sales", "Acme honey"))
		browsertest.Screenshot(t, ctx, "till-paid-en-1280")

		tabTo(t, ctx, "#receipt-link")
		do(t, ctx, "receipt", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(".receipt")))
		text := browsertest.Text(t, ctx, ".receipt")
		for _, w := range []string{"Acme shop", "Acme tea", "Acme honey", "¥35.00", "¥12.50", "¥47.50", "Simulated payment (test)"} {
			if !strings.Contains(text, w) {
				t.Errorf("the receipt lacks %q: %s", w, text)
			}
		}
		browsertest.Screenshot(t, ctx, "till-receipt-en-1280")
		browsertest.Axe(t, ctx)

		// Refund the honey from the recent sales, by keyboard.
		do(t, ctx, "back", chromedp.Navigate(ts.url+"/till"), browsertest.WaitText("#sales", "Refund Acme honey"))
		for range 40 {
			if strings.HasPrefix(eval[string](t, ctx, `document.activeElement.textContent`), "Refund Acme honey") {
				break
			}
			do(t, ctx, "Tab", chromedp.KeyEvent(kb.Tab))
		}
		do(t, ctx, "refund", chromedp.KeyEvent(kb.Enter), browsertest.WaitText("#sales", "Refund Acme honey, ¥12.50?"))
		browsertest.Screenshot(t, ctx, "till-refund-confirm-en-1280")
		// The page focuses the confirmation once it is drawn (a timer of
		// 0): wait for it, a few seconds at most.
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.activeElement.textContent === "Yes, refund"`,
			chromedp.WithPollingTimeout(5*time.Second))); err != nil {
			t.Fatalf("the confirmation does not have focus: %q", eval[string](t, ctx, `document.activeElement.textContent`))
		}
		do(t, ctx, "confirm", chromedp.KeyEvent(kb.Enter), browsertest.WaitText("#status", "Refunded: Acme honey"),
			browsertest.WaitText("#sales", "Partly refunded"))
		browsertest.Screenshot(t, ctx, "till-refunded-en-1280")
	})

	for _, tc := range []struct {
		lang  string
		width int
		want  []string
	}{
		{"en", 412, []string{"Already sold on " + sc.soldDay["en"] + " at Other shop", "For sale only in Beijing", "Not genuine: the brand never issued this code"}},
		{"zh-CN", 412, []string{"已于" + sc.soldDay["zh-CN"] + "在Other shop售出", "仅限在北京销售", "非正品：品牌从未发放此码"}},
		{"zh-CN", 1280, []string{"已于" + sc.soldDay["zh-CN"] + "在Other shop售出", "仅限在北京销售", "非正品：品牌从未发放此码"}},
	} {
		name := fmt.Sprintf("refused-%s-%d", tc.lang, tc.width)
		t.Run(name, func(t *testing.T) {
			ctx := b.Page(t, tc.lang, tc.width)
			signIn(t, ctx, ts.url, sc.merchantKey)
			// Three scans 50 ms apart, as a wedge scanner sends them: each
			// is checked while the next is typed, and each keeps its line.
			do(t, ctx, "three scans, 50 ms apart", browsertest.Wedge(sc.sold), chromedp.Sleep(50*time.Millisecond),
				browsertest.Wedge(sc.outside), chromedp.Sleep(50*time.Millisecond), browsertest.Wedge(sc.forged))
			for i := range 3 {
				class, text := line(t, ctx, i+1)
				if class != "line refuse" || !strings.Contains(text, tc.want[i]) {
					t.Errorf("line %d: %q %q, want the words %q", i+1, class, text, tc.want[i])
				}
			}
			if eval[string](t, ctx, `document.getElementById("pay").getAttribute("aria-disabled")`) != "true" {
				t.Error("Pay is offered for refused units")
			}
			browsertest.Screenshot(t, ctx, "till-"+name)
			browsertest.Axe(t, ctx)
			// Remove a line by keyboard.
			tabTo(t, ctx, "#cart li:nth-child(1) .remove")
			do(t, ctx, "remove", chromedp.KeyEvent(kb.Enter))
			if n := eval[int](t, ctx, `document.querySelectorAll("#cart li").length`); n != 2 {
				t.Errorf("%d lines after removing one, want 2", n)
			}
		})
	}

	// The language switch, by keyboard: the cashier stays signed in on the
	// till, whose words, and the reasons of a new scan's refused line, are
	// then in the other language.
	t.Run("language-en-to-zh-CN-1280", func(t *testing.T) {
		// A browser of its own: the switch is remembered in a cookie that
		// would outweigh the other tabs' Accept-Language.
		ctx := browsertest.New(t).Page(t, "en", 1280)
		signIn(t, ctx, ts.url, sc.merchantKey)
		do(t, ctx, "scan", browsertest.Wedge(sc.forged))
		if class, text := line(t, ctx, 1); class != "line refuse" || !strings.Contains(text, "Not genuine: the brand never issued this code") {
			t.Fatalf("in English: %q %q", class, text)
		}
		tabTo(t, ctx, "form.lang button")
		do(t, ctx, "switch to Chinese", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#scan")),
			browsertest.WaitText("#scan-hint", i18n.T(i18n.ZH, "till.scan_hint")))
		if at := eval[string](t, ctx, `location.pathname + location.search`); at != "/till" {
			t.Errorf("after the switch the page is %q, not /till", at)
		}
		if lang := eval[string](t, ctx, `document.documentElement.lang`); lang != "zh-CN" {
			t.Errorf("after the switch the page is in %q", lang)
		}
		if id := eval[string](t, ctx, `document.activeElement.id`); id != "scan" {
			t.Errorf("after the switch, focus is on %q, not the scan field", id)
		}
		for sel, key := range map[string]i18n.Key{"label[for=scan]": "till.scan_label", "#cart-h": "cart", "#pay": "pay"} {
			if got := browsertest.Text(t, ctx, sel); !strings.Contains(got, i18n.T(i18n.ZH, key)) {
				t.Errorf("%s says %q, want %q", sel, got, i18n.T(i18n.ZH, key))
			}
		}
		// The cart came through the reload, checked again, in Chinese.
		do(t, ctx, "the cart kept", browsertest.WaitText("#cart li:nth-child(1)", i18n.Reason(i18n.ZH, genuine.ReasonCounterfeit, nil)))
		n := eval[int](t, ctx, `document.querySelectorAll("#cart li").length`)
		if n != 1 {
			t.Errorf("after the switch the cart has %d lines, want the 1 scanned before", n)
		}
		do(t, ctx, "scan after the switch", browsertest.Wedge(sc.outside))
		if class, text := line(t, ctx, n+1); class != "line refuse" || !strings.Contains(text, "仅限在北京销售") {
			t.Errorf("in Chinese, line %d: %q %q", n+1, class, text)
		}
		browsertest.Screenshot(t, ctx, "till-language-zh-CN-1280")
		browsertest.Axe(t, ctx)
		// And back.
		tabTo(t, ctx, "form.lang button")
		do(t, ctx, "switch back to English", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#scan")),
			browsertest.WaitText("#scan-hint", i18n.T(i18n.EN, "till.scan_hint")))
		if at := eval[string](t, ctx, `location.pathname + location.search`); at != "/till" {
			t.Errorf("after the switch back the page is %q, not /till", at)
		}
	})

	t.Run("camera-en-412", func(t *testing.T) {
		ctx := b.Page(t, "en", 412)
		signIn(t, ctx, ts.url, sc.merchantKey)
		tabTo(t, ctx, "#camera")
		do(t, ctx, "camera", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#camera-video")))
		if class, text := line(t, ctx, 1); class != "line pass" || !strings.Contains(text, "Acme tea") {
			t.Fatalf("camera scan: %q %q", class, text)
		}
		browsertest.Screenshot(t, ctx, "till-camera-en-412")
		tabTo(t, ctx, "#camera-stop")
		do(t, ctx, "stop", chromedp.KeyEvent(kb.Enter), chromedp.WaitNotVisible(chromedp.CSS("#camera-video")))

		// A code in brackets, as typed from a label; then Pay, and Cancel:
		// nothing was paid, and the cart is back.
		bracketed := strings.TrimPrefix(sc.honey[1].Code, ts.url+"/01/")
		gtin, serial, _ := strings.Cut(bracketed, "/21/")
		do(t, ctx, "scan in brackets", browsertest.Wedge("(01)"+gtin+"(21)"+serial))
		if class, text := line(t, ctx, 2); class != "line pass" || !strings.Contains(text, "Acme honey") {
			t.Fatalf("bracketed code: %q %q", class, text)
		}
		tabTo(t, ctx, "#cart li:nth-child(2) input")
		do(t, ctx, "price", chromedp.KeyEvent("8\r"), browsertest.WaitText("#total", "¥43.00"))
		tabTo(t, ctx, "#pay")
		do(t, ctx, "Pay", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#pay-qr")))
		if id := eval[string](t, ctx, `document.activeElement.id`); id != "cancel" {
			t.Errorf("while the buyer pays, focus is on %q, not Cancel", id)
		}
		browsertest.Screenshot(t, ctx, "till-paying-en-412")
		do(t, ctx, "Cancel", chromedp.KeyEvent(kb.Enter), browsertest.WaitText("#status", "Canceled: nothing was paid"),
			chromedp.WaitVisible(chromedp.CSS("#cart li:nth-child(2)")))
		if id := eval[string](t, ctx, `document.activeElement.id`); id != "scan" {
			t.Errorf("after Cancel, focus is on %q", id)
		}
		browsertest.Screenshot(t, ctx, "till-canceled-en-412")
	})

	t.Run("shop-qr-zh-CN-412", func(t *testing.T) {
		ctx := b.Page(t, "zh-CN", 412)
		signIn(t, ctx, ts.url, sc.merchantKey)
		tabTo(t, ctx, `a[href="/till/shop-qr"]`)
		do(t, ctx, "shop QR", chromedp.KeyEvent(kb.Enter), browsertest.WaitText(".shop-qr", "用手机扫码"))
		browsertest.Screenshot(t, ctx, "till-shop-qr-zh-CN-412")
		browsertest.Axe(t, ctx)
	})

	t.Run("not-a-shop-zh-CN-412", func(t *testing.T) {
		ctx := b.Page(t, "zh-CN", 412)
		do(t, ctx, "sign in", chromedp.Navigate(ts.url+"/login?next=%2Ftill"), browsertest.Wedge(sc.brandKey),
			browsertest.WaitText("h1", "收银台仅供门店收银员使用"))
		browsertest.Screenshot(t, ctx, "till-not-a-shop-zh-CN-412")
		browsertest.Axe(t, ctx)
	})
}

// A brand's price range in a currency that is not the till's is written
// with that currency's digits: a range in yen has none.
func TestTillBrowserForeignRange(t *testing.T) {
	tw := newTillWorld(t, 1)
	ts, w := tw.ts, tw.w
	ts.call("PUT", "/v1/merchants/"+w.merchant.ID+"/prices", w.merchantKey, []any{map[string]any{"gtin": w.product.GTIN, "price": 3500, "currency": "CNY"}}, 200, nil)
	ts.call("PUT", "/v1/policies/brand", w.brandKey, map[string]any{"rules": []any{
		map[string]any{"rule": "state"}, map[string]any{"rule": "price", "currency": "JPY", "min": 3000, "max": 5000},
	}}, 200, nil)
	b := browsertest.New(t)
	ctx := b.Page(t, "en", 1280)
	signIn(t, ctx, ts.url, w.merchantKey)
	do(t, ctx, "scan", browsertest.Wedge(tw.codes[0].Code))
	if class, text := line(t, ctx, 1); class != "line refuse" || !strings.Contains(text, "3,000 JPY to 5,000 JPY") {
		t.Fatalf("a unit outside a range in yen: %q %q", class, text)
	}
}
