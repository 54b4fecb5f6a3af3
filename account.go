package genuine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
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

// maxAccountSettings bounds the settings of one account: keys and
// certificates in PEM are a few kilobytes.
const maxAccountSettings = 64 << 10

// accountLabel is what an account's settings are sealed under.
func accountLabel(merchantID, provider string) string {
	return "provider-account/" + merchantID + "/" + provider
}

// PutProviderAccount sets a merchant's own account at a payment provider
// from the settings it gives, a JSON object the provider's Connector
// checks on the spot. An admin or the merchant itself may. A live account
// is refused while the server runs in test mode (the simulated provider
// on). It returns the account as stored, with Settings left out.
func (a *App) PutProviderAccount(ctx context.Context, p *Principal, merchantID, provider string, settings []byte) (*ProviderAccount, error) {
	if err := require(p, RoleAdmin, RoleMerchant); err != nil {
		return nil, err
	}
	if p.Role == RoleMerchant && p.MerchantID != merchantID {
		return nil, Errorf(ENotFound, "merchant not found")
	}
	conn, err := a.connector(provider)
	if err != nil {
		return nil, err
	}
	if len(settings) > maxAccountSettings {
		return nil, Errorf(EInvalid, "the settings are longer than %d bytes", maxAccountSettings)
	}
	parsed, err := conn.ParseAccount(settings)
	if err != nil {
		return nil, err
	}
	if parsed.Mode == ModeLive && a.testMode {
		return nil, Errorf(EConflict, "this server runs in test mode (the simulated provider is on), so it refuses live accounts; run it with --simulated=false")
	}
	now := a.Now()
	acct := &ProviderAccount{
		MerchantID: merchantID, Provider: provider, Mode: parsed.Mode, Account: parsed.Account,
		Masked: parsed.Masked, CreatedAt: now, UpdatedAt: now,
	}
	err = a.store.Update(ctx, func(tx Tx) error {
		if _, err := tx.Merchant(ctx, merchantID); err != nil {
			return err
		}
		if err := a.checkSealer(ctx, tx); err != nil {
			return err
		}
		if old, err := tx.ProviderAccount(ctx, merchantID, provider); err == nil {
			acct.CreatedAt = old.CreatedAt
		} else if ErrorCode(err) != ENotFound {
			return err
		}
		sealed := *acct
		sealed.Settings = a.sealer.Seal(accountLabel(merchantID, provider), parsed.Settings)
		if err := tx.PutProviderAccount(ctx, &sealed); err != nil {
			return err
		}
		return a.audit(ctx, tx, authorOf(p), "", "provider_account.put", merchantID, map[string]any{
			"provider": provider, "mode": acct.Mode, "account": acct.Account, "settings": acct.Masked,
		})
	})
	if err != nil {
		return nil, err
	}
	a.accounts.forget(merchantID, provider)
	return acct, nil
}

// ProviderAccounts returns a merchant's accounts at payment providers,
// masked: its own to a merchant, any merchant's to an admin.
func (a *App) ProviderAccounts(ctx context.Context, p *Principal, merchantID string) ([]*ProviderAccount, error) {
	if err := require(p, RoleAdmin, RoleMerchant); err != nil {
		return nil, err
	}
	if p.Role == RoleMerchant && p.MerchantID != merchantID {
		return nil, Errorf(ENotFound, "merchant not found")
	}
	var accts []*ProviderAccount
	err := a.store.View(ctx, func(tx Tx) (err error) {
		if _, err := tx.Merchant(ctx, merchantID); err != nil {
			return err
		}
		accts, err = tx.ProviderAccounts(ctx, merchantID)
		return err
	})
	for _, acct := range accts {
		acct.Settings = nil
	}
	return accts, err
}

// DeleteProviderAccount deletes a merchant's account at a payment
// provider: its checkouts there that are not yet paid wait until it is set
// again. An admin or the merchant itself may.
func (a *App) DeleteProviderAccount(ctx context.Context, p *Principal, merchantID, provider string) error {
	if err := require(p, RoleAdmin, RoleMerchant); err != nil {
		return err
	}
	if p.Role == RoleMerchant && p.MerchantID != merchantID {
		return Errorf(ENotFound, "merchant not found")
	}
	err := a.store.Update(ctx, func(tx Tx) error {
		if err := tx.DeleteProviderAccount(ctx, merchantID, provider); err != nil {
			return err
		}
		return a.audit(ctx, tx, authorOf(p), "", "provider_account.delete", merchantID, map[string]any{"provider": provider})
	})
	a.accounts.forget(merchantID, provider)
	return err
}

// connector returns the Connector of a provider: ENotFound, naming those
// this server has, if it has none of that name.
func (a *App) connector(name string) (Connector, error) {
	if c, ok := a.connectors[name]; ok {
		return c, nil
	}
	names := make([]string, 0, len(a.connectors))
	for n := range a.connectors {
		names = append(names, n)
	}
	slices.Sort(names)
	return nil, Errorf(ENotFound, "no payment provider %.40q with merchants' accounts on this server; it has: %s", name, strings.Join(names, ", "))
}

