package paytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"genuine"
	"genuine/sqlite"
	"genuine/web"
)

// price is what each unit costs in the story, in fen: every provider
// takes CNY.
const (
	price    = 3500
	currency = "CNY"
)

// Run tells the story of a provider's payments against its fake, through
// an App and its HTTP server on a fresh SQLite store, the provider's real
// SDK talking to the fake: a payment's whole life (create, paid, sold
// once; notifications replayed, tampered with, of the wrong amount, signed
// with another merchant's keys; refund of one unit of two, then the rest),
// a decline, an expiry closed at the provider, a payment the provider
// never notified found by asking, a payment landing after the units were
// released refunded, a refund interrupted by a crash finished once, and
// wave 1's invariants under many tills at once: no unit reserved twice,
// sold if and only if paid once, nothing left reserved.
func Run(t *testing.T, fake Fake) {
	e := newEnv(t, fake)
	t.Run("Life", e.life)
	t.Run("ForgedNotConfirmed", e.forgedNotConfirmed)
	t.Run("Tampered", e.tampered)
	t.Run("WrongAmount", e.wrongAmount)
	t.Run("AnotherMerchantsAccount", e.anotherMerchantsAccount)
	t.Run("Decline", e.decline)
	t.Run("Expire", e.expire)
	t.Run("SilentPayment", e.silentPayment)
	t.Run("LatePaymentRefunded", e.latePayment)
	t.Run("RefundCrash", e.refundCrash)
	t.Run("Invariants", e.invariants)
}

// env is an App and its server with a brand, its product, and merchants A
// and B, each with an account at the fake.
type env struct {
	t      *testing.T
	fake   Fake
	name   string
	app    *genuine.App
	url    string
	http   *http.Client
	offset atomic.Int64 // how far the App's clock is ahead of time.Now
	brand  *genuine.Principal
	batch  atomic.Int64
	gtin   string
	a, b   *merchant
	// dropCancel makes the provider's Cancel answer nil without asking it,
	// as a provider that acknowledged a close but took the payment would.
	dropCancel atomic.Bool
	// crashAt is a failpoint at which the App panics, as a crash.
	crashAt atomic.Value
}

// merchant is a merchant of the story with its key and account.
type merchant struct {
	p         *genuine.Principal
	key       string
	settings  []byte
	account   string // its account's id at the provider
	notifyURL string
}

// crash is what the App panics with at a failpoint.
type crash struct{ at string }

func newEnv(t *testing.T, fake Fake) *env {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "genuine.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn := fake.Connector()
	e := &env{t: t, fake: fake, name: conn.Name(), url: "http://" + l.Addr().String(),
		http: &http.Client{Timeout: 30 * time.Second}, gtin: "09520123456788"}
	e.crashAt.Store("")
	e.app = genuine.NewApp(db, genuine.Config{
		BaseURL: e.url, Now: e.now, Connectors: []genuine.Connector{e.wrap(conn)},
		ReservationTTL: 10 * time.Minute, NotifyGrace: time.Second,
		Failpoint: func(name string) {
			if e.crashAt.Load() == name {
				panic(crash{name})
			}
		},
	})
	srv := web.NewServer(e.app, web.Config{Logger: slog.New(slog.DiscardHandler)})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		<-done
		e.app.Close()
	})
	adminKey, err := e.app.Bootstrap(ctx)
	must(t, err)
	admin, err := e.app.Authenticate(ctx, adminKey)
	must(t, err)
	b := &genuine.Brand{Name: "Acme"}
	must(t, e.app.CreateBrand(ctx, admin, b))
	e.brand = e.principal(admin, &genuine.APIKey{Role: genuine.RoleBrand, BrandID: b.ID})
	must(t, e.app.CreateProduct(ctx, e.brand, &genuine.Product{GTIN: e.gtin, Name: "Acme Tonic"}))
	e.a, e.b = e.merchant(admin, "CN-GD-SZ"), e.merchant(admin, "CN-GD-GZ")
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) now() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }

