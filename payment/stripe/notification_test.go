package stripe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"genuine"
	"genuine/payment/paytest"
	"genuine/payment/stripe"
)

// paid returns a merchant at a fake and the webhook event of a payment it
// was paid, as the fake sent it.
func paid(t *testing.T) (*stripe.Fake, *merchant, *genuine.Payment, paytest.Sent) {
	t.Helper()
	f := newFake(t)
	m := newMerchant(t, f)
	pay := create(t, m, request(f, "chk_1", 2500, "USD"))
	if err := f.Pay(context.Background(), pay.Reference); err != nil {
		t.Fatal(err)
	}
	sent := f.Sent(pay.Reference)
	if len(sent) != 1 || sent[0].Status != http.StatusOK {
		t.Fatalf("Sent = %+v, want one event answered 200", sent)
	}
	return f, m, pay, sent[0]
}

// deliver parses body with header as the endpoint would.
func deliver(prov genuine.Provider, header http.Header, body []byte) (*genuine.Notification, error) {
	r, _ := http.NewRequest(http.MethodPost, "http://genuine.test/v1/payments/stripe/notify/m1", bytes.NewReader(body))
	r.Header = header.Clone()
	return prov.ParseNotification(r, body)
}

// signed returns the header of body signed with secret at t.
func signed(body []byte, secret string, t time.Time) http.Header {
	s := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: t})
	return http.Header{stripe.SignatureHeader: {s.Header}}
}

// webhookSecret returns the webhook secret of settings.
func webhookSecret(t *testing.T, settings []byte) string {
	var s struct {
		WebhookSecret string `json:"webhook_secret"`
	}
	if err := json.Unmarshal(settings, &s); err != nil {
		t.Fatal(err)
	}
	return s.WebhookSecret
}

func TestNotificationReplayed(t *testing.T) {
	_, m, pay, sent := paid(t)
	first := m.notifications()[0]
	again, err := deliver(m.prov, sent.Header, sent.Body)
	if err != nil {
		t.Fatal(err)
	}
	if *again != *first {
		t.Errorf("replay parsed as %+v, first as %+v: want the same, with the same ID", again, first)
	}
	if again.Reference != pay.Reference {
		t.Errorf("Reference = %q, want %q", again.Reference, pay.Reference)
	}
}

func TestNotificationRefused(t *testing.T) {
	f, m, _, sent := paid(t)
	other := newMerchant(t, f)
	tampered := bytes.Replace(sent.Body, []byte(`"amount_total":2500`), []byte(`"amount_total":1`), 1)
	if bytes.Equal(tampered, sent.Body) {
		t.Fatalf("the body has no amount_total of 2500: %s", sent.Body)
	}
	stale := signed(sent.Body, webhookSecret(t, m.settings), time.Now().Add(-webhook.DefaultTolerance-time.Minute))
	for _, tc := range []struct {
		name   string
		prov   genuine.Provider
		header http.Header
		body   []byte
	}{
		{"tampered body", m.prov, sent.Header, tampered},
		{"another account's endpoint", other.prov, sent.Header, sent.Body},
		{"signed with another account's secret", m.prov, signed(sent.Body, webhookSecret(t, other.settings), time.Now()), sent.Body},
		{"no header", m.prov, http.Header{}, sent.Body},
		{"malformed header", m.prov, http.Header{stripe.SignatureHeader: {"t=abc,v1=00"}}, sent.Body},
		{"no v1 signature", m.prov, http.Header{stripe.SignatureHeader: {"t=1,v0=00"}}, sent.Body},
		{"stale", m.prov, stale, sent.Body},
	} {
		n, err := deliver(tc.prov, tc.header, tc.body)
		if genuine.ErrorCode(err) != genuine.EUnauthorized || n != nil {
			t.Errorf("%s: %+v, %v; want EUnauthorized", tc.name, n, err)
		}
	}
	if n, err := m.prov.ParseNotification(nil, sent.Body); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("no request: %+v, %v; want EUnauthorized", n, err)
	}
	// The same body signed now with the right secret is accepted: the
	// stale case failed for its age alone.
	if _, err := deliver(m.prov, signed(sent.Body, webhookSecret(t, m.settings), time.Now()), sent.Body); err != nil {
		t.Errorf("signed afresh: %v", err)
	}
}

// event returns a signed event of a type about a session, from the event
// the fake sent, with its data.object's members in change replaced.
func event(t *testing.T, sent paytest.Sent, typ string, change map[string]any) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(sent.Body, &ev); err != nil {
		t.Fatal(err)
	}
	ev["type"], ev["id"] = typ, "evt_"+strings.ReplaceAll(typ, ".", "_")
	obj := ev["data"].(map[string]any)["object"].(map[string]any)
	for k, v := range change {
		obj[k] = v
	}
	body, _ := json.Marshal(ev)
	return body
}

