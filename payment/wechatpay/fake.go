package wechatpay

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"genuine"
	"genuine/payment"
)

// Fake is a local stand-in for WeChat Pay's API v3, for tests, `genuine
// demo` and `genuine bench`: an HTTP server that answers the SDK
// unmodified (through the client of Connector, whose transport sends
// api.mch.weixin.qq.com to the fake) at the endpoints the Provider uses.
// It keeps its accounts, payments and refunds in memory, and is safe for
// concurrent use.
//
// As WeChat Pay does, it verifies each request's Authorization
// (WECHATPAY2-SHA256-RSA2048, signed with the merchant's private key;
// 401 SIGN_ERROR otherwise), signs each answer with the account's WeChat
// Pay key (Wechatpay-Timestamp, -Nonce, -Signature, -Serial), answers
// errors as {"code","message"} with WeChat Pay's codes and statuses
// (ORDER_NOT_EXIST 404, ORDERPAID 400, …), gives the same code_url for the
// same out_trade_no, closes a payment at its time_expire, refunds once per
// out_refund_no, and sends TRANSACTION.SUCCESS notifications, encrypted
// and signed as WeChat Pay does, to the notify_url each payment names. It
// takes http notify URLs (WeChat Pay wants https) and sends each
// notification once (WeChat Pay retries for hours; the App finds a lost
// one by querying).
type Fake struct {
	srv       *httptest.Server
	transport *http.Transport
	client    *http.Client // the SDK's, to the fake
	notifier  *http.Client // the fake's, to notify URLs

	keyOnce     sync.Once
	merchantKey *rsa.PrivateKey
	keyErr      error

	mu       sync.Mutex
	accounts map[string]*fakeAccount // by mchid
	orders   map[string]*order       // by out_trade_no
	refunds  map[string]*fakeRefund  // by mchid and out_refund_no
	sent     map[string][]payment.Sent
}

// A Fake is a paytest.Fake too: TestConformance runs paytest.Run on it.
var _ payment.Fake = (*Fake)(nil)

// fakeAccount is a merchant's account at the fake.
type fakeAccount struct {
	mchID, appID, serialNo string
	merchantKey            *rsa.PublicKey  // verifies the merchant's requests
	keyID                  string          // WeChat Pay's public key id
	platformKey            *rsa.PrivateKey // WeChat Pay's: signs answers and notifications
	apiv3Key               string
	aead                   cipher.AEAD // encrypts notifications' resources
}

// order is a Native payment at the fake.
type order struct {
	mchID, appID, outTradeNo, description, notifyURL, codeURL string
	transactionID                                             string
	total, refunded                                           int64 // fen
	state                                                     string
	createdAt, expiresAt, paidAt                              time.Time
}

// fakeRefund is a refund at the fake.
type fakeRefund struct {
	refundID, outRefundNo string
	order                 *order
	amount                int64 // fen
	createdAt             time.Time
	told                  bool // answered once, as PROCESSING; SUCCESS since
}

// NewFake starts a fake WeChat Pay on a local port; Close stops it.
func NewFake() *Fake {
	f := &Fake{
		accounts: make(map[string]*fakeAccount),
		orders:   make(map[string]*order),
		refunds:  make(map[string]*fakeRefund),
		sent:     make(map[string][]payment.Sent),
		notifier: &http.Client{Timeout: 10 * time.Second},
	}
	f.srv = httptest.NewServer(f.routes())
	f.transport = http.DefaultTransport.(*http.Transport).Clone()
	f.transport.MaxIdleConnsPerHost = 64
	f.client = &http.Client{
		Timeout:   10 * time.Second,
		Transport: &rewriter{to: strings.TrimPrefix(f.srv.URL, "http://"), base: f.transport},
	}
	return f
}

// rewriter sends the SDK's requests to WeChat Pay's hosts to the fake.
type rewriter struct {
	to   string // host:port
	base http.RoundTripper
}

