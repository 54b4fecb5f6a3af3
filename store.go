package genuine

import (
	"context"
	"time"
)

// Store keeps genuine's state. Every read and write happens in a
// transaction: View for reads, Update for writes. Implementations (sqlite,
// postgres) persist and translate their errors to *Error codes — ENotFound
// for a missing row, EConflict for a duplicate key — and hold no business
// rule; those live in App.
type Store interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Peek runs fn, which must only read, where each read may see what was
	// committed when it ran: no transaction need hold fn's reads to one
	// snapshot, nor be begun and ended (a round trip on PostgreSQL, where
	// a write fails). It is for a read whose answer is checked again when
	// acted on: a checkout's decision, which its write checks against the
	// units and batches as they are then (Tx.SwapUnit).
	Peek(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction, committed durably if fn
	// returns nil and rolled back otherwise. Transactions are serializable:
	// two Updates never see each other's partial effects. Update may run fn
	// more than once when the store must retry a conflict, so fn must have no
	// effects outside tx. fn may run on another goroutine than Update's
	// caller, so it must not call runtime.Goexit (or t.FailNow). After a Tx
	// method returns an error from the database, fn must return
	// (PostgreSQL aborts the transaction).
	Update(ctx context.Context, fn func(Tx) error) error
	// Close releases the store.
	Close() error
}