func TestNotificationEvents(t *testing.T) {
	_, m, pay, sent := paid(t)
	secret := webhookSecret(t, m.settings)
	for _, tc := range []struct {
		typ    string
		change map[string]any
		want   genuine.PaymentStatus // "" for nil, nil
	}{
		{"checkout.session.completed", nil, genuine.PaymentPaid},
		{"checkout.session.completed", map[string]any{"payment_status": "unpaid"}, ""},
		{"checkout.session.async_payment_succeeded", nil, genuine.PaymentPaid},
		{"checkout.session.async_payment_failed", map[string]any{"payment_status": "unpaid"}, genuine.PaymentFailed},
		{"checkout.session.expired", map[string]any{"status": "expired", "payment_status": "unpaid"}, genuine.PaymentCanceled},
		{"payment_intent.created", map[string]any{"id": "pi_123456789012", "object": "payment_intent"}, ""},
		{"charge.refunded", map[string]any{"id": "ch_123456789012", "object": "charge"}, ""},
	} {
		body := event(t, sent, tc.typ, tc.change)
		n, err := deliver(m.prov, signed(body, secret, time.Now()), body)
		switch {
		case err != nil:
			t.Errorf("%s %v: %v", tc.typ, tc.change, err)
		case tc.want == "" && n != nil:
			t.Errorf("%s %v: %+v, want nil, nil", tc.typ, tc.change, n)
		case tc.want != "" && (n == nil || n.Status != tc.want || n.Reference != pay.Reference || n.Amount != 2500 || n.Account != m.account):
			t.Errorf("%s %v: %+v, want %s of %s", tc.typ, tc.change, n, tc.want, pay.Reference)
		}
	}

	// An event that names another account (a Connect event, or one the
	// holder of the webhook secret wrote naming another merchant's
	// account) is not this account's: nil, nil, whatever it tells. One
	// that names this account is this account's.
	for _, typ := range []string{"checkout.session.completed", "checkout.session.expired", "checkout.session.async_payment_failed"} {
		for account, want := range map[string]string{"acct_connected000001": "", m.account: m.account} {
			body := event(t, sent, typ, map[string]any{"status": "expired", "payment_status": "unpaid"})
			if typ == "checkout.session.completed" {
				body = event(t, sent, typ, nil)
			}
			var ev map[string]any
			json.Unmarshal(body, &ev)
			ev["account"] = account
			body, _ = json.Marshal(ev)
			n, err := deliver(m.prov, signed(body, secret, time.Now()), body)
			switch {
			case err != nil:
				t.Errorf("%s naming %s: %v", typ, account, err)
			case want == "" && n != nil:
				t.Errorf("%s naming another account %s: %+v, want nil, nil", typ, account, n)
			case want != "" && (n == nil || n.Account != want):
				t.Errorf("%s naming its own account: %+v, want Account %s", typ, n, want)
			}
		}
	}

	// Verified, but not a Checkout Session's event: EInvalid.
	for _, bad := range [][]byte{
		event(t, sent, "checkout.session.completed", map[string]any{"id": "pi_123456789012"}),
		event(t, sent, "checkout.session.completed", map[string]any{"currency": "xyz"}),
		[]byte(`{"object":"event","id":"evt_1","type":"checkout.session.completed"`),
	} {
		if n, err := deliver(m.prov, signed(bad, secret, time.Now()), bad); genuine.ErrorCode(err) != genuine.EInvalid {
			t.Errorf("%s: %+v, %v; want EInvalid", bad, n, err)
		}
	}
}

func FuzzParseNotification(f *testing.F) {
	fake := stripe.NewFake()
	defer fake.Close()
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer endpoint.Close()
	settings, err := fake.Account(endpoint.URL)
	if err != nil {
		f.Fatal(err)
	}
	conn := fake.Connector()
	as, err := conn.ParseAccount(settings)
	if err != nil {
		f.Fatal(err)
	}
	prov, err := conn.Connect(&genuine.ProviderAccount{Account: as.Account, Settings: as.Settings}, "")
	if err != nil {
		f.Fatal(err)
	}
	var s struct {
		WebhookSecret string `json:"webhook_secret"`
	}
	json.Unmarshal(settings, &s)
	pay, err := prov.Create(context.Background(), genuine.PaymentRequest{
		CheckoutID: "chk_1", Amount: 1000, Currency: "USD", ExpiresAt: time.Now().Add(time.Hour), IdempotencyKey: "chk_1",
	})
	if err != nil {
		f.Fatal(err)
	}
	if err := fake.Pay(context.Background(), pay.Reference); err != nil {
		f.Fatal(err)
	}
	sent := fake.Sent(pay.Reference)
	if len(sent) != 1 {
		f.Fatalf("Sent = %+v, want one event", sent)
	}
	seed := sent[0].Body // a real event of the fake's
	if n, err := deliver(prov, sent[0].Header, seed); err != nil || n == nil {
		f.Fatalf("the seed does not parse: %+v, %v", n, err)
	}
	f.Add(seed, sent[0].Header.Get(stripe.SignatureHeader), true)
	f.Add(seed, sent[0].Header.Get(stripe.SignatureHeader), false)
	f.Fuzz(func(t *testing.T, body []byte, header string, seedSigned bool) {
		// With seedSigned, the header is the seed's signed now (so that
		// the fuzzer's own time does not make it stale), and any other
		// body must be refused.
		if seedSigned {
			header = signed(seed, s.WebhookSecret, time.Now()).Get(stripe.SignatureHeader)
		}
		r, _ := http.NewRequest(http.MethodPost, "http://genuine.test/", bytes.NewReader(body))
		r.Header.Set(stripe.SignatureHeader, header)
		n, err := prov.ParseNotification(r, body)
		if err == nil && seedSigned && !bytes.Equal(body, seed) {
			t.Fatalf("a changed body was accepted: %s → %+v", body, n)
		}
		if err != nil && n != nil {
			t.Fatalf("an error and a notification: %v, %+v", err, n)
		}
	})
}
