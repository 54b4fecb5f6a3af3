package stripe

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"genuine"
	"genuine/payment"
)

// Fake is a local stand-in for Stripe, for tests, demos and benchmarks: an
// HTTP server that answers the SDK's calls the Provider makes (Checkout
// Sessions: create, retrieve with expansions, expire; refunds: create,
// list), form-encoded as the SDK sends them, with the account named by the
// request's secret key (an unknown key is a 401 in Stripe's error JSON).
// It keeps its state in memory: sessions expire at their expires_at, paid
// ones are refunded in part or whole, a POST's Idempotency-Key replays the
// first answer for 24 hours (another request under the same key is an
// idempotency_error), and errors have Stripe's shape. It sends webhook
// events to each account's endpoint signed with its webhook secret as
// Stripe does. Its methods are safe for concurrent use.
type Fake struct {
	srv    *httptest.Server
	client *http.Client
	offset atomic.Int64 // how far the fake's clock is ahead of time.Now, in nanoseconds

	ctx    context.Context // canceled by Close: background sends stop
	cancel context.CancelFunc
	sends  sync.WaitGroup

	mu       sync.Mutex
	accounts map[string]*fakeAccount   // by secret key
	sessions map[string]*fakeSession   // by id
	intents  map[string]*fakeSession   // by payment intent id
	refunds  map[string][]*fakeRefund  // by payment intent id, oldest first
	replays  map[string]*fakeReplay    // by account id and idempotency key
	sent     map[string][]payment.Sent // by session id
}

var _ payment.Fake = (*Fake)(nil)

// fakeAccount is a Stripe account at the fake, with its webhook endpoint.
type fakeAccount struct {
	id, secretKey, webhookSecret, notifyURL string
}

// fakeSession is a Checkout Session in payment mode, with its payment
// intent once the buyer has paid or tried to.
type fakeSession struct {
	id                string
	account           *fakeAccount
	status            string // open, complete, expired
	paymentStatus     string // unpaid, paid
	amount            int64  // Stripe's unit
	currency          string // lower case
	clientReferenceID string
	payURL            string // the hosted page, at the fake
	metadata          map[string]string
	created           int64
	expiresAt         int64
	intent            *fakeIntent
}

// fakeIntent is a session's payment intent and its one charge.
type fakeIntent struct {
	id, chargeID   string
	status         string // succeeded, requires_payment_method
	failed         bool   // its last payment failed
	amountRefunded int64
	created        int64
}

// fakeRefund is a refund of a payment intent.
type fakeRefund struct {
	id       string
	intent   string
	charge   string
	amount   int64
	currency string
	metadata map[string]string
	created  int64
}

// fakeReplay is the first answer to a POST under an idempotency key.
type fakeReplay struct {
	request string // method, path and the parameters, canonical
	status  int
	body    []byte
	expires int64
}

// NewFake starts a Fake on a loopback port. Close stops it.
func NewFake() *Fake {
	ctx, cancel := context.WithCancel(context.Background())
	f := &Fake{
		client: &http.Client{
			Timeout:   10 * time.Second,
			Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 128, IdleConnTimeout: time.Minute},
		},
		ctx: ctx, cancel: cancel,
		accounts: make(map[string]*fakeAccount),
		sessions: make(map[string]*fakeSession),
		intents:  make(map[string]*fakeSession),
		refunds:  make(map[string][]*fakeRefund),
		replays:  make(map[string]*fakeReplay),
		sent:     make(map[string][]payment.Sent),
	}
	f.srv = httptest.NewServer(f.routes())
	return f
}

// URL is the base URL of the fake's API.
func (f *Fake) URL() string { return f.srv.URL }

// Close stops the fake once the webhook events it is sending are
// answered; those still waiting to be sent are dropped.
func (f *Fake) Close() {
	f.cancel()
	f.sends.Wait()
	f.srv.Close()
	f.client.CloseIdleConnections()
}

// Now is the fake's clock: time.Now moved by Advance.
func (f *Fake) Now() time.Time { return time.Now().Add(time.Duration(f.offset.Load())) }

// Advance moves the fake's clock forward by d, expiring the open sessions
// whose time has come, as Stripe does (sending checkout.session.expired).
// The Connector's Providers follow the fake's clock.
func (f *Fake) Advance(d time.Duration) {
	f.offset.Add(int64(d))
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.Now().Unix()
	for _, s := range f.sessions {
		f.refresh(s, now)
	}
}

