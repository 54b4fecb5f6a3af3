package genuine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"genuine"
)

// testConnector is a provider with merchants' own accounts whose settings
// are {"mode", "key"}: a key must start "key_". Its Providers answer
// nothing; the tests here are of accounts, not of payments, which
// payment/paytest tests against each real provider's fake.
type testConnector struct {
	connects atomic.Int32
	notify   atomic.Value // the notify URL of the last Connect
}

func (c *testConnector) Name() string { return "testpay" }

func (c *testConnector) ParseAccount(settings []byte) (*genuine.AccountSettings, error) {
	var s struct {
		Mode genuine.AccountMode `json:"mode"`
		Key  string              `json:"key"`
	}
	dec := json.NewDecoder(bytes.NewReader(settings))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, genuine.Errorf(genuine.EInvalid, "settings: %v", err)
	}
	if s.Mode != genuine.ModeTest && s.Mode != genuine.ModeLive {
		return nil, genuine.Errorf(genuine.EInvalid, "mode must be test or live")
	}
	if !strings.HasPrefix(s.Key, "key_") {
		return nil, genuine.Errorf(genuine.EInvalid, "key does not parse")
	}
	canonical, _ := json.Marshal(s)
	return &genuine.AccountSettings{Mode: s.Mode, Account: "acct_" + s.Key[4:8],
		Masked: map[string]string{"key": genuine.MaskSecret(s.Key)}, Settings: canonical}, nil
}

func (c *testConnector) Connect(acct *genuine.ProviderAccount, notifyURL string) (genuine.Provider, error) {
	c.connects.Add(1)
	c.notify.Store(notifyURL)
	var s struct{ Key string }
	if err := json.Unmarshal(acct.Settings, &s); err != nil || !strings.HasPrefix(s.Key, "key_") {
		return nil, genuine.Errorf(genuine.EInternal, "Connect was given settings it cannot read: %q", acct.Settings)
	}
	return &testProvider{account: acct.Account, key: s.Key, works: strings.HasPrefix(s.Key, "key_work")}, nil
}

// testProvider acts for one testpay account. One whose key starts
// "key_work" starts payments, which stay pending; any other answers
// nothing. It takes a notification whose body is a JSON testNotification
// and verifies it by its key, a stand-in for a signature by the account's
// keys.
type testProvider struct {
	account, key string
	works        bool
}

type testNotification struct {
	ID, Reference, Currency, Account, Key string
	Status                                genuine.PaymentStatus
	Amount                                int64
}

func (*testProvider) Name() string { return "testpay" }
func (p *testProvider) Create(_ context.Context, r genuine.PaymentRequest) (*genuine.Payment, error) {
	if !p.works {
		return nil, genuine.Errorf(genuine.EUnavailable, "down")
	}
	return &genuine.Payment{Provider: "testpay", Reference: "tp_" + r.CheckoutID, Status: genuine.PaymentPending,
		Amount: r.Amount, Currency: r.Currency, Account: p.account, PayURL: "https://pay.test/" + r.CheckoutID, ExpiresAt: r.ExpiresAt}, nil
}
func (p *testProvider) Query(context.Context, string) (genuine.PaymentState, error) {
	if !p.works {
		return genuine.PaymentState{}, genuine.Errorf(genuine.EUnavailable, "down")
	}
	return genuine.PaymentState{Status: genuine.PaymentPending}, nil
}
func (p *testProvider) Cancel(context.Context, string) error {
	if !p.works {
		return genuine.Errorf(genuine.EUnavailable, "down")
	}
	return nil
}
func (*testProvider) Refund(context.Context, genuine.RefundRequest) error {
	return genuine.Errorf(genuine.EUnavailable, "down")
}
func (p *testProvider) ParseNotification(_ *http.Request, body []byte) (*genuine.Notification, error) {
	var n testNotification
	if err := json.Unmarshal(body, &n); err != nil || n.Key != p.key {
		return nil, genuine.Errorf(genuine.EUnauthorized, "the notification does not verify")
	}
	return &genuine.Notification{ID: n.ID, Reference: n.Reference, Status: n.Status, Amount: n.Amount, Currency: n.Currency, Account: n.Account}, nil
}

