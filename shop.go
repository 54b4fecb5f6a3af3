package genuine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"time"
)

// SelfCheckout is a merchant's setting of self-checkout: whether shoppers
// may scan and pay on their own phones at /shop/{merchant}, and how many
// carts may be open there at once.
type SelfCheckout struct {
	Enabled bool `json:"enabled"`
	// MaxOpenCarts bounds the merchant's open carts, 1 to
	// MaxOpenCartsLimit; a merchant that sets none (0) has the App's
	// default (Config.MaxOpenCarts), which App.Merchant shows.
	MaxOpenCarts int `json:"max_open_carts"`
}

// Bounds of self-checkout.
const (
	// DefaultMaxOpenCarts is Config.MaxOpenCarts when it is not set.
	DefaultMaxOpenCarts = 50
	// MaxOpenCartsLimit is the most open carts a merchant may allow.
	MaxOpenCartsLimit = 10_000
	// ShopSessionTTL is how long a shopper's session at a shop lasts.
	ShopSessionTTL = 2 * time.Hour
)

// Error codes of self-checkout; each names what a shopper can do about it.
const (
	ESelfCheckoutOff = "self_checkout_off" // the merchant does not offer self-checkout (403)
	ECartFull        = "cart_full"         // a cart holds MaxCartUnits already (409)
	ETooManyCarts    = "too_many_carts"    // the session has MaxSessionCarts open already (409)
	EShopBusy        = "shop_busy"         // the merchant has its most open carts already (429)
)

// ReasonNotPriced refuses a unit at self-checkout that the merchant's
// price list does not price (in the cart's currency): a shopper never
// types a price.
const ReasonNotPriced = "not_priced"

// ShopActor is the KeyID under which self-checkout acts for a merchant:
// its decisions, checkouts and audit records name it, not an API key.
const ShopActor = "self-checkout"

// SetSelfCheckout sets a merchant's self-checkout: an admin, or the
// merchant itself. It returns the merchant as Merchant does.
func (a *App) SetSelfCheckout(ctx context.Context, p *Principal, merchantID string, sc SelfCheckout) (*Merchant, error) {
	if err := ownMerchant(p, merchantID); err != nil {
		return nil, err
	}
	if sc.MaxOpenCarts < 0 || sc.MaxOpenCarts > MaxOpenCartsLimit {
		return nil, Errorf(EInvalid, "max_open_carts must be 1 to %d, or 0 for the server's default (%d)", MaxOpenCartsLimit, a.defaultOpenCarts)
	}
	err := a.store.Update(ctx, func(tx Tx) error {
		if err := tx.SetSelfCheckout(ctx, merchantID, sc); err != nil {
			return err
		}
		return a.audit(ctx, tx, authorOf(p), "", "merchant.self_checkout", merchantID,
			map[string]any{"enabled": sc.Enabled, "max_open_carts": sc.MaxOpenCarts})
	})
	if err != nil {
		return nil, err
	}
	return a.Merchant(ctx, p, merchantID)
}

// maxOpenCarts returns how many carts may be open at once at m.
func (a *App) maxOpenCarts(m *Merchant) int {
	if m.SelfCheckout.MaxOpenCarts > 0 {
		return m.SelfCheckout.MaxOpenCarts
	}
	return a.defaultOpenCarts
}

// ShopSession is a shopper's visit to a shop that offers self-checkout:
// no key, no name; it may see and change only its own carts. The phone
// holds a random token, shown once, when the session is opened; only the
// token's SHA-256 hash is stored.
type ShopSession struct {
	Hash       []byte
	MerchantID string
	CreatedAt  time.Time
	// ExpiresAt is ShopSessionTTL after CreatedAt.
	ExpiresAt time.Time
}

// Shop is what a shopper sees of a merchant.
type Shop struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
}

// shopTokenPrefix starts every shop session token, so that a leaked one is
// recognisable; 52 characters of base32 (256 bits) follow it.
const shopTokenPrefix = "gc_"

const shopTokenLen = len(shopTokenPrefix) + 52

// newShopToken returns a new random shop session token and its hash.
func newShopToken() (token string, hash []byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("genuine: no randomness: " + err.Error())
	}
	token = shopTokenPrefix + idEncoding.EncodeToString(b[:])
	return token, hashShopToken(token)
}

