package stripe_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"genuine"
	"genuine/payment/stripe"
)

// merchant is a merchant's Stripe account at a fake, its Provider, and its
// webhook endpoint, which verifies each event with the Provider and
// answers as the App does: 200 once parsed, 401 for a bad signature.
type merchant struct {
	settings []byte
	account  string
	prov     genuine.Provider
	endpoint *httptest.Server

	mu      sync.Mutex
	parsed  []*genuine.Notification // nil for a verified event not acted on
	refused []error
	arrived chan struct{}
}

func newMerchant(t *testing.T, f *stripe.Fake) *merchant {
	t.Helper()
	m := &merchant{arrived: make(chan struct{}, 100)}
	m.endpoint = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.endpoint.Close)
	settings, err := f.Account(m.endpoint.URL)
	if err != nil {
		t.Fatal(err)
	}
	m.settings = settings
	m.prov, m.account = connect(t, f.Connector(), settings)
	return m
}

// connect parses settings and connects their account.
func connect(t *testing.T, conn genuine.Connector, settings []byte) (genuine.Provider, string) {
	t.Helper()
	as, err := conn.ParseAccount(settings)
	if err != nil {
		t.Fatalf("ParseAccount: %v", err)
	}
	prov, err := conn.Connect(&genuine.ProviderAccount{
		MerchantID: "m1", Provider: "stripe", Mode: as.Mode, Account: as.Account, Settings: as.Settings,
	}, "http://genuine.test/v1/payments/stripe/notify/m1")
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return prov, as.Account
}

func (m *merchant) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	n, err := m.prov.ParseNotification(r, body)
	m.mu.Lock()
	if err != nil {
		m.refused = append(m.refused, err)
	} else {
		m.parsed = append(m.parsed, n)
	}
	m.mu.Unlock()
	m.arrived <- struct{}{}
	switch genuine.ErrorCode(err) {
	case "":
		w.WriteHeader(http.StatusOK)
	case genuine.EUnauthorized:
		w.WriteHeader(http.StatusUnauthorized)
	default:
		w.WriteHeader(http.StatusBadRequest)
	}
}

// notifications returns what the endpoint parsed so far.
func (m *merchant) notifications() []*genuine.Notification {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*genuine.Notification(nil), m.parsed...)
}

// await waits for the endpoint to be called n more times.
func (m *merchant) await(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-m.arrived:
		case <-time.After(5 * time.Second):
			t.Fatal("no webhook event arrived in 5 s")
		}
	}
}

// request is a payment request for amount of currency, expiring in 15
// minutes as a checkout's deadline does by default.
func request(f *stripe.Fake, id string, amount int64, currency string) genuine.PaymentRequest {
	return genuine.PaymentRequest{
		CheckoutID: id, MerchantID: "m1", Amount: amount, Currency: currency,
		Description: "checkout " + id, ExpiresAt: f.Now().Add(15 * time.Minute), IdempotencyKey: id,
	}
}

// create starts a payment and fails the test if it cannot.
func create(t *testing.T, m *merchant, r genuine.PaymentRequest) *genuine.Payment {
	t.Helper()
	pay, err := m.prov.Create(context.Background(), r)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return pay
}

// wantCode fails the test unless err has code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if genuine.ErrorCode(err) != code {
		t.Fatalf("error %v (code %q), want code %q", err, genuine.ErrorCode(err), code)
	}
}

// query returns where a payment stands and fails the test if it cannot.
func query(t *testing.T, m *merchant, ref string) genuine.PaymentState {
	t.Helper()
	st, err := m.prov.Query(context.Background(), ref)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	return st
}

func newFake(t *testing.T) *stripe.Fake {
	f := stripe.NewFake()
	t.Cleanup(f.Close)
	return f
}
