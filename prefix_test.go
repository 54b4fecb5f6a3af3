package genuine_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"genuine"
)

// TestGS1Prefixes: an admin registers a brand's GS1 company prefixes; a
// brand that has any makes products only inside them, a brand with none
// only outside everyone's, and no two brands hold overlapping prefixes.
func TestGS1Prefixes(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	// Acme (w.brand) made 09520123456788 before it had prefixes.
	held := &genuine.Brand{Name: "Holder", GS1Prefixes: []string{"952099", "40063813"}}
	if err := w.app.CreateBrand(ctx, w.admin, held); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(held.GS1Prefixes, []string{"40063813", "952099"}) {
		t.Errorf("created brand's prefixes %v", held.GS1Prefixes)
	}
	b, err := w.app.Brand(ctx, w.admin, held.ID)
	if err != nil || !slices.Equal(b.GS1Prefixes, []string{"40063813", "952099"}) {
		t.Fatalf("stored brand %+v, %v", b, err)
	}
	holder := w.key(t, &genuine.APIKey{Role: genuine.RoleBrand, BrandID: held.ID})

	product := func(p *genuine.Principal, gtin string) error {
		return w.app.CreateProduct(ctx, p, &genuine.Product{GTIN: gtin, Name: "P " + gtin})
	}
	// Inside its own prefix, as a GTIN-14 or -13.
	if err := product(holder, "09520991234563"); err != nil {
		t.Errorf("product inside the brand's prefix: %v", err)
	}
	if err := product(holder, "4006381333931"); err != nil {
		t.Errorf("GTIN-13 inside the brand's prefix: %v", err)
	}
	// Outside its prefixes.
	if err := product(holder, "09520123456795"); genuine.ErrorCode(err) != genuine.EGTINPrefix {
		t.Errorf("product outside the brand's prefixes: %v, want %s", err, genuine.EGTINPrefix)
	}
	// A brand without prefixes cannot claim a GTIN inside another's.
	if err := product(w.brand, "09520997654327"); genuine.ErrorCode(err) != genuine.EGTINPrefix {
		t.Errorf("product inside another brand's prefix: %v, want %s", err, genuine.EGTINPrefix)
	}
	if err := product(w.brand, "09520123456795"); err != nil {
		t.Errorf("product no prefix covers: %v", err)
	}

	// Overlapping prefixes are refused, both ways, and leave nothing.
	for _, ps := range [][]string{{"400638"}, {"9520991"}, {"952099"}} {
		_, err := w.app.UpdateBrand(ctx, w.admin, w.brandID, genuine.BrandPatch{GS1Prefixes: &ps})
		if genuine.ErrorCode(err) != genuine.EConflict {
			t.Errorf("prefixes %v overlapping Holder's: %v, want conflict", ps, err)
		}
	}
	// Invalid prefixes.
	for _, ps := range [][]string{{"95201"}, {"9520123456789"}, {"95201x"}, {"952012", "9520123"}, {"952012", "952012"}, {""}} {
		_, err := w.app.UpdateBrand(ctx, w.admin, w.brandID, genuine.BrandPatch{GS1Prefixes: &ps})
		if genuine.ErrorCode(err) != genuine.EInvalid {
			t.Errorf("prefixes %q: %v, want invalid", ps, err)
		}
	}
	// Only an admin registers prefixes.
	mine := []string{"952012"}
	if _, err := w.app.UpdateBrand(ctx, w.brand, w.brandID, genuine.BrandPatch{GS1Prefixes: &mine}); genuine.ErrorCode(err) != genuine.EForbidden {
		t.Errorf("brand sets its own prefixes: %v, want forbidden", err)
	}
	b, err = w.app.UpdateBrand(ctx, w.admin, w.brandID, genuine.BrandPatch{GS1Prefixes: &mine})
	if err != nil || !slices.Equal(b.GS1Prefixes, mine) {
		t.Fatalf("UpdateBrand: %+v, %v", b, err)
	}
	if err := product(w.brand, "09520123456801"); err != nil {
		t.Errorf("product inside the new prefix: %v", err)
	}
	if err := product(w.brand, "04006381333948"); genuine.ErrorCode(err) != genuine.EGTINPrefix {
		t.Errorf("product outside the new prefix: %v", err)
	}
	// Prefixes replaced: Holder gives 952099 up, and Acme may take it.
	rest := []string{"40063813"}
	if _, err := w.app.UpdateBrand(ctx, w.admin, held.ID, genuine.BrandPatch{GS1Prefixes: &rest}); err != nil {
		t.Fatal(err)
	}
	both := []string{"952012", "952099"}
	if _, err := w.app.UpdateBrand(ctx, w.admin, w.brandID, genuine.BrandPatch{GS1Prefixes: &both}); err != nil {
		t.Errorf("prefix given up, taken by another brand: %v", err)
	}
}

// TestGS1PrefixesConcurrently: two brands registering overlapping prefixes
// at once never both hold them.
func TestGS1PrefixesConcurrently(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for round := range 5 {
		other := &genuine.Brand{Name: "Other"}
		if err := w.app.CreateBrand(ctx, w.admin, other); err != nil {
			t.Fatal(err)
		}
		short, long := fmt.Sprintf("95300%d", round), fmt.Sprintf("95300%d1", round)
		errs := make(chan error, 2)
		for _, c := range []struct{ brand, prefix string }{{w.brandID, short}, {other.ID, long}} {
			go func() {
				ps := []string{c.prefix}
				_, err := w.app.UpdateBrand(ctx, w.admin, c.brand, genuine.BrandPatch{GS1Prefixes: &ps})
				errs <- err
			}()
		}
		e1, e2 := <-errs, <-errs
		if (e1 == nil) == (e2 == nil) || genuine.ErrorCode(e1)+genuine.ErrorCode(e2) != genuine.EConflict {
			t.Fatalf("round %d: overlapping prefixes at once: %v and %v; want one conflict", round, e1, e2)
		}
	}
}
