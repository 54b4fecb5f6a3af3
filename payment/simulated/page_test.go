package simulated

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skip2/go-qrcode"

	"genuine"
	"genuine/web/i18n"
)

// response is an answer of the test server, read in full.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request to the test server without following redirects.
func (f *fixture) do(t *testing.T, method, path, accept string) response {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(body)}
}

func TestPage(t *testing.T) {
	f := newFixture(t)
	pm := f.create(t)
	resp := f.do(t, "GET", "/pay/simulated/"+pm.Reference, "")
	if resp.status != 200 {
		t.Fatalf("GET page: %d %s", resp.status, resp.body)
	}
	for _, want := range []string{
		`<span class="amount">¥19.99</span>`, "2 bottles", "Waiting for payment",
		`<form method="post" action="` + pm.Reference + `/pay"><button type="submit" class="pay">Pay</button>`,
		`<form method="post" action="` + pm.Reference + `/decline"><button type="submit" class="decline">Decline</button>`,
		"<svg ", `<path fill="#000" d="M`,
		"<title>TEST MODE: no real money is taken · Pay ¥19.99</title>", `<p class="banner" role="note"><strong>TEST MODE: no real money is taken</strong>`,
	} {
		if !strings.Contains(resp.body, want) {
			t.Errorf("page lacks %q:\n%s", want, resp.body)
		}
	}
	csp := resp.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "style-src 'sha256-") || strings.Contains(resp.body, "<script") {
		t.Errorf("CSP %q, or the page has a script", csp)
	}
	if ct := resp.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
}

// TestPageLines: the page lists the shop and the items paid for, with
// their prices, under the TEST MODE banner, in the buyer's language.
func TestPageLines(t *testing.T) {
	f := newFixture(t)
	pm, err := f.p.Create(context.Background(), genuine.PaymentRequest{
		CheckoutID: "chk_2", MerchantID: "mer_1", Amount: 4500, Currency: "CNY", Description: "checkout chk_2",
		Shop: "Acme <Shenzhen>", Lines: []genuine.PaymentLine{{Name: "Acme tea", Amount: 3500}, {Name: "Acme cup", Amount: 1000}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string][]string{
		"en": {`<html lang="en">`, "<strong>TEST MODE: no real money is taken</strong>", `<p class="shop">Acme &lt;Shenzhen&gt;</p>`,
			"<tr><td>Acme tea</td><td>¥35.00</td></tr>", "<tr><td>Acme cup</td><td>¥10.00</td></tr>",
			`<th scope="row">Total</th><td>¥45.00</td>`, ">Pay</button>", ">Decline</button>", "Payable until"},
		"zh-CN,zh;q=0.9": {`<html lang="zh-CN">`, "<strong>测试模式：不会真实扣款</strong>", "<tr><td>Acme tea</td><td>¥35.00</td></tr>",
			`<th scope="row">合计</th><td>¥45.00</td>`, ">付款</button>", ">拒绝付款</button>", "等待付款", "请在"},
	} {
		req, _ := http.NewRequest("GET", f.srv.URL+"/pay/simulated/"+pm.Reference, nil)
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, s := range want {
			if !strings.Contains(string(body), s) {
				t.Errorf("%s: the page lacks %q:\n%s", lang, s, body)
			}
		}
		if strings.Contains(string(body), "checkout chk_2") {
			t.Errorf("%s: the page shows the description beside its lines:\n%s", lang, body)
		}
	}
	// The language the switch of genuine's pages remembered comes first.
	req, _ := http.NewRequest("GET", f.srv.URL+"/pay/simulated/"+pm.Reference, nil)
	req.Header.Set("Accept-Language", "en")
	req.AddCookie(&http.Cookie{Name: i18n.Cookie, Value: "zh-CN"})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "测试模式") || resp.Header.Get("Content-Language") != "zh-CN" {
		t.Errorf("with the cookie: %s\n%s", resp.Header.Get("Content-Language"), body)
	}
}

// TestPageStyleHash checks that the CSP names the hash of the page's one
// inline style, so that browsers apply it.
func TestPageStyleHash(t *testing.T) {
	f := newFixture(t)
	resp := f.do(t, "GET", "/pay/simulated/"+f.create(t).Reference, "")
	styles := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(resp.body, -1)
	css, _ := pageFS.ReadFile("page/page.css")
	if len(styles) != 1 || styles[0][1] != string(css) {
		t.Fatalf("page styles %q, want page.css once, as it is", styles)
	}
}

func TestPressJSON(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ button, status string }{{"pay", "paid"}, {"decline", "failed"}} {
		ref := f.create(t).Reference
		resp := f.do(t, "POST", "/pay/simulated/"+ref+"/"+c.button, "application/json")
		var got map[string]string
		if err := json.Unmarshal([]byte(resp.body), &got); err != nil || resp.status != 200 ||
			got["reference"] != ref || got["status"] != c.status {
			t.Errorf("POST %s: %d %s, want 200 and status %s", c.button, resp.status, resp.body, c.status)
		}
		if s, err := f.p.Query(context.Background(), ref); err != nil || string(s.Status) != c.status {
			t.Errorf("after POST %s: Query = %q, %v", c.button, s.Status, err)
		}
		if n := f.recv.wait(t); n.Reference != ref || string(n.Status) != c.status {
			t.Errorf("notification %+v after POST %s", n, c.button)
		}
		// Pressed again: the payment is settled already.
		resp = f.do(t, "POST", "/pay/simulated/"+ref+"/pay", "application/json")
		var p struct {
			Status int    `json:"status"`
			Code   string `json:"code"`
			Detail string `json:"detail"`
		}
		if err := json.Unmarshal([]byte(resp.body), &p); err != nil || resp.status != 409 || p.Status != 409 ||
			p.Code != genuine.EConflict || resp.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("second POST: %d %s %s, want a 409 conflict problem", resp.status, resp.header.Get("Content-Type"), resp.body)
		}
	}
	resp := f.do(t, "POST", "/pay/simulated/sim_AAAAAAAAAAAAAAAAAAAA/pay", "application/json")
	if resp.status != 404 || !strings.Contains(resp.body, `"code":"not_found"`) {
		t.Errorf("POST pay of an unknown payment: %d %s", resp.status, resp.body)
	}
}

