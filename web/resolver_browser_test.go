package web

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"genuine"
	"genuine/web/browsertest"
)

// resolverStates are the codes of each state a shopper's resolver page
// shows, in one server: a unit on sale, one sold, a forged serial of a
// known product, a unit of a recalled batch, a product no brand here
// makes, and data that is no product code.
type resolverStates struct {
	ts                                      *testServer
	brand                                   *world
	onSale, sold, forged, recalled, unknown string
	notACode                                string
	forgedSerial, soldSerial                string
	checkout                                genuine.Checkout // awaiting payment, at the simulated provider
}

func newResolverStates(t *testing.T) *resolverStates {
	ts := newTestServer(t, Config{})
	a := ts.newWorld("Acme", "09520123456788", 10)
	b := ts.newWorld("Bolt", "09520123456795", 3)
	for _, w := range []*world{a, b} {
		ts.call("POST", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, map[string]any{"type": "release"}, 201, nil)
	}
	ts.call("POST", "/v1/batches/"+b.batch.ID+"/events", b.brandKey, map[string]any{"type": "recall", "note": "contamination"}, 201, nil)
	codes := ts.codes(a.brandKey, a.batch.ID)
	s := &resolverStates{
		ts: ts, brand: a, onSale: codes[0].Code, sold: codes[1].Code, forged: forge(codes[2].Code),
		recalled: ts.codes(b.brandKey, b.batch.ID)[0].Code,
		unknown:  ts.url + "/01/" + gtinWithCheckDigit("0952012345699") + "/21/ABC",
		notACode: ts.url + "/01/09520123456788/21/A?17=991399",
	}
	ts.paidCheckout(a.merchantKey, "sold", s.sold)
	s.soldSerial = codes[1].Serial
	s.forgedSerial = ts.verify(s.forged).Serial
	s.checkout = checkoutOf(t, ts.checkout(a.merchantKey, "to-pay", cartOf(3500, codes[3].Code, codes[4].Code)), 201)
	return s
}

// run runs actions on the page of ctx, failing the test on an error.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestResolverBrowser shows each state of the resolver page in Chromium,
// in English and Chinese, on a phone and a till-sized screen, checks its
// verdict and headline, takes its screenshot and runs axe-core on it.
func TestResolverBrowser(t *testing.T) {
	s := newResolverStates(t)
	b := browsertest.New(t)
	for _, c := range []struct {
		name, url, verdict string
		headline           map[string]string
	}{
		{"on-sale", s.onSale, verdictOnSale, map[string]string{"en": "Genuine and for sale", "zh-CN": "正品，可以销售"}},
		{"sold", s.sold, verdictSold, map[string]string{"en": "Genuine, but already sold", "zh-CN": "正品，但已售出"}},
		{"fake", s.forged, verdictFake, map[string]string{"en": "Not genuine", "zh-CN": "非正品"}},
		{"recalled", s.recalled, verdictDoNotUse, map[string]string{"en": "Do not buy or use it", "zh-CN": "请勿购买或使用"}},
		{"unknown", s.unknown, verdictUnknown, map[string]string{"en": "We cannot check this code", "zh-CN": "无法核验此码"}},
		{"not-a-code", s.notACode, "", map[string]string{"en": "Not a product code", "zh-CN": "不是商品码"}},
	} {
		for _, lang := range []string{"en", "zh-CN"} {
			for _, width := range []int{412, 1280} {
				ctx := b.Page(t, lang, width)
				name := "resolver-" + c.name + "-" + lang + "-" + strconv.Itoa(width)
				run(t, ctx, name, chromedp.Navigate(c.url), browsertest.WaitText("h1", c.headline[lang]))
				if c.verdict != "" {
					v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#verdict"), "data-verdict"))
					if err != nil || v.Value != c.verdict {
						t.Errorf("%s: verdict %q, %v; want %q", name, v.Value, err, c.verdict)
					}
				}
				switch c.name {
				case "sold":
					run(t, ctx, name, browsertest.WaitText(".journey", map[string]string{"en": "Shenzhen, Guangdong, China", "zh-CN": "中国广东深圳"}[lang]),
						browsertest.WaitText(".copied", map[string]string{"en": "the code may have been copied", "zh-CN": "此码可能已被复制"}[lang]))
				case "fake":
					// The form is shown once report.js runs.
					run(t, ctx, name, chromedp.WaitVisible(chromedp.CSS("#report-note")))
				}
				browsertest.Screenshot(t, ctx, name)
				browsertest.Axe(t, ctx)
			}
		}
	}
}

