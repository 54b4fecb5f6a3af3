package wechatpay_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"

	"genuine"
	"genuine/payment/wechatpay"
)

// TestPaymentLife runs a payment from Create to paid: pending at the
// fake and by Query, the same code_url when asked again, then Pay sends a
// notification that parses as paid with the payment's amount, currency,
// account and checkout, and Query says paid.
func TestPaymentLife(t *testing.T) {
	f, a, _ := sharedFake(t)
	prov, rc := connect(t, f, a)
	chk := newCheckout()
	pay, err := prov.Create(ctx, request(chk, 3500))
	if err != nil {
		t.Fatal(err)
	}
	if pay.Reference != chk || pay.Status != genuine.PaymentPending || pay.Amount != 3500 || pay.Currency != "CNY" ||
		!strings.HasPrefix(pay.QR, "weixin://wxpay/bizpayurl?pr=") || pay.PayURL != pay.QR || pay.Account == "" || pay.Provider != "wechatpay" {
		t.Fatalf("Create = %+v", pay)
	}
	again, err := prov.Create(ctx, request(chk, 3500))
	if err != nil || again.QR != pay.QR {
		t.Fatalf("Create again = %+v, %v; want code_url %s", again, err, pay.QR)
	}
	_, err = prov.Create(ctx, request(chk, 3600))
	wantCode(t, err, genuine.EConflict) // OUT_TRADE_NO_USED: the same out_trade_no for another amount
	st, err := prov.Query(ctx, chk)
	if err != nil || st != (genuine.PaymentState{Status: genuine.PaymentPending, Amount: 3500, Currency: "CNY", Account: pay.Account}) {
		t.Fatalf("Query = %+v, %v", st, err)
	}
	if err := f.Pay(ctx, chk); err != nil {
		t.Fatal(err)
	}
	parsed, refused := rc.notifications()
	if len(parsed) != 1 || len(refused) != 0 {
		t.Fatalf("notifications: parsed %v, refused %v", parsed, refused)
	}
	n := parsed[0]
	if n.ID == "" || n.Reference != chk || n.CheckoutID != chk || n.Status != genuine.PaymentPaid ||
		n.Amount != 3500 || n.Currency != "CNY" || n.Account != pay.Account || time.Since(n.At) > time.Minute {
		t.Fatalf("notification = %+v", n)
	}
	if sent := f.Sent(chk); len(sent) != 1 || sent[0].Status != 200 || string(mustReply(t, prov, nil)) != `{"code":"SUCCESS"}` {
		t.Fatalf("Sent = %+v", sent)
	}
	st, err = prov.Query(ctx, chk)
	if err != nil || st.Status != genuine.PaymentPaid || st.Amount != 3500 {
		t.Fatalf("Query after Pay = %+v, %v", st, err)
	}
	if paid, err := prov.Create(ctx, request(chk, 3500)); err != nil || paid.Status != genuine.PaymentPaid || paid.QR != "" {
		t.Fatalf("Create of a paid payment = %+v, %v; want it paid, with nothing to show", paid, err)
	}
}

func mustReply(t *testing.T, prov genuine.Provider, err error) []byte {
	ct, body := prov.(genuine.Replier).ReplyNotification(err)
	if ct != "application/json" {
		t.Fatalf("reply content type %q", ct)
	}
	return body
}

// TestReply: a refused notification is answered FAIL with a message.
func TestReply(t *testing.T) {
	f, a, _ := sharedFake(t)
	prov, _ := connect(t, f, a)
	got := string(mustReply(t, prov, genuine.Errorf(genuine.EUnauthorized, "bad signature")))
	if got != `{"code":"FAIL","message":"bad signature"}` {
		t.Fatalf("reply = %s", got)
	}
}

// TestDecline: a declined payment is PAYERROR, failed by Query, and no
// notification is sent.
func TestDecline(t *testing.T) {
	f, a, _ := sharedFake(t)
	prov, rc := connect(t, f, a)
	chk := newCheckout()
	if _, err := prov.Create(ctx, request(chk, 100)); err != nil {
		t.Fatal(err)
	}
	if err := f.Decline(ctx, chk); err != nil {
		t.Fatal(err)
	}
	if st, err := prov.Query(ctx, chk); err != nil || st.Status != genuine.PaymentFailed {
		t.Fatalf("Query = %+v, %v", st, err)
	}
	if parsed, _ := rc.notifications(); len(parsed) != 0 || len(f.Sent(chk)) != 0 {
		t.Fatalf("a decline sent notifications: %v", parsed)
	}
	wantCode(t, f.Pay(ctx, chk), genuine.EConflict)
}

