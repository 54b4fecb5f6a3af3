package payment

import (
	"context"
	"net/http"

	"genuine"
)

// A Fake is a local stand-in for a payment provider's service, shipped in
// the provider's package: an HTTP server that keeps payments' state,
// expires and refunds them, signs its answers and notifications with the
// provider's real scheme (with keys it makes for its test accounts), and
// answers the provider's official SDK unmodified. Tests, `genuine demo
// --provider` and `genuine bench --provider` run against it.
type Fake interface {
	// URL is where the fake listens.
	URL() string
	// Connector returns a Connector for the provider whose SDK calls reach
	// the fake rather than the provider.
	Connector() genuine.Connector
	// Account opens a new test account at the fake, with keys made for
	// it, and returns its settings as a merchant gives them (PUT
	// /v1/merchants/{id}/providers/{name}). notifyURL is where the fake
	// sends the account's notifications when the provider takes it from
	// its dashboard rather than from each payment (Stripe's webhook
	// endpoints); the other fakes send them where each payment says.
	Account(notifyURL string) ([]byte, error)
	// Pay is the buyer paying a pending payment, by the reference its
	// Payment names: the fake marks it paid and sends the signed
	// notification, and returns once the notification was answered.
	Pay(ctx context.Context, reference string) error
	// Decline is the buyer's payment failing, notified as Pay is.
	Decline(ctx context.Context, reference string) error
	// Close stops the fake.
	Close()
}

// Sent is a notification as a fake sent it, and the HTTP status it was
// answered with (0 if it was not answered): what a test replays and
// tampers with.
type Sent struct {
	URL    string
	Header http.Header
	Body   []byte
	Status int
}
