package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"genuine"

	"github.com/jackc/pgx/v5/pgtype"
)

// checkoutColumns are the columns scanCheckout reads, in its order.
const checkoutColumns = `id, merchant_id, status, currency, total, provider, payment,
	payment_reference, payment_status, deadline, idempotency_key, request_hash, items,
	created_at, updated_at, channel`

const insertCheckout = `
	INSERT INTO checkouts (` + checkoutColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`

// CreateCheckout inserts a checkout with its items; EConflict if its id
// exists, the merchant used its idempotency key before, or its payment's
// reference is another checkout's; ENotFound if its merchant does not
// exist.
func (t *tx) CreateCheckout(ctx context.Context, c *genuine.Checkout) error {
	pay, err := paymentValues(c.Payment)
	if err != nil {
		return fmt.Errorf("checkout %s: %w", c.ID, err)
	}
	items, err := itemsValue(c.Items)
	if err != nil {
		return fmt.Errorf("checkout %s: %w", c.ID, err)
	}
	t.execLater("checkout "+c.ID, insertCheckout,
		c.ID, c.MerchantID, c.Status, c.Currency, c.Total, c.Provider, pay.document, pay.reference,
		pay.status, c.Deadline, c.IdempotencyKey, slices.Clone(c.RequestHash), items, c.CreatedAt, c.UpdatedAt, c.Channel)
	return nil
}

const selectCheckout = `
	SELECT ` + checkoutColumns + `
	FROM checkouts
	WHERE id = $1`

// Checkout returns the checkout with the given id.
func (t *tx) Checkout(ctx context.Context, id string) (*genuine.Checkout, error) {
	c, err := scanCheckout(t.queryRow(ctx, selectCheckout, id))
	if err != nil {
		return nil, storeError(err, "checkout %s", id)
	}
	return c, nil
}

const selectCheckoutByIdempotencyKey = `
	SELECT ` + checkoutColumns + `
	FROM checkouts
	WHERE merchant_id = $1 AND idempotency_key = $2`

// CheckoutByIdempotencyKey returns the checkout a merchant made with the
// given idempotency key.
func (t *tx) CheckoutByIdempotencyKey(ctx context.Context, merchantID, key string) (*genuine.Checkout, error) {
	c, err := scanCheckout(t.queryRow(ctx, selectCheckoutByIdempotencyKey, merchantID, key))
	if err != nil {
		return nil, storeError(err, "checkout of merchant %s with idempotency key %q", merchantID, key)
	}
	return c, nil
}

const selectCheckoutByPayment = `
	SELECT ` + checkoutColumns + `
	FROM checkouts
	WHERE provider = $1 AND payment_reference = $2`

// CheckoutByPayment returns the checkout of the given provider (its
// Provider, which its payment's is) whose payment has the given reference.
func (t *tx) CheckoutByPayment(ctx context.Context, provider, reference string) (*genuine.Checkout, error) {
	c, err := scanCheckout(t.queryRow(ctx, selectCheckoutByPayment, provider, reference))
	if err != nil {
		return nil, storeError(err, "checkout of payment %q at %s", reference, provider)
	}
	return c, nil
}

const updateCheckout = `
	UPDATE checkouts
	SET status = $1, payment = $2, payment_reference = $3, payment_status = $4, updated_at = $5
	WHERE id = $6`

// UpdateCheckout writes a checkout's status, payment (with the columns of
// its reference and status) and UpdatedAt; its other fields never change.
// ENotFound if there is no such checkout, EConflict if the payment's
// reference is another checkout's.
func (t *tx) UpdateCheckout(ctx context.Context, c *genuine.Checkout) error {
	pay, err := paymentValues(c.Payment)
	if err != nil {
		return fmt.Errorf("checkout %s: %w", c.ID, err)
	}
	tag, err := t.exec(ctx, updateCheckout,
		c.Status, pay.document, pay.reference, pay.status, c.UpdatedAt, c.ID)
	return updated(tag, err, "checkout %s", c.ID)
}

// Checkouts returns the checkouts that match f, oldest deadline first
// (then by id), at most f.Limit, or defaultLimit if f.Limit is not
// positive. The reconciler pages by its own criteria, so there is no
// maximum.
func (t *tx) Checkouts(ctx context.Context, f genuine.CheckoutFilter) ([]*genuine.Checkout, error) {
	query, args := checkoutsQuery(f)
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, storeError(err, "checkouts")
	}
	defer rows.Close()
	var cs []*genuine.Checkout
	for rows.Next() {
		c, err := scanCheckout(rows)
		if err != nil {
			return nil, storeError(err, "checkouts")
		}
		cs = append(cs, c)
	}
	return cs, storeError(rows.Err(), "checkouts")
}

const (
	selectMerchantCheckouts = `
	SELECT ` + checkoutColumns + `
	FROM checkouts
	WHERE merchant_id = $1
	ORDER BY created_at DESC, id DESC
	LIMIT $2`
	selectMerchantCheckoutsBefore = `
	SELECT ` + checkoutColumns + `
	FROM checkouts
	WHERE merchant_id = $1 AND (created_at, id) < ($2, $3)
	ORDER BY created_at DESC, id DESC
	LIMIT $4`
)

// MerchantCheckouts returns a merchant's checkouts, newest first (then by
// id), after before in that order if it is not nil, at most limit
// (defaultLimit if not positive), through the index
// checkouts_merchant_created (migration 0020).
func (t *tx) MerchantCheckouts(ctx context.Context, merchantID string, before *genuine.CheckoutCursor, limit int) ([]*genuine.Checkout, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	query, args := selectMerchantCheckouts, []any{merchantID, limit}
	if before != nil {
		query, args = selectMerchantCheckoutsBefore, []any{merchantID, before.CreatedAt, before.ID, limit}
	}
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, storeError(err, "checkouts of merchant %s", merchantID)
	}
	defer rows.Close()
	var cs []*genuine.Checkout
	for rows.Next() {
		c, err := scanCheckout(rows)
		if err != nil {
			return nil, storeError(err, "checkouts of merchant %s", merchantID)
		}
		cs = append(cs, c)
	}
	return cs, storeError(rows.Err(), "checkouts of merchant %s", merchantID)
}

// latePaid is the condition of the partial index checkouts_paid_late
// (migration 0006), written out in the query of late payments so that
// the planner can prove that the index covers the query.
const latePaid = `payment_status = 'paid' AND status IN ('expired', 'canceled', 'failed')`

// checkoutsQuery returns the query of Checkouts for f, and its arguments.
// It has a condition only for each criterion f sets, rather than one query
// with "$n IS NULL OR" for all, so that the server searches the
// reconciler's indexes instead of scanning every checkout ever made (a
// generic plan could not drop the conditions that do not apply); and one
// status is a condition of equality, so that the server can read
// checkouts_status_deadline in the order asked for and stop at the limit,
// rather than sort every checkout of the status (the reconciler's unpaid
// checkouts: every one awaiting payment). A filter of late payments
// (genuine.CheckoutFilter.LatePayments) also names latePaid, which its
// statuses and payment status imply. Each argument is numbered as it is
// added, so that conditions and arguments cannot fall out of step.
func checkoutsQuery(f genuine.CheckoutFilter) (string, []any) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.LatePayments() {
		where = append(where, latePaid)
	}
	switch len(f.Statuses) {
	case 0:
	case 1:
		where = append(where, "status = "+arg(string(f.Statuses[0])))
	default:
		statuses := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			statuses[i] = string(s)
		}
		where = append(where, "status = ANY("+arg(statuses)+"::text[])")
	}
	if f.PaymentStatus != "" {
		where = append(where, "payment_status = "+arg(string(f.PaymentStatus)))
	}
	if !f.DeadlineBefore.IsZero() {
		where = append(where, "deadline < "+arg(f.DeadlineBefore))
	}
	if !f.UpdatedBefore.IsZero() {
		where = append(where, "updated_at < "+arg(f.UpdatedBefore))
	}
	if f.After != nil {
		where = append(where, "(deadline, id) > ("+arg(f.After.Deadline)+", "+arg(f.After.ID)+")")
	}
	if len(where) == 0 {
		where = append(where, "true")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	return `
	SELECT ` + checkoutColumns + `
	FROM checkouts
	WHERE ` + strings.Join(where, " AND ") + `
	ORDER BY deadline, id
	LIMIT ` + arg(limit), args
}

// scanCheckout reads the checkoutColumns of one row.
func scanCheckout(s scanner) (*genuine.Checkout, error) {
	var c genuine.Checkout
	var payment, reference, paymentStatus pgtype.Text
	var items string
	err := s.Scan(&c.ID, &c.MerchantID, &c.Status, &c.Currency, &c.Total, &c.Provider, &payment,
		&reference, &paymentStatus, &c.Deadline, &c.IdempotencyKey, &c.RequestHash, &items,
		&c.CreatedAt, &c.UpdatedAt, &c.Channel)
	if err != nil {
		return nil, err
	}
	if payment.Valid {
		c.Payment = new(genuine.Payment)
		if err := json.Unmarshal([]byte(payment.String), c.Payment); err != nil {
			// %v, not %w: a damaged row is an internal error, not the caller's EInvalid.
			return nil, fmt.Errorf("checkout %s: stored payment: %v", c.ID, err)
		}
	}
	if c.Items, err = scanItems(items); err != nil {
		return nil, fmt.Errorf("checkout %s: %v", c.ID, err)
	}
	return &c, nil
}

// payment is how a checkout's payment is stored: the document, and its
// reference and status in columns of their own; all NULL without one.
type payment struct {
	document, reference, status any
}

// paymentValues returns the values under which p is stored, its times in
// UTC.
func paymentValues(p *genuine.Payment) (payment, error) {
	if p == nil {
		return payment{}, nil
	}
	utc := *p
	utc.ExpiresAt, utc.PaidAt = p.ExpiresAt.UTC(), p.PaidAt.UTC()
	doc, err := json.Marshal(&utc)
	if err != nil {
		return payment{}, fmt.Errorf("payment: %w", err)
	}
	return payment{string(doc), nullString(p.Reference), nullString(string(p.Status))}, nil
}

// itemsValue returns the JSON array under which a checkout's items are
// stored, in the domain's one stored form.
func itemsValue(items []genuine.CheckoutItem) (string, error) {
	b, err := genuine.MarshalItems(items)
	if err != nil {
		return "", fmt.Errorf("items: %w", err)
	}
	return string(b), nil
}

// scanItems reads items stored by itemsValue.
func scanItems(text string) ([]genuine.CheckoutItem, error) {
	items, err := genuine.UnmarshalItems([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("stored items: %v", err)
	}
	return items, nil
}