func (rw *rewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != "api.mch.weixin.qq.com" && r.URL.Host != "api2.mch.weixin.qq.com" {
		return nil, fmt.Errorf("the WeChat Pay fake answers only WeChat Pay's hosts, not %s", r.URL.Host)
	}
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = "http", rw.to, ""
	return rw.base.RoundTrip(r)
}

// URL returns where the fake listens.
func (f *Fake) URL() string { return f.srv.URL }

// Client returns the HTTP client whose requests to WeChat Pay's hosts
// reach the fake.
func (f *Fake) Client() *http.Client { return f.client }

// Connector returns a Connector whose SDK clients reach the fake.
func (f *Fake) Connector() genuine.Connector { return New(Config{Client: f.client}) }

// Close stops the fake.
func (f *Fake) Close() {
	f.srv.Close()
	f.transport.CloseIdleConnections()
}

// Account opens a test account at the fake and returns its settings as a
// merchant gives them, mode "test". Each account has its own mchid, appid,
// APIv3 key and WeChat Pay key pair (as WeChat Pay gives each merchant its
// own); the merchant's private key, which merchants make themselves, is
// made once per fake and shared by its accounts, for speed. notifyURL is
// not used: WeChat Pay notifies where each payment says.
func (f *Fake) Account(notifyURL string) ([]byte, error) {
	f.keyOnce.Do(func() { f.merchantKey, f.keyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if f.keyErr != nil {
		return nil, f.keyErr
	}
	platformKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	a := &fakeAccount{
		appID:       "wx" + randomHex(8),
		serialNo:    strings.ToUpper(randomHex(20)),
		merchantKey: &f.merchantKey.PublicKey,
		keyID:       testKeyIDPrefix + strings.ToUpper(randomHex(12)),
		platformKey: platformKey,
		apiv3Key:    randomHex(16),
	}
	block, _ := aes.NewCipher([]byte(a.apiv3Key))
	a.aead, _ = cipher.NewGCM(block)
	f.mu.Lock()
	for a.mchID == "" || f.accounts[a.mchID] != nil {
		a.mchID = "19" + randomDigits(8)
	}
	f.accounts[a.mchID] = a
	f.mu.Unlock()
	return json.Marshal(settings{
		Mode: genuine.ModeTest, MchID: a.mchID, AppID: a.appID, MerchantSerialNo: a.serialNo,
		PrivateKey: encodePrivateKey(f.merchantKey), APIv3Key: a.apiv3Key,
		PublicKeyID: a.keyID, PublicKey: encodePublicKey(&platformKey.PublicKey),
	})
}

// Pay is the buyer paying a pending payment: it becomes SUCCESS and a
// TRANSACTION.SUCCESS notification goes to its notify_url. Pay returns
// once the notification was answered (or could not be sent; Sent tells).
// A payment that is not pending or has expired is an *Error with
// EConflict, an unknown one ENotFound.
func (f *Fake) Pay(ctx context.Context, reference string) error {
	o, a, err := f.settle(reference, "SUCCESS")
	if err != nil {
		return err
	}
	header, body := f.notification(a, o.mchID, o.appID, o.outTradeNo, o.transactionID, o.total, o.paidAt)
	status, _ := f.post(ctx, o.notifyURL, header, body)
	f.mu.Lock()
	f.sent[reference] = append(f.sent[reference], payment.Sent{URL: o.notifyURL, Header: header, Body: body, Status: status})
	f.mu.Unlock()
	return nil
}

// PaySilently is the buyer paying a pending payment with no notification
// sent.
func (f *Fake) PaySilently(ctx context.Context, reference string) error {
	_, _, err := f.settle(reference, "SUCCESS")
	return err
}

// Decline is the buyer's payment failing: it becomes PAYERROR. WeChat Pay
// sends no notification of it, so Decline sends none and returns at once:
// the App learns of it by querying.
func (f *Fake) Decline(ctx context.Context, reference string) error {
	_, _, err := f.settle(reference, "PAYERROR")
	return err
}

// settle moves a pending, unexpired payment to state, and returns a copy
// of it and its account.
func (f *Fake) settle(reference, state string) (order, *fakeAccount, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.orders[reference]
	if o == nil {
		return order{}, nil, genuine.Errorf(genuine.ENotFound, "WeChat Pay fake: payment %.40q not found", reference)
	}
	now := time.Now()
	f.expire(o, now)
	if o.state != "NOTPAY" {
		return order{}, nil, genuine.Errorf(genuine.EConflict, "WeChat Pay fake: payment %s is %s", reference, o.state)
	}
	o.state = state
	if state == "SUCCESS" {
		o.paidAt = now.Truncate(time.Second)
		o.transactionID = "4200" + randomDigits(24)
	}
	return *o, f.accounts[o.mchID], nil
}

// expire closes a payment not paid by its time_expire.
func (f *Fake) expire(o *order, now time.Time) {
	if (o.state == "NOTPAY" || o.state == "USERPAYING") && !now.Before(o.expiresAt) {
		o.state = "CLOSED"
	}
}

// State returns a payment as the fake keeps it, in genuine's terms.
func (f *Fake) State(reference string) (genuine.PaymentState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.orders[reference]
	if o == nil {
		return genuine.PaymentState{}, genuine.Errorf(genuine.ENotFound, "WeChat Pay fake: payment %.40q not found", reference)
	}
	f.expire(o, time.Now())
	amount, err := payment.FromWeChat(o.total, "CNY")
	if err != nil {
		return genuine.PaymentState{}, err
	}
	refunded, err := payment.FromWeChat(o.refunded, "CNY")
	if err != nil {
		return genuine.PaymentState{}, err
	}
	st := genuine.PaymentState{Amount: amount, Currency: "CNY", Account: o.mchID, Refunded: refunded}
	switch o.state {
	case "NOTPAY", "USERPAYING":
		st.Status = genuine.PaymentPending
	case "SUCCESS":
		st.Status = genuine.PaymentPaid
	case "REFUND":
		st.Status = genuine.PaymentPaid
		if o.refunded == o.total {
			st.Status = genuine.PaymentRefunded
		}
	case "CLOSED", "REVOKED":
		st.Status = genuine.PaymentCanceled
	case "PAYERROR":
		st.Status = genuine.PaymentFailed
	}
	return st, nil
}

// Sent returns the notifications the fake sent about a payment, oldest
// first, exactly as sent.
func (f *Fake) Sent(reference string) []payment.Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]payment.Sent, len(f.sent[reference]))
	for i, s := range f.sent[reference] {
		s.Header = s.Header.Clone()
		s.Body = bytes.Clone(s.Body)
		out[i] = s
	}
	return out
}

