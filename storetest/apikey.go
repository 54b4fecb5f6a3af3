package storetest

import (
	"bytes"
	"fmt"
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
		{ID: id("key", 5), Role: genuine.RoleMerchant, MerchantID: m.ID, Hash: genuine.HashAPIKey("m"), CreatedAt: at(5), ExpiresAt: at(50)},
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
			if got, err = tx.APIKey(ctx, k.ID); err != nil {
				return err
			}
			same(t, "APIKey", got, k)
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
	err = s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.APIKey(ctx, id("key", 99))
		return err
	})
	wantCode(t, "APIKey of an unknown id", err, genuine.ENotFound)
	testAPIKeyList(t, s, keys)
	testAPIKeyRevoke(t, s, keys)

	dupHash := *keys[3]
	dupHash.ID = id("key", 6)
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateAPIKey(ctx, &dupHash) })
	wantCode(t, "CreateAPIKey with an existing hash", err, genuine.EConflict)

	dupID := *keys[3]
	dupID.Hash = genuine.HashAPIKey("other")
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateAPIKey(ctx, &dupID) })
	wantCode(t, "CreateAPIKey with an existing id", err, genuine.EConflict)
}

// testAPIKeyList lists keys by each filter, oldest first.
func testAPIKeyList(t *testing.T, s genuine.Store, keys []*genuine.APIKey) {
	ctx := t.Context()
	tests := []struct {
		f    genuine.APIKeyFilter
		want []*genuine.APIKey
	}{
		{genuine.APIKeyFilter{}, keys},
		{genuine.APIKeyFilter{Role: genuine.RoleAdmin}, keys[:2]},
		{genuine.APIKeyFilter{BrandID: keys[2].BrandID}, keys[2:4]},
		{genuine.APIKeyFilter{Role: genuine.RolePartner, BrandID: keys[2].BrandID}, keys[3:4]},
		{genuine.APIKeyFilter{MerchantID: keys[4].MerchantID}, keys[4:5]},
		{genuine.APIKeyFilter{MerchantID: "mer_none"}, nil},
	}
	view(t, s, func(tx genuine.Tx) error {
		for _, tt := range tests {
			got, err := tx.APIKeys(ctx, tt.f)
			if err != nil {
				return err
			}
			if len(got) != len(tt.want) {
				t.Errorf("APIKeys(%+v) = %d keys, want %d", tt.f, len(got), len(tt.want))
				continue
			}
			for i := range got {
				same(t, fmt.Sprintf("APIKeys(%+v)[%d]", tt.f, i), got[i], tt.want[i])
			}
		}
		return nil
	})
}

// testAPIKeyRevoke revokes a key twice: the first time stands. An unknown
// key is not found.
func testAPIKeyRevoke(t *testing.T, s genuine.Store, keys []*genuine.APIKey) {
	ctx := t.Context()
	k := keys[3]
	update(t, s, func(tx genuine.Tx) error { return tx.RevokeAPIKey(ctx, k.ID, at(60)) })
	update(t, s, func(tx genuine.Tx) error { return tx.RevokeAPIKey(ctx, k.ID, at(70)) })
	want := *k
	want.RevokedAt = at(60)
	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.APIKeyByHash(ctx, k.Hash)
		if err != nil {
			return err
		}
		same(t, "APIKeyByHash after RevokeAPIKey", got, &want)
		other, err := tx.APIKey(ctx, keys[2].ID)
		if err != nil {
			return err
		}
		same(t, "another key after RevokeAPIKey", other, keys[2])
		return nil
	})
	err := s.Update(ctx, func(tx genuine.Tx) error { return tx.RevokeAPIKey(ctx, id("key", 99), at(60)) })
	wantCode(t, "RevokeAPIKey of an unknown key", err, genuine.ENotFound)
}
