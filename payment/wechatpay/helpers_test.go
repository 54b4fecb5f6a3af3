package wechatpay_test

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"genuine"
	"genuine/payment/wechatpay"
)

// shared is one fake and two of its accounts for the package's tests:
// making an account makes an RSA key, which is slow.
var shared struct {
	once sync.Once
	fake *wechatpay.Fake
	a, b []byte // settings
	err  error
}

func sharedFake(t testing.TB) (*wechatpay.Fake, []byte, []byte) {
	t.Helper()
	shared.once.Do(func() {
		shared.fake = wechatpay.NewFake()
		if shared.a, shared.err = shared.fake.Account(""); shared.err != nil {
			return
		}
		shared.b, shared.err = shared.fake.Account("")
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.fake, shared.a, shared.b
}

// receiver is the App's end of notifications: it parses each with its
// provider and answers as the provider wants.
type receiver struct {
	srv     *httptest.Server
	prov    genuine.Provider
	mu      sync.Mutex
	parsed  []*genuine.Notification
	refused []error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	n, err := rc.prov.ParseNotification(r, body)
	rc.mu.Lock()
	if err != nil {
		rc.refused = append(rc.refused, err)
	} else {
		rc.parsed = append(rc.parsed, n)
	}
	rc.mu.Unlock()
	ct, reply := rc.prov.(genuine.Replier).ReplyNotification(err)
	w.Header().Set("Content-Type", ct)
	if err != nil {
		w.WriteHeader(http.StatusUnauthorized)
	}
	w.Write(reply)
}

func (rc *receiver) notifications() ([]*genuine.Notification, []error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]*genuine.Notification(nil), rc.parsed...), append([]error(nil), rc.refused...)
}

// connect returns the Provider of the account of settings at the fake,
// with a receiver of its notifications.
func connect(t testing.TB, f *wechatpay.Fake, settings []byte) (genuine.Provider, *receiver) {
	t.Helper()
	conn := f.Connector()
	as, err := conn.ParseAccount(settings)
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{}
	rc.srv = httptest.NewServer(rc)
	t.Cleanup(rc.srv.Close)
	acct := &genuine.ProviderAccount{MerchantID: "mer_1", Provider: "wechatpay", Mode: as.Mode, Account: as.Account, Settings: as.Settings}
	prov, err := conn.Connect(acct, rc.srv.URL+genuine.NotifyPath("wechatpay", "mer_1"))
	if err != nil {
		t.Fatal(err)
	}
	rc.prov = prov
	return prov, rc
}

// newCheckout returns a new checkout id, as genuine makes them.
func newCheckout() string { return "chk_" + rand.Text()[:20] }

func request(checkout string, amount int64) genuine.PaymentRequest {
	return genuine.PaymentRequest{
		CheckoutID: checkout, MerchantID: "mer_1", Amount: amount, Currency: "CNY",
		Description: "checkout " + checkout, ExpiresAt: time.Now().Add(15 * time.Minute), IdempotencyKey: checkout,
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if genuine.ErrorCode(err) != code {
		t.Fatalf("error %v (code %q), want code %q", err, genuine.ErrorCode(err), code)
	}
}

var ctx = context.Background()