// Tx is one transaction of a Store. Look-ups of a missing thing return an
// *Error with code ENotFound, never nil and nil.
//
// A store may send the writes of SwapUnit, AddEvent, AddDecision,
// RecordScan, AddAudit and CreateCheckout later, together with the transaction's
// next statement or its commit, to save round trips (PostgreSQL does):
// their errors, such as CreateCheckout's EConflict for an idempotency key
// used before, may then be returned by that statement or by Update
// instead.
type Tx interface {
	// CreateBrand adds a brand, without GS1 prefixes (SetGS1Prefixes).
	CreateBrand(ctx context.Context, b *Brand) error
	// Brand returns a brand with its GS1 prefixes, sorted (nil if none).
	Brand(ctx context.Context, id string) (*Brand, error)
	// SetGS1Prefixes replaces a brand's GS1 company prefixes; EConflict if
	// another brand holds one of them, ENotFound if the brand does not
	// exist.
	SetGS1Prefixes(ctx context.Context, brandID string, prefixes []string) error
	// GS1Prefixes returns every brand's GS1 company prefixes, in order of
	// prefix.
	GS1Prefixes(ctx context.Context) ([]GS1Prefix, error)
	// UpdateCodeRule replaces a brand's code rule.
	UpdateCodeRule(ctx context.Context, brandID string, rule CodeRule) error
	// CreateSigningKey adds a key; EConflict if the brand has one of that id.
	CreateSigningKey(ctx context.Context, k *SigningKey) error
	// SigningKeys returns a brand's keys in order of id.
	SigningKeys(ctx context.Context, brandID string) ([]*SigningKey, error)
	// AllSigningKeys returns every brand's keys, by brand and id.
	AllSigningKeys(ctx context.Context) ([]*SigningKey, error)
	// UpdateSigningKey writes a key's secret, RetiredAt and RevokedAt;
	// ENotFound if the brand has no key of that id.
	UpdateSigningKey(ctx context.Context, k *SigningKey) error

	// Secret returns the sealed secret stored under a name.
	Secret(ctx context.Context, name string) ([]byte, error)
	// PutSecret stores a sealed secret under a name, replacing any.
	PutSecret(ctx context.Context, name string, sealed []byte) error
	// Secrets returns every sealed secret by name.
	Secrets(ctx context.Context) (map[string][]byte, error)

	// ProviderAccount returns a merchant's account at a payment provider,
	// its Settings sealed.
	ProviderAccount(ctx context.Context, merchantID, provider string) (*ProviderAccount, error)
	// PutProviderAccount stores a merchant's account at a provider,
	// replacing any (its CreatedAt then stays).
	PutProviderAccount(ctx context.Context, a *ProviderAccount) error
	// ProviderAccounts returns a merchant's accounts, by provider; every
	// merchant's, by merchant and provider, for merchantID "".
	ProviderAccounts(ctx context.Context, merchantID string) ([]*ProviderAccount, error)
	// DeleteProviderAccount deletes a merchant's account at a provider;
	// ENotFound if there is none.
	DeleteProviderAccount(ctx context.Context, merchantID, provider string) error

	CreateMerchant(ctx context.Context, m *Merchant) error
	Merchant(ctx context.Context, id string) (*Merchant, error)
	// SetSelfCheckout writes a merchant's self-checkout setting; ENotFound
	// if there is no such merchant.
	SetSelfCheckout(ctx context.Context, merchantID string, sc SelfCheckout) error

	// CreateShopSession inserts a shopper's session at a merchant;
	// EConflict if its hash exists.
	CreateShopSession(ctx context.Context, s *ShopSession) error
	// ShopSession returns the shop session with the given token hash,
	// expired or not; ENotFound if there is none.
	ShopSession(ctx context.Context, hash []byte) (*ShopSession, error)
	// CreateCart inserts a cart of a shop session; EConflict if its id
	// exists.
	CreateCart(ctx context.Context, c *Cart) error
	// UpdateCart writes a cart's status, currency, items, attempt,
	// checkout id, UpdatedAt and ExpiresAt; ENotFound if there is no such
	// cart.
	UpdateCart(ctx context.Context, c *Cart) error
	// Carts returns the carts of the shop session with the given hash,
	// newest first (by CreatedAt, then id); nil if none.
	Carts(ctx context.Context, session []byte) ([]*Cart, error)
	// CountOpenCarts returns how many carts of a merchant are open or
	// paying (CartOpen, CartPaying) and expire after now.
	CountOpenCarts(ctx context.Context, merchantID string, now time.Time) (int, error)

	// ReplacePrices replaces a merchant's price list with prices, whose
	// GTINs are distinct; an empty list clears it.
	ReplacePrices(ctx context.Context, merchantID string, prices []Price) error
	// Prices returns a merchant's price list in order of GTIN; nil if it
	// has none.
	Prices(ctx context.Context, merchantID string) ([]Price, error)
	// Price returns the line of a merchant's price list for a GTIN;
	// ENotFound if it has none.
	Price(ctx context.Context, merchantID, gtin string) (*Price, error)

	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByHash returns the key with the given hash.
	APIKeyByHash(ctx context.Context, hash []byte) (*APIKey, error)
	// APIKey returns the key with the given id.
	APIKey(ctx context.Context, id string) (*APIKey, error)
	// APIKeys returns the keys f selects, oldest first (by creation, then
	// id), revoked and expired ones included.
	APIKeys(ctx context.Context, f APIKeyFilter) ([]*APIKey, error)
	// RevokeAPIKey sets a key's RevokedAt to at, unless it is revoked
	// already, when it keeps the first time; ENotFound if there is no such
	// key.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
	// CountAPIKeys returns how many keys of a role exist.
	CountAPIKeys(ctx context.Context, role Role) (int, error)

	// CreateSession inserts a browser session; EConflict if its hash
	// exists.
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash returns the session with the given token hash,
	// expired or not; ENotFound if there is none.
	SessionByHash(ctx context.Context, hash []byte) (*Session, error)
	// DeleteSession deletes the session with the given token hash;
	// ENotFound if there is none.
	DeleteSession(ctx context.Context, hash []byte) error

	// CreateProduct adds a product; EConflict if its GTIN exists.
	CreateProduct(ctx context.Context, p *Product) error
	Product(ctx context.Context, gtin string) (*Product, error)
	// AllocateSequences reserves n consecutive unit sequence numbers of a
	// product and returns the first; concurrent calls never overlap.
	AllocateSequences(ctx context.Context, gtin string, n int64) (int64, error)

	CreateBatch(ctx context.Context, b *Batch) error
	Batch(ctx context.Context, id string) (*Batch, error)
	// BatchBySequence returns the batch of a product that owns seq.
	BatchBySequence(ctx context.Context, gtin string, seq int64) (*Batch, error)
	// Batches returns a brand's batches, newest first.
	Batches(ctx context.Context, brandID string) ([]*Batch, error)
	// UpdateBatch writes a batch's disposition and regions.
	UpdateBatch(ctx context.Context, b *Batch) error

	// RegisterSerials records serials a brand printed itself as the units of
	// a batch, the i-th with sequence number b.FirstSeq+offset+i, and adds
	// them to the batch's RegisteredCount; EConflict if a serial of the
	// product is registered already.
	RegisterSerials(ctx context.Context, b *Batch, offset int64, serials []string) error
	// RegisteredCount returns how many serials of a batch are registered:
	// a count kept by RegisterSerials, read in one look-up (never by
	// counting the serials); 0 if none are.
	RegisteredCount(ctx context.Context, batchID string) (int64, error)
	// RegisteredSerial returns the sequence number of a registered serial.
	RegisteredSerial(ctx context.Context, gtin, serial string) (int64, error)
	// RegisteredSerials calls fn for each registered serial of a batch, in
	// order of sequence number, stopping at fn's first error. fn must not
	// use tx: the rows are still being read.
	RegisteredSerials(ctx context.Context, batchID string, fn func(seq int64, serial string) error) error

	// Unit returns the unit's own row; ENotFound if nothing has happened to
	// it alone.
	Unit(ctx context.Context, gtin string, seq int64) (*Unit, error)
	// UnitInBatch reads at once what a verification reads of a unit: the
	// batch that owns it (as BatchBySequence; ENotFound if none), its own
	// row (as Unit, but nil if it has none) and its stored count of
	// verifications (as Verifications).
	UnitInBatch(ctx context.Context, gtin string, seq int64) (*Batch, *Unit, int64, error)
	// UnitJourney reads what may have changed of a unit of a batch the
	// caller has read before (a batch's other fields never change): the
	// batch's disposition, the unit's own row (nil if it has none), its
	// stored count of verifications and its journey (as Journey, at most
	// limit events; all if limit is not positive); ENotFound if there is
	// no such batch. It reads in one statement: on one snapshot even in a
	// Peek.
	UnitJourney(ctx context.Context, batchID, gtin string, seq int64, limit int) (Disposition, *Unit, int64, []PublicEvent, error)
	// PutUnit writes a unit's own row.
	PutUnit(ctx context.Context, u *Unit) error
	// SwapUnit writes a unit's own row in place of old, the row as read
	// before (nil if it had none), only if the stored row is still old —
	// the same state, checkout and update time — and the unit's batch b
	// still has the disposition and regions it had when read. If not it
	// writes nothing, and SwapUnit, a later method of the transaction or
	// the Update (a store may send the swap with the last writes) returns
	// an error that wraps ErrUnitChanged: fn must not go on after it, nor
	// count on a swap before Update returns nil. It checks and writes in
	// one statement, with no read (docs/architecture.md says why).
	SwapUnit(ctx context.Context, old, u *Unit, b *Batch) error
	// Units returns the rows of a batch's units with sequence numbers in
	// [from, to], in order.
	Units(ctx context.Context, batchID string, from, to int64) ([]*Unit, error)

	// PutRangeWork stores the work left of a range event, in place of the
	// one stored before for the same event.
	PutRangeWork(ctx context.Context, w *RangeWork) error
	// RangeWork returns the work left of a range event; ENotFound if none
	// is left.
	RangeWork(ctx context.Context, eventID string) (*RangeWork, error)
	// RangeWorks returns the work left of the range events of a batch, or
	// of every batch if batchID is "", oldest first, at most limit.
	RangeWorks(ctx context.Context, batchID string, limit int) ([]*RangeWork, error)
	// DeleteRangeWork deletes the work left of a range event; nothing is
	// done if there is none.
	DeleteRangeWork(ctx context.Context, eventID string) error

	AddEvent(ctx context.Context, e *Event) error
	// Events returns the events of a batch that concern the unit with
	// sequence number seq (batch events, range events covering it, its own
	// events), or all of the batch's events if seq is nil, oldest first, at
	// most limit.
	Events(ctx context.Context, batchID string, seq *int64, limit int) ([]*Event, error)
	// Journey returns what the public sees of the events of a batch that
	// concern its unit with sequence number seq: the type, time and
	// location of each event Events returns for it, in the same order.
	Journey(ctx context.Context, batchID string, seq int64, limit int) ([]PublicEvent, error)

	// AddVerifications adds counted public verifications to the units'
	// stored counts: Count + N, and the later of the stored last time and
	// LastAt, so that the counts of several servers on one database add up.
	// It keeps each unit's Clients once, and adds to its count of clients
	// those not kept before and Anonymous.
	// It sets each Total to the unit's count once added. counts names each
	// unit at most once; nothing is done for an empty list. ENotFound if a
	// unit's product does not exist.
	AddVerifications(ctx context.Context, counts []VerificationCount) error
	// Verifications returns how many public verifications of a unit are
	// stored and when the last was; 0 and the zero time if none.
	Verifications(ctx context.Context, gtin string, seq int64) (int64, time.Time, error)

	// PutPolicy stores a new version of the policy of a scope: the App sets
	// Version to the latest plus one; EConflict if that version exists.
	PutPolicy(ctx context.Context, p *Policy) error
	// Policy returns the latest version of the policy of a brand's scope.
	Policy(ctx context.Context, brandID, scope string) (*Policy, error)
	// FirstPolicy returns the latest version of the policy of the first of
	// a brand's scopes, most specific first, that has one, in one look-up;
	// ENotFound if none has.
	FirstPolicy(ctx context.Context, brandID string, scopes [3]string) (*Policy, error)

	// CreateCheckout stores a new checkout with its items; EConflict if the
	// merchant used its idempotency key before.
	CreateCheckout(ctx context.Context, c *Checkout) error
	Checkout(ctx context.Context, id string) (*Checkout, error)
	CheckoutByIdempotencyKey(ctx context.Context, merchantID, key string) (*Checkout, error)
	// CheckoutByPayment returns the checkout of a provider's payment.
	CheckoutByPayment(ctx context.Context, provider, reference string) (*Checkout, error)
	// UpdateCheckout writes a checkout's status, payment and UpdatedAt; its
	// items never change.
	UpdateCheckout(ctx context.Context, c *Checkout) error
	// Checkouts returns the checkouts that match f, oldest deadline first.
	Checkouts(ctx context.Context, f CheckoutFilter) ([]*Checkout, error)
	// MerchantCheckouts returns a merchant's checkouts, newest first (by
	// CreatedAt, then by id), only those after before in that order if
	// before is not nil, at most limit.
	MerchantCheckouts(ctx context.Context, merchantID string, before *CheckoutCursor, limit int) ([]*Checkout, error)

	AddDecision(ctx context.Context, d *DecisionRecord) error
	// Decisions returns a brand's decisions, newest first.
	Decisions(ctx context.Context, f DecisionFilter) ([]*DecisionRecord, error)
	// RaiseAlert records an alert, or counts it up if the brand has one for
	// the same unit (GTIN and serial) and code: Count+1, LastAt, MerchantID
	// and Message of the new one. It sets a.ID and a.Count to the stored ones.
	RaiseAlert(ctx context.Context, a *Alert) error
	// Alerts returns a brand's alerts, most recently raised first.
	Alerts(ctx context.Context, brandID string, limit int) ([]*Alert, error)

	// MarkNotification records a provider's notification id and reports
	// whether it is new; a replayed notification gives false.
	MarkNotification(ctx context.Context, provider, id string, at time.Time) (bool, error)

	// PruneNotifications deletes at most limit notification ids marked
	// before the given time, oldest first, and returns how many it deleted.
	PruneNotifications(ctx context.Context, before time.Time, limit int) (int, error)
	// PruneCheckouts deletes at most limit checkouts, with their items,
	// that ended unpaid — refused, or expired, canceled or failed with no
	// payment or one that failed or was canceled — and whose deadline is
	// before the given time, oldest first, and returns how many it deleted.
	PruneCheckouts(ctx context.Context, before time.Time, limit int) (int, error)
	// PruneSessions deletes at most limit sessions that expired before the
	// given time, oldest first, and returns how many it deleted.
	PruneSessions(ctx context.Context, before time.Time, limit int) (int, error)
	// PruneShopSessions deletes at most limit shop sessions that expired
	// before the given time, oldest first, each with its carts, and returns
	// how many sessions it deleted.
	PruneShopSessions(ctx context.Context, before time.Time, limit int) (int, error)

	// Scan returns how many distinct clients verified a unit (as
	// AddVerifications counts them) and where it was last scanned by a
	// located merchant (nil if never).
	Scan(ctx context.Context, gtin string, seq int64) (int64, *ScanPoint, error)
	// RecordScan records a located scan of a unit (a checkout at a merchant
	// with coordinates).
	RecordScan(ctx context.Context, gtin string, seq int64, p ScanPoint) error

	// AddAudit appends a record to the audit trail; the store gives it the
	// next id, greater than every id given before. It is a deferred write.
	// No method changes or deletes an audit record or link.
	AddAudit(ctx context.Context, r *AuditRecord) error
	// AuditHead returns the last link of the audit chain; ENotFound if the
	// chain is empty.
	AuditHead(ctx context.Context) (AuditLink, error)
	// UnchainedAudit returns the audit records with ids above after that
	// no link names, in order of id, at most limit.
	UnchainedAudit(ctx context.Context, after int64, limit int) ([]*AuditRecord, error)
	// ChainAudit appends links to the audit chain; EConflict if a link of
	// one's position or record exists.
	ChainAudit(ctx context.Context, links []AuditLink) error
	// AuditChain returns the links of the audit chain after position
	// after, in order, at most limit, each with its record (nil if no
	// record has the id the link names).
	AuditChain(ctx context.Context, after int64, limit int) ([]AuditEntry, error)
	// AuditRecords returns the audit records f selects, newest first.
	AuditRecords(ctx context.Context, f AuditFilter) ([]*AuditRecord, error)

	// PutProviderRecord and ProviderRecord keep a payment provider's own
	// records, such as the simulated provider's payments.
	PutProviderRecord(ctx context.Context, provider, key string, data []byte) error
	ProviderRecord(ctx context.Context, provider, key string) ([]byte, error)

	// CreatePaymentIntent stores a new payment intent; EConflict if its id
	// exists, ENotFound if its checkout does not.
	CreatePaymentIntent(ctx context.Context, in *PaymentIntent) error
	// PaymentIntent returns the intent with the given id.
	PaymentIntent(ctx context.Context, id string) (*PaymentIntent, error)
	// UpdatePaymentIntent writes an intent's status, error and UpdatedAt;
	// its other fields never change. ENotFound if there is no such intent.
	UpdatePaymentIntent(ctx context.Context, in *PaymentIntent) error
	// PaymentIntents returns the intents that match f, oldest first (by
	// CreatedAt, then id), at most f.Limit (a store's default if not
	// positive).
	PaymentIntents(ctx context.Context, f IntentFilter) ([]*PaymentIntent, error)
}

