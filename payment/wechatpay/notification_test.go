package wechatpay_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"genuine"
	"genuine/payment/paytest"
	"genuine/payment/wechatpay"
)

// paidNotification pays a new payment of the account of settings and
// returns its provider and the notification the fake sent.
func paidNotification(t testing.TB, f *wechatpay.Fake, settings []byte) (genuine.Provider, string, paytest.Sent) {
	t.Helper()
	prov, _ := connect(t, f, settings)
	chk := newCheckout()
	if _, err := prov.Create(ctx, request(chk, 4200)); err != nil {
		t.Fatal(err)
	}
	if err := f.Pay(ctx, chk); err != nil {
		t.Fatal(err)
	}
	sent := f.Sent(chk)
	if len(sent) != 1 {
		t.Fatalf("Sent = %v", sent)
	}
	return prov, chk, sent[0]
}

// parse parses a notification as the App's handler gets it.
func parse(prov genuine.Provider, header http.Header, body []byte) (*genuine.Notification, error) {
	r := httptest.NewRequest(http.MethodPost, "/v1/payments/wechatpay/notify/mer_1", bytes.NewReader(body))
	r.Header = header.Clone()
	return prov.ParseNotification(r, body)
}

// TestNotificationReplay: a notification sent again parses again, with the
// same ID, so that the App applies it once.
func TestNotificationReplay(t *testing.T) {
	f, a, _ := sharedFake(t)
	prov, chk, sent := paidNotification(t, f, a)
	first, err := parse(prov, sent.Header, sent.Body)
	if err != nil {
		t.Fatal(err)
	}
	again, err := parse(prov, sent.Header, sent.Body)
	if err != nil || *again != *first || first.CheckoutID != chk {
		t.Fatalf("replay = %+v, %v; first %+v", again, err, first)
	}
}

// TestNotificationRefused: tampered, of another account, without each
// header, stale, with a signature type it does not know: EUnauthorized.
func TestNotificationRefused(t *testing.T) {
	f, a, b := sharedFake(t)
	prov, chk, sent := paidNotification(t, f, a)
	provB, _ := connect(t, f, b)
	tampered := bytes.Replace(sent.Body, []byte(`"TRANSACTION.SUCCESS"`), []byte(`"TRANSACTION.SUCCESS" `), 1)
	if bytes.Equal(tampered, sent.Body) {
		t.Fatal("the body was not tampered with")
	}
	cases := map[string]struct {
		prov   genuine.Provider
		header http.Header
		body   []byte
	}{
		"tampered":        {prov, sent.Header, tampered},
		"another account": {provB, sent.Header, sent.Body},
		"no headers":      {prov, http.Header{}, sent.Body},
		"signature type":  {prov, with(sent.Header, "Wechatpay-Signature-Type", "WECHATPAY2-SM2-WITH-SM3"), sent.Body},
		"other serial":    {prov, with(sent.Header, "Wechatpay-Serial", "PUB_KEY_ID_0000"), sent.Body},
		"timestamp moved": {prov, with(sent.Header, "Wechatpay-Timestamp", "1"), sent.Body},
	}
	for _, h := range []string{"Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial"} {
		cases["no "+h] = struct {
			prov   genuine.Provider
			header http.Header
			body   []byte
		}{prov, with(sent.Header, h, ""), sent.Body}
	}
	// Signed as the fake signs, six minutes ago.
	stale, body := wechatpay.SignNotification(f, a, "TRANSACTION.SUCCESS", transactionResource(a, chk, 4200), time.Now().Add(-6*time.Minute))
	cases["stale"] = struct {
		prov   genuine.Provider
		header http.Header
		body   []byte
	}{prov, stale, body}
	// Signed with account B's key, naming account A.
	forged, body := wechatpay.SignNotification(f, b, "TRANSACTION.SUCCESS", transactionResource(a, chk, 4200), time.Now())
	cases["B's key"] = struct {
		prov   genuine.Provider
		header http.Header
		body   []byte
	}{prov, forged, body}
	// Signed with account A's keys (which its merchant gave, and may
	// hold), naming account B.
	named, body := wechatpay.SignNotification(f, a, "TRANSACTION.SUCCESS", transactionResource(b, chk, 4200), time.Now())
	cases["names another account"] = struct {
		prov   genuine.Provider
		header http.Header
		body   []byte
	}{prov, named, body}
	for name, c := range cases {
		n, err := parse(c.prov, c.header, c.body)
		if genuine.ErrorCode(err) != genuine.EUnauthorized || n != nil {
			t.Errorf("%s: %+v, %v; want EUnauthorized", name, n, err)
		}
	}
	if _, err := parse(prov, sent.Header, sent.Body); err != nil {
		t.Fatalf("the original no longer parses: %v", err)
	}
}

