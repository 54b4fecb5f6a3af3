// Package simulated is a payment provider for demos and tests that behaves
// like a real one but runs on genuine's own server: it keeps its payments
// in genuine's store, serves a pay page with a QR code and "Pay" and
// "Decline" buttons, and tells the App what happened through signed
// notifications (webhooks) sent over HTTP, exactly as a real provider
// would. No money moves.
package simulated

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"genuine"
	"genuine/web/i18n"
)

// name is the provider's name in URLs, checkouts and store records.
const name = "simulated"

// defaultLifetime is how long a payment stays payable when the request
// does not say.
const defaultLifetime = 15 * time.Minute

// Config is what a Provider needs. BaseURL, Secret and Store are required.
type Config struct {
	BaseURL string           // the server's public URL, e.g. "http://127.0.0.1:8080"
	Secret  []byte           // HMAC-SHA256 key that signs notifications, at least 32 bytes
	Store   genuine.Store    // where payments are kept, so they survive restarts and are shared by servers on one database
	Client  *http.Client     // sends notifications; nil means a client with a 10 s timeout
	Now     func() time.Time // nil means time.Now
	Logger  *slog.Logger     // nil means no logging
}

// Provider is the simulated payment provider. Its methods are safe for
// concurrent use; several Providers on one store (several servers) agree,
// since every change is one store transaction.
type Provider struct {
	baseURL string
	secret  []byte
	store   genuine.Store
	client  *http.Client
	now     func() time.Time
	log     *slog.Logger
	pages   map[i18n.Lang]*template.Template
	csp     string
	handler http.Handler

	// retryDelay is the wait before the first retry of a notification;
	// each later wait doubles it.
	retryDelay time.Duration

	mu     sync.Mutex
	closed bool
	done   chan struct{} // closed by Close: no more retries
	sends  sync.WaitGroup
}

var _ genuine.Provider = (*Provider)(nil)

