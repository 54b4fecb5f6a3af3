package alipay

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	alipaysdk "github.com/smartwalle/alipay/v3"

	"genuine"
	"genuine/payment"
)

// Fake is a local Alipay gateway, an HTTP server that the SDK talks to
// unmodified, for tests, `genuine demo` and `genuine bench`. It keeps its
// apps' trades in memory and is safe for concurrent use.
//
// As Alipay does, it verifies the RSA2 signature of every request with the
// app's public key (refusing a request signed with another key:
// isv.invalid-signature), signs every answer and notification with its own
// Alipay key for the app, answers errors with Alipay's code and sub_code,
// and keys trades by out_trade_no. A precreated trade does not exist (a
// query, close or refund of it is ACQ.TRADE_NOT_EXIST) until the buyer
// scans its QR code (Scan, Pay or Decline); alipay.trade.cancel closes it
// even so. A trade that reaches its time_expire unpaid can no longer be
// paid: a scanned one is TRADE_CLOSED, an unscanned one stays unknown.
// Each trade is refunded once per out_request_no, and is TRADE_CLOSED once
// all of it is.
//
// Notifications go to the trade's notify_url (or the app's, from Account)
// once each, form-encoded and signed as Alipay's are: TRADE_SUCCESS when
// paid, TRADE_CLOSED when declined, TRADE_SUCCESS or TRADE_CLOSED with
// refund_fee after a refund. Alipay sends a notification again until it is
// answered "success", for about a day; the fake does not, nor does it
// notify a trade's expiry: the App's reconciler asks. Unlike Alipay, it
// keeps one out_trade_no for all its apps: another app's trade is, to an
// app, a trade that does not exist.
type Fake struct {
	srv    *httptest.Server
	client *http.Client // sends notifications
	offset atomic.Int64 // nanoseconds the fake's clock is ahead of time.Now

	mu        sync.Mutex
	apps      map[string]*fakeApp
	trades    map[string]*fakeTrade // by out_trade_no
	byTradeNo map[string]*fakeTrade
	closed    bool
	sends     sync.WaitGroup // notifications sent in the background
}

var _ payment.Fake = (*Fake)(nil)

// fakeApp is an app at the fake.
type fakeApp struct {
	id        string
	sellerID  string
	appKey    *rsa.PublicKey  // verifies the app's requests
	alipayKey *rsa.PrivateKey // signs answers and notifications to the app
	notifyURL string          // for the notifications of trades without one
}

// Trade statuses at the fake: Alipay's, and "" for a trade precreated and
// not yet scanned, which does not exist at Alipay.
const (
	tradeUnscanned = alipaysdk.TradeStatus("")
	tradeWaiting   = alipaysdk.TradeStatusWaitBuyerPay
	tradeSuccess   = alipaysdk.TradeStatusSuccess
	tradeFinished  = alipaysdk.TradeStatusFinished
	tradeClosed    = alipaysdk.TradeStatusClosed
)

// fakeTrade is a trade at the fake.
type fakeTrade struct {
	app        *fakeApp
	outTradeNo string
	tradeNo    string // once scanned
	subject    string
	total      int64 // fen
	notifyURL  string
	qr         string
	status     alipaysdk.TradeStatus
	expired    bool // unscanned at its expiry
	created    time.Time
	expires    time.Time
	paidAt     time.Time
	closedAt   time.Time
	refunds    map[string]int64 // fen by out_request_no
	refunded   int64
	sent       []payment.Sent
}

// NewFake starts a fake Alipay gateway on a loopback port. Close stops it.
func NewFake() *Fake {
	f := &Fake{
		client:    &http.Client{Timeout: 10 * time.Second},
		apps:      make(map[string]*fakeApp),
		trades:    make(map[string]*fakeTrade),
		byTradeNo: make(map[string]*fakeTrade),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /gateway.do", f.serveGateway)
	f.srv = httptest.NewServer(mux)
	return f
}

// URL returns where the fake listens.
func (f *Fake) URL() string { return f.srv.URL }

// gateway returns the URL of the fake's gateway.
func (f *Fake) gateway() string { return f.srv.URL + "/gateway.do" }

// Close stops the fake once the notifications it is sending are answered.
func (f *Fake) Close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.sends.Wait()
	f.srv.Close()
}

// Connector returns a Connector whose accounts, test or live, reach the
// fake, and whose clock is the fake's.
func (f *Fake) Connector() genuine.Connector {
	return New(Config{SandboxGateway: f.gateway(), ProductionGateway: f.gateway(), Now: f.now})
}