// TestCancel: a pending payment closes at the fake; closing again does
// nothing; a paid one is EConflict; an unknown one ENotFound.
func TestCancel(t *testing.T) {
	f, a, _ := sharedFake(t)
	prov, _ := connect(t, f, a)
	chk := newCheckout()
	if _, err := prov.Create(ctx, request(chk, 100)); err != nil {
		t.Fatal(err)
	}
	if err := prov.Cancel(ctx, chk); err != nil {
		t.Fatal(err)
	}
	if st, err := f.State(chk); err != nil || st.Status != genuine.PaymentCanceled {
		t.Fatalf("fake State = %+v, %v", st, err)
	}
	if st, err := prov.Query(ctx, chk); err != nil || st.Status != genuine.PaymentCanceled {
		t.Fatalf("Query = %+v, %v", st, err)
	}
	if err := prov.Cancel(ctx, chk); err != nil {
		t.Fatalf("Cancel again: %v", err)
	}
	wantCode(t, f.Pay(ctx, chk), genuine.EConflict)

	paid := newCheckout()
	if _, err := prov.Create(ctx, request(paid, 100)); err != nil {
		t.Fatal(err)
	}
	if err := f.PaySilently(ctx, paid); err != nil {
		t.Fatal(err)
	}
	wantCode(t, prov.Cancel(ctx, paid), genuine.EConflict)
	if st, _ := f.State(paid); st.Status != genuine.PaymentPaid {
		t.Fatalf("fake State of a paid payment after Cancel = %+v", st)
	}
	wantCode(t, prov.Cancel(ctx, newCheckout()), genuine.ENotFound)
	_, err := prov.Query(ctx, newCheckout())
	wantCode(t, err, genuine.ENotFound)
}

// TestRefund refunds part, the same key again (once), more than is left
// (refused), then the rest; a pending payment and another currency are
// refused.
// refusing is a transport that answers WeChat Pay's close with a refusal,
// as WeChat Pay refuses a close it will not do now, and passes the rest on.
type refusing struct {
	base http.RoundTripper
	code string
}

func (rt refusing) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(r.URL.Path, "/close") {
		return rt.base.RoundTrip(r)
	}
	body := `{"code":"` + rt.code + `","message":"refused"}`
	return &http.Response{
		StatusCode: http.StatusBadRequest, Status: "400 Bad Request", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: r,
	}, nil
}

// TestCancelRefusedPending: a close WeChat Pay refuses, for whatever code,
// of a payment a query says is still pending is a plain error to try
// again, never EConflict (the App would release the units of a payment
// that can still be paid) nor nil.
func TestCancelRefusedPending(t *testing.T) {
	f, a, _ := sharedFake(t)
	for _, code := range []string{"INVALID_REQUEST", "ORDER_CLOSED", "OUT_TRADE_NO_USED", "PARAM_ERROR", "NO_AUTH"} {
		conn := wechatpay.New(wechatpay.Config{Client: &http.Client{Transport: refusing{f.Client().Transport, code}}})
		as, err := conn.ParseAccount(a)
		if err != nil {
			t.Fatal(err)
		}
		prov, err := conn.Connect(&genuine.ProviderAccount{MerchantID: "mer_1", Provider: "wechatpay", Mode: as.Mode, Account: as.Account, Settings: as.Settings}, "https://genuine.test/n")
		if err != nil {
			t.Fatal(err)
		}
		pay, err := prov.Create(ctx, request(newCheckout(), 100))
		if err != nil {
			t.Fatal(err)
		}
		err = prov.Cancel(ctx, pay.Reference)
		if err == nil || genuine.ErrorCode(err) == genuine.EConflict {
			t.Errorf("close refused %s of a pending payment: %v (code %q), want a plain error", code, err, genuine.ErrorCode(err))
		}
		if st, _ := f.State(pay.Reference); st.Status != genuine.PaymentPending {
			t.Errorf("%s: the fake's payment is %s", code, st.Status)
		}
	}
}

