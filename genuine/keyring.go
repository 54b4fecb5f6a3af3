package genuine

import (
	"context"
	"time"
)

// brandKeys is what the App caches of a brand to verify its serials without
// a store call: its code rule and a Signer per key id. Signing keys never
// change once created, so a cached Signer is never stale; a key id the cache
// lacks (a new key, or a forgery) is looked up at most once a second.
type brandKeys struct {
	rule     CodeRule
	name     string
	signers  [maxSigningKeys]*Signer
	loadedAt time.Time
}

const (
	// brandCacheTTL bounds how long another server's change to a code rule
	// takes to reach this one.
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
			bk.signers[k.ID] = NewSigner(k.ID, k.Secret)
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

// productBrand returns the brand of a product, from the cache when it can:
// a product never changes brand. ENotFound for an unknown GTIN.
func (a *App) productBrand(ctx context.Context, gtin string) (string, error) {
	if v, ok := a.products.Load(gtin); ok {
		return v.(string), nil
	}
	var brandID string
	err := a.store.View(ctx, func(tx Tx) error {
		p, err := tx.Product(ctx, gtin)
		if err != nil {
			return err
		}
		brandID = p.BrandID
		return nil
	})
	if err != nil {
		return "", err
	}
	a.products.Store(gtin, brandID)
	return brandID, nil
}
