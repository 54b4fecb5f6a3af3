package genuine

import (
	"strings"
	"time"
)

// AccountMode says whether a merchant's account at a payment provider
// moves real money.
type AccountMode string

// Account modes.
const (
	ModeTest AccountMode = "test" // the provider's test or sandbox mode: no money moves
	ModeLive AccountMode = "live"
)

// ProviderAccount is a merchant's own account at a payment provider (its
// keys, app id, merchant number, certificates), which the merchant's
// checkouts of that provider are paid to. Settings are in plain text only
// in memory: the store keeps them sealed (§11), and people see Masked.
type ProviderAccount struct {
	MerchantID string      `json:"merchant_id"`
	Provider   string      `json:"provider"`
	Mode       AccountMode `json:"mode"`
	// Account names the account at the provider, as its payments and
	// notifications do (Payment.Account): a Stripe account id, an Alipay
	// app id, a WeChat Pay merchant number (mchid).
	Account string `json:"account"`
	// Masked is what may be shown of the settings: each field, with every
	// secret masked.
	Masked map[string]string `json:"settings"`
	// Settings are the account's settings as the provider's Connector
	// wrote them (AccountSettings.Settings): in plain text in an App, and
	// sealed in a Tx.
	Settings  []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AccountSettings is what a Connector makes of the settings a merchant
// gives for its account.
type AccountSettings struct {
	Mode    AccountMode
	Account string            // as ProviderAccount.Account
	Masked  map[string]string // as ProviderAccount.Masked
	// Settings are the settings in the form Connect reads.
	Settings []byte
}

// A Connector makes the Providers of merchants' own accounts at one payment
// provider (Stripe, Alipay, WeChat Pay): each merchant is paid to its own
// account, with its own keys. Its methods are safe for concurrent use.
type Connector interface {
	// Name is the provider's name in URLs and checkouts: "stripe" …
	Name() string
	// ParseAccount checks the settings a merchant gives for its account,
	// a JSON object, without any call over the network: keys and
	// certificates must parse, and the mode must be said and agree with
	// the keys. It returns an *Error with EInvalid naming the field that
	// is wrong.
	ParseAccount(settings []byte) (*AccountSettings, error)
	// Connect returns the Provider that acts for one account, from
	// settings ParseAccount accepted. notifyURL is where the provider must
	// send the account's notifications (NotifyPath under the server's
	// URL). The App connects an account once, and again when it changes,
	// and uses its Provider concurrently. The Provider's Payments and
	// PaymentStates name acct.Account as their Account, and its
	// Notifications the account the provider names in them.
	Connect(acct *ProviderAccount, notifyURL string) (Provider, error)
}

// NotifyPath is the path, under a server's URL, that a payment provider
// sends the notifications of a merchant's account to. The merchant is in
// the path rather than the query, since WeChat Pay refuses a notify URL
// with a query; it says which of the merchants' keys verify the
// notification. Providers without accounts (the simulated one) post to
// "/v1/payments/{provider}/notify".
func NotifyPath(provider, merchantID string) string {
	return "/v1/payments/" + provider + "/notify/" + merchantID
}

// MaskSecret returns what may be shown of a secret: its last four
// characters, after its kind where it starts with one ("sk_test_",
// "whsec_"), so that a person can tell keys apart without reading them:
// "sk_test_…4242". A secret of at most eight characters is all masked.
func MaskSecret(s string) string {
	if len(s) <= 8 {
		return "…"
	}
	kind := ""
	if i := strings.LastIndexByte(s[:len(s)-4], '_'); i >= 0 && i < 12 {
		kind = s[:i+1]
	}
	return kind + "…" + s[len(s)-4:]
}
