package storetest

import (
	"bytes"
	"testing"

	"genuine"
)

func testAPIKey(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	m := &genuine.Merchant{ID: id("mer", 1), Name: "Shop", Region: "CN-GD", CreatedAt: at(0)}
	update(t, s, func(tx genuine.Tx) error { return tx.CreateMerchant(ctx, m) })

	keys := []*genuine.APIKey{
		{ID: id("key", 1), Role: genuine.RoleAdmin, Name: "first admin key", Hash: genuine.HashAPIKey("a1"), CreatedAt: at(1)},
		{ID: id("key", 2), Role: genuine.RoleAdmin, Hash: genuine.HashAPIKey("a2"), CreatedAt: at(2)},
		{ID: id("key", 3), Role: genuine.RoleBrand, BrandID: w.brand.ID, Name: "brand", Hash: genuine.HashAPIKey("b"), CreatedAt: at(3)},
		{ID: id("key", 4), Role: genuine.RolePartner, BrandID: w.brand.ID, Hash: genuine.HashAPIKey("p"), CreatedAt: at(4)},
		{ID: id("key", 5), Role: genuine.RoleMerchant, MerchantID: m.ID, Hash: genuine.HashAPIKey("m"), CreatedAt: at(5)},
	}
	update(t, s, func(tx genuine.Tx) error {
		for _, k := range keys {
			if err := tx.CreateAPIKey(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})

	view(t, s, func(tx genuine.Tx) error {
		for _, k := range keys {
			got, err := tx.APIKeyByHash(ctx, bytes.Clone(k.Hash))
			if err != nil {
				return err
			}
			same(t, "APIKeyByHash", got, k)
		}
		for role, want := range map[genuine.Role]int{
			genuine.RoleAdmin: 2, genuine.RoleBrand: 1, genuine.RolePartner: 1, genuine.RoleMerchant: 1, "nobody": 0,
		} {
			n, err := tx.CountAPIKeys(ctx, role)
			if err != nil {
				return err
			}
			if n != want {
				t.Errorf("CountAPIKeys(%s) = %d, want %d", role, n, want)
			}
		}
		return nil
	})

	err := s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.APIKeyByHash(ctx, genuine.HashAPIKey("unknown"))
		return err
	})
	wantCode(t, "APIKeyByHash of an unknown hash", err, genuine.ENotFound)

	dupHash := *keys[3]
	dupHash.ID = id("key", 6)
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateAPIKey(ctx, &dupHash) })
	wantCode(t, "CreateAPIKey with an existing hash", err, genuine.EConflict)

	dupID := *keys[3]
	dupID.Hash = genuine.HashAPIKey("other")
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateAPIKey(ctx, &dupID) })
	wantCode(t, "CreateAPIKey with an existing id", err, genuine.EConflict)
}
