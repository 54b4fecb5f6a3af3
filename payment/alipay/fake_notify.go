package alipay

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"genuine/payment"
)

// fakeNotification is a notification the fake sends: its form is signed.
type fakeNotification struct {
	url  string
	form url.Values
}

// fakeBuyer is the Alipay user who pays at the fake.
const (
	fakeBuyerID    = "2088102177846880"
	fakeBuyerLogon = "158****1562"
)

// notification returns the signed notification of where a trade stands
// now, as Alipay writes it (notify_type trade_status_sync), with f.mu
// held; requestNo is the out_request_no of a refund it tells of.
func (f *Fake) notification(t *fakeTrade, now time.Time, requestNo string) *fakeNotification {
	form := url.Values{}
	set := func(k, v string) {
		if v != "" {
			form.Set(k, v)
		}
	}
	yuan := func(fen int64) string {
		s, _ := payment.ToAlipay(fen, "CNY") // a trade's amounts are ones Alipay takes
		return s
	}
	set("notify_type", "trade_status_sync")
	set("notify_id", newNotifyID())
	set("notify_time", now.In(beijing).Format(timeLayout))
	set("charset", "utf-8")
	set("version", "1.0")
	set("app_id", t.app.id)
	set("auth_app_id", t.app.id)
	set("seller_id", t.app.sellerID)
	set("trade_no", t.tradeNo)
	set("out_trade_no", t.outTradeNo)
	set("trade_status", string(t.status))
	set("subject", t.subject)
	set("total_amount", yuan(t.total))
	set("gmt_create", t.created.In(beijing).Format(timeLayout))
	if !t.paidAt.IsZero() {
		set("gmt_payment", t.paidAt.In(beijing).Format(timeLayout))
		set("buyer_id", fakeBuyerID)
		set("buyer_logon_id", fakeBuyerLogon)
		set("receipt_amount", yuan(t.total))
		set("invoice_amount", yuan(t.total))
		set("buyer_pay_amount", yuan(t.total))
		set("point_amount", "0.00")
		set("fund_bill_list", `[{"amount":"`+yuan(t.total)+`","fundChannel":"ALIPAYACCOUNT"}]`)
	}
	if t.refunded > 0 {
		set("refund_fee", yuan(t.refunded))
		set("gmt_refund", now.In(beijing).Format(timeLayout+".000"))
		set("out_biz_no", requestNo)
	}
	if !t.closedAt.IsZero() {
		set("gmt_close", t.closedAt.In(beijing).Format(timeLayout))
	}
	f.sign(t.app, form)
	n := &fakeNotification{url: t.notifyURL, form: form}
	if n.url == "" {
		n.url = t.app.notifyURL
	}
	return n
}

// newNotifyID returns a new notify_id: 32 random hexadecimal digits.
func newNotifyID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// SignNotification signs a notification's form as Alipay signs those it
// sends to an app of the fake: sign_type RSA2, and sign the SHA256WithRSA
// signature, in base64, of its other parameters that are not empty, sorted
// by name, as name=value joined by "&". It is for tests that change a
// notification and sign it again (a stale one); it returns false if the
// fake has no such app.
func (f *Fake) SignNotification(appID string, form url.Values) bool {
	f.mu.Lock()
	app := f.apps[appID]
	f.mu.Unlock()
	if app == nil {
		return false
	}
	f.sign(app, form)
	return true
}

// sign signs a notification's form with the app's Alipay key.
func (f *Fake) sign(app *fakeApp, form url.Values) {
	form.Del("sign")
	form.Set("sign_type", "RSA2")
	form.Set("sign", signRSA2(app.alipayKey, signedContent(form, "sign", "sign_type")))
}

// signedContent returns what is signed of a form: its parameters that are
// not empty, but for those left out, sorted by name, as name=value joined
// by "&" (only the first value of a parameter given twice).
func signedContent(form url.Values, leaveOut ...string) []byte {
	keys := make([]string, 0, len(form))
	for k, v := range form {
		if len(v) > 0 && v[0] != "" && !slices.Contains(leaveOut, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b bytes.Buffer
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(form[k][0])
	}
	return b.Bytes()
}

// signRSA2 returns the SHA256WithRSA signature of content, in base64.
func signRSA2(key *rsa.PrivateKey, content []byte) string {
	sum := sha256.Sum256(content)
	sig, _ := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:]) // cannot fail with a valid key
	return base64.StdEncoding.EncodeToString(sig)
}

// verifyRSA2 reports whether sig, in base64, is key's SHA256WithRSA
// signature of content.
func verifyRSA2(key *rsa.PublicKey, content []byte, sig string) bool {
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(content)
	return rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], raw) == nil
}

// deliver sends a trade's notification and records it in the trade's
// Sent, with the status it was answered with.
func (f *Fake) deliver(ctx context.Context, t *fakeTrade, n *fakeNotification) error {
	status, err := f.post(ctx, n)
	sent := payment.Sent{
		URL:    n.url,
		Header: http.Header{"Content-Type": {formType}},
		Body:   []byte(n.form.Encode()),
		Status: status,
	}
	f.mu.Lock()
	t.sent = append(t.sent, sent)
	f.mu.Unlock()
	return err
}

// deliverLater sends a trade's notification in the background, with f.mu
// held; after Close it sends nothing.
func (f *Fake) deliverLater(t *fakeTrade, n *fakeNotification) {
	if f.closed || n.url == "" {
		return
	}
	f.sends.Add(1)
	go func() {
		defer f.sends.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		f.deliver(ctx, t, n)
	}()
}

// formType is the content type of a notification.
const formType = "application/x-www-form-urlencoded; charset=utf-8"

// post sends a notification once and returns the HTTP status it was
// answered with.
func (f *Fake) post(ctx context.Context, n *fakeNotification) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, strings.NewReader(n.form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", formType)
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