// hashShopToken returns the hash under which a shop session is stored.
func hashShopToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// OpenShop opens a shopper's session at a merchant: it returns the
// session's token, which is shown only now (a phone keeps it in a
// cookie), and the session, which lasts ShopSessionTTL. ENotFound if
// there is no such merchant; ESelfCheckoutOff if it does not offer
// self-checkout.
func (a *App) OpenShop(ctx context.Context, merchantID string) (string, *ShopSession, error) {
	if !validID(merchantID, "mer") {
		return "", nil, errNoShop()
	}
	token, hash := newShopToken()
	now := a.Now()
	s := &ShopSession{Hash: hash, MerchantID: merchantID, CreatedAt: now, ExpiresAt: now.Add(ShopSessionTTL)}
	err := a.store.Update(ctx, func(tx Tx) error {
		if _, err := a.shopMerchant(ctx, tx, merchantID); err != nil {
			return err
		}
		return tx.CreateShopSession(ctx, s)
	})
	if err != nil {
		return "", nil, err
	}
	return token, s, nil
}

// Shop returns what a shopper sees of a merchant that offers
// self-checkout: ENotFound if there is no such merchant, ESelfCheckoutOff
// if it does not offer it.
func (a *App) Shop(ctx context.Context, merchantID string) (*Shop, error) {
	if !validID(merchantID, "mer") {
		return nil, errNoShop()
	}
	var m *Merchant
	err := a.store.View(ctx, func(tx Tx) (err error) {
		m, err = a.shopMerchant(ctx, tx, merchantID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return shopOf(m), nil
}

func shopOf(m *Merchant) *Shop {
	tz := m.TimeZone
	if tz == "" {
		tz = DefaultTimeZone(m.Region)
	}
	return &Shop{ID: m.ID, Name: m.Name, TimeZone: tz}
}

func errNoShop() error { return Errorf(ENotFound, "there is no such shop") }

// shopMerchant reads a merchant that offers self-checkout, in tx.
func (a *App) shopMerchant(ctx context.Context, tx Tx, merchantID string) (*Merchant, error) {
	m, err := tx.Merchant(ctx, merchantID)
	if ErrorCode(err) == ENotFound {
		return nil, errNoShop()
	}
	if err != nil {
		return nil, err
	}
	if !m.SelfCheckout.Enabled {
		return nil, Errorf(ESelfCheckoutOff, "%s does not offer self-checkout: please pay at the till", m.Name)
	}
	return m, nil
}

// shopIn returns, in tx, the live session of token at a merchant and the
// merchant: EUnauthorized if the token opens no session there now (never
// opened, another shop's, or expired), ESelfCheckoutOff if the merchant
// has turned self-checkout off since.
func (a *App) shopIn(ctx context.Context, tx Tx, token, merchantID string, now time.Time) (*ShopSession, *Merchant, error) {
	ended := Errorf(EUnauthorized, "your visit to this shop has ended: open the shop's page again")
	if len(token) != shopTokenLen || !validID(merchantID, "mer") {
		return nil, nil, ended
	}
	s, err := tx.ShopSession(ctx, hashShopToken(token))
	if ErrorCode(err) == ENotFound {
		return nil, nil, ended
	}
	if err != nil {
		return nil, nil, err
	}
	if s.MerchantID != merchantID || !now.Before(s.ExpiresAt) {
		return nil, nil, ended
	}
	m, err := a.shopMerchant(ctx, tx, merchantID)
	if err != nil {
		return nil, nil, err
	}
	return s, m, nil
}

// ShopSessionMerchant returns the merchant of a live shop session: the
// resolver learns from it where a scanned unit goes. EUnauthorized if the
// token opens no live session.
func (a *App) ShopSessionMerchant(ctx context.Context, token string) (string, error) {
	if len(token) != shopTokenLen {
		return "", Errorf(EUnauthorized, "no shop session")
	}
	var s *ShopSession
	err := a.store.View(ctx, func(tx Tx) (err error) {
		s, err = tx.ShopSession(ctx, hashShopToken(token))
		return err
	})
	if ErrorCode(err) == ENotFound || err == nil && !a.Now().Before(s.ExpiresAt) {
		return "", Errorf(EUnauthorized, "no shop session")
	}
	if err != nil {
		return "", err
	}
	return s.MerchantID, nil
}

// shopPrincipal is the merchant as self-checkout acts for it.
func shopPrincipal(merchantID string) *Principal {
	return &Principal{KeyID: ShopActor, Role: RoleMerchant, MerchantID: merchantID}
}