// accountWorld is a world whose App also has testpay, in test mode or not.
func accountWorld(t *testing.T, testMode bool) (*world, *testConnector) {
	w := newWorld(t)
	conn := &testConnector{}
	w.app = genuine.NewApp(w.db, genuine.Config{BaseURL: "https://genuine.test/", Now: w.clock.now,
		Providers: []genuine.Provider{w.sim}, Connectors: []genuine.Connector{conn}, TestMode: testMode, Sealer: w.sealer})
	t.Cleanup(func() { w.app.Close() })
	return w, conn
}

func TestProviderAccounts(t *testing.T) {
	w, conn := accountWorld(t, true)
	ctx := context.Background()
	mid := w.merchant.MerchantID
	other := w.newMerchant(t, "CN-BJ")
	const secret = "key_9f8e7d6c5b4a39281706"
	good := []byte(`{"mode":"test","key":"` + secret + `"}`)

	acct, err := w.app.PutProviderAccount(ctx, w.merchant, mid, "testpay", good)
	if err != nil {
		t.Fatal(err)
	}
	if acct.Account != "acct_9f8e" || acct.Mode != genuine.ModeTest || acct.Masked["key"] != "key_…1706" || acct.Settings != nil {
		t.Errorf("PutProviderAccount = %+v", acct)
	}
	// The store holds the settings sealed: the key is nowhere in it.
	err = w.db.View(ctx, func(tx genuine.Tx) error {
		stored, err := tx.ProviderAccount(ctx, mid, "testpay")
		if err == nil && bytes.Contains(stored.Settings, []byte(secret)) {
			t.Error("the store holds the account's key in plain text")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	list, err := w.app.ProviderAccounts(ctx, w.admin, mid)
	if err != nil || len(list) != 1 || list[0].Settings != nil || list[0].Masked["key"] != "key_…1706" {
		t.Fatalf("ProviderAccounts = %+v, %v", list, err)
	}
	if js, _ := json.Marshal(list); bytes.Contains(js, []byte(secret)) {
		t.Errorf("the listed accounts show the key: %s", js)
	}
	recs, err := w.app.Audit(ctx, w.admin, genuine.AuditFilter{})
	if err != nil || len(recs) == 0 || recs[0].Action != "provider_account.put" || strings.Contains(recs[0].Detail, secret) {
		t.Errorf("the audit record of the account: %+v, %v", recs[0], err)
	}

	for _, tc := range []struct {
		name     string
		p        *genuine.Principal
		merchant string
		provider string
		settings []byte
		code     string
	}{
		{"another merchant's", other, mid, "testpay", good, genuine.ENotFound},
		{"by a brand", w.brand, mid, "testpay", good, genuine.EForbidden},
		{"an unknown provider", w.merchant, mid, "paypal", good, genuine.ENotFound},
		{"the simulated provider", w.merchant, mid, "simulated", good, genuine.ENotFound},
		{"a key that does not parse", w.merchant, mid, "testpay", []byte(`{"mode":"test","key":"nope"}`), genuine.EInvalid},
		{"no mode", w.merchant, mid, "testpay", []byte(`{"key":"` + secret + `"}`), genuine.EInvalid},
		{"too long", w.merchant, mid, "testpay", bytes.Repeat([]byte(" "), 70<<10), genuine.EInvalid},
		{"live in test mode", w.merchant, mid, "testpay", []byte(`{"mode":"live","key":"` + secret + `"}`), genuine.EConflict},
		{"a merchant that does not exist", w.admin, "mer_nope", "testpay", good, genuine.ENotFound},
	} {
		if _, err := w.app.PutProviderAccount(ctx, tc.p, tc.merchant, tc.provider, tc.settings); genuine.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if _, err := w.app.ProviderAccounts(ctx, other, mid); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("another merchant lists the accounts: %v", err)
	}

	// A checkout names the provider: the merchant's account acts for it,
	// connected once, with its own notify URL.
	codes := w.released(t, 2)
	in := cart(100, codes[0])
	in.Provider = "testpay"
	if _, err := w.app.Checkout(ctx, w.merchant, "k1", in); genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Fatalf("checkout through a provider that does not answer: %v", err)
	}
	if _, err := w.app.Checkout(ctx, w.merchant, "k2", in); genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Fatalf("checkout again: %v", err)
	}
	if n := conn.connects.Load(); n != 1 {
		t.Errorf("the account was connected %d times for two checkouts, want once", n)
	}
	if got := conn.notify.Load(); got != "https://genuine.test/v1/payments/testpay/notify/"+mid {
		t.Errorf("notify URL %v", got)
	}
	if v := w.verify(t, codes[0]); v.State == genuine.StateReserved {
		t.Errorf("after the provider failed the unit is still %s", v.State)
	}
	// A merchant without an account there is refused before anything is
	// reserved.
	if _, err := w.app.Checkout(ctx, other, "k3", in); genuine.ErrorCode(err) != genuine.EInvalid ||
		!strings.Contains(genuine.ErrorMessage(err), "PUT /v1/merchants/") {
		t.Errorf("checkout by a merchant without an account: %v", err)
	}
	// Changed keys are connected again.
	if _, err := w.app.PutProviderAccount(ctx, w.admin, mid, "testpay", []byte(`{"mode":"test","key":"key_0000aaaa"}`)); err != nil {
		t.Fatal(err)
	}
	w.app.Checkout(ctx, w.merchant, "k4", in)
	if n := conn.connects.Load(); n != 2 {
		t.Errorf("connected %d times after the account changed, want 2", n)
	}

	// Notifications to the merchant's address are verified with its
	// account's keys; an address of no account is not found.
	r, _ := http.NewRequest("POST", "/", nil)
	if err := w.app.ApplyNotification(ctx, "testpay", mid, r, []byte("{}")); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("a notification the account's provider refuses: %v", err)
	}
	for _, tc := range [][2]string{{"testpay", other.MerchantID}, {"testpay", ""}, {"testpay", "mer_../../x"}, {"simulated", mid}, {"paypal", mid}} {
		if err := w.app.ApplyNotification(ctx, tc[0], tc[1], r, []byte("{}")); genuine.ErrorCode(err) != genuine.ENotFound {
			t.Errorf("a notification for %s of merchant %q: %v, want not found", tc[0], tc[1], err)
		}
	}

	if err := w.app.DeleteProviderAccount(ctx, other, mid, "testpay"); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("another merchant deletes the account: %v", err)
	}
	if err := w.app.DeleteProviderAccount(ctx, w.merchant, mid, "testpay"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.Checkout(ctx, w.merchant, "k5", in); genuine.ErrorCode(err) != genuine.EInvalid {
		t.Errorf("checkout after the account was deleted: %v", err)
	}
}

