package web

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"genuine"
	"genuine/web/i18n"
)

// TestVerificationPage renders the resolver page of each verdict in each
// language and checks its headline, colour, words and report button.
func TestVerificationPage(t *testing.T) {
	p := mustParsePages()
	product := &genuine.PublicProduct{GTIN: "09520123456788", Name: "Tea <green>", Brand: "Acme & Co"}
	batch := &genuine.PublicBatch{Lot: "L1", Expiry: genuine.NewDate(2027, 12, 31)}
	expired := &genuine.PublicBatch{Lot: "L1", Expiry: genuine.NewDate(2020, 1, 1), Expired: true}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	events := []genuine.PublicEvent{
		{Type: genuine.EventCommission, At: at},
		{Type: genuine.EventRelease, At: at, Location: "CN-GD"},
		{Type: genuine.EventSell, At: at, Location: "CN-GD-SZ"},
		{Type: genuine.EventReceive, At: at, Location: "GLN 9520123456781"},
	}
	authentic := func(s genuine.UnitState, b *genuine.PublicBatch, n int64) genuine.Verification {
		return genuine.Verification{Authentic: true, GTIN: product.GTIN, Serial: "S1", State: s, Product: product, Batch: b, Verifications: n, Events: events}
	}
	type words struct{ en, zh []string }
	for _, c := range []struct {
		name    string
		v       genuine.Verification
		verdict string
		colour  string
		report  string
		want    words
		not     []string // in either language
	}{
		{"on sale", authentic(genuine.StateInChannel, batch, 1), verdictOnSale, "genuine", "",
			words{[]string{"<title>Genuine and for sale</title>", "Acme &amp; Co made this", "Tea &lt;green&gt;", "Verified once before",
				"Each check of this code is counted", "Released for sale</span><span class=\"where\">Guangdong, China</span>",
				"2 Jan 2026 11:04</time>", "Made and labelled</span><time class=\"when\" datetime=\"2026-01-02T03:04:05Z\">2 Jan 2026 03:04 UTC</time>",
				"Shenzhen, Guangdong, China", "GLN 9520123456781</span><time class=\"when\" datetime=\"2026-01-02T03:04:05Z\">2 Jan 2026 03:04 UTC"},
				[]string{"<title>正品，可以销售</title>", "此商品由 Acme &amp; Co 生产", "此前已被验证 1 次", "此码每被核验一次都会计数", "放行销售</span><span class=\"where\">中国广东</span>",
					"2026年1月2日 11:04</time>", "中国广东深圳"}},
			[]string{`class="copied"`, "report.js", `role="alert"`, `<p class="state">`}},
		{"sold", authentic(genuine.StateSold, batch, 7), verdictSold, "caution", genuine.ReportSoldBefore,
			words{[]string{"Genuine, but already sold", "Sold to a customer", "If you are buying it new, the code may have been copied.", "Verified 7 times before",
				"Bought it new? Tell the brand.", "Report to the brand", "Thank you — the brand has been told.", "Too many requests"},
				[]string{"正品，但已售出", "已售给顾客", "如果您购买的是新品，此码可能已被复制。", "此前已被验证 7 次", "向品牌举报", "谢谢，已通知品牌。", "请求过于频繁"}},
			[]string{">Genuine<", "What to do"}},
		{"used", authentic(genuine.StateConsumed, batch, 0), verdictUsed, "caution", genuine.ReportSoldBefore,
			words{[]string{"Genuine, but already used", "Already opened or used", "the code may have been copied", "This is the first check of this code."},
				[]string{"正品，但已被使用", "已开封或已使用", "此码可能已被复制", "这是此码的首次核验。"}}, nil},
		{"returned", authentic(genuine.StateReturned, batch, 2), verdictReturned, "caution", "",
			words{[]string{"Genuine, but sold once and returned", "Returned by a customer"}, []string{"正品，但曾售出后退货", "已被顾客退货"}},
			[]string{"report.js"}},
		{"not released", authentic(genuine.StateCommissioned, batch, 0), verdictNotForSale, "caution", "",
			words{[]string{"Genuine, but not for sale now", "Not released for sale by the brand yet", "Ask the shop before you buy it."},
				[]string{"正品，但目前不可销售", "品牌尚未放行销售", "购买前请向门店询问。"}}, nil},
		{"locked", authentic(genuine.StateLocked, batch, 0), verdictNotForSale, "caution", "",
			words{[]string{"On hold: the brand is investigating it"}, []string{"暂停销售：品牌正在调查"}}, nil},
		{"recalled", authentic(genuine.StateRecalled, batch, 0), verdictDoNotUse, "not-genuine", "",
			words{[]string{"<h1>Do not buy or use it</h1>", "Recalled by the brand", "If you bought it, take it back to the shop."}, []string{"<h1>请勿购买或使用</h1>", "品牌已召回", "如果已经购买，请退回给门店。"}},
			[]string{"Expired on", "report.js"}},
		{"stolen", authentic(genuine.StateStolen, batch, 0), verdictDoNotUse, "not-genuine", "",
			words{[]string{"Do not buy or use it", "Reported stolen"}, []string{"已报失窃"}}, nil},
		{"withdrawn", authentic(genuine.StateWithdrawn, batch, 0), verdictDoNotUse, "not-genuine", "",
			words{[]string{"Withdrawn from sale by the brand"}, []string{"品牌已下架"}}, nil},
		{"destroyed", authentic(genuine.StateDestroyed, batch, 0), verdictDoNotUse, "not-genuine", "",
			words{[]string{"Reported destroyed"}, []string{"已报销毁"}}, nil},
		{"expired", authentic(genuine.StateInChannel, expired, 0), verdictDoNotUse, "not-genuine", "",
			words{[]string{"Do not buy or use it", "Expired on 1 Jan 2020", "<strong>Expired</strong>"}, []string{"已于2020年1月1日过期", "<strong>已过期</strong>"}},
			[]string{`<p class="state">For sale`}},
		{"expired and sold", authentic(genuine.StateSold, expired, 0), verdictDoNotUse, "not-genuine", "",
			words{[]string{"Expired on 1 Jan 2020"}, []string{"已于2020年1月1日过期"}}, []string{`class="copied"`}},
		{"foreign host", genuine.Verification{Authentic: true, State: genuine.StateInChannel, Product: product, Batch: batch,
			Warnings: []genuine.Warning{{Code: genuine.WarningForeignHost, Message: "the code points to phish.example"}}}, verdictOnSale, "genuine", "",
			words{[]string{"Warning: this code links to a website that is not the brand&#39;s", "the code points to phish.example"},
				[]string{"警告：此码指向的网站不属于该品牌"}}, nil},
		{"fake", genuine.Verification{Reason: genuine.ReasonCounterfeit, Message: "serial X was never issued", GTIN: product.GTIN, Serial: "X", Events: []genuine.PublicEvent{}},
			verdictFake, "not-genuine", genuine.ReportCounterfeit,
			words{[]string{"<h1>Not genuine</h1>", "The brand never issued this code: the product may be counterfeit.", "What to do", "Do not buy it, and do not use it.",
				"keep the receipt", "Tell the shop, or the brand", "Report a fake", "Report to the brand", "serial X was never issued"},
				[]string{"<h1>非正品</h1>", "品牌从未发放此码", "您可以这样做", "请保留小票和包装", "举报假货", "向品牌举报"}},
			[]string{"Journey", "流转记录", `id="checked-h"`, `class="copied"`}},
		{"batch mismatch", genuine.Verification{Reason: genuine.ReasonBatchMismatch, Message: "lot X is not L1", GTIN: product.GTIN, Serial: "S1"},
			verdictFake, "not-genuine", genuine.ReportCounterfeit,
			words{[]string{"Not genuine", "The lot or expiry date on the label is not the brand", "lot X is not L1"}, []string{"标签上的批号或有效期与品牌记录不符"}}, nil},
		{"unknown product", genuine.Verification{Reason: genuine.ReasonUnknownProduct, Message: "no product", GTIN: product.GTIN, Serial: "S1"},
			verdictUnknown, "unreadable", "",
			words{[]string{"We cannot check this code", "Unknown product: no brand here makes it", "made by a brand that does not use genuine"},
				[]string{"无法核验此码", "未知商品：不属于本系统的任何品牌", "未使用 genuine 的品牌"}},
			[]string{"report.js", "Journey"}},
	} {
		for _, l := range i18n.Langs() {
			r := httptest.NewRequest("GET", "/01/09520123456788/21/S1", nil)
			r.Header.Set("Accept-Language", string(l))
			w := httptest.NewRecorder()
			pg := newVerificationPage(&c.v)
			p.render(w, r, 200, "verification.html", pg)
			page := w.Body.String()
			if w.Code != 200 {
				t.Fatalf("%s, %s: status %d: %s", c.name, l, w.Code, page)
			}
			if pg.Verdict != c.verdict || pg.Report != c.report {
				t.Errorf("%s: verdict %q, report %q; want %q, %q", c.name, pg.Verdict, pg.Report, c.verdict, c.report)
			}
			want := c.want.en
			if l == i18n.ZH {
				want = c.want.zh
			}
			want = append(want, `class="verdict `+c.colour+`"`, `data-verdict="`+c.verdict+`"`)
			if c.report != "" {
				want = append(want, `data-reason="`+c.report+`"`, "/static/report.js?v=")
			}
			for _, s := range want {
				if !strings.Contains(page, s) {
					t.Errorf("%s, %s: the page lacks %q:\n%s", c.name, l, s, page)
				}
			}
			for _, s := range c.not {
				if strings.Contains(page, s) {
					t.Errorf("%s, %s: the page has %q:\n%s", c.name, l, s, page)
				}
			}
			// Every word of the page is the catalogue's: no key shows.
			for _, key := range []string{"resolver.", "state.", "event.", "reason."} {
				if strings.Contains(page, ">"+key) || strings.Contains(page, "\""+key) {
					t.Errorf("%s, %s: the page shows a key %s…:\n%s", c.name, l, key, page)
				}
			}
		}
	}
}

