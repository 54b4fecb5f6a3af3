package genuine

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
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
	providers map[string]Provider
	// connectors are the providers paid to merchants' own accounts, by
	// name, and accounts the Providers of the accounts connected so far.
	connectors map[string]Connector
	accounts   accountCache
	// testMode refuses merchants' live accounts: the server runs the
	// simulated provider.
	testMode       bool
	reservationTTL time.Duration
	// defaultOpenCarts is the default bound of a merchant's open
	// self-checkout carts (Config.MaxOpenCarts).
	defaultOpenCarts int
	refundWindow     time.Duration
	notifyGrace      time.Duration
	logger           *slog.Logger
	observer         Observer
	failpoint        func(string)
	// sealer seals the signing keys this App makes and opens those it
	// loads.
	sealer *Sealer

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
	// principals caches the holders of API keys, by the keys' hashes and
	// ids, for keyCheckTTL (apikey.go): a key never changes its role,
	// brand or merchant, and a revocation reaches every server within
	// keyCheckTTL.
	principals *cache[keyRef, keyHolder]
	// clients hashes the addresses of verifications' clients.
	clients *clientHasher
	// merchants, batches (by GTIN) and policies cache what checkouts
	// decide on; see snapshotTx for why each may be.
	merchants *cache[string, *Merchant]
	batches   *cache[string, []*Batch]
	policies  *cache[policyKey, *Policy]

	// staleAfter is where the reconciler's next search for silent
	// payments goes on from (Reconcile); nil for the start.
	staleMu    sync.Mutex
	staleAfter *CheckoutPosition

	// limits bound each brand's bulk work; exports counts the exports of
	// codes each brand runs on this server.
	limits  Limits
	exports *slots
	// rangeChunk is how many units each write of a range event moves.
	rangeChunk int64
	// retention says how long Prune keeps what it deletes.
	retention Retention
	// auditChain is where ChainAudit goes on from (audit_chain.go).
	auditChain auditChainer
}

// Config configures an App.
type Config struct {
	// BaseURL is the public URL of the server, such as
	// "https://genuine.example.com": the stem of the codes of brands that
	// set none of their own, and of verification links.
	BaseURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Providers are the payment providers checkouts may use that have no
	// accounts of merchants (the simulated one).
	Providers []Provider
	// Connectors are the payment providers checkouts may use that pay
	// each merchant to its own account there (Stripe, Alipay, WeChat
	// Pay), set with PutProviderAccount.
	Connectors []Connector
	// TestMode says that the server runs the simulated provider, whose
	// pages anyone may press: merchants' live accounts are then refused.
	TestMode bool
	// ReservationTTL is how long a checkout holds its units unpaid
	// (default 15 minutes).
	ReservationTTL time.Duration
	// MaxOpenCarts is how many self-checkout carts may be open at once at
	// a merchant that set no number of its own (default
	// DefaultMaxOpenCarts).
	MaxOpenCarts int
	// RefundWindow is how long after a sale it may be undone (default 10
	// days, as EU FMD allows).
	RefundWindow time.Duration
	// NotifyGrace is how long the reconciler waits for a provider's
	// notification before asking the provider itself (default 30 s).
	NotifyGrace time.Duration
	// Logger logs what the App recovers from; nil discards. Lines logged
	// while serving a request are logged with the request's context.
	Logger *slog.Logger
	// Observer is told of checkouts, refusals, payments, provider calls,
	// reconciler passes and verification flushes, for metrics; nil means
	// NopObserver.
	Observer Observer
	// VerificationFlush is how often counted public verifications are
	// stored (default 50 ms): how long other servers, and the velocity rule
	// of policies, may lag behind this one's counts, and the counts lost if
	// the process dies without Close.
	VerificationFlush time.Duration
	// ClientKey is the secret key under which the addresses of clients
	// that verify units are hashed before they are counted and stored
	// (WithClient). Servers that share a store must share it, or one
	// client counts once on each. Empty means a random key of this App's
	// own.
	ClientKey []byte
	// Failpoint, if set, is called at the points where a crash matters most
	// ("after-reserve": units reserved and the payment stored with them,
	// the till not yet answered;
	// "before-sold": payment notified, units not yet sold;
	// "before-refund": a refund's intent stored, the provider not yet asked;
	// "after-refund": the provider refunded, the refund not yet recorded).
	// Crash tests make it end the process there; it is nil in production.
	Failpoint func(name string)
	// Limits bound the bulk work one brand may ask for at once.
	Limits Limits
	// RangeChunk is how many units of a range event each write moves
	// (default 1000): the longest another write waits for a range event.
	RangeChunk int
	// Retention says how long history kept only for a while is kept before
	// Prune deletes it.
	Retention Retention
	// Sealer seals and opens the store's secrets under the master key
	// (OpenStore checks it against the store). nil means a random master
	// key of this App's own, which no other App shares: for tests.
	Sealer *Sealer
}