// Connector returns a Connector whose Providers call the fake.
func (f *Fake) Connector() genuine.Connector {
	return New(Config{HTTPClient: f.client, URL: f.URL(), Now: f.Now})
}

// Account opens a new test-mode account at the fake, with its own secret
// key, webhook secret and id, whose webhook endpoint is notifyURL ("" for
// none), and returns its settings as a merchant gives them.
func (f *Fake) Account(notifyURL string) ([]byte, error) {
	a := &fakeAccount{
		id:            "acct_" + token(16),
		secretKey:     "sk_test_" + token(32),
		webhookSecret: "whsec_" + token(32),
		notifyURL:     notifyURL,
	}
	f.mu.Lock()
	f.accounts[a.secretKey] = a
	f.mu.Unlock()
	return json.Marshal(settings{Mode: genuine.ModeTest, SecretKey: a.secretKey, WebhookSecret: a.webhookSecret, AccountID: a.id})
}

// Pay is the buyer paying an open session by card: it completes, paid,
// and checkout.session.completed goes to the account's endpoint. Pay
// returns once the event was answered (at once for an account without an
// endpoint); an error if it could not be delivered. A session that is not
// open is an *Error with EConflict, an unknown one ENotFound.
func (f *Fake) Pay(ctx context.Context, reference string) error {
	ev, err := f.settle(reference, true, eventCompleted)
	if err != nil {
		return err
	}
	return f.deliver(ctx, ev[0])
}

// PaySilently is Pay with no event sent.
func (f *Fake) PaySilently(ctx context.Context, reference string) error {
	_, err := f.settle(reference, true)
	return err
}

// Decline is the buyer paying an open session by an asynchronous method
// (a bank debit) that then fails: the session completes unpaid, and
// checkout.session.completed then checkout.session.async_payment_failed go
// to the account's endpoint. It returns once both were answered, and
// gives the errors Pay gives.
func (f *Fake) Decline(ctx context.Context, reference string) error {
	evs, err := f.settle(reference, false, eventCompleted, eventAsyncFailed)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		if err := f.deliver(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// settle completes an open session, paid or with its payment failed, and
// returns the events of the given types about it.
func (f *Fake) settle(reference string, paid bool, types ...string) ([]outgoing, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.session(reference)
	if err != nil {
		return nil, err
	}
	if s.status != "open" {
		return nil, genuine.Errorf(genuine.EConflict, "Stripe session %s is %s", s.id, s.status)
	}
	now := f.Now().Unix()
	s.status = "complete"
	s.intent = &fakeIntent{id: "pi_" + token(24), chargeID: "ch_" + token(24), created: now}
	f.intents[s.intent.id] = s
	if paid {
		s.paymentStatus, s.intent.status = "paid", "succeeded"
	} else {
		s.intent.status, s.intent.failed = "requires_payment_method", true
	}
	evs := make([]outgoing, len(types))
	for i, t := range types {
		evs[i] = f.event(s, t, now)
	}
	return evs, nil
}

// session returns a session by id, brought up to date; f.mu is held.
func (f *Fake) session(reference string) (*fakeSession, error) {
	s, ok := f.sessions[reference]
	if !ok {
		return nil, genuine.Errorf(genuine.ENotFound, "Stripe session %.60q not found", reference)
	}
	f.refresh(s, f.Now().Unix())
	return s, nil
}

// refresh expires an open session whose time has come, and sends
// checkout.session.expired about it in the background; f.mu is held.
func (f *Fake) refresh(s *fakeSession, now int64) {
	if s.status == "open" && now >= s.expiresAt {
		f.expire(s, now)
	}
}

// eventDelay is how long after an API call the fake sends the events it
// caused: Stripe sends them a moment later, not before it answers.
const eventDelay = 250 * time.Millisecond

// expire expires an open session and sends checkout.session.expired about
// it in the background, eventDelay later; f.mu is held.
func (f *Fake) expire(s *fakeSession, now int64) {
	s.status = "expired"
	ev := f.event(s, eventExpired, now)
	if f.ctx.Err() != nil {
		return
	}
	f.sends.Add(1)
	go func() {
		defer f.sends.Done()
		select {
		case <-f.ctx.Done():
			return
		case <-time.After(eventDelay):
		}
		f.deliver(f.ctx, ev)
	}()
}

// State returns a session as the fake keeps it, in genuine's terms: open
// is pending, expired canceled, complete and paid paid (refunded once all
// of it is), complete and unpaid failed.
func (f *Fake) State(reference string) (genuine.PaymentState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.session(reference)
	if err != nil {
		return genuine.PaymentState{}, err
	}
	amount, err := payment.FromStripe(s.amount, s.currency)
	if err != nil {
		return genuine.PaymentState{}, err
	}
	st := genuine.PaymentState{Status: genuine.PaymentPending, Amount: amount, Currency: strings.ToUpper(s.currency), Account: s.account.id}
	switch {
	case s.status == "expired":
		st.Status = genuine.PaymentCanceled
	case s.status == "open":
	case s.paymentStatus == "paid":
		st.Status = genuine.PaymentPaid
		if st.Refunded, err = payment.FromStripe(s.intent.amountRefunded, s.currency); err != nil {
			return genuine.PaymentState{}, err
		}
		if s.intent.amountRefunded == s.amount {
			st.Status = genuine.PaymentRefunded
		}
	case s.intent != nil && s.intent.failed:
		st.Status = genuine.PaymentFailed
	}
	return st, nil
}

// Sent returns the webhook events the fake sent about a session, oldest
// first, as sent, with the status they were answered with.
func (f *Fake) Sent(reference string) []payment.Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]payment.Sent(nil), f.sent[reference]...)
}