// advance moves the App's clock on, and the fake's with it where it has
// one of its own (Advance), as time passes for the provider too.
func (e *env) advance(d time.Duration) {
	e.offset.Add(int64(d))
	if f, ok := e.fake.(interface{ Advance(time.Duration) }); ok {
		f.Advance(d)
	}
}

func (e *env) principal(admin *genuine.Principal, k *genuine.APIKey) *genuine.Principal {
	ctx := context.Background()
	secret, err := e.app.CreateAPIKey(ctx, admin, k)
	must(e.t, err)
	p, err := e.app.Authenticate(ctx, secret)
	must(e.t, err)
	return p
}

// merchant registers a merchant in region and gives it an account at the
// fake, set over HTTP as a merchant does.
func (e *env) merchant(admin *genuine.Principal, region string) *merchant {
	ctx := context.Background()
	m := &genuine.Merchant{Name: "Shop " + region, Region: region}
	must(e.t, e.app.CreateMerchant(ctx, admin, m))
	secret, err := e.app.CreateAPIKey(ctx, admin, &genuine.APIKey{Role: genuine.RoleMerchant, MerchantID: m.ID})
	must(e.t, err)
	p, err := e.app.Authenticate(ctx, secret)
	must(e.t, err)
	mm := &merchant{p: p, key: secret, notifyURL: e.url + genuine.NotifyPath(e.name, m.ID)}
	if mm.settings, err = e.fake.Account(mm.notifyURL); err != nil {
		e.t.Fatalf("fake.Account: %v", err)
	}
	var acct genuine.ProviderAccount
	status, body := e.do("PUT", "/v1/merchants/"+m.ID+"/providers/"+e.name, secret, mm.settings, nil, &acct)
	if status != 200 {
		e.t.Fatalf("PUT the fake's account settings: %d %s", status, body)
	}
	if acct.Mode != genuine.ModeTest || acct.Account == "" {
		e.t.Fatalf("the account as stored: %+v", acct)
	}
	var settings map[string]any
	json.Unmarshal(mm.settings, &settings)
	for field, v := range settings {
		if secret, ok := v.(string); ok && isSecret(field) && len(secret) >= 16 && bytes.Contains(body, []byte(probe(secret))) {
			e.t.Errorf("the account shown back holds its %s", field)
		}
	}
	mm.account = acct.Account
	return mm
}

// isSecret says whether a member of an account's settings holds a key
// that may never be shown: not an id, a serial number, a mode or a public
// key.
func isSecret(field string) bool {
	for _, open := range []string{"id", "serial", "mode", "public"} {
		if strings.Contains(field, open) {
			return false
		}
	}
	return true
}

// probe returns a part of a secret to look for where it may not be: its
// middle line, for a key in PEM, whose lines a JSON answer would escape.
func probe(secret string) string {
	lines := strings.Split(strings.TrimSpace(secret), "\n")
	mid := lines[len(lines)/2]
	if len(mid) > 24 {
		mid = mid[:24]
	}
	return mid
}

