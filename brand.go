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

// SigningKey is one of a brand's secret keys for minted serials. Keys are
// never changed or deleted, so that every serial minted under one verifies
// for ever; rotation adds a key and makes it active.
type SigningKey struct {
	BrandID   string
	ID        int    // 0..31, carried in each serial
	Secret    []byte // 32 random bytes
	CreatedAt time.Time
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
	key := &SigningKey{BrandID: b.ID, ID: 0, Secret: newSecret(), CreatedAt: b.CreatedAt}
	return a.store.Update(ctx, func(tx Tx) error {
		if err := tx.CreateBrand(ctx, b); err != nil {
			return err
		}
		if err := tx.CreateSigningKey(ctx, key); err != nil {
			return err
		}
		if prefixes == nil {
			return nil
		}
		return setPrefixes(ctx, tx, b.ID, prefixes)
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
		return tx.UpdateCodeRule(ctx, brandID, rule)
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
		if len(keys) >= maxSigningKeys {
			return Errorf(EConflict, "brand %s has used all %d signing keys", brandID, maxSigningKeys)
		}
		id := keys[len(keys)-1].ID + 1
		if err := tx.CreateSigningKey(ctx, &SigningKey{BrandID: brandID, ID: id, Secret: newSecret(), CreatedAt: a.Now()}); err != nil {
			return err
		}
		b.CodeRule.ActiveKey = id
		return tx.UpdateCodeRule(ctx, brandID, b.CodeRule)
	})
	if err != nil {
		return nil, err
	}
	a.forgetBrand(brandID)
	return b, nil
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
