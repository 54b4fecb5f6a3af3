package stripe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"genuine"
	"genuine/payment"
)

// Provider acts for one merchant's Stripe account. Its methods are safe for
// concurrent use.
type Provider struct {
	client        *stripego.Client
	account       string // acct_…
	webhookSecret string
	now           func() time.Time
}

var _ genuine.Provider = (*Provider)(nil)

// Name returns "stripe".
func (p *Provider) Name() string { return name }

// Stripe lets a Checkout Session expire from 30 minutes to 24 hours after
// it is made.
const (
	minSessionLife = 30 * time.Minute
	maxSessionLife = 24 * time.Hour
)

// Create makes a Checkout Session for r, with r.IdempotencyKey as Stripe's
// Idempotency-Key: asked again with the same request and key, Stripe
// answers the session it made then. The Payment's PayURL and QR are the
// session's hosted page; its ExpiresAt is the session's, which is
// r.ExpiresAt where Stripe allows it, 30 minutes after r.ExpiresAt if that
// is less than 31 minutes away (so that a retry asks the same), and 24
// hours less a minute from now at most (Stripe refuses 24 hours, counted
// from when it receives the request). It returns an *Error with EInvalid for a missing
// checkout id, an expiry in the past, or an amount Stripe cannot charge in
// r.Currency (package payment).
func (p *Provider) Create(ctx context.Context, r genuine.PaymentRequest) (*genuine.Payment, error) {
	if r.CheckoutID == "" {
		return nil, genuine.Errorf(genuine.EInvalid, "checkout id is missing")
	}
	amount, err := payment.ToStripe(r.Amount, r.Currency)
	if err != nil {
		return nil, err
	}
	expires, err := sessionExpiry(p.now(), r.ExpiresAt)
	if err != nil {
		return nil, err
	}
	product := r.Description
	if product == "" {
		product = "checkout " + r.CheckoutID
	}
	params := &stripego.CheckoutSessionCreateParams{
		Mode: stripego.String(string(stripego.CheckoutSessionModePayment)),
		LineItems: []*stripego.CheckoutSessionCreateLineItemParams{{
			PriceData: &stripego.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripego.String(strings.ToLower(r.Currency)),
				UnitAmount:  stripego.Int64(amount),
				ProductData: &stripego.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripego.String(product)},
			},
			Quantity: stripego.Int64(1),
		}},
		ClientReferenceID: stripego.String(r.CheckoutID),
		Metadata:          map[string]string{"checkout_id": r.CheckoutID, "merchant_id": r.MerchantID},
		ExpiresAt:         stripego.Int64(expires),
	}
	if r.IdempotencyKey != "" {
		params.SetIdempotencyKey(r.IdempotencyKey)
	}
	s, err := p.client.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return nil, apiError("create checkout session", err)
	}
	return &genuine.Payment{
		Provider:  name,
		Reference: s.ID,
		Status:    genuine.PaymentPending,
		Amount:    r.Amount,
		Currency:  r.Currency,
		PayURL:    s.URL,
		QR:        s.URL,
		ExpiresAt: time.Unix(s.ExpiresAt, 0).UTC(),
		Account:   p.account,
	}, nil
}

// sessionExpiry returns when a session asked to expire at want is to
// expire, in Unix seconds, as Create describes.
func sessionExpiry(now, want time.Time) (int64, error) {
	switch d := want.Sub(now); {
	case want.IsZero():
		want = now.Add(minSessionLife + time.Minute)
	case d <= 0:
		return 0, genuine.Errorf(genuine.EInvalid, "payment would expire at %s, before it starts", want.UTC().Format(time.RFC3339))
	case d < minSessionLife+time.Minute:
		want = want.Add(minSessionLife)
	case d > maxSessionLife-time.Minute:
		return now.Add(maxSessionLife - time.Minute).Unix(), nil
	}
	return want.Add(time.Second - 1).Unix(), nil // up to the second
}

// Query retrieves a payment's session: open is pending; expired is
// canceled; complete and paid is paid, or refunded once all of it is
// (Refunded from the latest charge); complete and unpaid, when an
// asynchronous payment method is used, is pending while it is processed,
// failed once it failed, canceled if its payment intent was. It returns an
// *Error with ENotFound if the account has no such session.
func (p *Provider) Query(ctx context.Context, reference string) (genuine.PaymentState, error) {
	s, err := p.session(ctx, reference, "payment_intent.latest_charge")
	if err != nil {
		return genuine.PaymentState{}, err
	}
	return p.state(s)
}

// session retrieves a Checkout Session of the account, expanding what
// expand names.
func (p *Provider) session(ctx context.Context, reference string, expand ...string) (*stripego.CheckoutSession, error) {
	if !hasToken(reference, "cs_") {
		return nil, genuine.Errorf(genuine.ENotFound, "Stripe Checkout Session %.60q not found", reference)
	}
	params := &stripego.CheckoutSessionRetrieveParams{}
	for _, e := range expand {
		params.AddExpand(e)
	}
	s, err := p.client.V1CheckoutSessions.Retrieve(ctx, reference, params)
	if err != nil {
		return nil, apiError("retrieve checkout session "+reference, err)
	}
	return s, nil
}

