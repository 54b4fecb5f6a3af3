// Package wechatpay is the WeChat Pay payment provider: API v3, Native
// payments (扫码支付), through the official SDK
// github.com/wechatpay-apiv3/wechatpay-go, for merchants' own accounts.
//
// Each merchant connects its own account (its mchid, appid, merchant
// private key and certificate serial number, APIv3 key, and WeChat Pay's
// public key and its id). The SDK signs each request with the merchant's
// key (Authorization: WECHATPAY2-SHA256-RSA2048) and verifies each answer
// with WeChat Pay's public key; no platform certificate is downloaded.
//
// The endpoints used, all on https://api.mch.weixin.qq.com:
//
//   - POST /v3/pay/transactions/native starts a payment: the till shows
//     its code_url (weixin://wxpay/bizpayurl?pr=…) as a QR code, in both
//     Payment.QR and Payment.PayURL. Our checkout id is its out_trade_no
//     and its Reference; asked again, WeChat Pay gives the same code_url.
//   - GET /v3/pay/transactions/out-trade-no/{no}?mchid= queries it.
//   - POST /v3/pay/transactions/out-trade-no/{no}/close closes it.
//   - POST /v3/refund/domestic/refunds refunds all or part of it, once per
//     out_refund_no (our idempotency key).
//
// The one notification used is TRANSACTION.SUCCESS, posted to the
// notify_url each payment names. It is verified with the SDK's notify
// package: the Wechatpay-Signature header, SHA256-RSA2048 over
// "timestamp\nnonce\nbody\n", with the account's WeChat Pay public key
// (Wechatpay-Serial must name it), a timestamp within 5 minutes of now,
// and the resource decrypted with AEAD_AES_256_GCM under the account's
// APIv3 key. Other verified events are answered and not acted on.
// Notifications are answered {"code":"SUCCESS"} or
// {"code":"FAIL","message":…}. WeChat Pay sends no notification of a
// failed payment: the App learns of it by querying.
//
// WeChat Pay has no sandbox for API v3: an account's mode ("test" or
// "live") is how the merchant labels it, and both talk to the same host.
// The only keys known to be test keys are the local fake's (Fake), which a
// live account may not name.
package wechatpay

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"

	"genuine"
	"genuine/payment"
)

// name is the provider's name in URLs, checkouts and accounts.
const name = "wechatpay"

// Config is what a Connector needs. The zero Config talks to WeChat Pay.
type Config struct {
	// Client sends the SDK's requests; nil means payment.NewHTTPClient.
	// The SDK has no option for its base URL: a client whose
	// transport sends api.mch.weixin.qq.com elsewhere points it at
	// another server (Fake.Connector does so).
	Client *http.Client
}

// Connector makes the Providers of merchants' own WeChat Pay accounts.
// It is safe for concurrent use.
type Connector struct {
	client *http.Client
}

var (
	_ genuine.Connector = (*Connector)(nil)
	_ genuine.Replier   = (*Connector)(nil)
)

// New returns a Connector for cfg.
func New(cfg Config) *Connector {
	c := &Connector{client: cfg.Client}
	if c.client == nil {
		c.client = payment.NewHTTPClient()
	}
	return c
}

// Name returns "wechatpay".
func (c *Connector) Name() string { return name }

// ParseAccount checks a merchant's settings, a JSON object
//
//	{"mode": "test"|"live", "mchid": "…", "appid": "wx…",
//	 "merchant_serial_no": "…", "private_key": "-----BEGIN PRIVATE KEY-----…",
//	 "apiv3_key": "32 characters", "wechatpay_public_key_id": "PUB_KEY_ID_…",
//	 "wechatpay_public_key": "-----BEGIN PUBLIC KEY-----…"}
//
// without any call over the network. Every member is required and no other
// is taken; the keys must be RSA of at least 2048 bits (the private key
// PKCS #8, as apiclient_key.pem holds it, or PKCS #1), and WeChat Pay's
// key must not be the merchant's own. A live account may not name the
// local fake's key. It returns an *Error with EInvalid naming the first
// field that is wrong; otherwise the settings, canonical (the private key
// as PKCS #8), the mchid as the account, and the fields masked: the APIv3
// key by genuine.MaskSecret, each key described by its size and
// fingerprint.
func (c *Connector) ParseAccount(data []byte) (*genuine.AccountSettings, error) {
	a, err := parseSettings(data)
	if err != nil {
		return nil, err
	}
	return &genuine.AccountSettings{Mode: a.Mode, Account: a.MchID, Masked: a.masked(), Settings: a.canonical()}, nil
}

// Connect returns the Provider of an account whose settings ParseAccount
// accepted: its SDK client and notification handler are made once, here.
// Its payments ask WeChat Pay to notify notifyURL.
func (c *Connector) Connect(acct *genuine.ProviderAccount, notifyURL string) (genuine.Provider, error) {
	a, err := parseSettings(acct.Settings)
	if err != nil {
		return nil, fmt.Errorf("connect WeChat Pay account of merchant %s: %w", acct.MerchantID, err)
	}
	if acct.Account != "" && acct.Account != a.MchID {
		return nil, fmt.Errorf("connect WeChat Pay account of merchant %s: the account names mchid %q, its settings %q", acct.MerchantID, acct.Account, a.MchID)
	}
	client, err := core.NewClient(context.Background(),
		option.WithWechatPayPublicKeyAuthCipher(a.MchID, a.MerchantSerialNo, a.privateKey, a.PublicKeyID, a.publicKey),
		option.WithHTTPClient(c.client),
	)
	if err != nil {
		return nil, fmt.Errorf("connect WeChat Pay account %s: %w", a.MchID, err)
	}
	handler, err := notify.NewRSANotifyHandler(a.APIv3Key, verifiers.NewSHA256WithRSAPubkeyVerifier(a.PublicKeyID, *a.publicKey))
	if err != nil {
		return nil, fmt.Errorf("connect WeChat Pay account %s: %w", a.MchID, err)
	}
	return newProvider(a, client, handler, notifyURL), nil
}

// ReplyNotification returns WeChat Pay's own answer to a notification:
// {"code":"SUCCESS"} once applied, {"code":"FAIL","message":…} if
// refused, as application/json.
func (c *Connector) ReplyNotification(err error) (contentType string, body []byte) {
	return reply(err)
}

// reply is WeChat Pay's answer to a notification.
func reply(err error) (string, []byte) {
	if err == nil {
		return "application/json", []byte(`{"code":"SUCCESS"}`)
	}
	body, _ := json.Marshal(struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{"FAIL", genuine.ErrorMessage(err)})
	return "application/json", body
}
