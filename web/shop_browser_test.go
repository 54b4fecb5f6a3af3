package web

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"genuine"
	"genuine/web/browsertest"
	"genuine/web/i18n"
)

// TestShopBrowser scans and pays on a phone, 412 px wide, in each
// language, and once on a tablet or computer 1280 px wide: a genuine unit typed into the scan field is added green with
// its price; a forged one is shown red with the reason and never reaches
// the cart; a genuine unit in front of the camera is added; Pay shows the
// link to the simulated provider's pay page, and once that is paid the
// page says so. Every state is screenshot and checked by axe-core.
func TestShopBrowser(t *testing.T) {
	for _, tc := range []struct {
		lang  i18n.Lang
		width int
	}{{i18n.EN, 412}, {i18n.ZH, 412}, {i18n.ZH, 1280}} {
		lang, size := tc.lang, string(tc.lang)+"-"+strconv.Itoa(tc.width)
		t.Run(size, func(t *testing.T) {
			ts := newTestServer(t, Config{})
			sw := ts.shopWorld(t)
			b := browsertest.New(t, browsertest.WithFakeCamera(browsertest.QRVideo(t, sw.codes[2].Code)))
			ctx := b.Page(t, string(lang), tc.width)
			shot := func(state string) {
				t.Helper()
				browsertest.Screenshot(t, ctx, "shop-"+state+"-"+size)
				browsertest.Axe(t, ctx)
			}
			run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				for _, a := range actions {
					if _, err := chromedp.Run(ctx, a); err != nil {
						t.Fatalf("%s: %v", what, err)
					}
				}
			}
			run("open the shop", chromedp.Navigate(ts.url+sw.page), browsertest.WaitText("#empty", i18n.T(lang, "shop.empty")))
			shot("empty")

			run("type a genuine code", browsertest.Wedge(sw.codes[0].Code), browsertest.WaitText("#total", i18n.Money(lang, 3500, "CNY")))
			if name := browsertest.Text(t, ctx, "#items li .name"); name != "Acme tea" {
				t.Errorf("the cart shows %q", name)
			}
			forged := forge(sw.codes[1].Code)
			why := i18n.Reason(lang, genuine.ReasonCounterfeit, nil)
			run("type a forged code", browsertest.Wedge(forged), browsertest.WaitText("#refused li .why", why))
			shot("refused")

			run("scan with the camera", chromedp.Click(chromedp.CSS("#camera")), browsertest.WaitText("#total", i18n.Money(lang, 7000, "CNY")))
			run("stop the camera", chromedp.Click(chromedp.CSS("#camera-stop")))
			shot("cart")

			run("pay", chromedp.Click(chromedp.CSS("#pay")), browsertest.WaitText("#status", i18n.T(lang, "waiting_for_payment")))
			payURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("pay-link").href`))
			if err != nil {
				t.Fatal(err)
			}
			shot("paying")
			// The page's own cart names its checkout, which the till sees.
			id, err := chromedp.Run(ctx, chromedp.Evaluate[string](
				`fetch(location.pathname + "/cart", {headers: {Accept: "application/json"}}).then(r => r.json()).then(c => c.checkout.id)`,
				chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			var k genuine.Checkout
			ts.call("GET", "/v1/checkouts/"+id, sw.merchantKey, nil, 200, &k)
			if len(k.Items) != 2 || k.Items[0].Code != sw.codes[0].Code || k.Items[1].Code != sw.codes[2].Code || k.Total != 7000 || k.Channel != genuine.ChannelSelfCheckout {
				t.Fatalf("the checkout paid for: %+v", k)
			}
			if resp := ts.do(request{method: "POST", path: payURL + "/pay"}); resp.status >= 400 {
				t.Fatalf("POST %s/pay: %d %s", payURL, resp.status, resp.body)
			}
			run("wait for paid", browsertest.WaitText("#status", i18n.T(lang, "shop.paid")))
			shot("paid")
			if v := ts.verify(forged); v.State == genuine.StateSold {
				t.Errorf("the forged unit was sold")
			}
		})
	}
}