// NewApp returns an App on store.
func NewApp(store Store, cfg Config) *App {
	a := &App{
		store: store, now: cfg.Now, baseURL: cfg.BaseURL, brands: make(map[string]*brandKeys),
		providers: make(map[string]Provider), reservationTTL: cfg.ReservationTTL,
		refundWindow: cfg.RefundWindow, notifyGrace: cfg.NotifyGrace, logger: cfg.Logger,
		failpoint:  cfg.Failpoint,
		principals: newCache[keyRef, keyHolder](maxCachedKeys, keyCheckTTL),
		merchants:  newCache[string, *Merchant](maxCachedMerchants, 0),
		batches:    newCache[string, []*Batch](maxCachedBatches, 0),
		policies:   newCache[policyKey, *Policy](maxCachedPolicies, policyTTL),
	}
	a.limits = cfg.Limits.withDefaults()
	a.exports = newSlots(a.limits.MaxExports)
	a.rangeChunk = int64(cfg.RangeChunk)
	if a.rangeChunk <= 0 {
		a.rangeChunk = defaultRangeChunk
	}
	a.retention = cfg.Retention.withDefaults()
	a.observer = cfg.Observer
	if a.observer == nil {
		a.observer = NopObserver{}
	}
	for _, p := range cfg.Providers {
		a.providers[p.Name()] = observedProvider{Provider: p, obs: a.observer}
	}
	a.connectors, a.testMode = make(map[string]Connector), cfg.TestMode
	a.accounts.entries = make(map[string]*accountEntry)
	for _, c := range cfg.Connectors {
		a.connectors[c.Name()] = c
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.reservationTTL <= 0 {
		a.reservationTTL = 15 * time.Minute
	}
	if a.defaultOpenCarts = cfg.MaxOpenCarts; a.defaultOpenCarts <= 0 {
		a.defaultOpenCarts = DefaultMaxOpenCarts
	}
	if a.refundWindow <= 0 {
		a.refundWindow = 10 * 24 * time.Hour
	}
	if a.notifyGrace <= 0 {
		a.notifyGrace = 30 * time.Second
	}
	if a.sealer = cfg.Sealer; a.sealer == nil {
		a.sealer, _ = NewSealer(NewMasterKey())
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
	clientKey := cfg.ClientKey
	if len(clientKey) == 0 {
		clientKey = newSecret()
	}
	a.clients = newClientHasher(clientKey)
	a.verifications = newVerifyCounter(store, cfg.VerificationFlush, a.logf)
	a.verifications.obs = a.observer
	return a
}

// Now returns the App's current time in UTC, to the microsecond: what every
// store keeps, so an answer replayed from the store is the same as the first.
func (a *App) Now() time.Time { return a.now().UTC().Truncate(time.Microsecond) }

// BaseURL returns the public URL of the server (Config.BaseURL), without a
// trailing slash: the stem of the codes of brands that set none of their
// own.
func (a *App) BaseURL() string { return strings.TrimRight(a.baseURL, "/") }

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

// logf logs something the App recovered from, with the context of the
// request or work it happened in.
func (a *App) logf(ctx context.Context, format string, args ...any) {
	a.logger.WarnContext(ctx, fmt.Sprintf(format, args...))
}
