package storetest

import (
	"bytes"
	"slices"
	"testing"

	"genuine"
)

func testBrand(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	b := &genuine.Brand{
		ID:   id("brd", 1),
		Name: "Maison Exemple",
		CodeRule: genuine.CodeRule{
			LinkStem:     "https://id.maison.example/p",
			LotInLink:    true,
			ExpiryInLink: true,
			Serials:      genuine.SerialsRegistered,
			ActiveKey:    7,
		},
		CreatedAt: at(0),
	}
	update(t, s, func(tx genuine.Tx) error { return tx.CreateBrand(ctx, b) })
	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.Brand(ctx, b.ID)
		if err != nil {
			return err
		}
		same(t, "Brand", got, b)
		return nil
	})

	missing := id("brd", 2)
	err := s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.Brand(ctx, missing)
		return err
	})
	wantNotFound(t, "Brand of a missing id", err, missing)

	dup := *b
	dup.Name = "Another"
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateBrand(ctx, &dup) })
	wantCode(t, "CreateBrand with an existing id", err, genuine.EConflict)

	rule := genuine.CodeRule{Serials: genuine.SerialsMinted, ActiveKey: 2}
	update(t, s, func(tx genuine.Tx) error { return tx.UpdateCodeRule(ctx, b.ID, rule) })
	want := *b
	want.CodeRule = rule
	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.Brand(ctx, b.ID)
		if err != nil {
			return err
		}
		same(t, "Brand after UpdateCodeRule", got, &want)
		return nil
	})

	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.UpdateCodeRule(ctx, missing, rule) })
	wantNotFound(t, "UpdateCodeRule of a missing brand", err, missing)
}

func testSigningKeys(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	other := &genuine.Brand{ID: id("brd", 2), Name: "Other", CreatedAt: at(0)}
	update(t, s, func(tx genuine.Tx) error { return tx.CreateBrand(ctx, other) })

	key := func(brandID string, keyID int) *genuine.SigningKey {
		return &genuine.SigningKey{
			BrandID:   brandID,
			ID:        keyID,
			Secret:    bytes.Repeat([]byte{byte(keyID + 1)}, 32),
			CreatedAt: at(keyID),
		}
	}
	// Added out of order, to see that SigningKeys sorts them.
	keys := []*genuine.SigningKey{key(w.brand.ID, 3), key(w.brand.ID, 0), key(w.brand.ID, 31)}
	update(t, s, func(tx genuine.Tx) error {
		for _, k := range keys {
			if err := tx.CreateSigningKey(ctx, k); err != nil {
				return err
			}
		}
		return tx.CreateSigningKey(ctx, key(other.ID, 3)) // the same id for another brand
	})

	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.SigningKeys(ctx, w.brand.ID)
		if err != nil {
			return err
		}
		want := []*genuine.SigningKey{keys[1], keys[0], keys[2]}
		if len(got) != len(want) {
			t.Fatalf("SigningKeys returned %d keys, want %d", len(got), len(want))
		}
		for i := range want {
			same(t, "SigningKeys", got[i], want[i])
		}
		got, err = tx.SigningKeys(ctx, id("brd", 3))
		if err != nil || len(got) != 0 {
			t.Errorf("SigningKeys of a brand without keys = %v, %v; want none", got, err)
		}
		return nil
	})

	err := s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateSigningKey(ctx, key(w.brand.ID, 0)) })
	wantCode(t, "CreateSigningKey with an existing id", err, genuine.EConflict)

	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateSigningKey(ctx, key(id("brd", 9), 0)) })
	wantCode(t, "CreateSigningKey for a missing brand", err, genuine.ENotFound)
}

func testGS1Prefixes(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	other := &genuine.Brand{ID: id("brd", 2), Name: "Other", CreatedAt: at(0)}
	update(t, s, func(tx genuine.Tx) error { return tx.CreateBrand(ctx, other) })
	prefixes := func() []genuine.GS1Prefix {
		var ps []genuine.GS1Prefix
		view(t, s, func(tx genuine.Tx) (err error) {
			ps, err = tx.GS1Prefixes(ctx)
			return err
		})
		return ps
	}
	if ps := prefixes(); len(ps) != 0 {
		t.Errorf("GS1Prefixes of a new store = %v", ps)
	}
	update(t, s, func(tx genuine.Tx) error { return tx.SetGS1Prefixes(ctx, w.brand.ID, []string{"952012", "40063813"}) })
	update(t, s, func(tx genuine.Tx) error { return tx.SetGS1Prefixes(ctx, other.ID, []string{"952099"}) })
	samePrefixes(t, "GS1Prefixes", prefixes(), []genuine.GS1Prefix{
		{Prefix: "40063813", BrandID: w.brand.ID}, {Prefix: "952012", BrandID: w.brand.ID}, {Prefix: "952099", BrandID: other.ID},
	})
	view(t, s, func(tx genuine.Tx) error {
		b, err := tx.Brand(ctx, w.brand.ID)
		if err != nil {
			return err
		}
		if !slices.Equal(b.GS1Prefixes, []string{"40063813", "952012"}) {
			t.Errorf("Brand's prefixes = %v", b.GS1Prefixes)
		}
		return nil
	})

	// A prefix held by another brand is a conflict, and changes nothing.
	err := s.Update(ctx, func(tx genuine.Tx) error { return tx.SetGS1Prefixes(ctx, other.ID, []string{"952012"}) })
	wantCode(t, "SetGS1Prefixes of another brand's prefix", err, genuine.EConflict)
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.SetGS1Prefixes(ctx, id("brd", 3), []string{"952077"}) })
	wantCode(t, "SetGS1Prefixes of a missing brand", err, genuine.ENotFound)

	// Replaced, then removed.
	update(t, s, func(tx genuine.Tx) error { return tx.SetGS1Prefixes(ctx, w.brand.ID, []string{"952013"}) })
	update(t, s, func(tx genuine.Tx) error { return tx.SetGS1Prefixes(ctx, other.ID, nil) })
	samePrefixes(t, "GS1Prefixes replaced", prefixes(), []genuine.GS1Prefix{{Prefix: "952013", BrandID: w.brand.ID}})
	view(t, s, func(tx genuine.Tx) error {
		b, err := tx.Brand(ctx, other.ID)
		if err != nil {
			return err
		}
		if b.GS1Prefixes != nil {
			t.Errorf("prefixes of a brand without any = %#v, want nil", b.GS1Prefixes)
		}
		return nil
	})
}

func samePrefixes(t *testing.T, what string, got, want []genuine.GS1Prefix) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
