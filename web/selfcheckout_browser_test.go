package web

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"genuine/web/browsertest"
	"genuine/web/i18n"
)

// TestSelfCheckoutBrowser joins the till, the shop and the resolver in
// Chromium: a sale a shopper pays on the phone shows on the open till,
// tagged; a product link the phone's camera app opens while the shop is
// open adds the unit to the cart; and the till's shop QR code leads to the
// shop page, or says that self-checkout is off.
func TestSelfCheckoutBrowser(t *testing.T) {
	ts := newTestServer(t, Config{})
	sw := ts.shopWorld(t)
	b := browsertest.New(t)

	t.Run("till-sale-en-1280", func(t *testing.T) {
		till := b.Page(t, "en", 1280)
		signIn(t, till, ts.url, sw.merchantKey)
		if n := eval[int](t, till, `document.querySelectorAll("#sales li.sale").length`); n != 0 {
			t.Fatalf("the till shows %d sales before any", n)
		}

		phone := b.Page(t, "en", 412)
		do(t, phone, "open the shop", chromedp.Navigate(ts.url+sw.page), browsertest.WaitText("#empty", i18n.T(i18n.EN, "shop.empty")))
		do(t, phone, "scan", browsertest.Wedge(sw.codes[0].Code), browsertest.WaitText("#total", "¥35.00"))
		do(t, phone, "pay", chromedp.Click(chromedp.CSS("#pay")), browsertest.WaitText("#status", i18n.T(i18n.EN, "waiting_for_payment")))
		payURL := eval[string](t, phone, `document.getElementById("pay-link").href`)
		if resp := ts.do(request{method: "POST", path: payURL + "/pay"}); resp.status >= 400 {
			t.Fatalf("POST %s/pay: %d %s", payURL, resp.status, resp.body)
		}
		do(t, phone, "paid", browsertest.WaitText("#status", i18n.T(i18n.EN, "shop.paid")))

		// The till learns of it from its own poll: nothing is pressed.
		do(t, till, "the till shows the sale", browsertest.WaitText("#sales li.sale .sale-status", "Paid"))
		sale := browsertest.Text(t, till, "#sales li.sale")
		for _, w := range []string{"Self-checkout", "Acme tea", "¥35.00"} {
			if !strings.Contains(sale, w) {
				t.Errorf("the till's sale lacks %q: %q", w, sale)
			}
		}
		if tag := browsertest.Text(t, till, "#sales li.sale .sale-head .tag"); tag != "Self-checkout" {
			t.Errorf("the sale's tag is %q", tag)
		}
		browsertest.Screenshot(t, till, "till-self-checkout-sale-en-1280")
		browsertest.Axe(t, till)
	})

	t.Run("link-zh-CN-412", func(t *testing.T) {
		ctx := b.Page(t, "zh-CN", 412)
		do(t, ctx, "open the shop", chromedp.Navigate(ts.url+sw.page), browsertest.WaitText("#empty", i18n.T(i18n.ZH, "shop.empty")))
		// The camera app opens the product's Digital Link in the same
		// browser, a top-level navigation that carries the shop cookie.
		do(t, ctx, "open the product's link", chromedp.Navigate(sw.codes[1].Code),
			browsertest.WaitText("#items li .name", "Acme tea"), browsertest.WaitText("#total", i18n.Money(i18n.ZH, 3500, "CNY")))
		if at := eval[string](t, ctx, `location.pathname + location.search`); at != sw.page {
			t.Errorf("the link lands on %q, not the shop page %q", at, sw.page)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("#items li").length`); n != 1 {
			t.Errorf("%d units in the cart, want 1", n)
		}
		// Green: in the cart and not refused.
		if border := eval[string](t, ctx, `(() => { const li = document.querySelector("#items li"); return li.className + " " + getComputedStyle(li).borderLeftColor; })()`); border != " rgb(19, 115, 51)" {
			t.Errorf("the unit is drawn %q, not green", border)
		}
		browsertest.Screenshot(t, ctx, "shop-link-added-zh-CN-412")
		browsertest.Axe(t, ctx)
	})

	t.Run("shop-qr-en-1280", func(t *testing.T) {
		jsqr, err := os.ReadFile("static/vendor/jsqr.js")
		if err != nil {
			t.Fatal(err)
		}
		ctx := b.Page(t, "en", 1280)
		signIn(t, ctx, ts.url, sw.merchantKey)
		do(t, ctx, "shop QR", chromedp.Navigate(ts.url+"/till/shop-qr"), browsertest.WaitText(".shop-qr", i18n.T(i18n.EN, "till.shop_qr_hint")),
			chromedp.Evaluate[chromedp.Void](string(jsqr)))
		if strings.Contains(browsertest.Text(t, ctx, ".shop-qr"), i18n.T(i18n.EN, "till.shop_qr_off")) {
			t.Error("the shop QR page says self-checkout is off while it is on")
		}
		decoded, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
			const img = document.querySelector(".shop-qr img");
			await img.decode();
			const c = document.createElement("canvas");
			c.width = img.naturalWidth;
			c.height = img.naturalHeight;
			const g = c.getContext("2d");
			g.drawImage(img, 0, 0);
			const qr = jsQR(g.getImageData(0, 0, c.width, c.height).data, c.width, c.height);
			return qr ? qr.data : "";
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if want := ts.url + sw.page; decoded != want {
			t.Fatalf("the shop QR code holds %q, want %q", decoded, want)
		}
		if shown := browsertest.Text(t, ctx, ".shop-qr .code"); shown != decoded {
			t.Errorf("the page prints %q under a code of %q", shown, decoded)
		}
		// The same browser carries the shop cookie of the subtests before,
		// whose cart may still be open: what counts is that this scan is
		// added, not the cart's total.
		do(t, ctx, "open the QR code's page", chromedp.Navigate(decoded), chromedp.WaitVisible(chromedp.CSS("#code")),
			browsertest.Wedge(sw.codes[2].Code), browsertest.WaitText("#status", i18n.T(i18n.EN, "shop.added", "Acme tea")))

		ts.call("PUT", "/v1/merchants/"+sw.merchant.ID+"/self-checkout", sw.merchantKey, map[string]any{"enabled": false}, 200, nil)
		do(t, ctx, "shop QR, self-checkout off", chromedp.Navigate(ts.url+"/till/shop-qr"),
			browsertest.WaitText(".shop-qr", i18n.T(i18n.EN, "till.shop_qr_off")))
		browsertest.Screenshot(t, ctx, "till-shop-qr-off-en-1280")
		browsertest.Axe(t, ctx)
	})
}