// Forge posts to notifyURL a TRANSACTION.SUCCESS notification WeChat Pay
// never sent: that payment reference was paid amount minor units, naming
// the account of settings (one of the fake's), signed with that account's
// WeChat Pay key and encrypted under its APIv3 key. It returns the HTTP
// status of the answer; the notification is not among Sent.
func (f *Fake) Forge(ctx context.Context, reference string, amount int64, settings []byte, notifyURL string) (int, error) {
	s, err := parseSettings(settings)
	if err != nil {
		return 0, err
	}
	fen, err := payment.ToWeChat(amount, "CNY")
	if err != nil {
		return 0, err
	}
	f.mu.Lock()
	a := f.accounts[s.MchID]
	f.mu.Unlock()
	if a == nil {
		return 0, fmt.Errorf("WeChat Pay fake: no account %s", s.MchID)
	}
	header, body := f.notification(a, a.mchID, a.appID, reference, "4200"+randomDigits(24), fen, time.Now().Truncate(time.Second))
	return f.post(ctx, notifyURL, header, body)
}

// post sends a notification once and returns the status of its answer.
func (f *Fake) post(ctx context.Context, url string, header http.Header, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = header.Clone()
	resp, err := f.notifier.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomDigits(n int) string {
	var sb strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		sb.WriteByte(byte('0' + d.Int64()))
	}
	return sb.String()
}
