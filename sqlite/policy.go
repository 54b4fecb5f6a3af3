package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"genuine"
)

const insertPolicy = `
	INSERT INTO policies (brand_id, scope, version, document, created_at)
	VALUES (?, ?, ?, ?, ?)`

// PutPolicy stores a version of the policy of a brand's scope, as JSON;
// EConflict if that version exists, ENotFound if the brand does not.
func (t *tx) PutPolicy(ctx context.Context, p *genuine.Policy) error {
	utc := *p
	utc.CreatedAt = p.CreatedAt.UTC()
	doc, err := json.Marshal(&utc)
	if err != nil {
		return fmt.Errorf("policy %s version %d of brand %s: %w", p.Scope, p.Version, p.BrandID, err)
	}
	_, err = t.exec(ctx, insertPolicy, p.BrandID, p.Scope, p.Version, string(doc), timeValue(p.CreatedAt))
	return storeError(err, "policy %s version %d of brand %s", p.Scope, p.Version, p.BrandID)
}

const selectPolicy = `
	SELECT brand_id, scope, version, document, created_at
	FROM policies
	WHERE brand_id = ? AND scope = ?
	ORDER BY version DESC
	LIMIT 1`

// Policy returns the latest version of the policy of a brand's scope.
func (t *tx) Policy(ctx context.Context, brandID, scope string) (*genuine.Policy, error) {
	p, err := scanPolicy(t.queryRow(ctx, selectPolicy, brandID, scope))
	return p, storeError(err, "policy %s of brand %s", scope, brandID)
}

const selectFirstPolicy = `
	SELECT brand_id, scope, version, document, created_at
	FROM policies
	WHERE brand_id = ? AND scope IN (?, ?, ?)
	ORDER BY CASE scope WHEN ? THEN 0 WHEN ? THEN 1 ELSE 2 END, version DESC
	LIMIT 1`

// FirstPolicy returns the latest version of the policy of the first of a
// brand's scopes that has one.
func (t *tx) FirstPolicy(ctx context.Context, brandID string, scopes [3]string) (*genuine.Policy, error) {
	p, err := scanPolicy(t.queryRow(ctx, selectFirstPolicy, brandID, scopes[0], scopes[1], scopes[2], scopes[0], scopes[1]))
	return p, storeError(err, "policy of %s, %s or %s of brand %s", scopes[0], scopes[1], scopes[2], brandID)
}

// scanPolicy reads a row of selectPolicy's columns.
func scanPolicy(row interface{ Scan(...any) error }) (*genuine.Policy, error) {
	var brand, sc, doc string
	var version int
	var created time.Time
	if err := row.Scan(&brand, &sc, &version, &doc, scanTime(&created)); err != nil {
		return nil, err
	}
	var p genuine.Policy
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		// %v, not %w: a damaged row is an internal error, not the caller's EInvalid.
		return nil, fmt.Errorf("policy %s version %d of brand %s: stored document: %v", sc, version, brand, err)
	}
	// The columns are what the policy was stored under.
	p.BrandID, p.Scope, p.Version, p.CreatedAt = brand, sc, version, created
	return &p, nil
}
