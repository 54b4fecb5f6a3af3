package genuine

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// App holds every business rule of genuine: who may do what, what is valid,
// which transitions are allowed, how codes are minted and verified. The HTTP
// server and the command line call its methods; its Store only persists.
type App struct {
	store Store
	// now is the clock; tests set it to control deadlines and expiry.
	now func() time.Time
	// baseURL is the server's public URL, the default stem of codes.
	baseURL string
	// providers are the payment providers by name.
	providers      map[string]Provider
	reservationTTL time.Duration
	refundWindow   time.Duration
	notifyGrace    time.Duration
	logger         *slog.Logger
	failpoint      func(string)

	// brands caches what verification needs of each brand, so that a
	// forged serial is refused without a store call.
	mu     sync.Mutex
	brands map[string]*brandKeys // by brand id
	// products caches products by GTIN: nothing changes a product once
	// created (see keyring.go).
	products sync.Map
	// verifications counts public verifications and stores them in
	// batches (verifycount.go).
	verifications *verifyCounter
	// principals caches the holders of API keys by the keys' hashes: a
	// key, once made, never changes its role, brand or merchant, and keys
	// are not revoked (a revocation must clear this cache, on every
	// server). Keys that were not found are not cached, so that a key made
	// on another server works at once and guesses cannot fill it.
	principals *cache[string, Principal]
	// merchants, batches (by GTIN) and policies cache what checkouts
	// decide on; see snapshotTx for why each may be.
	merchants *cache[string, *Merchant]
	batches   *cache[string, []*Batch]
	policies  *cache[policyKey, *Policy]

	// staleAfter is where the reconciler's next search for silent
	// payments goes on from (Reconcile); nil for the start.
	staleMu    sync.Mutex
	staleAfter *CheckoutPosition
}

// Config configures an App.
type Config struct {
	// BaseURL is the public URL of the server, such as
	// "https://genuine.example.com": the stem of the codes of brands that
	// set none of their own, and of verification links.
	BaseURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Providers are the payment providers checkouts may use.
	Providers []Provider
	// ReservationTTL is how long a checkout holds its units unpaid
	// (default 15 minutes).
	ReservationTTL time.Duration
	// RefundWindow is how long after a sale it may be undone (default 10
	// days, as EU FMD allows).
	RefundWindow time.Duration
	// NotifyGrace is how long the reconciler waits for a provider's
	// notification before asking the provider itself (default 30 s).
	NotifyGrace time.Duration
	// Logger logs what the App recovers from; nil discards.
	Logger *slog.Logger
	// VerificationFlush is how often counted public verifications are
	// stored (default 50 ms): how long other servers, and the velocity rule
	// of policies, may lag behind this one's counts, and the counts lost if
	// the process dies without Close.
	VerificationFlush time.Duration
	// Failpoint, if set, is called at the points where a crash matters most
	// ("after-reserve": units reserved — with a provider that prepares its
	// payments, the payment stored with them — the till not yet answered
	// and any other provider not yet called;
	// "before-sold": payment notified, units not yet sold). Crash tests
	// make it end the process there; it is nil in production.
	Failpoint func(name string)
}

// NewApp returns an App on store.
func NewApp(store Store, cfg Config) *App {
	a := &App{
		store: store, now: cfg.Now, baseURL: cfg.BaseURL, brands: make(map[string]*brandKeys),
		providers: make(map[string]Provider), reservationTTL: cfg.ReservationTTL,
		refundWindow: cfg.RefundWindow, notifyGrace: cfg.NotifyGrace, logger: cfg.Logger,
		failpoint:  cfg.Failpoint,
		principals: newCache[string, Principal](maxCachedKeys, 0),
		merchants:  newCache[string, *Merchant](maxCachedMerchants, 0),
		batches:    newCache[string, []*Batch](maxCachedBatches, 0),
		policies:   newCache[policyKey, *Policy](maxCachedPolicies, policyTTL),
	}
	for _, p := range cfg.Providers {
		a.providers[p.Name()] = p
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.reservationTTL <= 0 {
		a.reservationTTL = 15 * time.Minute
	}
	if a.refundWindow <= 0 {
		a.refundWindow = 10 * 24 * time.Hour
	}
	if a.notifyGrace <= 0 {
		a.notifyGrace = 30 * time.Second
	}
	if a.failpoint == nil {
		a.failpoint = func(string) {}
	}
	if a.logger == nil {
		a.logger = slog.New(slog.DiscardHandler)
	}
	if a.baseURL == "" {
		a.baseURL = "http://localhost:8080"
	}
	a.verifications = newVerifyCounter(store, cfg.VerificationFlush, a.logf)
	return a
}

// Now returns the App's current time in UTC, to the microsecond: what every
// store keeps, so an answer replayed from the store is the same as the first.
func (a *App) Now() time.Time { return a.now().UTC().Truncate(time.Microsecond) }

// require checks that p holds one of the roles: EUnauthorized without a
// key, EForbidden with a key of another role.
func require(p *Principal, roles ...Role) error {
	if p == nil {
		return Errorf(EUnauthorized, "an API key is required (Authorization: Bearer <key>)")
	}
	if !p.is(roles...) {
		return Errorf(EForbidden, "a %s key may not do this", p.Role)
	}
	return nil
}

// ownBrand checks that p acts for the brand that owns a resource. Another
// brand's resource is reported as not found, so that brands cannot probe
// each other's data.
func ownBrand(p *Principal, brandID, what string) error {
	if p.Role == RoleAdmin || p.BrandID == brandID {
		return nil
	}
	return Errorf(ENotFound, "%s not found", what)
}

// Authenticate returns the principal holding an API key.
func (a *App) Authenticate(ctx context.Context, key string) (*Principal, error) {
	if len(key) < len(keyPrefix)+10 || len(key) > 100 {
		return nil, Errorf(EUnauthorized, "invalid API key")
	}
	hash := HashAPIKey(key)
	if p, ok := a.principals.get(string(hash), time.Time{}); ok {
		return &p, nil
	}
	var k *APIKey
	err := a.store.View(ctx, func(tx Tx) (err error) {
		k, err = tx.APIKeyByHash(ctx, hash)
		return err
	})
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(EUnauthorized, "invalid API key")
	}
	if err != nil {
		return nil, err
	}
	p := Principal{KeyID: k.ID, Role: k.Role, BrandID: k.BrandID, MerchantID: k.MerchantID}
	a.principals.put(string(hash), p, time.Time{})
	return &p, nil
}