// do makes an API call; body is sent as JSON ([]byte as it is) and the
// answer decoded into out if it is 2xx. It may be called from any
// goroutine: a call that fails is an error of the test and status 0.
func (e *env) do(method, path, key string, body any, header http.Header, out any) (int, []byte) {
	var r io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			b, _ = json.Marshal(body)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.url+path, r)
	if err != nil {
		e.t.Errorf("%s %s: %v", method, path, err)
		return 0, nil
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Errorf("%s %s: %v", method, path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Errorf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return resp.StatusCode, data
}

// released mints n units in a batch released to CN-GD and returns their
// codes.
func (e *env) released(n int64) []string {
	ctx := context.Background()
	b, err := e.app.CreateBatch(ctx, e.brand, genuine.BatchInput{
		GTIN: e.gtin, Lot: fmt.Sprintf("LOT-%d", e.batch.Add(1)), Expiry: genuine.NewDate(2030, 12, 31),
		Quantity: n, Regions: []string{"CN-GD"},
	})
	must(e.t, err)
	_, err = e.app.RecordBatchEvent(ctx, e.brand, b.ID, genuine.BatchEventInput{Type: "release"})
	must(e.t, err)
	var codes []string
	must(e.t, e.app.WriteCodes(ctx, e.brand, b.ID, func(_ int64, _, code []byte) error {
		codes = append(codes, string(code))
		return nil
	}, nil))
	return codes
}

var idempotency atomic.Int64

// checkout starts a checkout of codes at m over HTTP; nil with the status
// if it was not made.
func (e *env) tryCheckout(m *merchant, codes ...string) (*genuine.Checkout, int, []byte) {
	in := genuine.CheckoutInput{Currency: currency, Provider: e.name}
	for _, c := range codes {
		in.Items = append(in.Items, genuine.CartItem{Code: c, Price: price})
	}
	h := http.Header{"Idempotency-Key": {fmt.Sprintf("paytest-%d", idempotency.Add(1))}}
	var c genuine.Checkout
	status, body := e.do("POST", "/v1/checkouts", m.key, in, h, &c)
	if status != 201 && status != 200 {
		return nil, status, body
	}
	return &c, status, body
}

// checkout starts a checkout that must await payment.
func (e *env) checkout(m *merchant, codes ...string) *genuine.Checkout {
	e.t.Helper()
	c, status, body := e.tryCheckout(m, codes...)
	if c == nil || c.Status != genuine.CheckoutAwaitingPayment || c.Payment == nil {
		e.t.Fatalf("checkout: %d %s", status, body)
	}
	if c.Payment.Provider != e.name || c.Payment.Reference == "" || (c.Payment.QR == "" && c.Payment.PayURL == "" && c.Payment.Secret == "") {
		e.t.Fatalf("the payment shows the till nothing to pay with: %+v", c.Payment)
	}
	if c.Payment.Account != m.account || c.Payment.Amount != c.Total || c.Payment.Currency != currency {
		e.t.Fatalf("the payment %+v is not of the checkout (%d %s to %s)", c.Payment, c.Total, currency, m.account)
	}
	return c
}

func (e *env) get(m *merchant, id string) *genuine.Checkout {
	e.t.Helper()
	var c genuine.Checkout
	if status, body := e.do("GET", "/v1/checkouts/"+id, m.key, nil, nil, &c); status != 200 {
		e.t.Fatalf("GET checkout %s: %d %s", id, status, body)
	}
	return &c
}

// settle waits until a checkout leaves awaiting_payment, moving the
// App's clock on by its notify grace and running the reconciler between
// looks, so that what the provider does not notify is asked for.
func (e *env) settle(m *merchant, id string) *genuine.Checkout {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c := e.get(m, id)
		if c.Status != genuine.CheckoutAwaitingPayment || time.Now().After(deadline) {
			return c
		}
		time.Sleep(20 * time.Millisecond)
		e.advance(2 * time.Second)
		e.app.Reconcile(context.Background())
	}
}

// wantStatus checks a checkout's status.
func (e *env) wantStatus(m *merchant, id string, want ...genuine.CheckoutStatus) *genuine.Checkout {
	e.t.Helper()
	c := e.get(m, id)
	for _, w := range want {
		if c.Status == w {
			return c
		}
	}
	e.t.Fatalf("checkout %s is %s, want %v", id, c.Status, want)
	return nil
}

// unit returns a unit's state and how many times it was sold.
func (e *env) unit(code string) (genuine.UnitState, int) {
	e.t.Helper()
	v, err := e.app.Verify(context.Background(), code)
	must(e.t, err)
	sells := 0
	for _, ev := range v.Events {
		if ev.Type == genuine.EventSell {
			sells++
		}
	}
	return v.State, sells
}

func (e *env) wantUnits(want genuine.UnitState, codes ...string) {
	e.t.Helper()
	for _, c := range codes {
		if st, _ := e.unit(c); st != want {
			e.t.Errorf("unit %s is %s, want %s", c, st, want)
		}
	}
}

// state returns a payment as the fake keeps it.
func (e *env) state(reference string) genuine.PaymentState {
	e.t.Helper()
	st, err := e.fake.State(reference)
	must(e.t, err)
	return st
}

