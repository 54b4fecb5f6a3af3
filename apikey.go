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
	// ExpiresAt is when the key stops working; zero for never.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// RevokedAt is when the key was revoked; zero while it is not.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
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

// Org returns the organisation p acts for: its brand or its merchant, ""
// for an admin.
func (p *Principal) Org() string {
	if p.MerchantID != "" {
		return p.MerchantID
	}
	return p.BrandID
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

// keyCheckTTL is how long a server trusts what it read of a key: a key
// revoked on one server stops working there at once and on every other
// server of the store within keyCheckTTL.
const keyCheckTTL = 4 * time.Second

// keyRef names a cached key holder: by the key's hash (Authenticate) or by
// the key's id (PrincipalOfKey); one of the two is set.
type keyRef struct{ hash, id string }

// keyHolder is what the App caches of a key: its holder and when it stops
// working.
type keyHolder struct {
	p         Principal
	expiresAt time.Time // zero: never
	revokedAt time.Time // zero: not revoked
}

// principal returns the holder if the key works at now: EUnauthorized,
// saying why, if it was revoked or has expired.
func (h keyHolder) principal(now time.Time) (*Principal, error) {
	switch {
	case !h.revokedAt.IsZero():
		return nil, Errorf(EUnauthorized, "API key %s was revoked at %s", h.p.KeyID, h.revokedAt.Format(time.RFC3339))
	case !h.expiresAt.IsZero() && !now.Before(h.expiresAt):
		return nil, Errorf(EUnauthorized, "API key %s expired at %s", h.p.KeyID, h.expiresAt.Format(time.RFC3339))
	}
	p := h.p
	return &p, nil
}

// Authenticate returns the principal holding an API key: EUnauthorized if
// there is no such key, or it was revoked or has expired.
func (a *App) Authenticate(ctx context.Context, key string) (*Principal, error) {
	if len(key) < len(keyPrefix)+10 || len(key) > 100 {
		return nil, Errorf(EUnauthorized, "invalid API key")
	}
	hash := HashAPIKey(key)
	return a.holderOf(ctx, keyRef{hash: string(hash)}, func(tx Tx) (*APIKey, error) {
		return tx.APIKeyByHash(ctx, hash)
	})
}

// PrincipalOfKey returns the holder of the key with id as Authenticate
// would for the key itself: EUnauthorized if the key does not exist, was
// revoked or has expired. Whatever acts on a key's behalf without the key
// (a session opened with it) calls it on each use, so that revoking the
// key ends it within keyCheckTTL on every server.
func (a *App) PrincipalOfKey(ctx context.Context, id string) (*Principal, error) {
	return a.holderOf(ctx, keyRef{id: id}, func(tx Tx) (*APIKey, error) {
		return tx.APIKey(ctx, id)
	})
}

// holderOf returns the principal of the key ref names, read by read
// unless it was cached less than keyCheckTTL before. Unknown keys are not
// cached, so that a key made on another server works at once and guesses
// cannot fill the cache.
func (a *App) holderOf(ctx context.Context, ref keyRef, read func(Tx) (*APIKey, error)) (*Principal, error) {
	// The time is taken before the read, so that an entry is never
	// trusted for longer than keyCheckTTL after what it saw.
	now := a.now()
	h, ok := a.principals.get(ref, now)
	if !ok {
		var k *APIKey
		err := a.store.View(ctx, func(tx Tx) (err error) {
			k, err = read(tx)
			return err
		})
		if ErrorCode(err) == ENotFound {
			return nil, Errorf(EUnauthorized, "invalid API key")
		}
		if err != nil {
			return nil, err
		}
		h = keyHolder{
			p:         Principal{KeyID: k.ID, Role: k.Role, BrandID: k.BrandID, MerchantID: k.MerchantID},
			expiresAt: k.ExpiresAt, revokedAt: k.RevokedAt,
		}
		a.principals.put(ref, h, now)
	}
	return h.principal(now)
}

// CreateAPIKey creates a key for a brand, merchant or partner, or another
// admin key, and returns it with the key itself, which is shown only now.
// The key works until k.ExpiresAt, which must be in the future, or
// forever if it is zero, unless it is revoked.
func (a *App) CreateAPIKey(ctx context.Context, p *Principal, k *APIKey) (string, error) {
	if err := require(p, RoleAdmin); err != nil {
		return "", err
	}
	if err := validLength("name", k.Name, 0, 200); err != nil {
		return "", err
	}
	now := a.Now()
	if !k.ExpiresAt.IsZero() {
		k.ExpiresAt = k.ExpiresAt.UTC().Truncate(time.Microsecond)
		if !k.ExpiresAt.After(now) {
			return "", Errorf(EInvalid, "expires_at must be in the future")
		}
	}
	key, hash := newAPIKeySecret()
	k.ID, k.Hash, k.CreatedAt, k.RevokedAt = newID("key"), hash, now, time.Time{}
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
		return a.addAPIKey(ctx, tx, authorOf(p), k)
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// ListAPIKeys returns the keys the caller manages, oldest first, revoked
// and expired ones included, without their hashes: every key for an
// admin; a brand's keys and its partners' for a brand; a merchant's keys
// for a merchant. Partners manage no keys.
func (a *App) ListAPIKeys(ctx context.Context, p *Principal) ([]*APIKey, error) {
	f, err := managedKeys(p)
	if err != nil {
		return nil, err
	}
	var ks []*APIKey
	err = a.store.View(ctx, func(tx Tx) (err error) {
		ks, err = tx.APIKeys(ctx, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		k.Hash = nil
	}
	return ks, nil
}

// managedKeys returns the filter of the keys p manages: EUnauthorized
// without a key, EForbidden for a partner.
func managedKeys(p *Principal) (APIKeyFilter, error) {
	if err := require(p, RoleAdmin, RoleBrand, RoleMerchant); err != nil {
		return APIKeyFilter{}, err
	}
	return APIKeyFilter{BrandID: p.BrandID, MerchantID: p.MerchantID}, nil
}

// manages reports whether f, the keys a caller manages, holds k.
func (f APIKeyFilter) manages(k *APIKey) bool {
	return (f.Role == "" || f.Role == k.Role) && (f.BrandID == "" || f.BrandID == k.BrandID) &&
		(f.MerchantID == "" || f.MerchantID == k.MerchantID)
}

// RevokeAPIKey revokes the key with id, which the caller manages (see
// ListAPIKeys; another's key is not found), and returns it without its
// hash. The key stops working at once on this server and within
// keyCheckTTL on every other; so does whatever acts on its behalf through
// PrincipalOfKey. Revoking a revoked key changes nothing. The last admin
// key that works cannot be revoked (EConflict): make another first, with
// CreateAPIKey or BreakGlass. This is the one method that revokes keys.
func (a *App) RevokeAPIKey(ctx context.Context, p *Principal, id string) (*APIKey, error) {
	f, err := managedKeys(p)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	var k *APIKey
	err = a.store.Update(ctx, func(tx Tx) (err error) {
		k, err = tx.APIKey(ctx, id)
		if ErrorCode(err) == ENotFound || err == nil && !f.manages(k) {
			return Errorf(ENotFound, "API key %s not found", id)
		}
		if err != nil || !k.RevokedAt.IsZero() {
			return err
		}
		if k.Role == RoleAdmin {
			if err := otherAdminWorks(ctx, tx, k.ID, now); err != nil {
				return err
			}
		}
		k.RevokedAt = now
		if err := tx.RevokeAPIKey(ctx, id, now); err != nil {
			return err
		}
		return a.audit(ctx, tx, authorOf(p), k.BrandID, "key.revoke", k.ID, map[string]any{"role": k.Role})
	})
	if err != nil {
		return nil, err
	}
	a.principals.forget(keyRef{hash: string(k.Hash)})
	a.principals.forget(keyRef{id: k.ID})
	k.Hash = nil
	return k, nil
}

// otherAdminWorks returns nil if an admin key other than id works at now,
// and EConflict otherwise.
func otherAdminWorks(ctx context.Context, tx Tx, id string, now time.Time) error {
	admins, err := tx.APIKeys(ctx, APIKeyFilter{Role: RoleAdmin})
	if err != nil {
		return err
	}
	for _, o := range admins {
		if o.ID != id && o.RevokedAt.IsZero() && (o.ExpiresAt.IsZero() || now.Before(o.ExpiresAt)) {
			return nil
		}
	}
	return Errorf(EConflict, "API key %s is the last admin key that works; make another admin key before revoking it", id)
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
		return a.addAPIKey(ctx, tx, authorOperator, k)
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
		return a.addAPIKey(ctx, tx, authorOperator, k)
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// addAPIKey stores a new API key made by by, in tx, with its audit record
// (which never holds its secret or hash).
func (a *App) addAPIKey(ctx context.Context, tx Tx, by Author, k *APIKey) error {
	if err := tx.CreateAPIKey(ctx, k); err != nil {
		return err
	}
	detail := map[string]any{"role": k.Role, "name": k.Name}
	if k.BrandID != "" {
		detail["brand_id"] = k.BrandID
	}
	if k.MerchantID != "" {
		detail["merchant_id"] = k.MerchantID
	}
	return a.audit(ctx, tx, by, k.BrandID, "key.create", k.ID, detail)
}
