package alipay_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"genuine"
	"genuine/payment/alipay"
)

// newFake starts a fake that the test closes.
func newFake(t testing.TB) *alipay.Fake {
	t.Helper()
	f := alipay.NewFake()
	t.Cleanup(f.Close)
	return f
}

// merchant is a merchant's app at a fake, its Provider, and the server its
// notifications go to.
type merchant struct {
	settings []byte
	appID    string
	prov     *alipay.Provider
	recv     *receiver
}

// newMerchant opens an app at f and connects it through f's Connector.
func newMerchant(t testing.TB, f *alipay.Fake) *merchant {
	t.Helper()
	recv := newReceiver(t)
	settings, err := f.Account(recv.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	m := &merchant{settings: settings, recv: recv}
	m.prov = connect(t, f.Connector(), settings, recv.srv.URL)
	var s struct {
		AppID string `json:"app_id"`
	}
	json.Unmarshal(settings, &s)
	m.appID = s.AppID
	recv.setProvider(m.prov)
	return m
}

// connect parses settings and connects their account.
func connect(t testing.TB, c genuine.Connector, settings []byte, notifyURL string) *alipay.Provider {
	t.Helper()
	as, err := c.ParseAccount(settings)
	if err != nil {
		t.Fatalf("ParseAccount: %v", err)
	}
	acct := &genuine.ProviderAccount{
		MerchantID: "mer_1", Provider: "alipay", Mode: as.Mode, Account: as.Account,
		Masked: as.Masked, Settings: as.Settings,
	}
	p, err := c.Connect(acct, notifyURL)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return p.(*alipay.Provider)
}

// received is a notification as the receiver parsed it.
type received struct {
	n    *genuine.Notification
	err  error
	body []byte
}

// receiver is a merchant's notify URL: it parses each notification with
// the merchant's Provider and answers as the App does.
type receiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	prov *alipay.Provider
	got  []received
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		prov := r.prov
		r.mu.Unlock()
		n, err := prov.ParseNotification(req, body)
		r.mu.Lock()
		r.got = append(r.got, received{n, err, body})
		r.mu.Unlock()
		ct, reply := prov.ReplyNotification(err)
		w.Header().Set("Content-Type", ct)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
		}
		w.Write(reply)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) setProvider(p *alipay.Provider) {
	r.mu.Lock()
	r.prov = p
	r.mu.Unlock()
}

// all returns what the receiver got so far.
func (r *receiver) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// wait returns what the receiver got once it got n notifications, or
// fails the test after a while.
func (r *receiver) wait(t testing.TB, n int) []received {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := r.all()
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) < n {
				t.Fatalf("receiver got %d notifications, want %d", len(got), n)
			}
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkoutSeq numbers the checkouts of a test run.
var checkoutSeq struct {
	sync.Mutex
	n int
}

// request returns a payment request of a new checkout for amount fen.
func request(amount int64) genuine.PaymentRequest {
	checkoutSeq.Lock()
	checkoutSeq.n++
	id := "chk_test_" + strconv.Itoa(checkoutSeq.n) + "_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	checkoutSeq.Unlock()
	return genuine.PaymentRequest{
		CheckoutID: id, MerchantID: "mer_1", Amount: amount, Currency: "CNY",
		Description: "checkout " + id, ExpiresAt: time.Now().Add(15 * time.Minute), IdempotencyKey: id,
	}
}

// code returns the genuine error code of err.
func code(err error) string { return genuine.ErrorCode(err) }
