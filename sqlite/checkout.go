package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"genuine/genuine"
)

// checkoutColumns are the columns scanCheckout reads, in its order.
const checkoutColumns = `id, merchant_id, status, currency, total, provider, payment,
	payment_reference, payment_status, deadline, idempotency_key, request_hash, items,
	created_at, updated_at`

const insertCheckout = `
	INSERT INTO checkouts (` + checkoutColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

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
		timeValue(c.CreatedAt), timeValue(c.UpdatedAt))
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
	query := checkoutsQuery(len(f.Statuses), f.PaymentStatus != "", !f.DeadlineBefore.IsZero(), !f.UpdatedBefore.IsZero(), f.After != nil, f.LatePayments())
	var args []any
	switch len(f.Statuses) {
	case 0:
	case 1:
		args = append(args, string(f.Statuses[0]))
	default:
		statuses, err := json.Marshal(f.Statuses)
		if err != nil {
			return nil, fmt.Errorf("checkouts: %w", err)
		}
		args = append(args, string(statuses))
	}
	if f.PaymentStatus != "" {
		args = append(args, f.PaymentStatus)
	}
	if !f.DeadlineBefore.IsZero() {
		args = append(args, timeValue(f.DeadlineBefore))
	}
	if !f.UpdatedBefore.IsZero() {
		args = append(args, timeValue(f.UpdatedBefore))
	}
	if f.After != nil {
		args = append(args, timeValue(f.After.Deadline), f.After.ID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	rows, err := t.query(ctx, query, append(args, limit)...)
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

// latePaid is the condition of the partial index checkouts_paid_late
// (migration 0006), written out in the query of late payments, as SQLite
// requires to use a partial index; that query names the index too, since
// the planner would rather search the statuses in checkouts_status_deadline.
const latePaid = `payment_status = 'paid' AND status IN ('expired', 'canceled', 'failed')`

// checkoutsQuery returns the query of Checkouts for a filter of that many
// statuses that sets the other criteria given. It has a condition only for
// each criterion set, rather than one query with "? IS NULL OR" for all,
// so that SQLite searches the reconciler's indexes instead of scanning
// every checkout ever made; and one status is a condition of equality, so
// that SQLite reads checkouts_status_deadline in the order asked for and
// stops at the limit, rather than reading every checkout of the status to
// sort them (the reconciler's unpaid checkouts: every one awaiting
// payment). Its arguments are the status, or the statuses as a JSON array,
// the payment status, the deadline, the update time and the position to
// read after (its deadline and id), each only if set, then the limit. A
// filter of late payments (genuine.CheckoutFilter.LatePayments) also names
// latePaid, which its statuses and payment status imply.
func checkoutsQuery(statuses int, paymentStatus, deadline, updated, after, late bool) string {
	var where []string
	from := "checkouts"
	if late {
		where = append(where, latePaid)
		from = "checkouts INDEXED BY checkouts_paid_late"
	}
	switch {
	case statuses == 1:
		where = append(where, "status = ?")
	case statuses > 1:
		where = append(where, "status IN (SELECT value FROM json_each(?))")
	}
	if paymentStatus {
		where = append(where, "payment_status = ?")
	}
	if deadline {
		where = append(where, "deadline < ?")
	}
	if updated {
		where = append(where, "updated_at < ?")
	}
	if after {
		where = append(where, "(deadline, id) > (?, ?)")
	}
	if len(where) == 0 {
		where = append(where, "1")
	}
	return `
	SELECT ` + checkoutColumns + `
	FROM ` + from + `
	WHERE ` + strings.Join(where, " AND ") + `
	ORDER BY deadline, id
	LIMIT ?`
}

// checkoutsQueries returns every query checkoutsQuery makes.
func checkoutsQueries() []string {
	var qs []string
	for statuses := range 3 { // none, one, several
		for shape := range 16 {
			paymentStatus, deadline, updated, after := shape&1 != 0, shape&2 != 0, shape&4 != 0, shape&8 != 0
			qs = append(qs, checkoutsQuery(statuses, paymentStatus, deadline, updated, after, false))
			if statuses > 0 && paymentStatus {
				qs = append(qs, checkoutsQuery(statuses, paymentStatus, deadline, updated, after, true))
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
		scanTime(&c.CreatedAt), scanTime(&c.UpdatedAt))
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