// post sends a notification again, as sent or changed, and returns the
// status of the answer. It may be called from any goroutine, as do.
func (e *env) post(s Sent, body []byte) int {
	e.t.Helper()
	req, err := http.NewRequest("POST", s.URL, bytes.NewReader(body))
	if err != nil {
		e.t.Errorf("post %s: %v", s.URL, err)
		return 0
	}
	for k, v := range s.Header {
		req.Header[k] = v
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Errorf("post %s: %v", s.URL, err)
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (e *env) life(t *testing.T) {
	e.t = t
	ctx := context.Background()
	codes := e.released(2)
	c := e.checkout(e.a, codes...)
	e.wantUnits(genuine.StateReserved, codes...)
	if st := e.state(c.Payment.Reference); st.Status != genuine.PaymentPending || st.Amount != 2*price || st.Currency != currency || st.Account != e.a.account {
		t.Fatalf("the fake's payment after create: %+v", st)
	}
	must(t, e.fake.Pay(ctx, c.Payment.Reference))
	e.wantStatus(e.a, c.ID, genuine.CheckoutPaid)
	for _, code := range codes {
		if st, sells := e.unit(code); st != genuine.StateSold || sells != 1 {
			t.Errorf("unit %s is %s, sold %d times; want sold once", code, st, sells)
		}
	}
	sent := e.fake.Sent(c.Payment.Reference)
	if len(sent) == 0 || sent[len(sent)-1].Status != 200 {
		t.Fatalf("the fake sent %d notifications, the last answered %v", len(sent), sent)
	}
	// Replayed, each is applied once more: nothing.
	for _, s := range sent {
		if status := e.post(s, s.Body); status != 200 {
			t.Errorf("a notification replayed: %d", status)
		}
	}
	for _, code := range codes {
		if _, sells := e.unit(code); sells != 1 {
			t.Errorf("unit %s sold %d times after the replays", code, sells)
		}
	}

	// One unit of two refunded, then the other.
	var out genuine.Checkout
	if status, body := e.do("POST", "/v1/checkouts/"+c.ID+"/refund", e.a.key, map[string]any{"items": codes[:1]}, nil, &out); status != 200 {
		t.Fatalf("refund of one unit: %d %s", status, body)
	}
	if out.Status != genuine.CheckoutPartiallyRefunded || out.Payment.Refunded != price {
		t.Errorf("after refunding one unit: %s, refunded %d", out.Status, out.Payment.Refunded)
	}
	if st := e.state(c.Payment.Reference); st.Refunded != price || st.Status != genuine.PaymentPaid {
		t.Errorf("the fake after refunding one unit: %+v", st)
	}
	if st, _ := e.unit(codes[0]); st == genuine.StateSold || st == genuine.StateReserved {
		t.Errorf("the refunded unit is %s", st)
	}
	e.wantUnits(genuine.StateSold, codes[1])
	if status, body := e.do("POST", "/v1/checkouts/"+c.ID+"/refund", e.a.key, map[string]any{"items": codes[1:]}, nil, &out); status != 200 {
		t.Fatalf("refund of the other unit: %d %s", status, body)
	}
	if out.Status != genuine.CheckoutRefunded || out.Payment.Refunded != 2*price {
		t.Errorf("after refunding both: %s, refunded %d", out.Status, out.Payment.Refunded)
	}
	if st := e.state(c.Payment.Reference); st.Refunded != 2*price || st.Status != genuine.PaymentRefunded {
		t.Errorf("the fake after refunding both: %+v", st)
	}
	if status, _ := e.do("POST", "/v1/checkouts/"+c.ID+"/refund", e.a.key, map[string]any{"items": codes[1:]}, nil, nil); status/100 == 2 {
		t.Errorf("a unit refunded twice: %d", status)
	}
}

// A paid notification signed as the provider signs, which the provider,
// asked back, does not confirm, sells nothing.
func (e *env) forgedNotConfirmed(t *testing.T) {
	e.t = t
	codes := e.released(1)
	c := e.checkout(e.a, codes...)
	status, err := e.fake.Forge(context.Background(), c.Payment.Reference, c.Total, e.a.settings, e.a.notifyURL)
	must(t, err)
	if status != http.StatusConflict {
		t.Errorf("a paid notification the provider does not confirm: %d, want 409", status)
	}
	e.wantStatus(e.a, c.ID, genuine.CheckoutAwaitingPayment)
	e.wantUnits(genuine.StateReserved, codes...)
	e.cancel(c)
}

// cancel cancels a checkout awaiting payment, at the provider too. A
// provider with nothing to close for a payment nobody has started (an
// Alipay QR code nobody scanned) leaves it payable until it expires: it is
// then paid, and the App must refund that late payment whole.
func (e *env) cancel(c *genuine.Checkout) {
	e.t.Helper()
	ctx := context.Background()
	var out genuine.Checkout
	if status, body := e.do("POST", "/v1/checkouts/"+c.ID+"/cancel", e.a.key, nil, nil, &out); status != 200 || out.Status != genuine.CheckoutCanceled {
		e.t.Fatalf("cancel: %d %s", status, body)
	}
	for _, it := range c.Items {
		if st, _ := e.unit(it.Code); st != genuine.StateInChannel {
			e.t.Errorf("unit %s after cancel: %s", it.Code, st)
		}
	}
	switch st := e.state(c.Payment.Reference); st.Status {
	case genuine.PaymentCanceled:
	case genuine.PaymentPending:
		must(e.t, e.fake.Pay(ctx, c.Payment.Reference))
		e.refunded(c)
		for _, it := range c.Items {
			if st, sells := e.unit(it.Code); st != genuine.StateInChannel || sells != 0 {
				e.t.Errorf("unit %s after a payment of its canceled checkout: %s, sold %d times", it.Code, st, sells)
			}
		}
	default:
		e.t.Errorf("the fake after cancel: %+v, want canceled, or pending and then refunded once paid", st)
	}
}

// refunded waits until a payment that landed after its checkout ended is
// refunded whole at the provider, running the reconciler meanwhile.
func (e *env) refunded(c *genuine.Checkout) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for e.state(c.Payment.Reference).Status != genuine.PaymentRefunded && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		e.advance(2 * time.Second)
		e.app.Reconcile(context.Background())
	}
	if st := e.state(c.Payment.Reference); st.Status != genuine.PaymentRefunded || st.Refunded != c.Total {
		e.t.Fatalf("the late payment at the fake: %+v, want refunded whole", st)
	}
}