// Forge posts to notifyURL a checkout.session.completed event, paid, of a
// session for amount minor units of its currency, signed with the webhook
// secret of settings (which may be another account's than the session's),
// and returns the answer's HTTP status. The event names no account, as
// Stripe's events to an account's own endpoint do not: the account is the
// one whose secret verifies it.
func (f *Fake) Forge(ctx context.Context, reference string, amount int64, settingsJSON []byte, notifyURL string) (int, error) {
	st, err := parseSettings(settingsJSON)
	if err != nil {
		return 0, err
	}
	f.mu.Lock()
	s, err := f.session(reference)
	if err != nil {
		f.mu.Unlock()
		return 0, err
	}
	forged := *s
	if s.intent != nil {
		in := *s.intent
		forged.intent = &in
	}
	f.mu.Unlock()
	if forged.amount, err = payment.ToStripe(amount, strings.ToUpper(s.currency)); err != nil {
		return 0, err
	}
	forged.status, forged.paymentStatus = "complete", "paid"
	ev := f.event(&forged, eventCompleted, f.Now().Unix())
	ev.url, ev.secret = notifyURL, st.WebhookSecret
	sent, err := f.post(ctx, ev)
	return sent.Status, err
}

// outgoing is a webhook event to send: its session, body, endpoint and
// signing secret.
type outgoing struct {
	session, url, secret string
	body                 []byte
}

// event returns an event of a type about a session, as it is now, to its
// account's endpoint; f.mu is held or s is a copy.
func (f *Fake) event(s *fakeSession, typ string, now int64) outgoing {
	body, _ := json.Marshal(eventJSON{
		ID: "evt_" + token(24), Object: "event", APIVersion: apiVersion, Created: now,
		Data: eventData{Object: sessionObject(s, false, false)}, PendingWebhooks: 1, Type: typ,
	})
	return outgoing{session: s.id, url: s.account.notifyURL, secret: s.account.webhookSecret, body: body}
}

// deliver posts an event to its endpoint, if there is one, and records it
// as sent. It returns an error only if no answer came.
func (f *Fake) deliver(ctx context.Context, ev outgoing) error {
	if ev.url == "" {
		return nil
	}
	sent, err := f.post(ctx, ev)
	f.mu.Lock()
	f.sent[ev.session] = append(f.sent[ev.session], sent)
	f.mu.Unlock()
	return err
}

// post signs an event as Stripe does, now, and posts it once.
func (f *Fake) post(ctx context.Context, ev outgoing) (payment.Sent, error) {
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: ev.body, Secret: ev.secret, Timestamp: time.Now()})
	sent := payment.Sent{URL: ev.url, Body: ev.body, Header: http.Header{
		"Content-Type":  {"application/json; charset=utf-8"},
		"User-Agent":    {"Stripe/1.0 (+https://stripe.com/docs/webhooks)"},
		SignatureHeader: {signed.Header},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ev.url, bytes.NewReader(ev.body))
	if err != nil {
		return sent, err
	}
	req.Header = sent.Header.Clone()
	resp, err := f.client.Do(req)
	if err != nil {
		return sent, fmt.Errorf("send stripe event to %s: %w", ev.url, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	sent.Status = resp.StatusCode
	return sent, nil
}

// token returns n random letters and digits, as Stripe's ids and secrets
// have.
func token(n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