// with returns h with one header set, or removed for "".
func with(h http.Header, name, value string) http.Header {
	h = h.Clone()
	if value == "" {
		h.Del(name)
	} else {
		h.Set(name, value)
	}
	return h
}

// transactionResource is a paid transaction of the account of settings.
func transactionResource(settings []byte, outTradeNo string, total int64) map[string]any {
	return map[string]any{
		"mchid": mchidOf(settings), "appid": "wx0000000000000000", "out_trade_no": outTradeNo,
		"transaction_id": "4200000000000000000000000000", "trade_type": "NATIVE", "trade_state": "SUCCESS",
		"success_time": time.Now().Format(time.RFC3339), "amount": map[string]any{"total": total, "currency": "CNY"},
	}
}

func mchidOf(settings []byte) string {
	_, rest, _ := strings.Cut(string(settings), `"mchid":"`)
	id, _, _ := strings.Cut(rest, `"`)
	return id
}

// TestNotificationForged: Forge signs as the account it is given; under
// its own account it verifies and tells of the forged amount and account
// (the App refuses it by those); under another's it does not verify.
func TestNotificationForged(t *testing.T) {
	f, a, b := sharedFake(t)
	prov, rc := connect(t, f, a)
	chk := newCheckout()
	if _, err := prov.Create(ctx, request(chk, 4200)); err != nil {
		t.Fatal(err)
	}
	url := rc.srv.URL + "/notify"
	if status, err := f.Forge(ctx, chk, 1, a, url); err != nil || status != http.StatusOK {
		t.Fatalf("Forge under the account's key: %d, %v", status, err)
	}
	if status, err := f.Forge(ctx, chk, 4200, b, url); err != nil || status != http.StatusUnauthorized {
		t.Fatalf("Forge under another account's key: %d, %v", status, err)
	}
	parsed, refused := rc.notifications()
	if len(parsed) != 1 || parsed[0].Amount != 1 || parsed[0].Account != mchidOf(a) || parsed[0].CheckoutID != chk || len(refused) != 1 {
		t.Fatalf("parsed %+v, refused %v", parsed, refused)
	}
	if st, _ := f.State(chk); st.Status != genuine.PaymentPending {
		t.Fatalf("a forged notification paid the payment: %+v", st)
	}
}

// TestNotificationUnused: a verified event the App does not use is nil,
// nil; a TRANSACTION.SUCCESS that is not paid is EInvalid.
func TestNotificationUnused(t *testing.T) {
	f, a, _ := sharedFake(t)
	prov, _ := connect(t, f, a)
	refund := map[string]any{"mchid": mchidOf(a), "out_trade_no": newCheckout(), "refund_status": "SUCCESS",
		"amount": map[string]any{"total": 100, "refund": 100, "payer_total": 100, "payer_refund": 100}}
	h, body := wechatpay.SignNotification(f, a, "REFUND.SUCCESS", refund, time.Now())
	if n, err := parse(prov, h, body); n != nil || err != nil {
		t.Fatalf("REFUND.SUCCESS = %+v, %v; want nil, nil", n, err)
	}
	notPaid := transactionResource(a, newCheckout(), 100)
	notPaid["trade_state"] = "NOTPAY"
	h, body = wechatpay.SignNotification(f, a, "TRANSACTION.SUCCESS", notPaid, time.Now())
	if n, err := parse(prov, h, body); genuine.ErrorCode(err) != genuine.EInvalid {
		t.Fatalf("TRANSACTION.SUCCESS of NOTPAY = %+v, %v; want EInvalid", n, err)
	}
	if n, err := prov.ParseNotification(nil, body); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Fatalf("no request = %+v, %v", n, err)
	}
}

// FuzzParseNotification: whatever the body, ParseNotification does not
// panic, and it accepts no body but the one WeChat Pay signed.
func FuzzParseNotification(f *testing.F) {
	fake, a, _ := sharedFake(f)
	prov, _, sent := paidNotification(f, fake, a)
	f.Add(sent.Body)
	f.Add(bytes.Replace(sent.Body, []byte("4200"), []byte("4201"), 1))
	f.Add([]byte(`{}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := parse(prov, sent.Header, body)
		if !bytes.Equal(body, sent.Body) && (err == nil || n != nil) {
			t.Fatalf("a changed body was accepted: %q: %+v, %v", body, n, err)
		}
	})
}
