package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"genuine"
)

// checkoutColumns are the columns scanCheckout reads, in its order.
const checkoutColumns = `id, merchant_id, status, currency, total, provider, payment,
	payment_reference, payment_status, deadline, idempotency_key, request_hash, items,
	created_at, updated_at, channel`

const insertCheckout = `
	INSERT INTO checkouts (` + checkoutColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

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
	_, err = t.exec(ctx, insertCheckout,
		c.ID, c.MerchantID, c.Status, c.Currency, c.Total, c.Provider, pay.document, pay.reference,
		pay.status, timeValue(c.Deadline), c.IdempotencyKey, c.RequestHash, items,
		timeValue(c.CreatedAt), timeValue(c.UpdatedAt), c.Channel)
	return storeError(err, "checkout %s", c.ID)
}

const selectCheckout = `
	SELECT ` + checkoutColumns + `
	FROM checkouts
	WHERE id = ?`

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
	WHERE merchant_id = ? AND idempotency_key = ?`

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
	WHERE provider = ? AND payment_reference = ?`

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
	SET status = ?, payment = ?, payment_reference = ?, payment_status = ?, updated_at = ?
	WHERE id = ?`

// UpdateCheckout writes a checkout's status, payment (with the columns of
// its reference and status) and UpdatedAt; its other fields never change.
// ENotFound if there is no such checkout, EConflict if the payment's
// reference is another checkout's.
func (t *tx) UpdateCheckout(ctx context.Context, c *genuine.Checkout) error {
	pay, err := paymentValues(c.Payment)
	if err != nil {
		return fmt.Errorf("checkout %s: %w", c.ID, err)
	}
	res, err := t.exec(ctx, updateCheckout,
		c.Status, pay.document, pay.reference, pay.status, timeValue(c.UpdatedAt), c.ID)
	return updated(res, err, "checkout %s", c.ID)
}

// Checkouts returns the checkouts that match f, oldest deadline first
// (then by id), at most f.Limit, or defaultLimit if f.Limit is not
// positive. The reconciler pages by its own criteria, so there is no
// maximum.
func (t *tx) Checkouts(ctx context.Context, f genuine.CheckoutFilter) ([]*genuine.Checkout, error) {
	query, args, err := checkoutsQuery(f)
	if err != nil {
		return nil, fmt.Errorf("checkouts: %w", err)
	}
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
	WHERE merchant_id = ?
	ORDER BY created_at DESC, id DESC
	LIMIT ?`
	selectMerchantCheckoutsBefore = `
	SELECT ` + checkoutColumns + `
	FROM checkouts
	WHERE merchant_id = ? AND (created_at, id) < (?, ?)
	ORDER BY created_at DESC, id DESC
	LIMIT ?`
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
		query, args = selectMerchantCheckoutsBefore, []any{merchantID, timeValue(before.CreatedAt), before.ID, limit}
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
// (migration 0006), written out in the query of late payments, as SQLite
// requires to use a partial index; that query names the index too, since
// the planner would rather search the statuses in checkouts_status_deadline.
const latePaid = `payment_status = 'paid' AND status IN ('expired', 'canceled', 'failed')`

// checkoutsQuery returns the query of Checkouts for f, and its arguments.
// It has a condition only for each criterion f sets, rather than one query
// with "? IS NULL OR" for all, so that SQLite searches the reconciler's
// indexes instead of scanning every checkout ever made; and one status is
// a condition of equality, so that SQLite reads checkouts_status_deadline
// in the order asked for and stops at the limit, rather than reading every
// checkout of the status to sort them (the reconciler's unpaid checkouts:
// every one awaiting payment). A filter of late payments
// (genuine.CheckoutFilter.LatePayments) also names latePaid, which its
// statuses and payment status imply. Each condition is written with its
// arguments, so that the two cannot fall out of step.
func checkoutsQuery(f genuine.CheckoutFilter) (string, []any, error) {
	var (
		where []string
		args  []any
	)
	cond := func(c string, vs ...any) {
		where = append(where, c)
		args = append(args, vs...)
	}
	from := "checkouts"
	if f.LatePayments() {
		cond(latePaid)
		from = "checkouts INDEXED BY checkouts_paid_late"
	}
	switch len(f.Statuses) {
	case 0:
	case 1:
		cond("status = ?", string(f.Statuses[0]))
	default:
		statuses, err := json.Marshal(f.Statuses)
		if err != nil {
			return "", nil, err
		}
		cond("status IN (SELECT value FROM json_each(?))", string(statuses))
	}
	if f.PaymentStatus != "" {
		cond("payment_status = ?", string(f.PaymentStatus))
	}
	if !f.DeadlineBefore.IsZero() {
		cond("deadline < ?", timeValue(f.DeadlineBefore))
	}
	if !f.UpdatedBefore.IsZero() {
		cond("updated_at < ?", timeValue(f.UpdatedBefore))
	}
	if f.After != nil {
		cond("(deadline, id) > (?, ?)", timeValue(f.After.Deadline), f.After.ID)
	}
	if len(where) == 0 {
		where = append(where, "1")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	return `
	SELECT ` + checkoutColumns + `
	FROM ` + from + `
	WHERE ` + strings.Join(where, " AND ") + `
	ORDER BY deadline, id
	LIMIT ?`, append(args, limit), nil
}

// checkoutsQueries returns every query checkoutsQuery makes: for no
// status, one and several, each of a late payments' filter and not, with
// each combination of the other criteria.
func checkoutsQueries() []string {
	var (
		qs   []string
		seen = map[string]bool{}
		some = time.Unix(1, 0)
	)
	for _, statuses := range [][]genuine.CheckoutStatus{
		nil,
		{genuine.CheckoutAwaitingPayment},
		{genuine.CheckoutExpired},
		{genuine.CheckoutAwaitingPayment, genuine.CheckoutPaid},
		{genuine.CheckoutExpired, genuine.CheckoutCanceled, genuine.CheckoutFailed},
	} {
		for shape := range 16 {
			f := genuine.CheckoutFilter{Statuses: statuses}
			if shape&1 != 0 {
				f.PaymentStatus = genuine.PaymentPaid
			}
			if shape&2 != 0 {
				f.DeadlineBefore = some
			}
			if shape&4 != 0 {
				f.UpdatedBefore = some
			}
			if shape&8 != 0 {
				f.After = &genuine.CheckoutPosition{Deadline: some}
			}
			q, _, _ := checkoutsQuery(f)
			if !seen[q] {
				seen[q] = true
				qs = append(qs, q)
			}
		}
	}
	return qs
}

// scanCheckout reads the checkoutColumns of one row.
func scanCheckout(s scanner) (*genuine.Checkout, error) {
	var c genuine.Checkout
	var payment, reference, paymentStatus sql.NullString
	var items string
	err := s.Scan(&c.ID, &c.MerchantID, &c.Status, &c.Currency, &c.Total, &c.Provider, &payment,
		&reference, &paymentStatus, scanTime(&c.Deadline), &c.IdempotencyKey, &c.RequestHash, &items,
		scanTime(&c.CreatedAt), scanTime(&c.UpdatedAt), &c.Channel)
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

// paymentValues returns the values under which p is stored.
func paymentValues(p *genuine.Payment) (payment, error) {
	if p == nil {
		return payment{}, nil
	}
	utc := *p
	utc.ExpiresAt = p.ExpiresAt.UTC()
	utc.PaidAt = p.PaidAt.UTC()
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
