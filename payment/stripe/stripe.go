// Package stripe is the Stripe payment provider: each merchant is paid to
// its own Stripe account, through the official SDK (stripe-go v85, API
// version 2026-03-25.dahlia).
//
// A payment is a Checkout Session in payment mode (POST
// /v1/checkout/sessions) with one line item, the checkout's total; the
// till shows the session's hosted page URL as a QR code (Payment.PayURL
// and Payment.QR). Query retrieves the session (GET
// /v1/checkout/sessions/{id}, its payment intent and latest charge
// expanded), Cancel expires it (POST /v1/checkout/sessions/{id}/expire),
// and Refund refunds its payment intent (GET and POST /v1/refunds), once
// per idempotency key.
//
// Stripe sends notifications to the webhook endpoint the merchant
// registers in its dashboard, at genuine.NotifyPath("stripe", merchant),
// signed with that endpoint's secret in the Stripe-Signature header,
// which ParseNotification verifies with the SDK's webhook package (at most
// 5 minutes old). The events used are checkout.session.completed,
// checkout.session.async_payment_succeeded and .async_payment_failed, and
// checkout.session.expired; any other verified event is answered and
// ignored. Stripe wants no particular answer body.
//
// Fake is a local stand-in for Stripe's API and webhooks, which the SDK
// reaches unmodified through its backend URL.
package stripe

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"genuine"
	"genuine/payment"
)

// name is the provider's name in URLs, checkouts and accounts.
const name = "stripe"

// Config is what a Connector needs. The zero Config talks to Stripe.
type Config struct {
	// HTTPClient makes the calls to Stripe's API; nil means
	// payment.NewHTTPClient.
	HTTPClient *http.Client
	// URL is the base URL of Stripe's API; "" means Stripe's own,
	// https://api.stripe.com. The Fake sets its own.
	URL string
	// Now decides when a payment's session expires; nil means time.Now.
	Now func() time.Time
}

// Connector makes the Providers of merchants' own Stripe accounts. Its
// methods are safe for concurrent use.
type Connector struct {
	backends *stripego.Backends
	now      func() time.Time
}

var _ genuine.Connector = (*Connector)(nil)

// New returns a Connector for cfg.
func New(cfg Config) *Connector {
	bc := &stripego.BackendConfig{
		HTTPClient:    cfg.HTTPClient,
		LeveledLogger: &stripego.LeveledLogger{Level: stripego.LevelNull},
	}
	if bc.HTTPClient == nil {
		bc.HTTPClient = payment.NewHTTPClient()
	}
	if cfg.URL != "" {
		bc.URL = stripego.String(strings.TrimRight(cfg.URL, "/"))
	}
	c := &Connector{backends: stripego.NewBackendsWithConfig(bc), now: cfg.Now}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Name returns "stripe".
func (c *Connector) Name() string { return name }

// settings are a merchant's Stripe account settings, as a merchant gives
// them and as Connect reads them.
type settings struct {
	Mode          genuine.AccountMode `json:"mode"`
	SecretKey     string              `json:"secret_key"`
	WebhookSecret string              `json:"webhook_secret"`
	AccountID     string              `json:"account_id"`
}

// ParseAccount checks a merchant's Stripe settings, a JSON object with
// exactly the members mode ("test" or "live"), secret_key (a secret or
// restricted key of that mode: "sk_test_…", "rk_live_…"), webhook_secret
// (the signing secret of the merchant's webhook endpoint, "whsec_…") and
// account_id ("acct_…"), without calling Stripe. The account is
// account_id; both secrets are masked. A member missing, unknown or of the
// wrong form is an *Error with EInvalid naming it.
func (c *Connector) ParseAccount(data []byte) (*genuine.AccountSettings, error) {
	s, err := parseSettings(data)
	if err != nil {
		return nil, err
	}
	canon, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode stripe settings: %w", err)
	}
	return &genuine.AccountSettings{
		Mode:    s.Mode,
		Account: s.AccountID,
		Masked: map[string]string{
			"mode":           string(s.Mode),
			"account_id":     s.AccountID,
			"secret_key":     genuine.MaskSecret(s.SecretKey),
			"webhook_secret": genuine.MaskSecret(s.WebhookSecret),
		},
		Settings: canon,
	}, nil
}

