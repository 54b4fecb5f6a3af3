// Package alipay is the Alipay payment provider: 当面付 (face-to-face
// payment) through Alipay's open API (gateway.do, version 1.0, RSA2
// signatures in public-key mode), with the official SDK
// github.com/smartwalle/alipay/v3. Each merchant is paid to its own Alipay
// app, with its own keys.
//
// A payment is started with alipay.trade.precreate: the till shows the
// answer's qr_code, which the buyer scans with the Alipay app. It is asked
// about with alipay.trade.query, closed with alipay.trade.close (or, for a
// trade nobody has scanned yet, which does not exist at Alipay,
// alipay.trade.cancel) and refunded, in part or whole, with
// alipay.trade.refund, once per out_request_no. Every answer is signed by
// Alipay and verified by the SDK.
//
// Alipay tells of a trade through its asynchronous notification (notify_url,
// notify_type trade_status_sync): a form whose parameters, sorted and
// without sign and sign_type, are signed with RSA2 (SHA256WithRSA) by
// Alipay's key for the app. ParseNotification verifies it with the app's
// Alipay public key through the SDK, refuses one whose notify_time is too
// old or too far ahead, and reads trade_status: TRADE_SUCCESS and
// TRADE_FINISHED are paid, TRADE_CLOSED canceled (refunded when its
// refund_fee is its total_amount). The App answers it with the plain text
// "success" (Alipay sends it again otherwise) or "fail".
//
// Fake, in this package, is a local Alipay gateway that the SDK talks to
// unmodified, for tests, `genuine demo` and `genuine bench`.
package alipay

import (
	"fmt"
	"net/http"
	"time"

	alipaysdk "github.com/smartwalle/alipay/v3"

	"genuine"
	"genuine/payment"
)

// name is the provider's name in URLs, checkouts and accounts.
const name = "alipay"

// beijing is the time zone of Alipay's timestamps, notify_time and
// time_expire: China Standard Time, which keeps no daylight saving time.
var beijing = time.FixedZone("CST", 8*60*60)

// timeLayout is how Alipay writes a time: "2006-01-02 15:04:05" in Beijing.
const timeLayout = "2006-01-02 15:04:05"

// Config is what a Connector needs. The zero Config talks to Alipay itself:
// test-mode accounts to its sandbox gateway, live ones to its production
// gateway.
type Config struct {
	// Client sends the SDK's requests; nil means payment.NewHTTPClient.
	Client *http.Client
	// SandboxGateway and ProductionGateway, if not "", are the gateway
	// URLs of test-mode and live accounts, in place of Alipay's (a Fake's
	// URL).
	SandboxGateway    string
	ProductionGateway string
	// Now is the clock that notifications' notify_time is checked
	// against, and payments' default expiry counted from; nil means
	// time.Now.
	Now func() time.Time
}

// Connector makes the Providers of merchants' Alipay apps. Its methods are
// safe for concurrent use.
type Connector struct {
	client            *http.Client
	sandboxGateway    string
	productionGateway string
	now               func() time.Time
}

var (
	_ genuine.Connector = (*Connector)(nil)
	_ genuine.Replier   = (*Connector)(nil)
)

// New returns a Connector for cfg.
func New(cfg Config) *Connector {
	c := &Connector{
		client:            cfg.Client,
		sandboxGateway:    cfg.SandboxGateway,
		productionGateway: cfg.ProductionGateway,
		now:               cfg.Now,
	}
	if c.client == nil {
		c.client = payment.NewHTTPClient()
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Name returns "alipay".
func (c *Connector) Name() string { return name }

// ParseAccount checks the settings a merchant gives for its Alipay app, a
// JSON object with no other members than
//
//	{"mode": "test"|"live", "app_id": "…", "private_key": "…",
//	 "alipay_public_key": "…", "seller_id": "2088…"}
//
// mode, app_id (16 digits; a sandbox app's, which begins 9021, exactly in
// test mode), private_key (the app's RSA private key of at least 2048 bits,
// PKCS #1 or PKCS #8, in PEM or bare base64) and alipay_public_key (Alipay's
// RSA public key for the app, PKIX, in PEM or bare base64, and not the
// app's own) are required; seller_id (the merchant's 2088… Alipay user id)
// is optional. It returns an *Error with EInvalid naming the member that is
// wrong. The settings it returns hold the keys in PEM, PKCS #8 and PKIX;
// Masked describes each key by its size and fingerprint.
func (c *Connector) ParseAccount(data []byte) (*genuine.AccountSettings, error) {
	a, err := parseSettings(data)
	if err != nil {
		return nil, err
	}
	return &genuine.AccountSettings{
		Mode:     a.Mode,
		Account:  a.AppID,
		Masked:   a.masked(),
		Settings: a.canonical(),
	}, nil
}

// Connect returns the Provider of an account whose settings ParseAccount
// accepted, with the SDK's client for its app made once: it sends each
// payment's notifications to notifyURL.
func (c *Connector) Connect(acct *genuine.ProviderAccount, notifyURL string) (genuine.Provider, error) {
	if acct.Provider != name {
		return nil, fmt.Errorf("alipay: connect an account of provider %q", acct.Provider)
	}
	a, err := parseSettings(acct.Settings)
	if err != nil {
		return nil, fmt.Errorf("alipay: connect account %s: %w", acct.Account, err)
	}
	if a.AppID != acct.Account {
		return nil, fmt.Errorf("alipay: account %s has the settings of app %s", acct.Account, a.AppID)
	}
	production := a.Mode == genuine.ModeLive
	client, err := alipaysdk.New(a.AppID, a.canonicalPrivateKey(), production,
		alipaysdk.WithHTTPClient(c.client),
		alipaysdk.WithTimeLocation(beijing),
		alipaysdk.WithSandboxGateway(c.sandboxGateway),
		alipaysdk.WithProductionGateway(c.productionGateway),
	)
	if err != nil {
		return nil, fmt.Errorf("alipay: connect account %s: %w", a.AppID, err)
	}
	if err := client.LoadAliPayPublicKey(a.canonicalAlipayKey()); err != nil {
		return nil, fmt.Errorf("alipay: connect account %s: Alipay's public key: %w", a.AppID, err)
	}
	return &Provider{
		client:    client,
		account:   a.AppID,
		sellerID:  a.SellerID,
		notifyURL: notifyURL,
		now:       c.now,
	}, nil
}

// ReplyNotification returns what Alipay wants in answer to a notification:
// the plain text "success" once it is applied, "fail" otherwise (Alipay
// sends it again until it reads "success").
func (c *Connector) ReplyNotification(err error) (contentType string, body []byte) {
	return reply(err)
}

// reply is the answer to a notification that was applied (err nil) or not.
func reply(err error) (string, []byte) {
	if err != nil {
		return "text/plain; charset=utf-8", []byte("fail")
	}
	return "text/plain; charset=utf-8", []byte("success")
}
