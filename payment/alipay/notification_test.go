package alipay_test

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"genuine"
	"genuine/payment/alipay"
)

// paidNotification pays a new payment of m and returns its notification's
// body as the fake sent it.
func paidNotification(t testing.TB, f *alipay.Fake, m *merchant) []byte {
	t.Helper()
	ctx := context.Background()
	pay, err := m.prov.Create(ctx, request(1999))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Pay(ctx, pay.Reference); err != nil {
		t.Fatal(err)
	}
	sent := f.Sent(pay.Reference)
	if len(sent) != 1 {
		t.Fatalf("Sent = %+v; want one notification", sent)
	}
	return sent[0].Body
}

// parse parses a notification body with p, as the App's handler would.
func parse(p *alipay.Provider, body []byte) (*genuine.Notification, error) {
	r := httptest.NewRequest(http.MethodPost, "/v1/payments/alipay/notify/mer_1", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return p.ParseNotification(r, body)
}

// form decodes a notification body.
func form(t testing.TB, body []byte) url.Values {
	t.Helper()
	v, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestNotificationReplayed checks that a notification parses again, with
// the same ID, so that the App can tell a replay.
func TestNotificationReplayed(t *testing.T) {
	f := newFake(t)
	m := newMerchant(t, f)
	body := paidNotification(t, f, m)
	first, err := parse(m.prov, body)
	if err != nil || first == nil || first.Status != genuine.PaymentPaid || first.Amount != 1999 {
		t.Fatalf("parse = %+v, %v; want paid 1999", first, err)
	}
	again, err := parse(m.prov, body)
	if err != nil || again == nil || *again != *first {
		t.Errorf("parse of the replay = %+v, %v; want %+v", again, err, first)
	}
	if first.ID != form(t, body).Get("notify_id") {
		t.Errorf("ID %q, want the notify_id", first.ID)
	}
}

// TestNotificationRefused checks what is EUnauthorized: a notification
// tampered with, signed with another app's key, unsigned, not RSA2, stale
// or from the future, or not a form.
func TestNotificationRefused(t *testing.T) {
	f := newFake(t)
	m := newMerchant(t, f)
	other := newMerchant(t, f)
	body := paidNotification(t, f, m)
	good := form(t, body)
	change := func(edit func(v url.Values)) []byte {
		v := maps.Clone(good)
		for k, vs := range v {
			v[k] = slices.Clone(vs)
		}
		edit(v)
		return []byte(v.Encode())
	}
	resign := func(app string, edit func(v url.Values)) []byte {
		return change(func(v url.Values) {
			edit(v)
			if !f.SignNotification(app, v) {
				t.Fatalf("no app %s", app)
			}
		})
	}
	beijing := time.FixedZone("CST", 8*3600)
	notifyTime := func(d time.Duration) func(url.Values) {
		return func(v url.Values) { v.Set("notify_time", time.Now().Add(d).In(beijing).Format("2006-01-02 15:04:05")) }
	}
	for name, data := range map[string][]byte{
		"amount changed":    change(func(v url.Values) { v.Set("total_amount", "0.01") }),
		"status changed":    change(func(v url.Values) { v.Set("trade_status", "TRADE_FINISHED") }),
		"member added":      change(func(v url.Values) { v.Set("refund_fee", "19.99") }),
		"member removed":    change(func(v url.Values) { v.Del("buyer_id") }),
		"sign changed":      change(func(v url.Values) { v.Set("sign", flip(v.Get("sign"))) }),
		"sign not base64":   change(func(v url.Values) { v.Set("sign", "!!") }),
		"no sign":           change(func(v url.Values) { v.Del("sign") }),
		"no sign_type":      change(func(v url.Values) { v.Del("sign_type") }),
		"sign_type RSA":     change(func(v url.Values) { v.Set("sign_type", "RSA") }),
		"parameter twice":   change(func(v url.Values) { v.Add("app_id", other.appID) }),
		"other app's key":   resign(other.appID, func(url.Values) {}),
		"other app's named": resign(other.appID, func(v url.Values) { v.Set("app_id", other.appID) }),
		// Signed with this app's Alipay key (which the merchant gave, and
		// may hold the private half of), naming another app.
		"names another app": resign(m.appID, func(v url.Values) { v.Set("app_id", other.appID); v.Set("auth_app_id", other.appID) }),
		"names another app, closed": resign(m.appID, func(v url.Values) {
			v.Set("app_id", other.appID)
			v.Set("trade_status", "TRADE_CLOSED")
		}),
		"names no app":    resign(m.appID, func(v url.Values) { v.Del("app_id") }),
		"stale":           resign(m.appID, notifyTime(-alipay.NotificationMaxAge-time.Minute)),
		"from the future": resign(m.appID, notifyTime(alipay.NotificationMaxSkew+time.Minute)),
		"no notify_time":  resign(m.appID, func(v url.Values) { v.Del("notify_time") }),
		"empty":           nil,
		"not a form":      []byte("%zz=1"),
		"JSON":            []byte(`{"notify_id":"1"}`),
	} {
		n, err := parse(m.prov, data)
		if code(err) != genuine.EUnauthorized || n != nil {
			t.Errorf("%s: parse = %+v, %v; want %s", name, n, err, genuine.EUnauthorized)
		}
	}
	// Signed again by the fake, a notification a day old still passes, and
	// one that names a certificate (which public-key mode ignores).
	for name, data := range map[string][]byte{
		"a day old": resign(m.appID, notifyTime(-24*time.Hour)),
		"cert sn":   change(func(v url.Values) { v.Set("alipay_cert_sn", "0123456789abcdef") }),
	} {
		if n, err := parse(m.prov, data); err != nil || n == nil || n.Status != genuine.PaymentPaid {
			t.Errorf("%s: parse = %+v, %v; want paid", name, n, err)
		}
	}
}

// flip changes the first character of a base64 signature.
func flip(sig string) string {
	if sig[0] == 'A' {
		return "B" + sig[1:]
	}
	return "A" + sig[1:]
}

// TestNotificationUnused checks that a verified notification the App does
// not act on is nil, nil, and one without what the App needs is EInvalid.
func TestNotificationUnused(t *testing.T) {
	f := newFake(t)
	m := newMerchant(t, f)
	good := form(t, paidNotification(t, f, m))
	signed := func(edit func(v url.Values)) []byte {
		v := url.Values{}
		for k, vs := range good {
			v[k] = slices.Clone(vs)
		}
		edit(v)
		f.SignNotification(m.appID, v)
		return []byte(v.Encode())
	}
	for name, data := range map[string][]byte{
		"WAIT_BUYER_PAY": signed(func(v url.Values) { v.Set("trade_status", "WAIT_BUYER_PAY") }),
		"other type":     signed(func(v url.Values) { v.Set("notify_type", "trade_settle_sync") }),
		"partial refund": signed(func(v url.Values) { v.Set("refund_fee", "5.00"); v.Set("out_biz_no", "rfi_1") }),
	} {
		if n, err := parse(m.prov, data); err != nil || n != nil {
			t.Errorf("%s: parse = %+v, %v; want nil, nil", name, n, err)
		}
	}
	for name, data := range map[string][]byte{
		"no notify_id":    signed(func(v url.Values) { v.Del("notify_id") }),
		"no out_trade_no": signed(func(v url.Values) { v.Del("out_trade_no") }),
		"bad amount":      signed(func(v url.Values) { v.Set("total_amount", "19.999") }),
		"unknown status":  signed(func(v url.Values) { v.Set("trade_status", "TRADE_PENDING") }),
	} {
		if n, err := parse(m.prov, data); code(err) != genuine.EInvalid || n != nil {
			t.Errorf("%s: parse = %+v, %v; want %s", name, n, err, genuine.EInvalid)
		}
	}
	closed := signed(func(v url.Values) { v.Set("trade_status", "TRADE_CLOSED"); v.Set("refund_fee", "19.99") })
	if n, err := parse(m.prov, closed); err != nil || n == nil || n.Status != genuine.PaymentRefunded {
		t.Errorf("TRADE_CLOSED with all refunded: parse = %+v, %v; want refunded", n, err)
	}
}

// TestReply checks the words Alipay wants back.
func TestReply(t *testing.T) {
	c := alipay.New(alipay.Config{})
	if ct, body := c.ReplyNotification(nil); string(body) != "success" || !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("reply to an applied notification = %s %q", ct, body)
	}
	if ct, body := c.ReplyNotification(genuine.Errorf(genuine.EUnauthorized, "no")); string(body) != "fail" || !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("reply to a refused notification = %s %q", ct, body)
	}
}

// FuzzParseNotification checks that no body makes ParseNotification
// panic, and that none is accepted unless its parameters are those Alipay
// signed (a body may still differ in their order or encoding).
func FuzzParseNotification(f *testing.F) {
	fake := newFake(f)
	m := newMerchant(f, fake)
	seed := paidNotification(f, fake, m)
	signed := form(f, seed)
	f.Add(seed)
	f.Add([]byte(strings.Replace(string(seed), "total_amount=19.99", "total_amount=1999", 1)))
	f.Add([]byte("sign_type=RSA2&sign=AAAA&notify_id=1"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := parse(m.prov, body)
		if err != nil {
			if n != nil {
				t.Errorf("parse = %+v and %v", n, err)
			}
			return
		}
		v, perr := url.ParseQuery(string(body))
		v.Del("alipay_cert_sn")
		if perr != nil || !maps.EqualFunc(v, signed, slices.Equal) {
			t.Errorf("parse accepted %q, which is not the signed notification", body)
		}
	})
}