func TestRefund(t *testing.T) {
	f, a, _ := sharedFake(t)
	prov, _ := connect(t, f, a)
	chk := newCheckout()
	if _, err := prov.Create(ctx, request(chk, 1000)); err != nil {
		t.Fatal(err)
	}
	refund := func(key string, amount int64) error {
		return prov.Refund(ctx, genuine.RefundRequest{Reference: chk, Amount: amount, Currency: "CNY", PaymentAmount: 1000, IdempotencyKey: key})
	}
	wantCode(t, refund("rfd_pending", 100), genuine.EConflict)
	if err := f.PaySilently(ctx, chk); err != nil {
		t.Fatal(err)
	}
	wantCode(t, prov.Refund(ctx, genuine.RefundRequest{Reference: chk, Amount: 100, Currency: "USD", PaymentAmount: 1000, IdempotencyKey: "rfd_usd"}), genuine.EInvalid)
	for range 2 {
		if err := refund("rfd_1", 300); err != nil {
			t.Fatal(err)
		}
		if st, _ := f.State(chk); st.Status != genuine.PaymentPaid || st.Refunded != 300 {
			t.Fatalf("fake State after refunding 300 = %+v", st)
		}
	}
	wantCode(t, refund("rfd_2", 800), genuine.EConflict)
	if st, err := prov.Query(ctx, chk); err != nil || st.Status != genuine.PaymentPaid {
		t.Fatalf("Query after a partial refund = %+v, %v", st, err)
	}
	// The rest, with the payment's amount learnt by a query.
	if err := prov.Refund(ctx, genuine.RefundRequest{Reference: chk, Amount: 700, Currency: "CNY", IdempotencyKey: "rfd_3"}); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.State(chk); st.Status != genuine.PaymentRefunded || st.Refunded != 1000 {
		t.Fatalf("fake State after refunding all = %+v", st)
	}
	if st, err := prov.Query(ctx, chk); err != nil || st.Status != genuine.PaymentPaid {
		t.Fatalf("Query after refunding all = %+v, %v", st, err)
	}
	wantCode(t, refund("rfd_4", 1), genuine.EConflict)
	wantCode(t, prov.Refund(ctx, genuine.RefundRequest{Reference: newCheckout(), Amount: 1, Currency: "CNY", PaymentAmount: 1, IdempotencyKey: "rfd_5"}), genuine.ENotFound)
}

// TestExpiry: a payment past its time_expire is closed at the fake, by
// Query, and can no longer be paid.
func TestExpiry(t *testing.T) {
	t.Parallel()
	f, a, _ := sharedFake(t)
	prov, _ := connect(t, f, a)
	chk := newCheckout()
	r := request(chk, 100)
	r.ExpiresAt = time.Now().Add(1500 * time.Millisecond)
	pay, err := prov.Create(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if !pay.ExpiresAt.Equal(r.ExpiresAt.Truncate(time.Second)) {
		t.Fatalf("ExpiresAt = %v, want %v", pay.ExpiresAt, r.ExpiresAt.Truncate(time.Second))
	}
	if st, _ := f.State(chk); st.Status != genuine.PaymentPending {
		t.Fatalf("fake State before expiry = %+v", st)
	}
	time.Sleep(time.Until(pay.ExpiresAt) + 50*time.Millisecond)
	if st, _ := f.State(chk); st.Status != genuine.PaymentCanceled {
		t.Fatalf("fake State after expiry = %+v", st)
	}
	if st, err := prov.Query(ctx, chk); err != nil || st.Status != genuine.PaymentCanceled {
		t.Fatalf("Query after expiry = %+v, %v", st, err)
	}
	wantCode(t, f.Pay(ctx, chk), genuine.EConflict)
}

// TestCreateInvalid: what WeChat Pay cannot take is refused before any
// call.
func TestCreateInvalid(t *testing.T) {
	f, a, _ := sharedFake(t)
	prov, _ := connect(t, f, a)
	for name, r := range map[string]genuine.PaymentRequest{
		"currency":    {CheckoutID: newCheckout(), Amount: 100, Currency: "USD"},
		"zero":        {CheckoutID: newCheckout(), Amount: 0, Currency: "CNY"},
		"checkout id": {CheckoutID: "chk/1", Amount: 100, Currency: "CNY"},
		"expired":     {CheckoutID: newCheckout(), Amount: 100, Currency: "CNY", ExpiresAt: time.Now().Add(-time.Minute)},
	} {
		_, err := prov.Create(ctx, r)
		if genuine.ErrorCode(err) != genuine.EInvalid {
			t.Errorf("%s: Create: %v, want EInvalid", name, err)
		}
		if _, err := f.State(r.CheckoutID); err == nil {
			t.Errorf("%s: the fake has the payment", name)
		}
	}
}

// TestFakeRefusesWrongKey: a request signed with a key that is not the
// merchant's is refused 401 SIGN_ERROR, and starts nothing.
func TestFakeRefusesWrongKey(t *testing.T) {
	f, a, _ := sharedFake(t)
	prov, _ := connect(t, f, withField(t, a, "private_key", newKeyPEM(t)))
	chk := newCheckout()
	_, err := prov.Create(ctx, request(chk, 100))
	var apiErr *core.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != "SIGN_ERROR" {
		t.Fatalf("Create signed with another key: %v, want 401 SIGN_ERROR", err)
	}
	if _, err := f.State(chk); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Fatalf("the fake started the payment: %v", err)
	}
}

