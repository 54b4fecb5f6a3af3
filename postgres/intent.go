package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"genuine"
)

// intentColumns are the columns scanIntent reads, in its order.
const intentColumns = `id, checkout_id, kind, status, items, amount, currency, error, created_at, updated_at`

const insertIntent = `
	INSERT INTO payment_intents (` + intentColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

// CreatePaymentIntent inserts a payment intent; EConflict if its id
// exists, ENotFound if its checkout does not.
func (t *tx) CreatePaymentIntent(ctx context.Context, in *genuine.PaymentIntent) error {
	items, err := json.Marshal(in.Items)
	if err != nil {
		return fmt.Errorf("payment intent %s: items: %w", in.ID, err)
	}
	_, err = t.exec(ctx, insertIntent, in.ID, in.CheckoutID, string(in.Kind), string(in.Status), string(items),
		in.Amount, in.Currency, in.Error, in.CreatedAt, in.UpdatedAt)
	return storeError(err, "payment intent %s", in.ID)
}

const selectIntent = `
	SELECT ` + intentColumns + `
	FROM payment_intents
	WHERE id = $1`

// PaymentIntent returns the payment intent with the given id.
func (t *tx) PaymentIntent(ctx context.Context, id string) (*genuine.PaymentIntent, error) {
	in, err := scanIntent(t.queryRow(ctx, selectIntent, id))
	if err != nil {
		return nil, storeError(err, "payment intent %s", id)
	}
	return in, nil
}

const updateIntent = `
	UPDATE payment_intents
	SET status = $1, error = $2, updated_at = $3
	WHERE id = $4`

// UpdatePaymentIntent writes an intent's status, error and UpdatedAt.
func (t *tx) UpdatePaymentIntent(ctx context.Context, in *genuine.PaymentIntent) error {
	tag, err := t.exec(ctx, updateIntent, string(in.Status), in.Error, in.UpdatedAt, in.ID)
	return updated(tag, err, "payment intent %s", in.ID)
}

// PaymentIntents returns the intents that match f, oldest first.
func (t *tx) PaymentIntents(ctx context.Context, f genuine.IntentFilter) ([]*genuine.PaymentIntent, error) {
	query, args := intentsQuery(f)
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, storeError(err, "payment intents")
	}
	defer rows.Close()
	var out []*genuine.PaymentIntent
	for rows.Next() {
		in, err := scanIntent(rows)
		if err != nil {
			return nil, storeError(err, "payment intents")
		}
		out = append(out, in)
	}
	return out, storeError(rows.Err(), "payment intents")
}

// intentsQuery returns the query of PaymentIntents for f and its
// arguments, with a condition only for each criterion f sets. Pending
// intents are named by a literal, so that the planner can prove that the
// partial index payment_intents_pending covers the query.
func intentsQuery(f genuine.IntentFilter) (string, []any) {
	var (
		where []string
		args  []any
	)
	cond := func(c string, v any) {
		args = append(args, v)
		where = append(where, c+" $"+strconv.Itoa(len(args)))
	}
	if f.CheckoutID != "" {
		cond("checkout_id =", f.CheckoutID)
	}
	switch f.Status {
	case "":
	case genuine.IntentPending:
		where = append(where, "status = 'pending'")
	default:
		cond("status =", string(f.Status))
	}
	if !f.CreatedBefore.IsZero() {
		cond("created_at <", f.CreatedBefore)
	}
	if len(where) == 0 {
		where = append(where, "true")
	}
	args = append(args, clampLimit(f.Limit))
	return `
	SELECT ` + intentColumns + `
	FROM payment_intents
	WHERE ` + strings.Join(where, " AND ") + `
	ORDER BY created_at, id
	LIMIT $` + strconv.Itoa(len(args)), args
}

// scanIntent reads the intentColumns of one row.
func scanIntent(s scanner) (*genuine.PaymentIntent, error) {
	var in genuine.PaymentIntent
	var kind, status, items string
	err := s.Scan(&in.ID, &in.CheckoutID, &kind, &status, &items, &in.Amount, &in.Currency, &in.Error,
		&in.CreatedAt, &in.UpdatedAt)
	if err != nil {
		return nil, err
	}
	in.Kind, in.Status = genuine.IntentKind(kind), genuine.IntentStatus(status)
	in.CreatedAt, in.UpdatedAt = in.CreatedAt.UTC(), in.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(items), &in.Items); err != nil {
		// %v, not %w: a damaged row is an internal error, not the caller's EInvalid.
		return nil, fmt.Errorf("payment intent %s: stored items: %v", in.ID, err)
	}
	return &in, nil
}