// A paid notification of one payment changed to name another does not
// verify.
func (e *env) tampered(t *testing.T) {
	e.t = t
	ctx := context.Background()
	paid := e.checkout(e.a, e.released(1)...)
	must(t, e.fake.Pay(ctx, paid.Payment.Reference))
	e.wantStatus(e.a, paid.ID, genuine.CheckoutPaid)
	sent := e.fake.Sent(paid.Payment.Reference)
	if len(sent) == 0 {
		t.Fatal("the fake sent no notification")
	}
	s := sent[len(sent)-1]
	codes := e.released(1)
	c := e.checkout(e.a, codes...)
	body := bytes.ReplaceAll(s.Body, []byte(paid.Payment.Reference), []byte(c.Payment.Reference))
	body = bytes.ReplaceAll(body, []byte(paid.ID), []byte(c.ID))
	if bytes.Equal(body, s.Body) {
		// It names neither in the clear (an encrypted resource): change a
		// digit of it instead.
		body = bytes.Clone(s.Body)
		for i, b := range body {
			if b >= '1' && b <= '8' {
				body[i]++
				break
			}
		}
	}
	if status := e.post(s, body); status != http.StatusUnauthorized {
		t.Errorf("a tampered notification: %d, want 401", status)
	}
	e.wantStatus(e.a, c.ID, genuine.CheckoutAwaitingPayment)
	e.wantUnits(genuine.StateReserved, codes...)
	e.cancel(c)
}