// TestFakeRefusesUnsigned: a request without a valid Authorization is
// refused 401 SIGN_ERROR, in WeChat Pay's error shape.
func TestFakeRefusesUnsigned(t *testing.T) {
	f, a, _ := sharedFake(t)
	for name, auth := range map[string]string{
		"none":         "",
		"other scheme": "Bearer x",
		"junk":         `WECHATPAY2-SHA256-RSA2048 mchid="` + field(t, a, "mchid") + `",nonce_str="n",timestamp="1",serial_no="` + field(t, a, "merchant_serial_no") + `",signature="AAAA"`,
	} {
		req, _ := http.NewRequest("GET", "https://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/"+newCheckout()+"?mchid="+field(t, a, "mchid"), nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := f.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.Contains(string(body), `"code":"SIGN_ERROR"`) {
			t.Errorf("%s: %d %s, want 401 SIGN_ERROR", name, resp.StatusCode, body)
		}
	}
}

// TestAnswerVerified: the SDK refuses the fake's answer under a WeChat Pay
// key that is not the account's, so the fake's signatures are checked.
func TestAnswerVerified(t *testing.T) {
	f, a, b := sharedFake(t)
	other := withField(t, a, "wechatpay_public_key", field(t, b, "wechatpay_public_key"))
	prov, _ := connect(t, f, withField(t, other, "wechatpay_public_key_id", field(t, b, "wechatpay_public_key_id")))
	_, err := prov.Create(ctx, request(newCheckout(), 100))
	var apiErr *core.APIError
	if err == nil || errors.As(err, &apiErr) || !strings.Contains(err.Error(), "verify") {
		t.Fatalf("Create with another WeChat Pay key: %v, want the answer not to verify", err)
	}
	good, _ := connect(t, f, a)
	if _, err := good.Create(ctx, request(newCheckout(), 100)); err != nil {
		t.Fatal(err)
	}
}

// TestAccountsApart: one account cannot see another's payments.
func TestAccountsApart(t *testing.T) {
	f, a, b := sharedFake(t)
	provA, _ := connect(t, f, a)
	provB, _ := connect(t, f, b)
	chk := newCheckout()
	if _, err := provA.Create(ctx, request(chk, 100)); err != nil {
		t.Fatal(err)
	}
	_, err := provB.Query(ctx, chk)
	wantCode(t, err, genuine.ENotFound)
	wantCode(t, provB.Cancel(ctx, chk), genuine.ENotFound)
	if st, _ := f.State(chk); st.Status != genuine.PaymentPending {
		t.Fatalf("fake State = %+v", st)
	}
}

// BenchmarkCheckout is one payment's life through the SDK and the fake:
// Create, Pay (its notification parsed), and the query that confirms it.
func BenchmarkCheckout(b *testing.B) {
	f, a, _ := sharedFake(b)
	prov, _ := connect(b, f, a)
	for b.Loop() {
		chk := newCheckout()
		if _, err := prov.Create(ctx, request(chk, 100)); err != nil {
			b.Fatal(err)
		}
		if err := f.Pay(ctx, chk); err != nil {
			b.Fatal(err)
		}
		if st, err := prov.Query(ctx, chk); err != nil || st.Status != genuine.PaymentPaid {
			b.Fatal(st, err)
		}
	}
}