// CreateAPIKey creates a key for a brand, merchant or partner, or another
// admin key, and returns it with the key itself, which is shown only now.
func (a *App) CreateAPIKey(ctx context.Context, p *Principal, k *APIKey) (string, error) {
	if err := require(p, RoleAdmin); err != nil {
		return "", err
	}
	if err := validLength("name", k.Name, 0, 200); err != nil {
		return "", err
	}
	key, hash := newAPIKeySecret()
	k.ID, k.Hash, k.CreatedAt = newID("key"), hash, a.Now()
	err := a.store.Update(ctx, func(tx Tx) error {
		switch k.Role {
		case RoleAdmin:
			if k.BrandID != "" || k.MerchantID != "" {
				return Errorf(EInvalid, "an admin key belongs to no brand or merchant")
			}
		case RoleBrand, RolePartner:
			if k.MerchantID != "" {
				return Errorf(EInvalid, "a %s key belongs to a brand, not a merchant", k.Role)
			}
			if !validID(k.BrandID, "brd") {
				return Errorf(EInvalid, "brand_id is required for a %s key", k.Role)
			}
			if _, err := tx.Brand(ctx, k.BrandID); err != nil {
				return err
			}
		case RoleMerchant:
			if k.BrandID != "" {
				return Errorf(EInvalid, "a merchant key belongs to a merchant, not a brand")
			}
			if !validID(k.MerchantID, "mer") {
				return Errorf(EInvalid, "merchant_id is required for a merchant key")
			}
			if _, err := tx.Merchant(ctx, k.MerchantID); err != nil {
				return err
			}
		default:
			return Errorf(EInvalid, "role must be admin, brand, merchant or partner")
		}
		return tx.CreateAPIKey(ctx, k)
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// Bootstrap creates an admin key without a caller, for a new store; the
// command line's init uses it. It refuses if the store has an admin key.
func (a *App) Bootstrap(ctx context.Context) (string, error) {
	key, hash := newAPIKeySecret()
	k := &APIKey{ID: newID("key"), Role: RoleAdmin, Name: "first admin key", Hash: hash, CreatedAt: a.Now()}
	err := a.store.Update(ctx, func(tx Tx) error {
		n, err := tx.CountAPIKeys(ctx, RoleAdmin)
		if err != nil {
			return err
		}
		if n > 0 {
			return Errorf(EConflict, "the store has an admin key already")
		}
		return tx.CreateAPIKey(ctx, k)
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// validLength checks the length of a text field in characters.
func validLength(field, s string, min, max int) error {
	n := len([]rune(s))
	if n < min || n > max {
		if min > 0 && n == 0 {
			return Errorf(EInvalid, "%s is required", field)
		}
		return Errorf(EInvalid, "%s must be %d to %d characters", field, min, max)
	}
	return nil
}

// Health reports whether the store answers; EUnavailable if it does not.
func (a *App) Health(ctx context.Context) error {
	err := a.store.View(ctx, func(tx Tx) error {
		_, err := tx.CountAPIKeys(ctx, RoleAdmin)
		return err
	})
	if err != nil {
		return Errorf(EUnavailable, "the store does not answer")
	}
	return nil
}

// logf logs something the App recovered from.
func (a *App) logf(format string, args ...any) {
	a.logger.Warn(fmt.Sprintf(format, args...))
}
