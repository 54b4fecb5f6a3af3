package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"genuine/genuine"
)

const insertPolicy = `
	INSERT INTO policies (brand_id, scope, version, document, created_at)
	VALUES ($1, $2, $3, $4, $5)`

// PutPolicy stores a version of the policy of a brand's scope, as JSON;
// EConflict if that version exists, ENotFound if the brand does not.
func (t *tx) PutPolicy(ctx context.Context, p *genuine.Policy) error {
	utc := *p
	utc.CreatedAt = p.CreatedAt.UTC()
	doc, err := json.Marshal(&utc)
	if err != nil {
		return fmt.Errorf("policy %s version %d of brand %s: %w", p.Scope, p.Version, p.BrandID, err)
	}
	_, err = t.exec(ctx, insertPolicy, p.BrandID, p.Scope, p.Version, string(doc), p.CreatedAt)
	return storeError(err, "policy %s version %d of brand %s", p.Scope, p.Version, p.BrandID)
}

const selectPolicy = `
	SELECT brand_id, scope, version, document, created_at
	FROM policies
	WHERE brand_id = $1 AND scope = $2
	ORDER BY version DESC
	LIMIT 1`

// Policy returns the latest version of the policy of a brand's scope.
func (t *tx) Policy(ctx context.Context, brandID, scope string) (*genuine.Policy, error) {
	var brand, sc, doc string
	var version int
	var created time.Time
	err := t.queryRow(ctx, selectPolicy, brandID, scope).Scan(&brand, &sc, &version, &doc, &created)
	if err != nil {
		return nil, storeError(err, "policy %s of brand %s", scope, brandID)
	}
	var p genuine.Policy
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		// %v, not %w: a damaged row is an internal error, not the caller's EInvalid.
		return nil, fmt.Errorf("policy %s version %d of brand %s: stored document: %v", scope, version, brandID, err)
	}
	// The columns are what the policy was stored under.
	p.BrandID, p.Scope, p.Version, p.CreatedAt = brand, sc, version, created
	return &p, nil
}
