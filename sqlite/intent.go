package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"genuine"
)

// intentColumns are the columns scanIntent reads, in its order.
const intentColumns = `id, checkout_id, kind, status, items, amount, currency, error, created_at, updated_at`

const insertIntent = `
	INSERT INTO payment_intents (` + intentColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreatePaymentIntent inserts a payment intent; EConflict if its id
// exists, ENotFound if its checkout does not.
func (t *tx) CreatePaymentIntent(ctx context.Context, in *genuine.PaymentIntent) error {
	items, err := json.Marshal(in.Items)
	if err != nil {
		return fmt.Errorf("payment intent %s: items: %w", in.ID, err)
	}
	_, err = t.exec(ctx, insertIntent, in.ID, in.CheckoutID, in.Kind, in.Status, string(items), in.Amount,
		in.Currency, in.Error, timeValue(in.CreatedAt), timeValue(in.UpdatedAt))
	return storeError(err, "payment intent %s", in.ID)
}

const selectIntent = `
	SELECT ` + intentColumns + `
	FROM payment_intents
	WHERE id = ?`

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
	SET status = ?, error = ?, updated_at = ?
	WHERE id = ?`

// UpdatePaymentIntent writes an intent's status, error and UpdatedAt.
func (t *tx) UpdatePaymentIntent(ctx context.Context, in *genuine.PaymentIntent) error {
	res, err := t.exec(ctx, updateIntent, in.Status, in.Error, timeValue(in.UpdatedAt), in.ID)
	return updated(res, err, "payment intent %s", in.ID)
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
// intents are named by a literal, as SQLite requires to search the partial
// index payment_intents_pending.
func intentsQuery(f genuine.IntentFilter) (string, []any) {
	var (
		where []string
		args  []any
	)
	if f.CheckoutID != "" {
		where, args = append(where, "checkout_id = ?"), append(args, f.CheckoutID)
	}
	switch f.Status {
	case "":
	case genuine.IntentPending:
		where = append(where, "status = 'pending'")
	default:
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if !f.CreatedBefore.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, timeValue(f.CreatedBefore))
	}
	if len(where) == 0 {
		where = append(where, "1")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	return `
	SELECT ` + intentColumns + `
	FROM payment_intents
	WHERE ` + strings.Join(where, " AND ") + `
	ORDER BY created_at, id
	LIMIT ?`, append(args, limit)
}

// intentsQueries returns every query intentsQuery makes: for each status
// (any, pending, another), with and without each other criterion.
func intentsQueries() []string {
	var qs []string
	for _, status := range []genuine.IntentStatus{"", genuine.IntentPending, genuine.IntentDone} {
		for _, checkout := range []string{"", "chk"} {
			for _, before := range []time.Time{{}, time.Unix(1, 0)} {
				q, _ := intentsQuery(genuine.IntentFilter{CheckoutID: checkout, Status: status, CreatedBefore: before})
				qs = append(qs, q)
			}
		}
	}
	return qs
}

// scanIntent reads the intentColumns of one row.
func scanIntent(s scanner) (*genuine.PaymentIntent, error) {
	var in genuine.PaymentIntent
	var items string
	err := s.Scan(&in.ID, &in.CheckoutID, &in.Kind, &in.Status, &items, &in.Amount, &in.Currency, &in.Error,
		scanTime(&in.CreatedAt), scanTime(&in.UpdatedAt))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(items), &in.Items); err != nil {
		// %v, not %w: a damaged row is an internal error, not the caller's EInvalid.
		return nil, fmt.Errorf("payment intent %s: stored items: %v", in.ID, err)
	}
	return &in, nil
}
