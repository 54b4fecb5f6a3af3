package storetest

import (
	"bytes"
	"testing"
	"time"

	"genuine"
)

// UpdateSigningKey writes a key's secret and its retirement and
// revocation times; AllSigningKeys returns every brand's keys in order.
func testUpdateSigningKey(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	other := &genuine.Brand{ID: id("brd", 0), Name: "Other", CreatedAt: at(0)}
	k0 := &genuine.SigningKey{BrandID: w.brand.ID, ID: 0, Secret: bytes.Repeat([]byte{1}, 32), CreatedAt: at(1)}
	k1 := &genuine.SigningKey{BrandID: w.brand.ID, ID: 1, Secret: bytes.Repeat([]byte{2}, 32), CreatedAt: at(2)}
	ko := &genuine.SigningKey{BrandID: other.ID, ID: 0, Secret: bytes.Repeat([]byte{3}, 32), CreatedAt: at(3)}
	update(t, s, func(tx genuine.Tx) error {
		if err := tx.CreateBrand(ctx, other); err != nil {
			return err
		}
		for _, k := range []*genuine.SigningKey{k1, k0, ko} {
			if err := tx.CreateSigningKey(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	retired, revoked := at(10).Add(123456*time.Microsecond).UTC(), at(11).UTC()
	k1.Secret = bytes.Repeat([]byte{9}, 72)
	k1.RetiredAt, k1.RevokedAt = retired, revoked
	update(t, s, func(tx genuine.Tx) error { return tx.UpdateSigningKey(ctx, k1) })
	k0.RetiredAt = retired
	update(t, s, func(tx genuine.Tx) error { return tx.UpdateSigningKey(ctx, k0) })
	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.AllSigningKeys(ctx)
		if err != nil {
			return err
		}
		want := []*genuine.SigningKey{ko, k0, k1} // brd_0… sorts before the world's brand
		if other.ID > w.brand.ID {
			want = []*genuine.SigningKey{k0, k1, ko}
		}
		if len(got) != len(want) {
			t.Fatalf("AllSigningKeys returned %d keys, want %d", len(got), len(want))
		}
		for i := range want {
			same(t, "AllSigningKeys", got[i], want[i])
		}
		return nil
	})
	missing := &genuine.SigningKey{BrandID: w.brand.ID, ID: 7, Secret: []byte{1}, CreatedAt: at(0)}
	err := s.Update(ctx, func(tx genuine.Tx) error { return tx.UpdateSigningKey(ctx, missing) })
	wantCode(t, "UpdateSigningKey of a missing key", err, genuine.ENotFound)
}

// PutSecret stores or replaces a sealed secret by name; Secret and
// Secrets read them back.
func testSecrets(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	err := s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.Secret(ctx, "a")
		return err
	})
	wantNotFound(t, "Secret of a missing name", err, "a")
	update(t, s, func(tx genuine.Tx) error {
		if err := tx.PutSecret(ctx, "a", []byte{0, 1, 2}); err != nil {
			return err
		}
		if err := tx.PutSecret(ctx, "b", []byte{3}); err != nil {
			return err
		}
		return tx.PutSecret(ctx, "a", []byte{4, 5}) // replaces
	})
	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.Secret(ctx, "a")
		if err != nil || !bytes.Equal(got, []byte{4, 5}) {
			t.Errorf("Secret(a) = %v, %v; want [4 5]", got, err)
		}
		all, err := tx.Secrets(ctx)
		if err != nil || len(all) != 2 || !bytes.Equal(all["a"], []byte{4, 5}) || !bytes.Equal(all["b"], []byte{3}) {
			t.Errorf("Secrets = %v, %v", all, err)
		}
		return nil
	})
}

// PutProviderAccount stores or replaces a merchant's account at a
// provider, keeping when it was made; ProviderAccount and ProviderAccounts
// read them back, and DeleteProviderAccount deletes one.
func testProviderAccounts(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	m1 := &genuine.Merchant{ID: id("mer", 1), Name: "Shop 1", Region: "CN-GD", CreatedAt: at(0)}
	m2 := &genuine.Merchant{ID: id("mer", 2), Name: "Shop 2", Region: "CN-GD", CreatedAt: at(0)}
	acct := func(m *genuine.Merchant, provider, account string, n int) *genuine.ProviderAccount {
		return &genuine.ProviderAccount{
			MerchantID: m.ID, Provider: provider, Mode: genuine.ModeTest, Account: account,
			Masked:   map[string]string{"secret_key": "sk_test_…" + account},
			Settings: []byte{byte(n), 0, 1}, CreatedAt: at(n), UpdatedAt: at(n),
		}
	}
	a1 := acct(m1, "stripe", "acct_1", 1)
	a2 := acct(m1, "alipay", "2021001", 2)
	a3 := acct(m2, "stripe", "acct_3", 3)
	update(t, s, func(tx genuine.Tx) error {
		for _, m := range []*genuine.Merchant{m1, m2} {
			if err := tx.CreateMerchant(ctx, m); err != nil {
				return err
			}
		}
		for _, a := range []*genuine.ProviderAccount{a1, a2, a3} {
			if err := tx.PutProviderAccount(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	// A new key for an account replaces it; it was made when it was.
	again := acct(m1, "stripe", "acct_9", 9)
	again.Mode = genuine.ModeLive
	update(t, s, func(tx genuine.Tx) error { return tx.PutProviderAccount(ctx, again) })
	again.CreatedAt = a1.CreatedAt
	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.ProviderAccount(ctx, m1.ID, "stripe")
		if err != nil {
			return err
		}
		same(t, "ProviderAccount after a replace", got, again)
		mine, err := tx.ProviderAccounts(ctx, m1.ID)
		if err != nil {
			return err
		}
		if len(mine) != 2 || mine[0].Provider != "alipay" || mine[1].Provider != "stripe" {
			t.Errorf("ProviderAccounts(m1) = %d accounts, want alipay then stripe", len(mine))
		} else {
			same(t, "ProviderAccounts(m1)[0]", mine[0], a2)
		}
		all, err := tx.ProviderAccounts(ctx, "")
		if err != nil {
			return err
		}
		if len(all) != 3 || all[2].MerchantID != m2.ID {
			t.Errorf("ProviderAccounts() = %d accounts, want 3 ending with merchant 2's", len(all))
		}
		_, err = tx.ProviderAccount(ctx, m2.ID, "alipay")
		wantCode(t, "ProviderAccount of a missing account", err, genuine.ENotFound)
		return nil
	})
	update(t, s, func(tx genuine.Tx) error { return tx.DeleteProviderAccount(ctx, m1.ID, "alipay") })
	err := s.Update(ctx, func(tx genuine.Tx) error { return tx.DeleteProviderAccount(ctx, m1.ID, "alipay") })
	wantCode(t, "DeleteProviderAccount of a missing account", err, genuine.ENotFound)
	err = s.Update(ctx, func(tx genuine.Tx) error {
		return tx.PutProviderAccount(ctx, acct(&genuine.Merchant{ID: id("mer", 7)}, "stripe", "acct_7", 7))
	})
	if err == nil {
		t.Error("PutProviderAccount of a merchant that does not exist succeeded")
	}
}
