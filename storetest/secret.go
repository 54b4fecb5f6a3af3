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
