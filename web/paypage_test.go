package web

import (
	"strings"
	"testing"

	"genuine"
)

// TestPayPageLines: the simulated provider's pay page of a checkout lists
// its items by product name with their prices, and the shop, under the
// TEST MODE banner, before and after the buyer pays.
func TestPayPageLines(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 3)
	ts.call("POST", "/v1/batches/"+w.batch.ID+"/events", w.brandKey, map[string]any{"type": "release"}, 201, nil)
	codes := ts.codes(w.brandKey, w.batch.ID)
	cart := cartOf(1999, codes[0].Code, codes[1].Code)
	c := checkoutOf(t, ts.checkout(w.merchantKey, "two", cart), 201)
	if c.Status != genuine.CheckoutAwaitingPayment || c.Payment == nil {
		t.Fatalf("checkout %+v", c)
	}
	for _, lang := range []string{"en", "zh-CN"} {
		resp := ts.do(request{method: "GET", path: c.Payment.PayURL, header: map[string]string{"Accept-Language": lang}})
		want := map[string][]string{
			"en":    {"<strong>TEST MODE: no real money is taken</strong>", "<tr><td>Acme tea</td><td>¥19.99</td></tr>", `<th scope="row">Total</th><td>¥39.98</td>`},
			"zh-CN": {"<strong>测试模式：不会真实扣款</strong>", "<tr><td>Acme tea</td><td>¥19.99</td></tr>", `<th scope="row">合计</th><td>¥39.98</td>`},
		}[lang]
		want = append(want, `<p class="shop">Acme shop</p>`)
		for _, s := range want {
			if resp.status != 200 || !strings.Contains(string(resp.body), s) {
				t.Errorf("%s: %d, the pay page lacks %q:\n%s", lang, resp.status, s, resp.body)
			}
		}
	}
	ts.pay(c)
	ts.waitCheckout(w.merchantKey, c.ID, genuine.CheckoutPaid)
	resp := ts.do(request{method: "GET", path: c.Payment.PayURL})
	if body := string(resp.body); !strings.Contains(body, "Paid. Thank you!") || strings.Count(body, "<td>Acme tea</td>") != 2 || !strings.Contains(body, "Acme shop") {
		t.Errorf("paid page:\n%s", body)
	}
}