// now is the fake's clock.
func (f *Fake) now() time.Time { return time.Now().Add(time.Duration(f.offset.Load())) }

// Advance moves the fake's clock, and that of its Connector's Providers,
// forward by d: trades expire by it.
func (f *Fake) Advance(d time.Duration) { f.offset.Add(int64(d)) }

// Account opens a new sandbox app at the fake, with an RSA 2048 key of its
// own and an Alipay key of its own, and returns its settings as a merchant
// gives them: the app's private key in PEM (PKCS #1), Alipay's public key
// in bare base64 (PKIX), as Alipay's console shows it. notifyURL is where
// notifications of trades precreated without a notify_url go.
func (f *Fake) Account(notifyURL string) ([]byte, error) {
	var keys [2]*rsa.PrivateKey
	var errs [2]error
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() { keys[i], errs[i] = rsa.GenerateKey(rand.Reader, 2048) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("alipay fake: key: %w", err)
		}
	}
	app := &fakeApp{appKey: &keys[0].PublicKey, alipayKey: keys[1], notifyURL: notifyURL}
	f.mu.Lock()
	for app.id == "" || f.apps[app.id] != nil {
		app.id = sandboxAppPrefix + "000" + randomDigits(9)
		app.sellerID = "2088" + randomDigits(12)
	}
	f.apps[app.id] = app
	f.mu.Unlock()
	pub, _ := x509.MarshalPKIXPublicKey(&keys[1].PublicKey)
	return json.Marshal(settings{
		Mode:            genuine.ModeTest,
		AppID:           app.id,
		PrivateKey:      string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(keys[0])})),
		AlipayPublicKey: base64.StdEncoding.EncodeToString(pub),
		SellerID:        app.sellerID,
	})
}

// randomDigits returns n random decimal digits.
func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b[i] = byte('0' + d.Int64())
	}
	return string(b)
}

// Scan is the buyer scanning a pending payment's QR code without paying
// yet: its trade exists at Alipay from now on, WAIT_BUYER_PAY. It returns
// an *Error with EConflict if the trade is not waiting to be scanned (or
// expired), ENotFound if there is none.
func (f *Fake) Scan(ctx context.Context, reference string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.open(reference)
	if err != nil {
		return err
	}
	if t.status != tradeUnscanned {
		return genuine.Errorf(genuine.EConflict, "Alipay trade %s was scanned already", reference)
	}
	f.scan(t)
	return nil
}

// Pay is the buyer scanning and paying a pending payment: its trade is
// TRADE_SUCCESS, and the TRADE_SUCCESS notification is sent to its notify
// URL. It returns once the notification is answered, whatever the answer
// (Sent tells it); an error if it could not be sent. It returns an *Error
// with EConflict if the trade is not pending (or expired), ENotFound if
// there is none.
func (f *Fake) Pay(ctx context.Context, reference string) error {
	return f.settle(ctx, reference, tradeSuccess, true)
}

// PaySilently is Pay with the notification lost on the way.
func (f *Fake) PaySilently(ctx context.Context, reference string) error {
	return f.settle(ctx, reference, tradeSuccess, false)
}

// Decline is the buyer's payment failing. Alipay tells a merchant of no
// failed attempt: a trade the buyer does not pay is closed, as at its
// expiry, and the fake closes it at once and sends the TRADE_CLOSED
// notification (which the Provider reads as canceled), returning as Pay
// does.
func (f *Fake) Decline(ctx context.Context, reference string) error {
	return f.settle(ctx, reference, tradeClosed, true)
}

// settle moves a pending trade to status and, if notify, sends the
// notification of it.
func (f *Fake) settle(ctx context.Context, reference string, status alipaysdk.TradeStatus, notify bool) error {
	f.mu.Lock()
	t, err := f.open(reference)
	if err != nil {
		f.mu.Unlock()
		return err
	}
	now := f.now()
	if t.status == tradeUnscanned {
		f.scan(t)
	}
	t.status = status
	if status == tradeSuccess {
		t.paidAt = now
	} else {
		t.closedAt = now
	}
	var n *fakeNotification
	if notify {
		n = f.notification(t, now, "")
	}
	f.mu.Unlock()
	if n == nil || n.url == "" {
		return nil
	}
	return f.deliver(ctx, t, n)
}