// APIKeyFilter selects API keys; every field set must match.
type APIKeyFilter struct {
	Role       Role   // "" means any
	BrandID    string // "" means any
	MerchantID string // "" means any
}

// CheckoutFilter selects checkouts for the reconciler, which Checkouts
// returns by deadline, then by id.
type CheckoutFilter struct {
	Statuses       []CheckoutStatus // any of these; empty means any
	PaymentStatus  PaymentStatus    // "" means any
	DeadlineBefore time.Time        // zero means any
	UpdatedBefore  time.Time        // zero means any
	// After, if not nil, selects only the checkouts that come after it in
	// that order: the next page of a search.
	After *CheckoutPosition
	Limit int
}

// CheckoutPosition is a checkout's place in the order of Checkouts.
type CheckoutPosition struct {
	Deadline time.Time
	ID       string
}

// CheckoutCursor is a checkout's place in the order of MerchantCheckouts.
type CheckoutCursor struct {
	CreatedAt time.Time
	ID        string
}

// LatePayments reports whether f selects only late payments: checkouts
// that ended unpaid (expired, canceled or failed) whose payment was then
// made, which the reconciler refunds. Stores keep an index of those alone,
// a handful among all checkouts, rather than one of every checkout's
// status and payment status, which every checkout would write; its
// condition (migration 0006, latePaid in each store) names these three
// statuses too, and must change with them.
func (f CheckoutFilter) LatePayments() bool {
	if f.PaymentStatus != PaymentPaid || len(f.Statuses) == 0 {
		return false
	}
	for _, s := range f.Statuses {
		if s != CheckoutExpired && s != CheckoutCanceled && s != CheckoutFailed {
			return false
		}
	}
	return true
}
