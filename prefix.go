package genuine

import (
	"context"
	"slices"
	"strings"
)

// EGTINPrefix is the code of a product refused because its GTIN lies
// outside its brand's GS1 company prefixes, or, for a brand without any,
// inside another brand's.
const EGTINPrefix = "gtin_prefix"

// GS1Prefix is a GS1 company prefix and the brand an admin registered it
// to. A GTIN lies inside a prefix when its 13 digits after the indicator
// digit begin with it.
type GS1Prefix struct {
	Prefix  string
	BrandID string
}

// Limits of GS1 company prefixes, as GS1 allots them.
const (
	minPrefixLen = 6
	maxPrefixLen = 12
	maxPrefixes  = 100 // per brand
)

// BrandPatch is a change to a brand; nil members stay as they are.
type BrandPatch struct {
	// GS1Prefixes replaces the brand's GS1 company prefixes; empty removes
	// them all.
	GS1Prefixes *[]string
}

// UpdateBrand changes a brand: an admin registers its GS1 company
// prefixes. EConflict if a prefix overlaps one of another brand; the
// brand's products stay whatever the prefixes become.
func (a *App) UpdateBrand(ctx context.Context, p *Principal, brandID string, patch BrandPatch) (*Brand, error) {
	if err := require(p, RoleAdmin); err != nil {
		return nil, err
	}
	var prefixes []string
	if patch.GS1Prefixes != nil {
		var err error
		if prefixes, err = validPrefixes(*patch.GS1Prefixes); err != nil {
			return nil, err
		}
	}
	var b *Brand
	err := a.store.Update(ctx, func(tx Tx) (err error) {
		if b, err = tx.Brand(ctx, brandID); err != nil {
			return err
		}
		if patch.GS1Prefixes == nil {
			return nil
		}
		if err := setPrefixes(ctx, tx, brandID, prefixes); err != nil {
			return err
		}
		b.GS1Prefixes = prefixes
		return a.audit(ctx, tx, authorOf(p), brandID, "brand.update", brandID, map[string]any{"gs1_prefixes": prefixes})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// validPrefixes checks a brand's GS1 company prefixes as an admin gives
// them, and returns them sorted; nil for none.
func validPrefixes(ps []string) ([]string, error) {
	if len(ps) > maxPrefixes {
		return nil, Errorf(EInvalid, "a brand has at most %d GS1 company prefixes", maxPrefixes)
	}
	for _, p := range ps {
		if len(p) < minPrefixLen || len(p) > maxPrefixLen || !allDigits(p) {
			return nil, Errorf(EInvalid, "GS1 company prefix %.20q must be %d to %d digits", p, minPrefixLen, maxPrefixLen)
		}
	}
	if len(ps) == 0 {
		return nil, nil
	}
	sorted := slices.Clone(ps)
	slices.Sort(sorted)
	for i := 1; i < len(sorted); i++ {
		// Sorted, a prefix comes right before the prefixes it covers.
		if strings.HasPrefix(sorted[i], sorted[i-1]) {
			return nil, Errorf(EInvalid, "GS1 company prefixes %s and %s overlap", sorted[i-1], sorted[i])
		}
	}
	return sorted, nil
}

// setPrefixes replaces a brand's prefixes in tx, after checking that no
// other brand's overlaps them.
func setPrefixes(ctx context.Context, tx Tx, brandID string, prefixes []string) error {
	all, err := tx.GS1Prefixes(ctx)
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.BrandID == brandID {
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(p, o.Prefix) || strings.HasPrefix(o.Prefix, p) {
				return Errorf(EConflict, "GS1 company prefix %s overlaps prefix %s of brand %s", p, o.Prefix, o.BrandID)
			}
		}
	}
	return tx.SetGS1Prefixes(ctx, brandID, prefixes)
}

// checkGTINPrefix checks in tx that a brand may make a product of gtin (14
// digits): inside its prefixes if it has any, else inside no brand's.
func checkGTINPrefix(ctx context.Context, tx Tx, brandID, gtin string) error {
	all, err := tx.GS1Prefixes(ctx)
	if err != nil {
		return err
	}
	var own []string
	for _, p := range all {
		if p.BrandID == brandID {
			own = append(own, p.Prefix)
		}
	}
	company := gtin[1:] // the indicator digit is not part of the prefix
	for _, p := range all {
		if !strings.HasPrefix(company, p.Prefix) {
			continue
		}
		if p.BrandID == brandID {
			return nil
		}
		return Errorf(EGTINPrefix, "GTIN %s lies in GS1 company prefix %s, which belongs to another brand", gtin, p.Prefix)
	}
	if len(own) > 0 {
		return Errorf(EGTINPrefix, "GTIN %s lies outside the brand's GS1 company prefixes %s", gtin, strings.Join(own, ", "))
	}
	return nil
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
