package stripe

import (
	"context"
	"errors"

	stripego "github.com/stripe/stripe-go/v85"

	"genuine"
	"genuine/payment"
)

// idempotencyMeta is the metadata key of a refund that holds the App's
// idempotency key, so that a key is found again after Stripe forgets it
// (24 hours).
const idempotencyMeta = "genuine_idempotency_key"

// Refund refunds r.Amount of a paid session's payment intent, once per
// r.IdempotencyKey: Stripe's Idempotency-Key is r.IdempotencyKey, and the
// refund carries it in its metadata, where a later call finds it and
// refunds nothing more. It returns an *Error with EInvalid for a missing
// key, an amount that is not positive or a currency not the payment's;
// EConflict for a payment that is not paid or has less than r.Amount left
// to refund; ENotFound for a session the account does not have.
func (p *Provider) Refund(ctx context.Context, r genuine.RefundRequest) error {
	switch {
	case r.IdempotencyKey == "":
		return genuine.Errorf(genuine.EInvalid, "a refund needs an idempotency key")
	case r.Amount <= 0:
		return genuine.Errorf(genuine.EInvalid, "refund amount %d is not positive", r.Amount)
	}
	s, err := p.session(ctx, r.Reference, "payment_intent.latest_charge")
	if err != nil {
		return err
	}
	st, err := p.state(s)
	if err != nil {
		return err
	}
	if r.Currency != st.Currency {
		return genuine.Errorf(genuine.EInvalid, "refund in %.10q of a payment in %s", r.Currency, st.Currency)
	}
	if st.Status != genuine.PaymentPaid && st.Status != genuine.PaymentRefunded {
		return genuine.Errorf(genuine.EConflict, "Stripe payment %s is %s, not paid", r.Reference, st.Status)
	}
	if s.PaymentIntent == nil {
		return genuine.Errorf(genuine.EConflict, "Stripe payment %s took no money to refund", r.Reference)
	}
	pi := s.PaymentIntent.ID
	if done, err := p.refunded(ctx, pi, r.IdempotencyKey); err != nil || done {
		return err
	}
	if left := st.Amount - st.Refunded; r.Amount > left {
		return genuine.Errorf(genuine.EConflict, "Stripe payment %s has %s left to refund, not %s",
			r.Reference, genuine.FormatMoney(left, st.Currency), genuine.FormatMoney(r.Amount, st.Currency))
	}
	amount, err := payment.ToStripe(r.Amount, r.Currency)
	if err != nil {
		return err
	}
	return p.createRefund(ctx, pi, amount, r.IdempotencyKey, s.ClientReferenceID)
}

// createRefund refunds amount, in Stripe's unit, of a payment intent,
// under the App's idempotency key.
func (p *Provider) createRefund(ctx context.Context, paymentIntent string, amount int64, key, checkoutID string) error {
	params := &stripego.RefundCreateParams{
		PaymentIntent: stripego.String(paymentIntent),
		Amount:        stripego.Int64(amount),
		Metadata:      map[string]string{idempotencyMeta: key, "checkout_id": checkoutID},
	}
	params.SetIdempotencyKey(key)
	if _, err := p.client.V1Refunds.Create(ctx, params); err != nil {
		var se *stripego.Error
		if errors.As(err, &se) && (se.Code == stripego.ErrorCodeChargeAlreadyRefunded || se.Code == stripego.ErrorCodeAmountTooLarge) {
			return genuine.Errorf(genuine.EConflict, "Stripe refused to refund %s: %s", paymentIntent, se.Msg)
		}
		return apiError("refund "+paymentIntent, err)
	}
	return nil
}

// refunded reports whether a payment intent has a refund made under the
// App's idempotency key.
func (p *Provider) refunded(ctx context.Context, paymentIntent, key string) (bool, error) {
	params := &stripego.RefundListParams{PaymentIntent: stripego.String(paymentIntent)}
	for rf, err := range p.client.V1Refunds.List(ctx, params).All(ctx) {
		if err != nil {
			return false, apiError("list refunds of "+paymentIntent, err)
		}
		if rf.Metadata[idempotencyMeta] == key && rf.Status != stripego.RefundStatusFailed && rf.Status != stripego.RefundStatusCanceled {
			return true, nil
		}
	}
	return false, nil
}
