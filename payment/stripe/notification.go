package stripe

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"

	"genuine"
	"genuine/payment"
)

// SignatureHeader is the header that carries a webhook event's signature:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(webhook secret, "<t>." + body)>".
const SignatureHeader = "Stripe-Signature"

// The webhook events ParseNotification acts on.
const (
	eventCompleted      = "checkout.session.completed"
	eventAsyncSucceeded = "checkout.session.async_payment_succeeded"
	eventAsyncFailed    = "checkout.session.async_payment_failed"
	eventExpired        = "checkout.session.expired"
)

// ParseNotification verifies a webhook event's Stripe-Signature with the
// account's webhook secret, through the SDK's webhook package, and decodes
// it. It returns an *Error with EUnauthorized if the header is missing or
// malformed, no signature verifies, or it was signed more than 5 minutes
// ago (webhook.DefaultTolerance); EInvalid if the verified body is not an
// event of a Checkout Session. Events of any API version are read: the
// members used are the same in all of them.
//
// checkout.session.completed is paid if the session's payment_status is
// paid (an asynchronous payment still to come is nil, nil);
// checkout.session.async_payment_succeeded is paid, .async_payment_failed
// failed, .expired canceled; any other event is nil, nil. The
// Notification's ID is the event's, so that Stripe's retries of it are
// recognised; its Account is always this Provider's, whose webhook secret
// verified it, never the event's account member: the merchant holds the
// secret too, so the body may be its own. An event that names another
// account (a Connect event of a connected account) is not about this
// account's payments: nil, nil.
func (p *Provider) ParseNotification(r *http.Request, body []byte) (*genuine.Notification, error) {
	var header string
	if r != nil {
		header = r.Header.Get(SignatureHeader)
	}
	ev, err := webhook.ConstructEventWithOptions(body, header, p.webhookSecret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	switch {
	case errors.Is(err, webhook.ErrNotSigned):
		return nil, genuine.Errorf(genuine.EUnauthorized, "Stripe event has no %s header", SignatureHeader)
	case errors.Is(err, webhook.ErrInvalidHeader):
		return nil, genuine.Errorf(genuine.EUnauthorized, "Stripe event has a malformed %s header", SignatureHeader)
	case errors.Is(err, webhook.ErrNoValidSignature):
		return nil, genuine.Errorf(genuine.EUnauthorized, "Stripe event signature does not verify")
	case errors.Is(err, webhook.ErrTooOld):
		return nil, genuine.Errorf(genuine.EUnauthorized, "Stripe event was signed more than %s ago", webhook.DefaultTolerance)
	case err != nil:
		return nil, genuine.Errorf(genuine.EInvalid, "Stripe event is not an event: %v", err)
	}
	var status genuine.PaymentStatus
	switch ev.Type {
	case eventCompleted, eventAsyncSucceeded:
		status = genuine.PaymentPaid
	case eventAsyncFailed:
		status = genuine.PaymentFailed
	case eventExpired:
		status = genuine.PaymentCanceled
	default:
		return nil, nil
	}
	if ev.Data == nil {
		return nil, genuine.Errorf(genuine.EInvalid, "Stripe event %.60s has no data", ev.ID)
	}
	var s stripego.CheckoutSession
	if err := json.Unmarshal(ev.Data.Raw, &s); err != nil || !hasToken(s.ID, "cs_") || ev.ID == "" {
		return nil, genuine.Errorf(genuine.EInvalid, "Stripe event %.60s is not of a Checkout Session", ev.ID)
	}
	if ev.Type == eventCompleted && s.PaymentStatus != stripego.CheckoutSessionPaymentStatusPaid &&
		s.PaymentStatus != stripego.CheckoutSessionPaymentStatusNoPaymentRequired {
		return nil, nil
	}
	amount, err := payment.FromStripe(s.AmountTotal, string(s.Currency))
	if err != nil {
		return nil, err
	}
	if ev.Account != "" && ev.Account != p.account {
		return nil, nil
	}
	return &genuine.Notification{
		ID:         ev.ID,
		Reference:  s.ID,
		CheckoutID: s.ClientReferenceID,
		Status:     status,
		At:         time.Unix(ev.Created, 0).UTC(),
		Amount:     amount,
		Currency:   strings.ToUpper(string(s.Currency)),
		Account:    p.account,
	}, nil
}
