package genuine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"time"
)

// Role is what an API key may do.
type Role string

// Roles.
const (
	RoleAdmin    Role = "admin"    // runs the service: brands, merchants, keys
	RoleBrand    Role = "brand"    // one brand's products, batches, codes, events, policies
	RoleMerchant Role = "merchant" // one merchant's till: checkouts, unit events
	RolePartner  Role = "partner"  // a brand's distributor: supply-chain events
)

// APIKey is a credential. The key itself is shown once, when created; only
// its SHA-256 hash is stored, so a copy of the store reveals no key.
type APIKey struct {
	ID         string    `json:"id"`
	Role       Role      `json:"role"`
	BrandID    string    `json:"brand_id,omitempty"`    // brand and partner keys
	MerchantID string    `json:"merchant_id,omitempty"` // merchant keys
	Name       string    `json:"name,omitempty"`
	Hash       []byte    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
}

// keyPrefix starts every API key, so that a leaked key is recognisable.
const keyPrefix = "gk_"

// newAPIKeySecret returns a new random API key (256 bits) and its hash.
func newAPIKeySecret() (key string, hash []byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("genuine: no randomness: " + err.Error())
	}
	key = keyPrefix + idEncoding.EncodeToString(b[:])
	return key, HashAPIKey(key)
}

// HashAPIKey returns the hash under which a key is stored. The keys are
// random and long, so a fast hash is as safe as a slow one here.
func HashAPIKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// Principal is the caller of an App method: the holder of an API key, or
// nil for the public.
type Principal struct {
	KeyID      string
	Role       Role
	BrandID    string
	MerchantID string
}

// is reports whether p holds one of the roles.
func (p *Principal) is(roles ...Role) bool {
	if p == nil {
		return false
	}
	for _, r := range roles {
		if p.Role == r {
			return true
		}
	}
	return false
}

// require checks that p holds one of the roles: EUnauthorized without a
// key, EForbidden with a key of another role.
func require(p *Principal, roles ...Role) error {
	if p == nil {
		return Errorf(EUnauthorized, "an API key is required (Authorization: Bearer <key>)")
	}
	if !p.is(roles...) {
		return Errorf(EForbidden, "a %s key may not do this", p.Role)
	}
	return nil
}

// ownBrand checks that p acts for the brand that owns a resource. Another
// brand's resource is reported as not found, so that brands cannot probe
// each other's data.
func ownBrand(p *Principal, brandID, what string) error {
	if p.Role == RoleAdmin || p.BrandID == brandID {
		return nil
	}
	return Errorf(ENotFound, "%s not found", what)
}

// Authenticate returns the principal holding an API key.
func (a *App) Authenticate(ctx context.Context, key string) (*Principal, error) {
	if len(key) < len(keyPrefix)+10 || len(key) > 100 {
		return nil, Errorf(EUnauthorized, "invalid API key")
	}
	hash := HashAPIKey(key)
	if p, ok := a.principals.get(string(hash), time.Time{}); ok {
		return &p, nil
	}
	var k *APIKey
	err := a.store.View(ctx, func(tx Tx) (err error) {
		k, err = tx.APIKeyByHash(ctx, hash)
		return err
	})
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(EUnauthorized, "invalid API key")
	}
	if err != nil {
		return nil, err
	}
	p := Principal{KeyID: k.ID, Role: k.Role, BrandID: k.BrandID, MerchantID: k.MerchantID}
	a.principals.put(string(hash), p, time.Time{})
	return &p, nil
}

// CreateAPIKey creates a key for a brand, merchant or partner, or another
// admin key, and returns it with the key itself, which is shown only now.
func (a *App) CreateAPIKey(ctx context.Context, p *Principal, k *APIKey) (string, error) {
	if err := require(p, RoleAdmin); err != nil {
		return "", err
	}
	if err := validLength("name", k.Name, 0, 200); err != nil {
		return "", err
	}
	key, hash := newAPIKeySecret()
	k.ID, k.Hash, k.CreatedAt = newID("key"), hash, a.Now()
	err := a.store.Update(ctx, func(tx Tx) error {
		switch k.Role {
		case RoleAdmin:
			if k.BrandID != "" || k.MerchantID != "" {
				return Errorf(EInvalid, "an admin key belongs to no brand or merchant")
			}
		case RoleBrand, RolePartner:
			if k.MerchantID != "" {
				return Errorf(EInvalid, "a %s key belongs to a brand, not a merchant", k.Role)
			}
			if !validID(k.BrandID, "brd") {
				return Errorf(EInvalid, "brand_id is required for a %s key", k.Role)
			}
			if _, err := tx.Brand(ctx, k.BrandID); err != nil {
				return err
			}
		case RoleMerchant:
			if k.BrandID != "" {
				return Errorf(EInvalid, "a merchant key belongs to a merchant, not a brand")
			}
			if !validID(k.MerchantID, "mer") {
				return Errorf(EInvalid, "merchant_id is required for a merchant key")
			}
			if _, err := tx.Merchant(ctx, k.MerchantID); err != nil {
				return err
			}
		default:
			return Errorf(EInvalid, "role must be admin, brand, merchant or partner")
		}
		if err := tx.CreateAPIKey(ctx, k); err != nil {
			return err
		}
		return a.auditKey(ctx, tx, authorOf(p), k)
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// Bootstrap creates an admin key without a caller, for a new store; the
// command line's init uses it. It refuses if the store has an admin key.
func (a *App) Bootstrap(ctx context.Context) (string, error) {
	key, hash := newAPIKeySecret()
	k := &APIKey{ID: newID("key"), Role: RoleAdmin, Name: "first admin key", Hash: hash, CreatedAt: a.Now()}
	err := a.store.Update(ctx, func(tx Tx) error {
		n, err := tx.CountAPIKeys(ctx, RoleAdmin)
		if err != nil {
			return err
		}
		if n > 0 {
			return Errorf(EConflict, "the store has an admin key already")
		}
		if err := tx.CreateAPIKey(ctx, k); err != nil {
			return err
		}
		return a.auditKey(ctx, tx, authorOperator, k)
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// BreakGlass creates another admin key without a caller, for an operator
// who can open the store and has lost every admin key (the command line's
// admin-key uses it). Unlike Bootstrap it works on a store that has admin
// keys already. As for every key, only its hash is stored; it is named
// "break-glass admin key", so that a list of keys shows how it was made.
func (a *App) BreakGlass(ctx context.Context) (string, error) {
	key, hash := newAPIKeySecret()
	k := &APIKey{ID: newID("key"), Role: RoleAdmin, Name: "break-glass admin key", Hash: hash, CreatedAt: a.Now()}
	err := a.store.Update(ctx, func(tx Tx) error {
		if err := tx.CreateAPIKey(ctx, k); err != nil {
			return err
		}
		return a.auditKey(ctx, tx, authorOperator, k)
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// auditKey records the creation of an API key (never its secret or hash).
func (a *App) auditKey(ctx context.Context, tx Tx, by Author, k *APIKey) error {
	detail := map[string]any{"role": k.Role, "name": k.Name}
	if k.BrandID != "" {
		detail["brand_id"] = k.BrandID
	}
	if k.MerchantID != "" {
		detail["merchant_id"] = k.MerchantID
	}
	return a.audit(ctx, tx, by, k.BrandID, "key.create", k.ID, detail)
}
