package genuine

import (
	"context"
	"fmt"
	"time"
)

// brandKeys is what the App caches of a brand to verify its serials without
// a store call: its code rule, a Signer per key id, and which keys are
// revoked. A key's secret never changes, so a cached Signer is never wrong
// and is kept when the brand is loaded again (its secret is unsealed once);
// a key id the cache lacks (a new key, or a forgery) is looked up at most
// once a second. Revocations and code rules are read again every
// brandCacheTTL.
type brandKeys struct {
	rule     CodeRule
	name     string
	signers  [maxSigningKeys]*Signer
	revoked  [maxSigningKeys]bool
	loadedAt time.Time
}

const (
	// brandCacheTTL bounds how long another server's change to a code rule,
	// or revocation of a signing key, takes to reach this one.
	brandCacheTTL = 5 * time.Second
	// keyReloadInterval bounds the store calls that serials with unknown
	// key ids can cause.
	keyReloadInterval = time.Second
)

// brandKeys returns the cached keys of a brand, loading them if missing or
// old, or if a serial names a key id the cache lacks (keyID >= 0).
func (a *App) brandKeys(ctx context.Context, brandID string, keyID int) (*brandKeys, error) {
	now := a.Now()
	a.mu.Lock()
	bk := a.brands[brandID]
	a.mu.Unlock()
	if bk != nil {
		age := now.Sub(bk.loadedAt)
		missing := keyID >= 0 && keyID < maxSigningKeys && bk.signers[keyID] == nil
		if age < brandCacheTTL && (!missing || age < keyReloadInterval) {
			return bk, nil
		}
	}
	old := bk
	bk = &brandKeys{loadedAt: now}
	err := a.store.View(ctx, func(tx Tx) error {
		b, err := tx.Brand(ctx, brandID)
		if err != nil {
			return err
		}
		keys, err := tx.SigningKeys(ctx, brandID)
		if err != nil {
			return err
		}
		bk.rule, bk.name = b.CodeRule, b.Name
		for _, k := range keys {
			bk.revoked[k.ID] = !k.RevokedAt.IsZero()
			if old != nil && old.signers[k.ID] != nil {
				bk.signers[k.ID] = old.signers[k.ID]
				continue
			}
			secret, err := a.sealer.Unseal(signingKeyLabel(k.BrandID, k.ID), k.Secret)
			if err != nil {
				return fmt.Errorf("signing key %d of brand %s: %w", k.ID, k.BrandID, err)
			}
			bk.signers[k.ID] = NewSigner(k.ID, secret)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.brands[brandID] = bk
	a.mu.Unlock()
	return bk, nil
}

// forgetBrand drops a brand's cached keys after this server changed them.
func (a *App) forgetBrand(brandID string) {
	a.mu.Lock()
	delete(a.brands, brandID)
	a.mu.Unlock()
}

// productBrand returns the brand of a product, from the cache when it can.
// ENotFound for an unknown GTIN.
func (a *App) productBrand(ctx context.Context, gtin string) (string, error) {
	p, err := a.product(ctx, gtin)
	if err != nil {
		return "", err
	}
	return p.BrandID, nil
}

// product returns a product, from the cache when it can; ENotFound for an
// unknown GTIN. The cache holds immutable data, so it is never stale, even
// with several servers on one database: no Tx method changes a product's
// brand, name or creation time once it is created (AllocateSequences moves
// a counter that Product does not return), and products are never deleted.
// It grows only with the products that exist: an unknown GTIN is not
// cached. A product cached is shared: callers must not change it.
func (a *App) product(ctx context.Context, gtin string) (*Product, error) {
	if v, ok := a.products.Load(gtin); ok {
		return v.(*Product), nil
	}
	var p *Product
	err := a.store.View(ctx, func(tx Tx) (err error) {
		p, err = tx.Product(ctx, gtin)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Keyed by the store's GTIN, not the caller's, which may be part of a
	// request's code that the cache would keep in memory.
	a.products.Store(p.GTIN, p)
	return p, nil
}
