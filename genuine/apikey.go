package genuine

import (
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