// open returns a trade that can still be paid, with f.mu held.
func (f *Fake) open(reference string) (*fakeTrade, error) {
	t := f.trades[reference]
	if t == nil {
		return nil, genuine.Errorf(genuine.ENotFound, "Alipay trade %.80q not found", reference)
	}
	f.expire(t, f.now())
	if (t.status != tradeUnscanned && t.status != tradeWaiting) || t.expired {
		return nil, genuine.Errorf(genuine.EConflict, "Alipay trade %s cannot be paid: it is %s", reference, f.describe(t))
	}
	return t, nil
}

// scan makes a trade exist at Alipay, with f.mu held.
func (f *Fake) scan(t *fakeTrade) {
	t.status = tradeWaiting
	for t.tradeNo == "" || f.byTradeNo[t.tradeNo] != nil {
		t.tradeNo = f.now().In(beijing).Format("20060102") + "22001" + randomDigits(15)
	}
	f.byTradeNo[t.tradeNo] = t
}

// expire ends a trade unpaid at its expiry, with f.mu held.
func (f *Fake) expire(t *fakeTrade, now time.Time) {
	if now.Before(t.expires) {
		return
	}
	switch t.status {
	case tradeUnscanned:
		t.expired = true
	case tradeWaiting:
		t.status, t.closedAt = tradeClosed, t.expires
	}
}

// describe says where a trade stands, with f.mu held.
func (f *Fake) describe(t *fakeTrade) string {
	if t.expired {
		return "expired unscanned"
	}
	if t.status == tradeUnscanned {
		return "unscanned"
	}
	return string(t.status)
}

// State returns a payment as the fake keeps it: pending while it can be
// paid; paid (TRADE_SUCCESS or TRADE_FINISHED, even if partly refunded);
// canceled once closed unpaid or expired; refunded once closed with all of
// it refunded. An *Error with ENotFound if there is no such trade.
func (f *Fake) State(reference string) (genuine.PaymentState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.trades[reference]
	if t == nil {
		return genuine.PaymentState{}, genuine.Errorf(genuine.ENotFound, "Alipay trade %.80q not found", reference)
	}
	f.expire(t, f.now())
	st := genuine.PaymentState{Amount: t.total, Currency: "CNY", Account: t.app.id, Refunded: t.refunded}
	switch {
	case t.expired:
		st.Status = genuine.PaymentCanceled
	case t.status == tradeUnscanned || t.status == tradeWaiting:
		st.Status = genuine.PaymentPending
	case t.status == tradeSuccess || t.status == tradeFinished:
		st.Status = genuine.PaymentPaid
	case t.refunded > 0 && t.refunded == t.total:
		st.Status = genuine.PaymentRefunded
	default:
		st.Status = genuine.PaymentCanceled
	}
	return st, nil
}

// Sent returns the notifications the fake sent about a payment, oldest
// first, exactly as sent, with the status each was answered with.
func (f *Fake) Sent(reference string) []payment.Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.trades[reference]
	if t == nil {
		return nil
	}
	out := make([]payment.Sent, len(t.sent))
	for i, s := range t.sent {
		out[i] = payment.Sent{URL: s.URL, Header: s.Header.Clone(), Body: append([]byte(nil), s.Body...), Status: s.Status}
	}
	return out
}

// Forge sends a TRADE_SUCCESS notification of a payment that Alipay never
// would: for the app of settings (which may be another merchant's than the
// payment's), naming it, telling of amount fen, and signed with the fake's
// Alipay key for that app. It posts it to notifyURL and returns the HTTP
// status of the answer. Nothing changes at the fake, and Sent does not
// list it.
func (f *Fake) Forge(ctx context.Context, reference string, amount int64, settings []byte, notifyURL string) (int, error) {
	a, err := parseSettings(settings)
	if err != nil {
		return 0, err
	}
	if _, err := payment.ToAlipay(amount, "CNY"); err != nil {
		return 0, err
	}
	f.mu.Lock()
	app := f.apps[a.AppID]
	if app == nil {
		f.mu.Unlock()
		return 0, genuine.Errorf(genuine.ENotFound, "no app %s at the Alipay fake", a.AppID)
	}
	now := f.now()
	forged := fakeTrade{
		app: app, outTradeNo: reference, subject: "checkout " + reference, total: amount,
		status: tradeSuccess, created: now, paidAt: now,
	}
	if t := f.trades[reference]; t != nil {
		forged.tradeNo, forged.subject, forged.created = t.tradeNo, t.subject, t.created
	}
	n := f.notification(&forged, now, "")
	f.mu.Unlock()
	n.url = notifyURL
	return f.post(ctx, n)
}
