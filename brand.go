package genuine

import (
	"context"
	"crypto/rand"
	"net/url"
	"time"
)

// Brand owns products and their codes, sets policies, and receives alerts.
type Brand struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	CodeRule CodeRule `json:"code_rule"`
	// GS1Prefixes are the GS1 company prefixes an admin registered to the
	// brand, sorted: its products' GTINs lie inside them (prefix.go).
	GS1Prefixes []string  `json:"gs1_prefixes,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// SerialSource says where a brand's serials come from.
type SerialSource string

// Serial sources.
const (
	// SerialsMinted: genuine mints self-authenticating serials.
	SerialsMinted SerialSource = "minted"
	// SerialsRegistered: the brand prints serials from its own system and
	// registers them; a unit is authentic when its serial is registered.
	SerialsRegistered SerialSource = "registered"
)

// CodeRule is how a brand's codes are made: where their Digital Link URIs
// point, what they carry, and where serials come from.
type CodeRule struct {
	// LinkStem is the scheme, host and optional path prefix of the brand's
	// Digital Link URIs, such as "https://id.brand.example"; empty means
	// the server's own public URL.
	LinkStem string `json:"link_stem"`
	// LotInLink and ExpiryInLink put the lot (/10/) and expiry (?17=) in
	// each code's URI.
	LotInLink    bool         `json:"lot_in_link"`
	ExpiryInLink bool         `json:"expiry_in_link"`
	Serials      SerialSource `json:"serials"`
	// ActiveKey is the id of the signing key new serials are minted with.
	ActiveKey int `json:"active_key"`
}

// SigningKey is one of a brand's secret keys for minted serials. A key's
// secret never changes and keys are never deleted, so that every serial
// minted under one verifies until the key is revoked; rotation adds a key
// and makes it active.
type SigningKey struct {
	BrandID string `json:"brand_id"`
	ID      int    `json:"id"` // 0..31, carried in each serial
	// Secret is 32 random bytes, sealed (Sealer) in the store and in every
	// Tx method; never shown.
	Secret    []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	// RetiredAt, unless zero, is when the key stopped minting: its codes
	// still verify.
	RetiredAt time.Time `json:"retired_at,omitzero"`
	// RevokedAt, unless zero, is when the key was revoked after a leak: its
	// codes are refused as ReasonKeyRevoked. A revoked key is retired too.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// CreateBrand creates a brand with its first signing key and its GS1
// company prefixes, if given. An admin calls it.
func (a *App) CreateBrand(ctx context.Context, p *Principal, b *Brand) error {
	if err := require(p, RoleAdmin); err != nil {
		return err
	}
	if err := validLength("name", b.Name, 1, 200); err != nil {
		return err
	}
	prefixes, err := validPrefixes(b.GS1Prefixes)
	if err != nil {
		return err
	}
	b.GS1Prefixes = prefixes
	if b.CodeRule.Serials == "" {
		b.CodeRule.Serials = SerialsMinted
	}
	if err := b.CodeRule.validate(); err != nil {
		return err
	}
	b.ID, b.CreatedAt, b.CodeRule.ActiveKey = newID("brd"), a.Now(), 0
	key := a.newSigningKey(b.ID, 0, b.CreatedAt)
	return a.store.Update(ctx, func(tx Tx) error {
		if err := a.checkSealer(ctx, tx); err != nil {
			return err
		}
		if err := tx.CreateBrand(ctx, b); err != nil {
			return err
		}
		if err := tx.CreateSigningKey(ctx, key); err != nil {
			return err
		}
		if prefixes != nil {
			if err := setPrefixes(ctx, tx, b.ID, prefixes); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, authorOf(p), b.ID, "brand.create", b.ID, map[string]any{"name": b.Name, "code_rule": b.CodeRule, "gs1_prefixes": prefixes})
	})
}

// Brand returns a brand: its own to a brand or partner key, any to an admin.
func (a *App) Brand(ctx context.Context, p *Principal, id string) (*Brand, error) {
	if err := require(p, RoleAdmin, RoleBrand, RolePartner); err != nil {
		return nil, err
	}
	if err := ownBrand(p, id, "brand"); err != nil {
		return nil, err
	}
	var b *Brand
	err := a.store.View(ctx, func(tx Tx) (err error) {
		b, err = tx.Brand(ctx, id)
		return err
	})
	return b, err
}

// UpdateCodeRule sets how a brand's future codes are made. The active key
// cannot be set here; RotateSigningKey changes it.
func (a *App) UpdateCodeRule(ctx context.Context, p *Principal, brandID string, rule CodeRule) (*Brand, error) {
	if err := require(p, RoleAdmin, RoleBrand); err != nil {
		return nil, err
	}
	if err := ownBrand(p, brandID, "brand"); err != nil {
		return nil, err
	}
	if err := rule.validate(); err != nil {
		return nil, err
	}
	var b *Brand
	err := a.store.Update(ctx, func(tx Tx) (err error) {
		if b, err = tx.Brand(ctx, brandID); err != nil {
			return err
		}
		rule.ActiveKey = b.CodeRule.ActiveKey
		b.CodeRule = rule
		if err := tx.UpdateCodeRule(ctx, brandID, rule); err != nil {
			return err
		}
		return a.audit(ctx, tx, authorOf(p), brandID, "code_rule.update", brandID, map[string]any{"code_rule": rule})
	})
	if err != nil {
		return nil, err
	}
	a.forgetBrand(brandID)
	return b, nil
}

// RotateSigningKey adds a new signing key to a brand and makes it the one
// new batches are minted with. Codes minted under older keys still verify.
func (a *App) RotateSigningKey(ctx context.Context, p *Principal, brandID string) (*Brand, error) {
	if err := require(p, RoleAdmin, RoleBrand); err != nil {
		return nil, err
	}
	if err := ownBrand(p, brandID, "brand"); err != nil {
		return nil, err
	}
	var b *Brand
	err := a.store.Update(ctx, func(tx Tx) (err error) {
		if b, err = tx.Brand(ctx, brandID); err != nil {
			return err
		}
		keys, err := tx.SigningKeys(ctx, brandID)
		if err != nil {
			return err
		}
		if err := a.addSigningKey(ctx, tx, b, keys); err != nil {
			return err
		}
		return a.audit(ctx, tx, authorOf(p), brandID, "signing_key.rotate", brandID, map[string]any{"key": b.CodeRule.ActiveKey})
	})
	if err != nil {
		return nil, err
	}
	a.forgetBrand(brandID)
	return b, nil
}

// addSigningKey adds a new key to brand b, whose keys are keys, and makes
// it active.
func (a *App) addSigningKey(ctx context.Context, tx Tx, b *Brand, keys []*SigningKey) error {
	if len(keys) >= maxSigningKeys {
		return Errorf(EConflict, "brand %s has used all %d signing keys", b.ID, maxSigningKeys)
	}
	if err := a.checkSealer(ctx, tx); err != nil {
		return err
	}
	id := keys[len(keys)-1].ID + 1
	if err := tx.CreateSigningKey(ctx, a.newSigningKey(b.ID, id, a.Now())); err != nil {
		return err
	}
	b.CodeRule.ActiveKey = id
	return tx.UpdateCodeRule(ctx, b.ID, b.CodeRule)
}

// newSigningKey returns a new key with a random secret, sealed.
func (a *App) newSigningKey(brandID string, id int, at time.Time) *SigningKey {
	return &SigningKey{BrandID: brandID, ID: id, Secret: a.sealer.Seal(signingKeyLabel(brandID, id), newSecret()), CreatedAt: at}
}

// maxSigningKeys is how many keys a serial's key id can name.
const maxSigningKeys = 32

// newSecret returns 32 random bytes for a signing key.
func newSecret() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("genuine: no randomness: " + err.Error())
	}
	return b
}

// validate checks a code rule as a brand gives it.
func (r CodeRule) validate() error {
	if r.LinkStem != "" {
		u, err := url.Parse(r.LinkStem)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || len(r.LinkStem) > 200 {
			return Errorf(EInvalid, "link_stem must be an http(s) URL such as https://id.brand.example, without query or fragment")
		}
	}
	if r.Serials != SerialsMinted && r.Serials != SerialsRegistered {
		return Errorf(EInvalid, "serials must be %q or %q", SerialsMinted, SerialsRegistered)
	}
	return nil
}
