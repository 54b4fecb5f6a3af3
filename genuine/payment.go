package genuine

import (
	"context"
	"net/http"
	"time"
)

// PaymentStatus is the state of a payment at its provider.
type PaymentStatus string

// Payment statuses.
const (
	PaymentPending  PaymentStatus = "pending"
	PaymentPaid     PaymentStatus = "paid"
	PaymentFailed   PaymentStatus = "failed"
	PaymentCanceled PaymentStatus = "canceled"
	PaymentRefunded PaymentStatus = "refunded"
)

// Payment is a payment started at a provider for a checkout: what the till
// shows the buyer, and where it stands.
type Payment struct {
	Provider  string        `json:"provider"`
	Reference string        `json:"reference"` // the provider's id of the payment
	Status    PaymentStatus `json:"status"`
	Amount    int64         `json:"amount"`
	Currency  string        `json:"currency"`
	PayURL    string        `json:"pay_url,omitempty"` // a page or link the buyer pays at
	QR        string        `json:"qr,omitempty"`      // what the till shows as a QR code
	Secret    string        `json:"client_secret,omitempty"`
	ExpiresAt time.Time     `json:"expires_at"`
	PaidAt    time.Time     `json:"paid_at,omitzero"`
}

// PaymentRequest is what a provider needs to start a payment.
type PaymentRequest struct {
	CheckoutID  string
	MerchantID  string
	Amount      int64 // minor units
	Currency    string
	Description string
	ExpiresAt   time.Time
}

// Notification is a provider's signed word that a payment changed, once
// its signature is verified.
type Notification struct {
	ID        string // unique per notification, for replay protection
	Reference string // the payment
	Status    PaymentStatus
	At        time.Time // when the provider sent it
}

// Provider is a payment provider: Stripe, Alipay, WeChat Pay, or the
// simulated one. Calls go over the network and may fail; the App never
// calls one inside a store transaction.
type Provider interface {
	// Name is the provider's name in URLs and checkouts: "simulated", "stripe" …
	Name() string
	// Create starts a payment and returns it with what the till shows.
	Create(ctx context.Context, r PaymentRequest) (*Payment, error)
	// Query asks the provider where a payment stands.
	Query(ctx context.Context, reference string) (PaymentStatus, error)
	// Cancel cancels an unpaid payment. It returns an *Error with code
	// EConflict if the payment was paid meanwhile.
	Cancel(ctx context.Context, reference string) error
	// Refund refunds a paid payment in full.
	Refund(ctx context.Context, reference string) error
	// ParseNotification verifies a notification's signature and decodes
	// it; an *Error with EUnauthorized if the signature does not verify.
	ParseNotification(r *http.Request, body []byte) (*Notification, error)
}

// Preparer is a Provider that can name a payment before it is started,
// with no call over the network and nothing written: Prepare returns the
// pending payment the provider will accept once the App has stored it with
// its checkout. The App then reserves a checkout's units and stores its
// payment in one durable commit, rather than one to reserve and another
// once the provider has answered. A provider that implements it finds a
// payment it has no record of through the store's checkouts
// (Tx.CheckoutByPayment) and must treat it as pending.
type Preparer interface {
	Prepare(r PaymentRequest) (*Payment, error)
}