// state is where a session stands, as Query describes, in genuine's units.
func (p *Provider) state(s *stripego.CheckoutSession) (genuine.PaymentState, error) {
	amount, err := payment.FromStripe(s.AmountTotal, string(s.Currency))
	if err != nil {
		return genuine.PaymentState{}, fmt.Errorf("stripe session %s: %w", s.ID, err)
	}
	st := genuine.PaymentState{
		Status: genuine.PaymentPending, Amount: amount, Currency: strings.ToUpper(string(s.Currency)), Account: p.account,
	}
	pi := s.PaymentIntent
	switch {
	case s.Status == stripego.CheckoutSessionStatusExpired:
		st.Status = genuine.PaymentCanceled
	case s.Status != stripego.CheckoutSessionStatusComplete:
	case s.PaymentStatus == stripego.CheckoutSessionPaymentStatusPaid,
		s.PaymentStatus == stripego.CheckoutSessionPaymentStatusNoPaymentRequired:
		st.Status = genuine.PaymentPaid
		if pi != nil && pi.LatestCharge != nil && pi.LatestCharge.AmountRefunded > 0 {
			if st.Refunded, err = payment.FromStripe(pi.LatestCharge.AmountRefunded, string(s.Currency)); err != nil {
				return genuine.PaymentState{}, fmt.Errorf("stripe session %s: refunded: %w", s.ID, err)
			}
			if st.Refunded >= st.Amount {
				st.Status = genuine.PaymentRefunded
			}
		}
	case pi == nil:
	case pi.Status == stripego.PaymentIntentStatusCanceled:
		st.Status = genuine.PaymentCanceled
	case pi.Status == stripego.PaymentIntentStatusRequiresPaymentMethod && pi.LastPaymentError != nil:
		st.Status = genuine.PaymentFailed
	}
	return st, nil
}

// Cancel expires an open session, so that it can no longer be paid.
// Canceling an expired session, or one whose payment failed or was
// canceled, does nothing. It returns an *Error with EConflict if the
// session was paid, and ENotFound if the account has no such session. A
// session whose asynchronous payment is still being processed cannot be
// expired and may yet be paid: that is a plain error, tried again later,
// never EConflict, on which the App would ask, hear "pending" and release
// the units of a payment that can still land.
func (p *Provider) Cancel(ctx context.Context, reference string) error {
	s, err := p.session(ctx, reference, "payment_intent")
	if err != nil {
		return err
	}
	if s.Status == stripego.CheckoutSessionStatusOpen {
		_, expErr := p.client.V1CheckoutSessions.Expire(ctx, reference, nil)
		if expErr == nil {
			return nil
		}
		// The buyer may have completed it meanwhile: look again.
		if s, err = p.session(ctx, reference, "payment_intent"); err != nil {
			return err
		}
		if s.Status == stripego.CheckoutSessionStatusOpen {
			return fmt.Errorf("stripe session %s is still open: %w", reference, apiError("expire checkout session", expErr))
		}
	}
	st, err := p.state(s)
	if err != nil {
		return err
	}
	switch st.Status {
	case genuine.PaymentPaid, genuine.PaymentRefunded:
		return genuine.Errorf(genuine.EConflict, "Stripe payment %s was paid", reference)
	case genuine.PaymentPending:
		return fmt.Errorf("stripe: payment %s is being processed and cannot be canceled yet", reference)
	}
	return nil
}

// apiError maps an error of a call to Stripe to genuine's codes: a
// missing object is ENotFound, a refused key EUnauthorized, a request
// Stripe refuses EInvalid, an idempotency key reused for another request
// EConflict; a request in flight under the same key, rate limits, Stripe's own failures and network
// errors are plain errors, to be retried.
func apiError(op string, err error) error {
	var se *stripego.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("stripe: %s: %w", op, err)
	}
	switch {
	case se.Code == stripego.ErrorCodeResourceMissing || se.HTTPStatusCode == 404:
		return genuine.Errorf(genuine.ENotFound, "Stripe: %s: %s", op, se.Msg)
	case se.HTTPStatusCode == 401 || se.HTTPStatusCode == 403:
		return genuine.Errorf(genuine.EUnauthorized, "Stripe refused the account's key: %s: %s", op, se.Msg)
	case se.HTTPStatusCode == 409 || se.HTTPStatusCode == 429 || se.HTTPStatusCode >= 500 || se.HTTPStatusCode == 0:
		return fmt.Errorf("stripe: %s: %s (HTTP %d)", op, se.Msg, se.HTTPStatusCode)
	case se.Type == stripego.ErrorTypeIdempotency:
		return genuine.Errorf(genuine.EConflict, "Stripe: %s: %s", op, se.Msg)
	}
	return genuine.Errorf(genuine.EInvalid, "Stripe: %s: %s", op, se.Msg)
}