// A live account is taken when the server does not run in test mode, and
// is refused once it does; rotating the master key keeps accounts.
func TestProviderAccountLiveAndRotation(t *testing.T) {
	w, conn := accountWorld(t, false)
	ctx := context.Background()
	mid := w.merchant.MerchantID
	if err := genuine.OpenStore(ctx, w.db, w.sealer); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.PutProviderAccount(ctx, w.merchant, mid, "testpay", []byte(`{"mode":"live","key":"key_11112222"}`)); err != nil {
		t.Fatalf("a live account outside test mode: %v", err)
	}
	code := w.released(t, 1)[0]
	next := newSealer(t)
	if err := genuine.RotateMasterKey(ctx, w.db, w.sealer, next); err != nil {
		t.Fatal(err)
	}
	in := cart(100, code)
	in.Provider = "testpay"
	rotated := genuine.NewApp(w.db, genuine.Config{Now: w.clock.now, Connectors: []genuine.Connector{conn}, Sealer: next})
	t.Cleanup(func() { rotated.Close() })
	if _, err := rotated.Checkout(ctx, w.merchant, "k1", in); genuine.ErrorCode(err) != genuine.EUnavailable || conn.connects.Load() != 1 {
		t.Errorf("a checkout on the account after rotation: %v, %d connects; want the provider reached once", err, conn.connects.Load())
	}
	testMode := genuine.NewApp(w.db, genuine.Config{Now: w.clock.now, Connectors: []genuine.Connector{conn}, TestMode: true, Sealer: next})
	t.Cleanup(func() { testMode.Close() })
	if _, err := testMode.Checkout(ctx, w.merchant, "k2", in); genuine.ErrorCode(err) != genuine.EConflict {
		t.Errorf("a checkout on a live account in test mode: %v, want conflict", err)
	}
}

