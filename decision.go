package genuine

import (
	"context"
	"time"
)

// DecisionRecord is a stored decision: for whom, where, when.
type DecisionRecord struct {
	ID         string    `json:"id"`
	BrandID    string    `json:"-"` // "" for a code no brand owns
	GTIN       string    `json:"gtin"`
	Serial     string    `json:"serial"`
	BatchID    string    `json:"batch_id,omitempty"`
	MerchantID string    `json:"merchant_id"`
	CheckoutID string    `json:"checkout_id"`
	KeyID      string    `json:"key_id,omitempty"` // the API key that made the checkout
	Decision   Decision  `json:"decision"`
	CreatedAt  time.Time `json:"at"`
}

// Alert is a refusal or flag raised to a brand, one per unit and reason;
// repeats count up.
type Alert struct {
	ID         string    `json:"id"`
	BrandID    string    `json:"-"`
	GTIN       string    `json:"gtin"`
	Serial     string    `json:"serial"`
	Rule       string    `json:"rule"`
	Code       string    `json:"code"`
	Action     string    `json:"action"`
	Message    string    `json:"message"`
	MerchantID string    `json:"merchant_id"` // where it was last raised; "" for a shopper's report from no shop
	Count      int64     `json:"count"`
	FirstAt    time.Time `json:"first_at"`
	LastAt     time.Time `json:"last_at"`
}

// DecisionFilter selects a brand's decisions.
type DecisionFilter struct {
	BrandID string
	Outcome string // "pass", "refuse" or "" for both
	GTIN    string // "" for any
	Limit   int
}

// Decisions returns the caller's brand's decisions, newest first.
func (a *App) Decisions(ctx context.Context, p *Principal, f DecisionFilter) ([]*DecisionRecord, error) {
	if err := require(p, RoleBrand); err != nil {
		return nil, err
	}
	if f.Outcome != "" && f.Outcome != "pass" && f.Outcome != "refuse" {
		return nil, Errorf(EInvalid, "outcome must be pass or refuse")
	}
	if f.GTIN != "" {
		g, err := NormalizeGTIN(f.GTIN)
		if err != nil {
			return nil, err
		}
		f.GTIN = g
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 1000)
	f.BrandID = p.BrandID
	var ds []*DecisionRecord
	err := a.store.View(ctx, func(tx Tx) (err error) {
		ds, err = tx.Decisions(ctx, f)
		return err
	})
	return ds, err
}

// Alerts returns the caller's brand's alerts, most recently raised first.
func (a *App) Alerts(ctx context.Context, p *Principal, limit int) ([]*Alert, error) {
	if err := require(p, RoleBrand); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var as []*Alert
	err := a.store.View(ctx, func(tx Tx) (err error) {
		as, err = tx.Alerts(ctx, p.BrandID, limit)
		return err
	})
	return as, err
}
