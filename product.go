package genuine

import (
	"context"
	"errors"
	"strings"
	"time"

	"genuine/gs1"
)

// Product is a trade item of a brand, identified by its GTIN.
type Product struct {
	GTIN      string    `json:"gtin"` // 14 digits, check digit verified
	BrandID   string    `json:"brand_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateProduct adds a product to the caller's brand. Its GTIN may be
// given as GTIN-8, -12, -13 or -14 and is stored as 14 digits. It must lie
// inside the brand's GS1 company prefixes if it has any, and inside no
// other brand's (EGTINPrefix).
func (a *App) CreateProduct(ctx context.Context, p *Principal, pr *Product) error {
	if err := require(p, RoleBrand, RoleAdmin); err != nil {
		return err
	}
	gtin, err := NormalizeGTIN(pr.GTIN)
	if err != nil {
		return err
	}
	if err := validLength("name", pr.Name, 1, 200); err != nil {
		return err
	}
	if p.Role == RoleBrand {
		pr.BrandID = p.BrandID
	} else if !validID(pr.BrandID, "brd") {
		return Errorf(EInvalid, "brand_id is required")
	}
	pr.GTIN, pr.CreatedAt = gtin, a.Now()
	return a.store.Update(ctx, func(tx Tx) error {
		if _, err := tx.Brand(ctx, pr.BrandID); err != nil {
			return err
		}
		if err := checkGTINPrefix(ctx, tx, pr.BrandID, gtin); err != nil {
			return err
		}
		err := tx.CreateProduct(ctx, pr)
		if ErrorCode(err) == EConflict {
			return Errorf(EConflict, "GTIN %s is registered already", gtin)
		}
		if err != nil {
			return err
		}
		return a.audit(ctx, tx, authorOf(p), pr.BrandID, "product.create", gtin, map[string]any{"name": pr.Name})
	})
}

// Product returns one of the caller's brand's products.
func (a *App) Product(ctx context.Context, p *Principal, gtin string) (*Product, error) {
	if err := require(p, RoleBrand, RolePartner, RoleAdmin); err != nil {
		return nil, err
	}
	g, err := NormalizeGTIN(gtin)
	if err != nil {
		return nil, err
	}
	var pr *Product
	err = a.store.View(ctx, func(tx Tx) (err error) {
		pr, err = tx.Product(ctx, g)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := ownBrand(p, pr.BrandID, "product "+g); err != nil {
		return nil, err
	}
	return pr, nil
}

// NormalizeGTIN checks a GTIN-8, -12, -13 or -14, check digit included, and
// returns it as 14 digits.
func NormalizeGTIN(s string) (string, error) {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return "", Errorf(EInvalid, "GTIN %.20q must have 8, 12, 13 or 14 digits", s)
	}
	g := strings.Repeat("0", 14-len(s)) + s
	if err := gs1.CheckValue("01", g); err != nil {
		var e *gs1.Error
		if errors.As(err, &e) {
			return "", Errorf(EInvalid, "GTIN %s: %s", s, e.Msg)
		}
		return "", Errorf(EInvalid, "GTIN %s is not valid", s)
	}
	return g, nil
}