// A notification of the wrong amount sells nothing and raises an alert.
func (e *env) wrongAmount(t *testing.T) {
	e.t = t
	codes := e.released(1)
	c := e.checkout(e.a, codes...)
	status, err := e.fake.Forge(context.Background(), c.Payment.Reference, c.Total-100, e.a.settings, e.a.notifyURL)
	must(t, err)
	if status != http.StatusUnprocessableEntity {
		t.Errorf("a notification of the wrong amount: %d, want 422", status)
	}
	e.wantStatus(e.a, c.ID, genuine.CheckoutAwaitingPayment)
	e.wantUnits(genuine.StateReserved, codes...)
	alerts, err := e.app.Alerts(context.Background(), e.brand, 100)
	must(t, err)
	found := false
	for _, al := range alerts {
		found = found || (al.Code == genuine.EPaymentMismatch && strings.Contains(al.Message, c.ID))
	}
	if !found {
		t.Error("no payment_mismatch alert to the brand")
	}
	e.cancel(c)
}

// A notification of merchant A's payment signed with merchant B's keys
// sells nothing: at B's address it is of B's account, not the payment's;
// at A's it does not verify.
func (e *env) anotherMerchantsAccount(t *testing.T) {
	e.t = t
	ctx := context.Background()
	codes := e.released(1)
	c := e.checkout(e.a, codes...)
	status, err := e.fake.Forge(ctx, c.Payment.Reference, c.Total, e.b.settings, e.b.notifyURL)
	must(t, err)
	if status != http.StatusUnprocessableEntity {
		t.Errorf("merchant B's notification of A's payment at B's address: %d, want 422", status)
	}
	status, err = e.fake.Forge(ctx, c.Payment.Reference, c.Total, e.b.settings, e.a.notifyURL)
	must(t, err)
	if status != http.StatusUnauthorized {
		t.Errorf("merchant B's notification of A's payment at A's address: %d, want 401", status)
	}
	e.wantStatus(e.a, c.ID, genuine.CheckoutAwaitingPayment)
	e.wantUnits(genuine.StateReserved, codes...)
	e.cancel(c)
}

// A declined payment fails its checkout and frees its units.
func (e *env) decline(t *testing.T) {
	e.t = t
	codes := e.released(1)
	c := e.checkout(e.a, codes...)
	must(t, e.fake.Decline(context.Background(), c.Payment.Reference))
	got := e.settle(e.a, c.ID)
	if got.Status != genuine.CheckoutFailed && got.Status != genuine.CheckoutCanceled {
		t.Fatalf("after a decline the checkout is %s", got.Status)
	}
	e.wantUnits(genuine.StateInChannel, codes...)
	if st := e.state(c.Payment.Reference); st.Status == genuine.PaymentPaid || st.Status == genuine.PaymentPending {
		t.Errorf("the fake's payment after a decline: %+v", st)
	}
}

// A checkout past its deadline is closed at the provider before its units
// are released, and can no longer be paid.
func (e *env) expire(t *testing.T) {
	e.t = t
	ctx := context.Background()
	codes := e.released(1)
	c := e.checkout(e.a, codes...)
	e.advance(11 * time.Minute)
	if _, err := e.app.Reconcile(ctx); err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	e.wantStatus(e.a, c.ID, genuine.CheckoutExpired)
	e.wantUnits(genuine.StateInChannel, codes...)
	if st := e.state(c.Payment.Reference); st.Status != genuine.PaymentCanceled {
		t.Errorf("the fake's payment after expiry: %+v, want canceled (closed)", st)
	}
	if err := e.fake.Pay(ctx, c.Payment.Reference); err == nil {
		t.Error("the buyer paid a payment closed at expiry")
	}
	e.wantUnits(genuine.StateInChannel, codes...)
}

// A payment the provider never notified is found by asking it.
func (e *env) silentPayment(t *testing.T) {
	e.t = t
	codes := e.released(1)
	c := e.checkout(e.a, codes...)
	must(t, e.fake.PaySilently(context.Background(), c.Payment.Reference))
	if got := e.settle(e.a, c.ID); got.Status != genuine.CheckoutPaid {
		t.Fatalf("after a silent payment the checkout is %s", got.Status)
	}
	if st, sells := e.unit(codes[0]); st != genuine.StateSold || sells != 1 {
		t.Errorf("unit %s, sold %d times", st, sells)
	}
}

