// Package paytest runs the same story against every real payment
// provider's local fake, through the App and its HTTP server: the life of
// a payment, notifications replayed, tampered with, of the wrong amount or
// another merchant's account, and wave 1's invariants. Each provider
// package's tests call Run with its fake.
package paytest

import (
	"context"

	"genuine"
	"genuine/payment"
)

// Fake is a provider's local fake with what the tests need to play the
// buyer, the provider misbehaving, and an attacker.
type Fake interface {
	payment.Fake
	// State returns a payment as the fake keeps it, in genuine's terms
	// and units: pending; paid; failed; canceled (closed, expired or
	// canceled at the provider); refunded once all of it is (Refunded says
	// how much so far); its amount, currency and account. An *Error with
	// ENotFound if there is no such payment.
	State(reference string) (genuine.PaymentState, error)
	// Sent returns the notifications the fake sent about a payment,
	// oldest first, exactly as sent, to be replayed and tampered with.
	Sent(reference string) []Sent
	// PaySilently is the buyer paying a pending payment with no
	// notification sent (lost on the way): the App finds it by asking.
	PaySilently(ctx context.Context, reference string) error
	// Forge sends a notification that a payment was paid which the
	// provider never would: signed as the fake signs for the account of
	// settings (which may be another merchant's than the payment's),
	// telling of amount minor units of the payment's currency rather than
	// the payment's amount, and naming that account. It posts it to
	// notifyURL and returns the HTTP status of the answer.
	Forge(ctx context.Context, reference string, amount int64, settings []byte, notifyURL string) (int, error)
}

// Sent is a notification as a fake sent it (payment.Sent).
type Sent = payment.Sent