// providerOf returns the provider that acts for a merchant at a payment
// provider: the provider itself where it has no accounts (the simulated
// one), or the Provider of the merchant's account there. It returns an
// *Error with EUnavailable if this server does not run the provider, the
// merchant has no account there (any more), or the account is live and
// the server in test mode: what needs the provider waits.
func (a *App) providerOf(ctx context.Context, name, merchantID string) (Provider, error) {
	if p, ok := a.providers[name]; ok {
		return p, nil
	}
	conn, ok := a.connectors[name]
	if !ok {
		return nil, Errorf(EUnavailable, "the payment provider %.40q does not run on this server", name)
	}
	p, err := a.accounts.provider(ctx, a, conn, merchantID)
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(EUnavailable, "merchant %s has no account at %s", merchantID, name)
	}
	return p, err
}

// accountTTL is how long a server uses an account it read without reading
// it again: how long a change made on another server may take to reach
// this one.
const accountTTL = 4 * time.Second

// maxCachedAccounts bounds the accounts an App keeps connected; when full
// it starts again empty, as its other caches do.
const maxCachedAccounts = 4096

// accountCache keeps the Provider of each merchant's account that the App
// connected, so that an SDK client is made once per account, and read
// again from the store at most every accountTTL.
type accountCache struct {
	mu      sync.Mutex
	entries map[string]*accountEntry // by merchant and provider
}

type accountEntry struct {
	updatedAt time.Time // the account's, as connected
	read      time.Time // when it was last read from the store
	prov      Provider
}

func accountKey(merchantID, provider string) string { return merchantID + "\x00" + provider }

// forget drops what the cache holds of an account, once it changed.
func (c *accountCache) forget(merchantID, provider string) {
	c.mu.Lock()
	delete(c.entries, accountKey(merchantID, provider))
	c.mu.Unlock()
}

// provider returns the Provider of a merchant's account at conn, read from
// the store (ENotFound if there is none) and connected if it is not
// cached, or changed since.
func (c *accountCache) provider(ctx context.Context, a *App, conn Connector, merchantID string) (Provider, error) {
	key := accountKey(merchantID, conn.Name())
	c.mu.Lock()
	e := c.entries[key]
	c.mu.Unlock()
	if e != nil && time.Since(e.read) < accountTTL {
		return e.prov, nil
	}
	var acct *ProviderAccount
	err := a.store.View(ctx, func(tx Tx) (err error) {
		acct, err = tx.ProviderAccount(ctx, merchantID, conn.Name())
		return err
	})
	if err != nil {
		c.forget(merchantID, conn.Name())
		return nil, err
	}
	if acct.Mode == ModeLive && a.testMode {
		return nil, Errorf(EConflict, "merchant %s's account at %s is live, and this server runs in test mode (the simulated provider is on)", merchantID, conn.Name())
	}
	if e == nil || !e.updatedAt.Equal(acct.UpdatedAt) {
		if acct.Settings, err = a.sealer.Unseal(accountLabel(merchantID, conn.Name()), acct.Settings); err != nil {
			return nil, err
		}
		prov, err := conn.Connect(acct, strings.TrimRight(a.baseURL, "/")+NotifyPath(conn.Name(), merchantID))
		if err != nil {
			return nil, fmt.Errorf("connect merchant %s's account at %s: %w", merchantID, conn.Name(), err)
		}
		e = &accountEntry{updatedAt: acct.UpdatedAt, prov: observedProvider{Provider: prov, obs: a.observer}}
	}
	c.mu.Lock()
	if _, cached := c.entries[key]; !cached && len(c.entries) >= maxCachedAccounts {
		clear(c.entries)
	}
	c.entries[key] = &accountEntry{updatedAt: e.updatedAt, read: time.Now(), prov: e.prov}
	c.mu.Unlock()
	return e.prov, nil
}

// NotificationReply returns the body, and its content type, that answers
// a notification to a provider that wants its own words (a Replier), once
// ApplyNotification applied it (err nil) or refused it; ok is false for a
// provider that takes genuine's JSON.
func (a *App) NotificationReply(provider string, err error) (contentType string, body []byte, ok bool) {
	var r Replier
	if c, found := a.connectors[provider]; found {
		r, ok = c.(Replier)
	} else if p, found := a.providers[provider]; found {
		r, ok = unobserved(p).(Replier)
	}
	if !ok {
		return "", nil, false
	}
	contentType, body = r.ReplyNotification(err)
	return contentType, body, true
}

// PaymentProviders returns the names of the payment providers a merchant
// may start a checkout's payment at: those it has an account at, then the
// server's own (the simulated provider in development), each sorted. A
// merchant asks for its own; an admin for any merchant's.
func (a *App) PaymentProviders(ctx context.Context, p *Principal, merchantID string) ([]string, error) {
	accts, err := a.ProviderAccounts(ctx, p, merchantID)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, acct := range accts {
		if _, ok := a.connectors[acct.Provider]; ok {
			names = append(names, acct.Provider)
		}
	}
	slices.Sort(names)
	own := slices.Sorted(maps.Keys(a.providers))
	return append(names, own...), nil
}
