package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"genuine"

	"github.com/jackc/pgx/v5/pgtype"
)

// decisionColumns are the columns scanDecision reads, in its order.
const decisionColumns = `id, brand_id, gtin, serial, batch_id, merchant_id, checkout_id, key_id,
	decision, created_at`

// insertDecision stores the decision's outcome in a column of its own too,
// for Decisions to filter on.
const insertDecision = `
	INSERT INTO decisions (` + decisionColumns + `, outcome)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

// AddDecision appends a decision; EConflict if its id exists, ENotFound if
// its brand or merchant does not exist.
func (t *tx) AddDecision(ctx context.Context, d *genuine.DecisionRecord) error {
	doc, err := json.Marshal(&d.Decision)
	if err != nil {
		return fmt.Errorf("decision %s: %w", d.ID, err)
	}
	t.execLater("decision "+d.ID, insertDecision,
		d.ID, nullString(d.BrandID), d.GTIN, d.Serial, nullString(d.BatchID), d.MerchantID, d.CheckoutID, d.KeyID,
		string(doc), d.CreatedAt, d.Decision.Outcome)
	return nil
}

// decisionsQuery returns the query of the decisions of the brand $1, or of
// codes no brand owns (brand_id NULL, and no $1) if brand is false, with
// the outcome and GTIN given next (each any if empty), at most the limit
// given last. There are two, where SQLite has one with "brand_id IS ?",
// because PostgreSQL's IS NOT DISTINCT FROM cannot search an index.
func decisionsQuery(brand bool) string {
	where, n := "brand_id IS NULL", 0
	if brand {
		where, n = "brand_id = $1", 1
	}
	return fmt.Sprintf(`
	SELECT `+decisionColumns+`
	FROM decisions
	WHERE %s
		AND ($%d = '' OR outcome = $%[2]d)
		AND ($%d = '' OR gtin = $%[3]d)
	ORDER BY created_at DESC, added DESC
	LIMIT $%d`, where, n+1, n+2, n+3)
}

// The queries of Decisions.
var (
	selectDecisions        = decisionsQuery(true)
	selectUnownedDecisions = decisionsQuery(false)
)

// Decisions returns the decisions of f.BrandID, or of codes no brand owns
// if it is "", with f's outcome and GTIN if set, newest first (of those
// made at the same time, the last added first), at most f.Limit:
// defaultLimit if it is not positive, and never more than maxLimit.
func (t *tx) Decisions(ctx context.Context, f genuine.DecisionFilter) ([]*genuine.DecisionRecord, error) {
	query, args := selectUnownedDecisions, []any{f.Outcome, f.GTIN, clampLimit(f.Limit)}
	if f.BrandID != "" {
		query, args = selectDecisions, append([]any{f.BrandID}, args...)
	}
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, storeError(err, "decisions of brand %s", f.BrandID)
	}
	defer rows.Close()
	var ds []*genuine.DecisionRecord
	for rows.Next() {
		d, err := scanDecision(rows)
		if err != nil {
			return nil, storeError(err, "decisions of brand %s", f.BrandID)
		}
		ds = append(ds, d)
	}
	return ds, storeError(rows.Err(), "decisions of brand %s", f.BrandID)
}

// scanDecision reads the decisionColumns of one row.
func scanDecision(s scanner) (*genuine.DecisionRecord, error) {
	var d genuine.DecisionRecord
	var brandID, batchID pgtype.Text
	var doc string
	err := s.Scan(&d.ID, &brandID, &d.GTIN, &d.Serial, &batchID, &d.MerchantID, &d.CheckoutID, &d.KeyID, &doc,
		&d.CreatedAt)
	if err != nil {
		return nil, err
	}
	d.BrandID, d.BatchID = brandID.String, batchID.String
	if err := json.Unmarshal([]byte(doc), &d.Decision); err != nil {
		// %v, not %w: a damaged row is an internal error, not the caller's EInvalid.
		return nil, fmt.Errorf("decision %s: stored document: %v", d.ID, err)
	}
	return &d, nil
}