// TestVerdictOfEveryState: every unit state has a verdict, and only the
// states a shopper may buy in are green.
func TestVerdictOfEveryState(t *testing.T) {
	for s, want := range map[genuine.UnitState]string{
		genuine.StateCommissioned: verdictNotForSale, genuine.StateInChannel: verdictOnSale, genuine.StateReserved: verdictOnSale,
		genuine.StateSold: verdictSold, genuine.StateConsumed: verdictUsed, genuine.StateStolen: verdictDoNotUse,
		genuine.StateDestroyed: verdictDoNotUse, genuine.StateLocked: verdictNotForSale, genuine.StateReturned: verdictReturned,
		genuine.StateRecalled: verdictDoNotUse, genuine.StateWithdrawn: verdictDoNotUse,
	} {
		if got := verdictOf(&genuine.Verification{Authentic: true, State: s}); got != want {
			t.Errorf("state %s: verdict %s, want %s", s, got, want)
		}
	}
}

// TestResolverPageOverHTTP follows one unit from sale to a shopper's
// phone: on sale, then sold, in each language, with its journey in
// Shenzhen's time; JSON and HEAD answers stay as they were; a forged
// serial's page offers the report, which reaches the brand.
func TestResolverPageOverHTTP(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 3)
	ts.call("POST", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, map[string]any{"type": "release"}, 201, nil)
	code := ts.codes(w.brandKey, w.batch.ID)[0].Code
	page := func(code, lang string) string {
		t.Helper()
		return checkPage(t, ts.do(request{method: "GET", path: code, header: map[string]string{"Accept-Language": lang}}), 200)
	}
	if p := page(code, "zh-CN,zh;q=0.9"); !strings.Contains(p, `data-verdict="on_sale"`) || !strings.Contains(p, "正品，可以销售") || !strings.Contains(p, "放行销售") {
		t.Fatalf("on sale, zh-CN:\n%s", p)
	}
	c := ts.paidCheckout(w.merchantKey, "sale-1", code)
	sold := c.UpdatedAt.In(i18n.ZoneForRegion("CN-GD-SZ")).Format("15:04")
	// In this order: each page view counts, so the second says twice.
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"Genuine, but already sold", "the code may have been copied", "Sold</span><span class=\"where\">Shenzhen, Guangdong, China</span>", sold + "</time>", "Verified once before"}},
		{"zh-CN", []string{"正品，但已售出", "此码可能已被复制", "售出</span><span class=\"where\">中国广东深圳</span>", sold + "</time>", "此前已被验证 2 次"}},
	} {
		p := page(code, tt.lang)
		for _, s := range tt.want {
			if !strings.Contains(p, s) {
				t.Errorf("sold, %s: the page lacks %q:\n%s", tt.lang, s, p)
			}
		}
	}
	// JSON clients and HEAD get what they got before.
	var v genuine.Verification
	resp := ts.do(request{method: "GET", path: code, header: map[string]string{"Accept": "application/json"}})
	if err := json.Unmarshal(resp.body, &v); err != nil || resp.status != 200 || !v.Authentic || v.State != genuine.StateSold || v.Verifications != 3 {
		t.Errorf("JSON: %d %s", resp.status, resp.body)
	}
	if resp := ts.do(request{method: "HEAD", path: code}); resp.status != 200 || len(resp.body) != 0 {
		t.Errorf("HEAD: %d %q", resp.status, resp.body)
	}

	forged := forge(ts.codes(w.brandKey, w.batch.ID)[1].Code)
	p := page(forged, "en")
	if !strings.Contains(p, `data-verdict="fake"`) || !strings.Contains(p, `data-reason="counterfeit"`) || !strings.Contains(p, "/static/report.js?v=") {
		t.Fatalf("forged:\n%s", p)
	}
	// What report.js sends: the page's own address, from the same origin.
	ts.call("POST", "/v1/reports", "", map[string]any{"code": forged, "reason": "counterfeit", "message": "bought at a market"}, 202, nil)
	var forgedV genuine.Verification
	ts.call("POST", "/v1/verify", "", map[string]any{"code": forged}, 200, &forgedV)
	if al, ok := alertsOf(ts, w.brandKey)[forgedV.Serial]; !ok || !strings.Contains(al.Message, "bought at a market") {
		t.Errorf("the brand's report alerts: %+v", alertsOf(ts, w.brandKey))
	}
}