// TestReportBrowser reports a forged code by mouse in English and a sold
// unit by keyboard alone in Chinese: each page thanks the shopper in its
// language and the brand has an alert naming the unit and the shopper's
// note. Then the language switch is clicked both ways.
func TestReportBrowser(t *testing.T) {
	s := newResolverStates(t)
	b := browsertest.New(t)

	ctx := b.Page(t, "en", 412)
	run(t, ctx, "report a fake",
		chromedp.Navigate(s.forged),
		chromedp.WaitVisible(chromedp.CSS("#report-note")),
		chromedp.SendKeys(chromedp.CSS("#report-note"), "bought at a street market"),
		chromedp.Click(chromedp.CSS("#report button")),
		browsertest.WaitText("#report-status", "Thank you — the brand has been told."))
	browsertest.Screenshot(t, ctx, "resolver-fake-reported-en-412")
	browsertest.Axe(t, ctx)

	zh := b.Page(t, "zh-CN", 412)
	run(t, zh, "report a sold unit by keyboard",
		chromedp.Navigate(s.sold),
		chromedp.WaitVisible(chromedp.CSS("#report-note")),
		chromedp.Focus(chromedp.CSS("#report-note")),
		chromedp.KeyEvent("new in box"),
		chromedp.KeyEvent("\t"))
	focused, err := chromedp.Run(zh, chromedp.Evaluate[string](`document.activeElement.className`))
	if err != nil || focused != "report-button" {
		t.Fatalf("after Tab from the note, the focus is on %q (%v), not the report button", focused, err)
	}
	run(t, zh, "press Enter on the report button",
		chromedp.KeyEvent("\r"),
		browsertest.WaitText("#report-status", "谢谢，已通知品牌。"))
	browsertest.Screenshot(t, zh, "resolver-sold-reported-zh-CN-412")

	alerts := alertsOf(s.ts, s.brand.brandKey)
	if al, ok := alerts[s.forgedSerial]; !ok || !strings.Contains(al.Message, "counterfeit") || !strings.Contains(al.Message, "bought at a street market") {
		t.Errorf("the brand's alert of the forged code: %+v (all: %+v)", al, alerts)
	}
	if al, ok := alerts[s.soldSerial]; !ok || !strings.Contains(al.Message, "sold_before") || !strings.Contains(al.Message, "new in box") {
		t.Errorf("the brand's alert of the sold unit: %+v (all: %+v)", al, alerts)
	}

	// The language switch, clicked: the page comes back in Chinese, and
	// the choice holds for the next page; clicked again, English.
	sw := b.Page(t, "en", 1280)
	run(t, sw, "switch to Chinese",
		chromedp.Navigate(s.onSale),
		browsertest.WaitText("h1", "Genuine and for sale"),
		chromedp.Click(chromedp.CSS(".lang button")),
		browsertest.WaitText("h1", "正品，可以销售"),
		chromedp.Navigate(s.sold),
		browsertest.WaitText("h1", "正品，但已售出"))
	browsertest.Screenshot(t, sw, "resolver-switched-zh-CN-1280")
	run(t, sw, "switch back to English",
		chromedp.Click(chromedp.CSS(".lang button")),
		browsertest.WaitText("h1", "Genuine, but already sold"))
}

// TestReportRateLimitedBrowser: a shopper whose address has used its
// budget of public requests is told to wait, in the page's language.
func TestReportRateLimitedBrowser(t *testing.T) {
	ts := newTestServer(t, Config{PublicRateLimit: 0.0001, PublicBurst: 1})
	w := ts.newWorld("Acme", "09520123456788", 2)
	forged := forge(ts.codes(w.brandKey, w.batch.ID)[0].Code)
	b := browsertest.New(t)
	ctx := b.Page(t, "zh-CN", 412)
	run(t, ctx, "report with no budget left",
		chromedp.Navigate(forged), // the one request of the burst
		chromedp.WaitVisible(chromedp.CSS("#report-note")),
		chromedp.Click(chromedp.CSS("#report button")),
		browsertest.WaitText("#report-status", "请求过于频繁，请稍后再试"))
	browsertest.Screenshot(t, ctx, "resolver-report-rate-limited-zh-CN-412")
	if n := len(alertsOf(ts, w.brandKey)); n != 0 {
		t.Errorf("%d report alerts after a refused report", n)
	}
}

// TestPayPageBrowser shows the simulated provider's pay page of a
// checkout of two units, in each language and width: the TEST MODE
// banner, the shop and the items by name; then the buyer presses Pay.
func TestPayPageBrowser(t *testing.T) {
	s := newResolverStates(t)
	b := browsertest.New(t)
	url := s.checkout.Payment.PayURL
	for _, lang := range []string{"en", "zh-CN"} {
		for _, width := range []int{412, 1280} {
			ctx := b.Page(t, lang, width)
			name := "pay-" + lang + "-" + strconv.Itoa(width)
			run(t, ctx, name,
				chromedp.Navigate(url),
				browsertest.WaitText(".banner", map[string]string{"en": "TEST MODE: no real money is taken", "zh-CN": "测试模式：不会真实扣款"}[lang]),
				browsertest.WaitText(".shop", "Acme shop"),
				browsertest.WaitText(".lines tbody", "Acme tea"),
				browsertest.WaitText(".lines tfoot", "¥70.00"))
			browsertest.Screenshot(t, ctx, name)
			browsertest.Axe(t, ctx)
		}
	}
	ctx := b.Page(t, "en", 412)
	run(t, ctx, "pay",
		chromedp.Navigate(url),
		chromedp.Click(chromedp.CSS("button.pay")),
		browsertest.WaitText(".status", "Paid. Thank you!"))
	browsertest.Screenshot(t, ctx, "pay-paid-en-412")
	browsertest.Axe(t, ctx)
	s.ts.waitCheckout(s.brand.merchantKey, s.checkout.ID, genuine.CheckoutPaid)
}