// A payment that lands after its checkout's units were released is
// refunded, whole and once.
func (e *env) latePayment(t *testing.T) {
	e.t = t
	ctx := context.Background()
	codes := e.released(1)
	c := e.checkout(e.a, codes...)
	e.dropCancel.Store(true)
	var out genuine.Checkout
	status, body := e.do("POST", "/v1/checkouts/"+c.ID+"/cancel", e.a.key, nil, nil, &out)
	e.dropCancel.Store(false)
	if status != 200 || out.Status != genuine.CheckoutCanceled {
		t.Fatalf("cancel: %d %s", status, body)
	}
	must(t, e.fake.Pay(ctx, c.Payment.Reference))
	e.refunded(c)
	got := e.wantStatus(e.a, c.ID, genuine.CheckoutCanceled)
	if got.Payment.Status != genuine.PaymentRefunded {
		t.Errorf("the checkout's payment: %s, want refunded", got.Payment.Status)
	}
	if st, sells := e.unit(codes[0]); st != genuine.StateInChannel || sells != 0 {
		t.Errorf("unit %s, sold %d times; want in the channel, never sold", st, sells)
	}
}

// A refund the provider made but the App did not record, the server
// crashing between the two, is finished by the reconciler: recorded, and
// refunded once.
func (e *env) refundCrash(t *testing.T) {
	e.t = t
	ctx := context.Background()
	codes := e.released(2)
	c := e.checkout(e.a, codes...)
	must(t, e.fake.Pay(ctx, c.Payment.Reference))
	e.wantStatus(e.a, c.ID, genuine.CheckoutPaid)
	crashed := func() (crashed bool) {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(crash); !ok {
					panic(r)
				}
				crashed = true
			}
		}()
		e.crashAt.Store("after-refund")
		defer e.crashAt.Store("")
		e.app.RefundCheckout(ctx, e.a.p, c.ID, genuine.RefundInput{Items: codes[:1]})
		return false
	}()
	if !crashed {
		t.Fatal("the refund did not reach the after-refund failpoint")
	}
	if st := e.state(c.Payment.Reference); st.Refunded != price {
		t.Fatalf("the fake before recovery: %+v, want %d refunded", st, price)
	}
	e.wantStatus(e.a, c.ID, genuine.CheckoutPaid)
	e.advance(2 * time.Second)
	if _, err := e.app.Reconcile(ctx); err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	got := e.wantStatus(e.a, c.ID, genuine.CheckoutPartiallyRefunded)
	if got.Payment.Refunded != price {
		t.Errorf("refund recorded: %d, want %d", got.Payment.Refunded, price)
	}
	if st := e.state(c.Payment.Reference); st.Refunded != price {
		t.Errorf("the fake after recovery: %+v, want %d refunded once", st, price)
	}
}