// New returns a Provider for cfg. It panics if BaseURL is empty, Secret is
// shorter than 32 bytes or Store is nil: the caller validates its config
// once, so these are programming errors.
func New(cfg Config) *Provider {
	switch {
	case cfg.BaseURL == "":
		panic("simulated.New: BaseURL is empty")
	case len(cfg.Secret) < 32:
		panic("simulated.New: Secret is shorter than 32 bytes")
	case cfg.Store == nil:
		panic("simulated.New: Store is nil")
	}
	p := &Provider{
		baseURL:    strings.TrimRight(cfg.BaseURL, "/"),
		secret:     append([]byte(nil), cfg.Secret...),
		store:      cfg.Store,
		client:     cfg.Client,
		now:        cfg.Now,
		log:        cfg.Logger,
		retryDelay: 500 * time.Millisecond,
		done:       make(chan struct{}),
	}
	if p.client == nil {
		p.client = &http.Client{Timeout: 10 * time.Second}
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.pages, p.csp = parsePage()
	p.handler = p.routes()
	return p
}

// Name returns "simulated".
func (p *Provider) Name() string { return name }

// payment is a payment as the provider keeps it in the store, as JSON.
type payment struct {
	Reference   string                `json:"reference"`
	Status      genuine.PaymentStatus `json:"status"`
	Amount      int64                 `json:"amount"`
	Currency    string                `json:"currency"`
	CheckoutID  string                `json:"checkout_id"`
	MerchantID  string                `json:"merchant_id,omitempty"`
	Description string                `json:"description,omitempty"`
	// Shop and Lines are what the pay page shows the buyer: the shop's
	// name and the items paid for.
	Shop  string                `json:"shop,omitempty"`
	Lines []genuine.PaymentLine `json:"lines,omitempty"`
	// Refunded is how much was refunded; Refunds, how much under each of
	// the App's idempotency keys, so that a key refunds once.
	Refunded  int64            `json:"refunded,omitempty"`
	Refunds   map[string]int64 `json:"refunds,omitempty"`
	CreatedAt time.Time        `json:"created_at"`
	ExpiresAt time.Time        `json:"expires_at"`
	UpdatedAt time.Time        `json:"updated_at"`
}

var _ genuine.Preparer = (*Provider)(nil)

// Prepare returns a new pending payment for r, with its pay page, without
// storing it: the App stores it with r's checkout, and the provider reads
// it from there (see get) until it first changes. PayURL is the page, and
// QR, what the till shows as a QR code, is the same URL. It returns an
// *Error with EInvalid for a negative amount, a currency that is not three
// upper-case letters, a missing checkout id or an expiry in the past.
// Without r.ExpiresAt the payment expires in 15 minutes.
func (p *Provider) Prepare(r genuine.PaymentRequest) (*genuine.Payment, error) {
	pm, err := p.newPayment(r)
	if err != nil {
		return nil, err
	}
	return p.public(pm), nil
}

// Create stores a new pending payment for r and returns it, as Prepare
// does; it is for callers that do not store the payment themselves. Asked
// again with an r.IdempotencyKey it was given before, it returns the
// payment it made then, as it is now, and makes none.
func (p *Provider) Create(ctx context.Context, r genuine.PaymentRequest) (*genuine.Payment, error) {
	pm, err := p.newPayment(r)
	if err != nil {
		return nil, err
	}
	err = p.store.Update(ctx, func(tx genuine.Tx) error {
		if r.IdempotencyKey == "" {
			return put(ctx, tx, pm)
		}
		ref, err := tx.ProviderRecord(ctx, name, idempotencyRecord+r.IdempotencyKey)
		if genuine.ErrorCode(err) == genuine.ENotFound {
			if err := tx.PutProviderRecord(ctx, name, idempotencyRecord+r.IdempotencyKey, []byte(pm.Reference)); err != nil {
				return err
			}
			return put(ctx, tx, pm)
		}
		if err != nil {
			return err
		}
		made, err := get(ctx, tx, string(ref))
		if err == nil {
			*pm = *made
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create simulated payment: %w", err)
	}
	return p.public(pm), nil
}

// idempotencyRecord is the stem of the key of the record that names the
// payment Create made for an idempotency key.
const idempotencyRecord = "idempotency/"

// newPayment validates r and returns its pending payment.
func (p *Provider) newPayment(r genuine.PaymentRequest) (*payment, error) {
	now := p.now().UTC()
	switch {
	case r.Amount < 0:
		return nil, genuine.Errorf(genuine.EInvalid, "amount %d is negative", r.Amount)
	case !isCurrency(r.Currency):
		return nil, genuine.Errorf(genuine.EInvalid, "currency %q is not three upper-case letters", r.Currency)
	case r.CheckoutID == "":
		return nil, genuine.Errorf(genuine.EInvalid, "checkout id is missing")
	case !r.ExpiresAt.IsZero() && !r.ExpiresAt.After(now):
		return nil, genuine.Errorf(genuine.EInvalid, "payment would expire at %s, before it starts", r.ExpiresAt.UTC().Format(time.RFC3339))
	}
	pm := &payment{
		Reference:   newReference(now),
		Status:      genuine.PaymentPending,
		Amount:      r.Amount,
		Currency:    r.Currency,
		CheckoutID:  r.CheckoutID,
		MerchantID:  r.MerchantID,
		Description: r.Description,
		Shop:        r.Shop,
		Lines:       r.Lines,
		CreatedAt:   now,
		ExpiresAt:   r.ExpiresAt.UTC(),
		UpdatedAt:   now,
	}
	if r.ExpiresAt.IsZero() {
		pm.ExpiresAt = now.Add(defaultLifetime)
	}
	return pm, nil
}

// public returns what the App and the till see of a payment.
func (p *Provider) public(pm *payment) *genuine.Payment {
	url := p.PayURL(pm.Reference)
	return &genuine.Payment{
		Provider:  name,
		Reference: pm.Reference,
		Status:    pm.Status,
		Amount:    pm.Amount,
		Currency:  pm.Currency,
		PayURL:    url,
		QR:        url,
		ExpiresAt: pm.ExpiresAt,
		Account:   account(pm),
		Refunded:  pm.Refunded,
	}
}

// account is the merchant account a payment is made to: at the simulated
// provider, a merchant's account is named by its id.
func account(pm *payment) string { return pm.MerchantID }

// state is where a payment stands, as Query and notifications tell it.
func state(pm *payment) genuine.PaymentState {
	return genuine.PaymentState{
		Status: pm.Status, Amount: pm.Amount, Currency: pm.Currency, Account: account(pm), Refunded: pm.Refunded,
	}
}

// PayURL returns the address of the pay page of a payment.
func (p *Provider) PayURL(reference string) string {
	return p.baseURL + "/pay/simulated/" + reference
}

// Query returns where a stored payment stands, or an *Error with
// ENotFound if there is no such payment. A pending payment stays pending
// past its expiry until it is canceled.
func (p *Provider) Query(ctx context.Context, reference string) (genuine.PaymentState, error) {
	pm, err := p.payment(ctx, reference)
	if err != nil {
		return genuine.PaymentState{}, err
	}
	return state(pm), nil
}

// Cancel cancels a pending payment. Canceling a canceled or failed payment
// does nothing; a paid or refunded one gives an *Error with EConflict, and
// an unknown one ENotFound.
func (p *Provider) Cancel(ctx context.Context, reference string) error {
	return p.change(ctx, reference, func(pm *payment, _ time.Time) (genuine.PaymentStatus, error) {
		switch pm.Status {
		case genuine.PaymentPending:
			return genuine.PaymentCanceled, nil
		case genuine.PaymentPaid, genuine.PaymentRefunded:
			return "", genuine.Errorf(genuine.EConflict, "payment %s was paid", pm.Reference)
		}
		return pm.Status, nil
	})
}

// Refund refunds r.Amount of a paid payment, once per r.IdempotencyKey
// (required): the same key again does nothing more. The payment is
// refunded once all of it is. It gives an *Error with EInvalid for an
// amount that is not positive or a currency not the payment's, EConflict
// for a payment that is not paid or has less than r.Amount left, and
// ENotFound for an unknown one.
func (p *Provider) Refund(ctx context.Context, r genuine.RefundRequest) error {
	if r.IdempotencyKey == "" {
		return genuine.Errorf(genuine.EInvalid, "a refund needs an idempotency key")
	}
	return p.change(ctx, r.Reference, func(pm *payment, _ time.Time) (genuine.PaymentStatus, error) {
		if _, done := pm.Refunds[r.IdempotencyKey]; done {
			return pm.Status, nil
		}
		switch {
		case r.Amount <= 0:
			return "", genuine.Errorf(genuine.EInvalid, "refund amount %d is not positive", r.Amount)
		case r.Currency != pm.Currency:
			return "", genuine.Errorf(genuine.EInvalid, "refund in %.10q of a payment in %s", r.Currency, pm.Currency)
		case pm.Status != genuine.PaymentPaid:
			return "", genuine.Errorf(genuine.EConflict, "payment %s is %s, not paid", pm.Reference, pm.Status)
		case r.Amount > pm.Amount-pm.Refunded:
			return "", genuine.Errorf(genuine.EConflict, "payment %s has %d left to refund, not %d", pm.Reference, pm.Amount-pm.Refunded, r.Amount)
		}
		if pm.Refunds == nil {
			pm.Refunds = make(map[string]int64)
		}
		pm.Refunds[r.IdempotencyKey] = r.Amount
		pm.Refunded += r.Amount
		if pm.Refunded == pm.Amount {
			return genuine.PaymentRefunded, nil
		}
		return changed, nil
	})
}

// changed is a status rule's answer when a payment changed but its status
// did not: the payment is written with the status it has.
const changed genuine.PaymentStatus = "\x00changed"

// Pay is the buyer paying: a pending payment becomes paid, and a signed
// notification goes to the App. A payment that is not pending, or is past
// its expiry, gives an *Error with EConflict; an unknown one ENotFound.
func (p *Provider) Pay(ctx context.Context, reference string) error {
	return p.settle(ctx, reference, genuine.PaymentPaid)
}

// Decline is the buyer declining: a pending payment fails, and a signed
// notification goes to the App. Like Pay, it gives an *Error with
// EConflict for a payment that is not pending or is past its expiry.
func (p *Provider) Decline(ctx context.Context, reference string) error {
	return p.settle(ctx, reference, genuine.PaymentFailed)
}

// settle moves a pending, unexpired payment to status to and notifies the
// App once the change is committed.
func (p *Provider) settle(ctx context.Context, reference string, to genuine.PaymentStatus) error {
	var settled genuine.PaymentState
	err := p.change(ctx, reference, func(pm *payment, now time.Time) (genuine.PaymentStatus, error) {
		if pm.Status != genuine.PaymentPending {
			return "", genuine.Errorf(genuine.EConflict, "payment %s is %s already", pm.Reference, pm.Status)
		}
		if !now.Before(pm.ExpiresAt) {
			return "", genuine.Errorf(genuine.EConflict, "payment %s expired at %s", pm.Reference, pm.ExpiresAt.Format(time.RFC3339))
		}
		settled = state(pm)
		settled.Status = to
		return to, nil
	})
	if err != nil {
		return err
	}
	p.notify(reference, settled)
	return nil
}

// change applies rule to a payment in one store transaction: rule returns
// the payment's next status (changed if only other fields changed), or an
// error that leaves it unchanged.
func (p *Provider) change(ctx context.Context, reference string, rule func(*payment, time.Time) (genuine.PaymentStatus, error)) error {
	if !isReference(reference) {
		return notFound(reference)
	}
	return p.store.Update(ctx, func(tx genuine.Tx) error {
		pm, err := get(ctx, tx, reference)
		if err != nil {
			return err
		}
		now := p.now().UTC()
		next, err := rule(pm, now)
		if err != nil {
			return err
		}
		if next == pm.Status {
			return nil
		}
		if next != changed {
			pm.Status = next
		}
		pm.UpdatedAt = now
		return put(ctx, tx, pm)
	})
}

// payment returns a stored payment.
func (p *Provider) payment(ctx context.Context, reference string) (*payment, error) {
	if !isReference(reference) {
		return nil, notFound(reference)
	}
	var pm *payment
	err := p.store.View(ctx, func(tx genuine.Tx) error {
		var err error
		pm, err = get(ctx, tx, reference)
		return err
	})
	return pm, err
}

// get reads a payment in a transaction: its record, or, for a payment
// the App prepared and stored with its checkout and that has not changed
// since, the checkout's.
func get(ctx context.Context, tx genuine.Tx, reference string) (*payment, error) {
	data, err := tx.ProviderRecord(ctx, name, reference)
	if genuine.ErrorCode(err) == genuine.ENotFound {
		return prepared(ctx, tx, reference)
	} else if err != nil {
		return nil, fmt.Errorf("read simulated payment %s: %w", reference, err)
	}
	var pm payment
	if err := json.Unmarshal(data, &pm); err != nil {
		return nil, fmt.Errorf("decode simulated payment %s: %w", reference, err)
	}
	return &pm, nil
}

// prepared returns a prepared payment as its checkout holds it: pending,
// whatever became of the checkout, since the App tells the provider of
// every change (Cancel, Refund) and the buyer's come through Pay and
// Decline, all of which write the provider's own record. Its shop and
// lines are the checkout's merchant and items, named as the store names
// them, as the App named them when it prepared the payment.
func prepared(ctx context.Context, tx genuine.Tx, reference string) (*payment, error) {
	c, err := tx.CheckoutByPayment(ctx, name, reference)
	if genuine.ErrorCode(err) == genuine.ENotFound {
		return nil, notFound(reference)
	} else if err != nil {
		return nil, fmt.Errorf("read checkout of simulated payment %s: %w", reference, err)
	}
	if c.Payment == nil || c.Payment.Reference != reference {
		return nil, notFound(reference)
	}
	pm := &payment{
		Reference:   reference,
		Status:      genuine.PaymentPending,
		Amount:      c.Payment.Amount,
		Currency:    c.Payment.Currency,
		CheckoutID:  c.ID,
		MerchantID:  c.MerchantID,
		Description: "checkout " + c.ID,
		CreatedAt:   c.CreatedAt,
		ExpiresAt:   c.Payment.ExpiresAt,
		UpdatedAt:   c.CreatedAt,
	}
	if err := describe(ctx, tx, pm, c); err != nil {
		return nil, fmt.Errorf("name the items of simulated payment %s: %w", reference, err)
	}
	return pm, nil
}

// describe sets a prepared payment's shop and lines from its checkout c.
func describe(ctx context.Context, tx genuine.Tx, pm *payment, c *genuine.Checkout) error {
	m, err := tx.Merchant(ctx, c.MerchantID)
	if err != nil && genuine.ErrorCode(err) != genuine.ENotFound {
		return err
	} else if err == nil {
		pm.Shop = m.Name
	}
	names := map[string]string{}
	pm.Lines = make([]genuine.PaymentLine, len(c.Items))
	for i, it := range c.Items {
		pm.Lines[i].Amount = it.Price
		if it.GTIN == "" {
			continue
		}
		n, ok := names[it.GTIN]
		if !ok {
			p, err := tx.Product(ctx, it.GTIN)
			if err != nil && genuine.ErrorCode(err) != genuine.ENotFound {
				return err
			} else if err == nil {
				n = p.Name
			}
			names[it.GTIN] = n
		}
		pm.Lines[i].Name = n
	}
	return nil
}

// put writes a payment in a transaction.
func put(ctx context.Context, tx genuine.Tx, pm *payment) error {
	data, err := json.Marshal(pm)
	if err != nil {
		return fmt.Errorf("encode simulated payment %s: %w", pm.Reference, err)
	}
	if err := tx.PutProviderRecord(ctx, name, pm.Reference, data); err != nil {
		return fmt.Errorf("write simulated payment %s: %w", pm.Reference, err)
	}
	return nil
}

func notFound(reference string) error {
	return genuine.Errorf(genuine.ENotFound, "payment %q not found", reference)
}

// referenceEncoding keeps the order of the bytes it encodes.
var referenceEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)

// newReference returns a new payment reference: "sim_" and 20 characters
// of base32 (extended hex) encoding the millisecond of now and 48 random
// bits. References made later sort later, so that the index of checkouts
// by reference grows at its end rather than at random pages, as their
// identifiers do (genuine's newID).
func newReference(now time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	rand.Read(b[6:])
	return "sim_" + referenceEncoding.EncodeToString(b[:])
}

// isReference reports whether s has the form of a reference, "sim_" and
// 20 characters of base32 (extended hex, as made now, or standard, as
// made before), so that junk never reaches the store.
func isReference(s string) bool {
	if len(s) != 24 || !strings.HasPrefix(s, "sim_") {
		return false
	}
	for _, c := range s[4:] {
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// isCurrency reports whether s is three upper-case ASCII letters.
func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range []byte(s) {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}
