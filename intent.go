package genuine

import "time"

// IntentStatus is where a payment intent stands.
type IntentStatus string

// Intent statuses.
const (
	IntentPending IntentStatus = "pending" // written; the provider may or may not have acted on it
	IntentDone    IntentStatus = "done"    // the provider acted and the store recorded it
	IntentFailed  IntentStatus = "failed"  // the provider refused it for good; nothing changed
)

// IntentKind names what a payment intent asks of a provider.
type IntentKind string

// IntentRefund is an intent to refund some of a checkout's items.
const IntentRefund IntentKind = "refund"

// PaymentIntent is a step at the boundary between the store and a payment
// provider, written to the store before the provider is asked, so that a
// crash between the two is finished afterwards (the reconciler) rather
// than forgotten. Its ID is our idempotency key at the provider, so
// carrying it out again does it once. A refund intent holds its items: no
// other refund may name them while it is pending, nor once it is done.
//
// The other boundaries keep their intent in the checkout itself: a checkout
// awaiting payment is the intent to create its payment (and, once created,
// to sell its units when the provider says paid), which the reconciler
// finishes by asking the provider.
type PaymentIntent struct {
	ID         string       `json:"id"`
	CheckoutID string       `json:"checkout_id"`
	Kind       IntentKind   `json:"kind"`
	Status     IntentStatus `json:"status"`
	Items      []int        `json:"items"` // positions in the checkout's items, from 0
	Amount     int64        `json:"amount"`
	Currency   string       `json:"currency"`
	// Error is why the provider refused a failed intent.
	Error     string    `json:"error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// IntentFilter selects payment intents.
type IntentFilter struct {
	CheckoutID    string       // "" means any
	Status        IntentStatus // "" means any
	CreatedBefore time.Time    // zero means any
	Limit         int
}
