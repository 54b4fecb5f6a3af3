package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"genuine"
)

// decisionColumns are the columns scanDecision reads, in its order.
const decisionColumns = `id, brand_id, gtin, serial, batch_id, merchant_id, checkout_id, key_id,
	decision, created_at`

// insertDecision stores the decision's outcome in a column of its own too,
// for Decisions to filter on.
const insertDecision = `
	INSERT INTO decisions (` + decisionColumns + `, outcome)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// AddDecision appends a decision; EConflict if its id exists, ENotFound if
// its brand or merchant does not exist.
func (t *tx) AddDecision(ctx context.Context, d *genuine.DecisionRecord) error {
	doc, err := json.Marshal(&d.Decision)
	if err != nil {
		return fmt.Errorf("decision %s: %w", d.ID, err)
	}
	_, err = t.exec(ctx, insertDecision,
		d.ID, nullString(d.BrandID), d.GTIN, d.Serial, nullString(d.BatchID), d.MerchantID, d.CheckoutID, d.KeyID,
		string(doc), timeValue(d.CreatedAt), d.Decision.Outcome)
	return storeError(err, "decision %s", d.ID)
}

// selectDecisions reads the decisions of brand ?1 (NULL: of codes no
// brand owns) with outcome ?2 and GTIN ?3 (each any if empty), at most ?4.
const selectDecisions = `
	SELECT ` + decisionColumns + `
	FROM decisions
	WHERE brand_id IS ?1
		AND (?2 = '' OR outcome = ?2)
		AND (?3 = '' OR gtin = ?3)
	ORDER BY created_at DESC, rowid DESC
	LIMIT ?4`

// Decisions returns the decisions of f.BrandID, or of codes no brand owns
// if it is "", with f's outcome and GTIN if set, newest first (of those
// made at the same time, the last added first), at most f.Limit:
// defaultLimit if it is not positive, and never more than maxLimit.
func (t *tx) Decisions(ctx context.Context, f genuine.DecisionFilter) ([]*genuine.DecisionRecord, error) {
	rows, err := t.query(ctx, selectDecisions, nullString(f.BrandID), f.Outcome, f.GTIN, clampLimit(f.Limit))
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
	var brandID, batchID sql.NullString
	var doc string
	err := s.Scan(&d.ID, &brandID, &d.GTIN, &d.Serial, &batchID, &d.MerchantID, &d.CheckoutID, &d.KeyID, &doc,
		scanTime(&d.CreatedAt))
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
