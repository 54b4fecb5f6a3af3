package genuine

import (
	"context"
)

// SigningKeys returns a brand's signing keys, without their secrets: its
// own to a brand key, any brand's to an admin.
func (a *App) SigningKeys(ctx context.Context, p *Principal, brandID string) ([]*SigningKey, error) {
	if err := require(p, RoleAdmin, RoleBrand); err != nil {
		return nil, err
	}
	if err := ownBrand(p, brandID, "brand"); err != nil {
		return nil, err
	}
	var keys []*SigningKey
	err := a.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Brand(ctx, brandID); err != nil {
			return err
		}
		var err error
		keys, err = tx.SigningKeys(ctx, brandID)
		return err
	})
	for _, k := range keys {
		k.Secret = nil
	}
	return keys, err
}

// RetireSigningKey stops a brand's key from minting: the codes minted under
// it still verify. Retiring the active key first adds a new one and makes it
// active, in the same commit. Retiring a retired key changes nothing.
func (a *App) RetireSigningKey(ctx context.Context, p *Principal, brandID string, keyID int) (*SigningKey, error) {
	return a.endSigningKey(ctx, p, brandID, keyID, false)
}

// RevokeSigningKey revokes a brand's key after a leak: from then on the
// codes minted under it are refused as ReasonKeyRevoked, at verification
// and at checkout, on this server at once and on every other within
// brandCacheTTL. A revoked key is retired too (RetireSigningKey). It cannot
// be undone; revoking a revoked key changes nothing.
func (a *App) RevokeSigningKey(ctx context.Context, p *Principal, brandID string, keyID int) (*SigningKey, error) {
	return a.endSigningKey(ctx, p, brandID, keyID, true)
}

// endSigningKey retires, and if revoke revokes, a brand's key.
func (a *App) endSigningKey(ctx context.Context, p *Principal, brandID string, keyID int, revoke bool) (*SigningKey, error) {
	if err := require(p, RoleAdmin, RoleBrand); err != nil {
		return nil, err
	}
	if err := ownBrand(p, brandID, "brand"); err != nil {
		return nil, err
	}
	var key *SigningKey
	err := a.store.Update(ctx, func(tx Tx) error {
		b, err := tx.Brand(ctx, brandID)
		if err != nil {
			return err
		}
		keys, err := tx.SigningKeys(ctx, brandID)
		if err != nil {
			return err
		}
		key = nil
		for _, k := range keys {
			if k.ID == keyID {
				key = k
			}
		}
		if key == nil {
			return Errorf(ENotFound, "brand %s has no signing key %d", brandID, keyID)
		}
		now := a.Now()
		changed := false
		if key.RetiredAt.IsZero() {
			key.RetiredAt, changed = now, true
		}
		if revoke && key.RevokedAt.IsZero() {
			key.RevokedAt, changed = now, true
		}
		if !changed {
			return nil
		}
		if err := tx.UpdateSigningKey(ctx, key); err != nil {
			return err
		}
		detail := map[string]any{"key": keyID}
		if b.CodeRule.ActiveKey == keyID {
			if err := a.addSigningKey(ctx, tx, b, keys); err != nil {
				return err
			}
			detail["active_key"] = b.CodeRule.ActiveKey
		}
		action := "signing_key.retire"
		if revoke {
			action = "signing_key.revoke"
		}
		return a.audit(ctx, tx, authorOf(p), brandID, action, brandID, detail)
	})
	if err != nil {
		return nil, err
	}
	a.forgetBrand(brandID)
	key.Secret = nil
	return key, nil
}
