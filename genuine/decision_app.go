package genuine

import (
	"context"
	"strings"
)

// policyFor returns the policy that applies to a unit: its batch's if set,
// else its product's, else its brand's, else the built-in default.
func (a *App) policyFor(ctx context.Context, tx Tx, brandID, gtin, batchID string) (*Policy, error) {
	p, err := tx.FirstPolicy(ctx, brandID, [3]string{"batch:" + batchID, "product:" + gtin, "brand"})
	if ErrorCode(err) == ENotFound {
		return DefaultPolicy(), nil
	}
	return p, err
}

// SetPolicy stores a new version of the policy of a brand ("brand"), one of
// its products ("product:<gtin>") or batches ("batch:<id>"). An invalid
// document is refused with an error that points at the offending rule.
func (a *App) SetPolicy(ctx context.Context, p *Principal, scope string, doc []byte) (*Policy, error) {
	if err := require(p, RoleBrand); err != nil {
		return nil, err
	}
	scope, err := a.checkScope(ctx, p, scope)
	if err != nil {
		return nil, err
	}
	pol, err := ParsePolicy(doc)
	if err != nil {
		return nil, err
	}
	pol.Scope, pol.BrandID, pol.CreatedAt = scope, p.BrandID, a.Now()
	err = a.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.Policy(ctx, p.BrandID, scope)
		switch {
		case err == nil:
			pol.Version = cur.Version + 1
		case ErrorCode(err) == ENotFound:
			pol.Version = 1
		default:
			return err
		}
		return tx.PutPolicy(ctx, pol)
	})
	if err != nil {
		return nil, err
	}
	a.policies.clear()
	return pol, nil
}

// GetPolicy returns the policy set for a scope; for the brand scope with
// none set, the built-in default that applies.
func (a *App) GetPolicy(ctx context.Context, p *Principal, scope string) (*Policy, error) {
	if err := require(p, RoleBrand); err != nil {
		return nil, err
	}
	scope, err := a.checkScope(ctx, p, scope)
	if err != nil {
		return nil, err
	}
	var pol *Policy
	err = a.store.View(ctx, func(tx Tx) (err error) {
		pol, err = tx.Policy(ctx, p.BrandID, scope)
		return err
	})
	if ErrorCode(err) == ENotFound && scope == "brand" {
		return DefaultPolicy(), nil
	}
	return pol, err
}

// checkScope checks that a policy scope names the caller's brand or one of
// its products or batches, and returns it in canonical form.
func (a *App) checkScope(ctx context.Context, p *Principal, scope string) (string, error) {
	kind, arg, _ := strings.Cut(scope, ":")
	switch kind {
	case "brand":
		if arg != "" {
			return "", Errorf(EInvalid, "the brand scope is just \"brand\"")
		}
		return "brand", nil
	case "product":
		pr, err := a.Product(ctx, p, arg)
		if err != nil {
			return "", err
		}
		return "product:" + pr.GTIN, nil
	case "batch":
		b, err := a.Batch(ctx, p, arg)
		if err != nil {
			return "", err
		}
		return "batch:" + b.ID, nil
	}
	return "", Errorf(EInvalid, "scope must be brand, product:<gtin> or batch:<id>")
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