// TestPressBrowser presses the buttons as a browser does: a 303 back to
// the page, which then shows the new state; a second press shows the page
// with a 409 and why.
func TestPressBrowser(t *testing.T) {
	f := newFixture(t)
	ref := f.create(t).Reference
	resp := f.do(t, "POST", "/pay/simulated/"+ref+"/decline", "text/html")
	if resp.status != http.StatusSeeOther || resp.header.Get("Location") != "../"+ref {
		t.Fatalf("POST decline: %d Location %q", resp.status, resp.header.Get("Location"))
	}
	page := f.do(t, "GET", "/pay/simulated/"+ref, "")
	if page.status != 200 || !strings.Contains(page.body, "Declined") || strings.Contains(page.body, "<form") {
		t.Errorf("page after decline: %d\n%s", page.status, page.body)
	}
	resp = f.do(t, "POST", "/pay/simulated/"+ref+"/pay", "")
	if resp.status != 409 || !strings.Contains(resp.body, "is failed already") || !strings.Contains(resp.body, "Declined") {
		t.Errorf("POST pay after decline: %d\n%s", resp.status, resp.body)
	}
}

func TestPageExpired(t *testing.T) {
	f := newFixture(t)
	ref := f.create(t).Reference
	f.clock.Add(15 * time.Minute)
	page := f.do(t, "GET", "/pay/simulated/"+ref, "")
	if page.status != 200 || !strings.Contains(page.body, "Expired") || strings.Contains(page.body, "<form") {
		t.Errorf("expired page: %d\n%s", page.status, page.body)
	}
	if resp := f.do(t, "POST", "/pay/simulated/"+ref+"/pay", ""); resp.status != 409 || !strings.Contains(resp.body, "expired") {
		t.Errorf("POST pay after expiry: %d\n%s", resp.status, resp.body)
	}
}

func TestPageNotFound(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"sim_AAAAAAAAAAAAAAAAAAAA", "nonsense", "%3Cscript%3E"} {
		resp := f.do(t, "GET", "/pay/simulated/"+path, "")
		if resp.status != 404 || !strings.Contains(resp.body, "Payment not found") || !strings.Contains(resp.body, "<strong>TEST MODE: no real money is taken</strong>") || strings.Contains(resp.body, "<script") {
			t.Errorf("GET %s: %d\n%s", path, resp.status, resp.body)
		}
		if resp := f.do(t, "POST", "/pay/simulated/"+path+"/decline", ""); resp.status != 404 {
			t.Errorf("POST %s/decline: %d", path, resp.status)
		}
	}
}

// TestQRSVG draws the SVG's path back into modules and compares them with
// the QR code's own.
func TestQRSVG(t *testing.T) {
	const content = "http://127.0.0.1:8080/pay/simulated/sim_ABCDEFGHIJKLMNOPQRST"
	svg, err := qrSVG(content)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := qrcode.New(content, qrcode.Medium)
	want := q.Bitmap()
	got := make([][]bool, len(want))
	for y := range got {
		got[y] = make([]bool, len(want))
	}
	paths := regexp.MustCompile(`<path [^>]*d="([^"]*)"`).FindAllStringSubmatch(string(svg), -1)
	if len(paths) != 1 {
		t.Fatalf("%d paths, want 1", len(paths))
	}
	square := regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
	if rest := square.ReplaceAllString(paths[0][1], ""); rest != "" {
		t.Fatalf("path has more than rectangles one module high: %.100q", rest)
	}
	for _, m := range square.FindAllStringSubmatch(paths[0][1], -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		run, _ := strconv.Atoi(m[3])
		for i := range run {
			got[y][x+i] = true
		}
	}
	for y := range want {
		for x := range want[y] {
			if got[y][x] != want[y][x] {
				t.Fatalf("module (%d, %d) is %v in the SVG, %v in the code", x, y, got[y][x], want[y][x])
			}
		}
	}
	if n := strconv.Itoa(len(want)); !strings.Contains(string(svg), `viewBox="0 0 `+n+" "+n+`"`) {
		t.Errorf("SVG does not span %s modules: %.200s", n, svg)
	}
}