// Many tills at once, buyers paying, declining, paying unnotified and
// walking away, merchants canceling, notifications replayed: no unit is
// reserved twice, a unit is sold if and only if its checkout was paid,
// once, and nothing is left reserved or awaiting payment.
func (e *env) invariants(t *testing.T) {
	e.t = t
	ctx := context.Background()
	const units, tills = 8, 24
	codes := e.released(units)
	var (
		mu        sync.Mutex
		checkouts []*genuine.Checkout
		wg        sync.WaitGroup
	)
	for i := range tills {
		wg.Go(func() {
			cart := []string{codes[(i*3)%units]}
			if i%2 == 0 {
				cart = append(cart, codes[(i*5+1)%units])
			}
			if len(cart) == 2 && cart[0] == cart[1] {
				cart = cart[:1]
			}
			c, status, body := e.tryCheckout(e.a, cart...)
			if status == http.StatusUnprocessableEntity && bytes.Contains(body, []byte(`"in_checkout"`)) {
				return // refused: another till holds a unit of its cart
			}
			if c == nil {
				t.Errorf("checkout %d: %d %s", i, status, body)
				return
			}
			if c.Status == genuine.CheckoutAwaitingPayment {
				mu.Lock()
				checkouts = append(checkouts, c)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	held := map[string]string{}
	for _, c := range checkouts {
		for _, it := range c.Items {
			if other, ok := held[it.Code]; ok {
				t.Fatalf("unit %s reserved by checkouts %s and %s", it.Code, other, c.ID)
			}
			held[it.Code] = c.ID
		}
	}
	if len(checkouts) == 0 {
		t.Fatal("no checkout reserved anything")
	}
	for i, c := range checkouts {
		ref := c.Payment.Reference
		wg.Go(func() {
			switch i % 5 {
			case 0:
				if err := e.fake.Pay(ctx, ref); err == nil {
					for _, s := range e.fake.Sent(ref) {
						e.post(s, s.Body)
					}
				}
			case 1:
				e.fake.Decline(ctx, ref)
			case 2:
				e.fake.PaySilently(ctx, ref)
			case 3:
				// The buyer pays as the merchant cancels.
				wg.Go(func() { e.fake.Pay(ctx, ref) })
				e.do("POST", "/v1/checkouts/"+c.ID+"/cancel", e.a.key, nil, nil, nil)
			}
			// 4: the buyer walks away.
		})
	}
	wg.Wait()
	e.advance(11 * time.Minute)
	for range 20 {
		n, _ := e.app.Reconcile(ctx)
		if n == 0 {
			break
		}
		e.advance(2 * time.Second)
	}
	time.Sleep(200 * time.Millisecond) // the last racing payments land
	for range 5 {
		e.advance(2 * time.Second)
		e.app.Reconcile(ctx)
	}
	paidFor := map[string]int{}
	for _, c := range checkouts {
		got := e.get(e.a, c.ID)
		st := e.state(c.Payment.Reference)
		switch got.Status {
		case genuine.CheckoutPaid:
			for _, it := range got.Items {
				paidFor[it.Code]++
			}
			if st.Status != genuine.PaymentPaid {
				t.Errorf("checkout %s paid, its payment at the fake %s", c.ID, st.Status)
			}
		case genuine.CheckoutAwaitingPayment:
			t.Errorf("checkout %s still awaits payment", c.ID)
		default:
			if st.Status == genuine.PaymentPaid {
				t.Errorf("checkout %s %s, yet its payment stands paid at the fake, not refunded", c.ID, got.Status)
			}
		}
	}
	for _, code := range codes {
		st, sells := e.unit(code)
		switch {
		case st == genuine.StateReserved:
			t.Errorf("unit %s left reserved", code)
		case paidFor[code] > 1:
			t.Errorf("unit %s paid for by %d checkouts", code, paidFor[code])
		case (st == genuine.StateSold) != (paidFor[code] == 1) || sells != paidFor[code]:
			t.Errorf("unit %s is %s, sold %d times, paid for by %d checkouts", code, st, sells, paidFor[code])
		}
	}
	t.Logf("%d tills, %d checkouts reserved, %d units sold", tills, len(checkouts), len(paidFor))
}

// wrap returns conn with its Providers' Cancel answering nil unasked
// while e.dropCancel is set.
func (e *env) wrap(conn genuine.Connector) genuine.Connector {
	w := &dropping{Connector: conn, drop: &e.dropCancel}
	if r, ok := conn.(genuine.Replier); ok {
		return &replyingDropping{dropping: w, r: r}
	}
	return w
}

type dropping struct {
	genuine.Connector
	drop *atomic.Bool
}

func (d *dropping) Connect(acct *genuine.ProviderAccount, notifyURL string) (genuine.Provider, error) {
	p, err := d.Connector.Connect(acct, notifyURL)
	if err != nil {
		return nil, err
	}
	return &droppingProvider{Provider: p, drop: d.drop}, nil
}

type replyingDropping struct {
	*dropping
	r genuine.Replier
}

func (r *replyingDropping) ReplyNotification(err error) (string, []byte) {
	return r.r.ReplyNotification(err)
}

type droppingProvider struct {
	genuine.Provider
	drop *atomic.Bool
}

func (p *droppingProvider) Cancel(ctx context.Context, reference string) error {
	if p.drop.Load() {
		return nil
	}
	return p.Provider.Cancel(ctx, reference)
}