// Merchants name their accounts themselves, so merchant B may name merchant
// A's: a notification B signs with its own keys, at its own address, of
// A's payment and naming A's account, is refused (payment_mismatch) and
// changes nothing; A's own is applied.
func TestNotificationOfAnotherMerchantsPayment(t *testing.T) {
	w, _ := accountWorld(t, true)
	ctx := context.Background()
	a, b := w.merchant, w.newMerchant(t, "CN-GD-GZ")
	for _, m := range []struct {
		p   *genuine.Principal
		key string
	}{{a, "key_workAAAA"}, {b, "key_workBBBB"}} {
		acct, err := w.app.PutProviderAccount(ctx, m.p, m.p.MerchantID, "testpay", []byte(`{"mode":"test","key":"`+m.key+`"}`))
		if err != nil || acct.Account != "acct_work" {
			t.Fatalf("account: %+v, %v", acct, err)
		}
	}
	code := w.released(t, 1)[0]
	in := cart(100, code)
	in.Provider = "testpay"
	c, err := w.app.Checkout(ctx, a, "k1", in)
	if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Fatalf("checkout: %+v, %v", c, err)
	}
	notify := func(merchant, key, id string) error {
		body, _ := json.Marshal(testNotification{ID: id, Reference: c.Payment.Reference, Status: genuine.PaymentCanceled,
			Amount: c.Total, Currency: c.Currency, Account: c.Payment.Account, Key: key})
		r, _ := http.NewRequest("POST", "/", nil)
		return w.app.ApplyNotification(ctx, "testpay", merchant, r, body)
	}
	if err := notify(b.MerchantID, "key_workBBBB", "n1"); genuine.ErrorCode(err) != genuine.EPaymentMismatch {
		t.Errorf("B's notification of A's payment: %v, want %s", err, genuine.EPaymentMismatch)
	}
	if got, _ := w.app.GetCheckout(ctx, a, c.ID); got.Status != genuine.CheckoutAwaitingPayment {
		t.Errorf("after B's notification A's checkout is %s", got.Status)
	}
	if v := w.verify(t, code); v.State != genuine.StateReserved {
		t.Errorf("after B's notification the unit is %s", v.State)
	}
	if err := notify(a.MerchantID, "key_workBBBB", "n2"); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("B's notification at A's address: %v, want %s", err, genuine.EUnauthorized)
	}
	if err := notify(a.MerchantID, "key_workAAAA", "n3"); err != nil {
		t.Fatalf("A's own notification: %v", err)
	}
	if got, _ := w.app.GetCheckout(ctx, a, c.ID); got.Status != genuine.CheckoutCanceled {
		t.Errorf("after A's notification its checkout is %s, want canceled", got.Status)
	}
}