// parseSettings decodes and checks settings as ParseAccount describes.
func parseSettings(data []byte) (*settings, error) {
	m, err := payment.DecodeSettings("Stripe", data, members[:])
	if err != nil {
		return nil, err
	}
	s := settings{
		Mode: genuine.AccountMode(m["mode"]), SecretKey: m["secret_key"],
		WebhookSecret: m["webhook_secret"], AccountID: m["account_id"],
	}
	switch s.Mode {
	case genuine.ModeTest, genuine.ModeLive:
	case "":
		return nil, genuine.Errorf(genuine.EInvalid, "Stripe settings: mode is missing: \"test\" or \"live\"")
	default:
		return nil, genuine.Errorf(genuine.EInvalid, "Stripe settings: mode %.10q is not \"test\" or \"live\"", s.Mode)
	}
	keyMode, ok := secretKeyMode(s.SecretKey)
	switch {
	case !ok:
		return nil, genuine.Errorf(genuine.EInvalid, "Stripe settings: secret_key is not a Stripe secret or restricted key (sk_test_…, sk_live_…, rk_test_…, rk_live_…)")
	case keyMode != s.Mode:
		return nil, genuine.Errorf(genuine.EInvalid, "Stripe settings: secret_key is a %s-mode key, but mode is %q", keyMode, s.Mode)
	case !hasToken(s.WebhookSecret, "whsec_"):
		return nil, genuine.Errorf(genuine.EInvalid, "Stripe settings: webhook_secret is not a webhook signing secret (whsec_…)")
	case !hasToken(s.AccountID, "acct_"):
		return nil, genuine.Errorf(genuine.EInvalid, "Stripe settings: account_id is not a Stripe account id (acct_…)")
	}
	return &s, nil
}

// members are the settings' JSON members, each a string.
var members = [...]string{"mode", "secret_key", "webhook_secret", "account_id"}

// secretKeyMode returns the mode of a Stripe secret or restricted API key,
// and whether key is one.
func secretKeyMode(key string) (genuine.AccountMode, bool) {
	for _, p := range [...]struct {
		prefix string
		mode   genuine.AccountMode
	}{{"sk_test_", genuine.ModeTest}, {"sk_live_", genuine.ModeLive}, {"rk_test_", genuine.ModeTest}, {"rk_live_", genuine.ModeLive}} {
		if hasToken(key, p.prefix) {
			return p.mode, true
		}
	}
	return "", false
}

// hasToken reports whether s is prefix followed by 8 to 250 ASCII letters,
// digits and underscores, as Stripe's keys, secrets and ids are.
func hasToken(s, prefix string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) < 8 || len(rest) > 250 {
		return false
	}
	for _, c := range []byte(rest) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Connect returns the Provider of a merchant's Stripe account, from
// settings ParseAccount accepted. notifyURL is not sent to Stripe: the
// merchant registers it as a webhook endpoint in its dashboard, and gives
// that endpoint's signing secret as webhook_secret.
func (c *Connector) Connect(acct *genuine.ProviderAccount, notifyURL string) (genuine.Provider, error) {
	s, err := parseSettings(acct.Settings)
	if err != nil {
		return nil, err
	}
	if acct.Account != "" && acct.Account != s.AccountID {
		return nil, genuine.Errorf(genuine.EInvalid, "Stripe account %.60q has the settings of %.60q", acct.Account, s.AccountID)
	}
	return &Provider{
		client:        stripego.NewClient(s.SecretKey, stripego.WithBackends(c.backends)),
		account:       s.AccountID,
		webhookSecret: s.WebhookSecret,
		now:           c.now,
	}, nil
}
