package genuine_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"genuine"
)

func newSealer(t testing.TB) *genuine.Sealer {
	t.Helper()
	s, err := genuine.NewSealer(genuine.NewMasterKey())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A sealed value opens only under its master key and its label, and not
// once changed; it says which key sealed it.
func TestSealer(t *testing.T) {
	s, other := newSealer(t), newSealer(t)
	plain := []byte("a secret of thirty-two bytes....")
	sealed := s.Seal("signing-key/brd_1/0", plain)
	if bytes.Contains(sealed, plain) || bytes.Equal(sealed, s.Seal("signing-key/brd_1/0", plain)) {
		t.Fatal("sealing shows the plain text, or seals it twice the same")
	}
	if got, err := s.Unseal("signing-key/brd_1/0", sealed); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Unseal = %q, %v", got, err)
	}
	if _, err := s.Unseal("signing-key/brd_2/0", sealed); err == nil {
		t.Error("a value opened under another label")
	}
	if _, err := other.Unseal("signing-key/brd_1/0", sealed); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("another key: %v, want %s", err, genuine.EUnauthorized)
	}
	changed := bytes.Clone(sealed)
	changed[len(changed)-1] ^= 1
	if _, err := s.Unseal("signing-key/brd_1/0", changed); err == nil {
		t.Error("a changed value opened")
	}
	if _, err := s.Unseal("x", plain); err == nil {
		t.Error("a value never sealed opened")
	}
	for _, text := range []string{"", "abc", genuine.FormatMasterKey(make([]byte, 31))} {
		if _, err := genuine.ParseMasterKey(text); err == nil {
			t.Errorf("ParseMasterKey(%q) accepted", text)
		}
	}
	key := genuine.NewMasterKey()
	if got, err := genuine.ParseMasterKey(" " + genuine.FormatMasterKey(key) + "\n"); err != nil || !bytes.Equal(got, key) {
		t.Errorf("ParseMasterKey of a formatted key: %x, %v", got, err)
	}
}

// A store opened with its master key opens again with it and refuses any
// other; rotation re-seals it under the new key, after which the codes
// minted before verify with it and the old key is refused. An App still
// running with the old key seals nothing new into the store.
func TestRotateMasterKey(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if err := genuine.OpenStore(ctx, w.db, w.sealer); err != nil {
		t.Fatal(err)
	}
	codes := w.released(t, 3)
	if err := genuine.OpenStore(ctx, w.db, w.sealer); err != nil {
		t.Fatalf("OpenStore again with its key: %v", err)
	}
	if err := genuine.OpenStore(ctx, w.db, newSealer(t)); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Fatalf("OpenStore with another key: %v", err)
	}
	notify, err := genuine.ProviderSecret(ctx, w.db, w.sealer, "simulated")
	if err != nil {
		t.Fatal(err)
	}

	next := newSealer(t)
	if err := genuine.RotateMasterKey(ctx, w.db, newSealer(t), next); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Fatalf("RotateMasterKey from a key that is not the store's: %v", err)
	}
	if err := genuine.RotateMasterKey(ctx, w.db, w.sealer, next); err != nil {
		t.Fatal(err)
	}
	if err := genuine.OpenStore(ctx, w.db, w.sealer); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Fatalf("OpenStore with the old key after rotation: %v", err)
	}
	if err := genuine.OpenStore(ctx, w.db, next); err != nil {
		t.Fatalf("OpenStore with the new key: %v", err)
	}
	if got, err := genuine.ProviderSecret(ctx, w.db, next, "simulated"); err != nil || !bytes.Equal(got, notify) {
		t.Errorf("the notification key after rotation: %x, %v; want %x", got, err, notify)
	}
	app := genuine.NewApp(w.db, genuine.Config{BaseURL: "https://genuine.test", Now: w.clock.now, Sealer: next})
	t.Cleanup(func() { app.Close() })
	for _, c := range codes {
		if v, err := app.Verify(ctx, c); err != nil || !v.Authentic {
			t.Errorf("a code minted before rotation: %+v, %v", v, err)
		}
	}
	stale := genuine.NewApp(w.db, genuine.Config{Now: w.clock.now, Sealer: w.sealer})
	t.Cleanup(func() { stale.Close() })
	if _, err := stale.Verify(ctx, codes[0]); err == nil {
		t.Error("an App with the old key verified a code")
	}
	if err := w.app.CreateBrand(ctx, w.admin, &genuine.Brand{Name: "Late"}); genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Errorf("CreateBrand by an App with the old key: %v, want %s", err, genuine.EUnavailable)
	}
	if _, err := w.app.RotateSigningKey(ctx, w.brand, w.brandID); genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Errorf("RotateSigningKey by an App with the old key: %v, want %s", err, genuine.EUnavailable)
	}
}

// Signing keys made by the App are stored sealed, and a store whose keys
// are in plain text (made before sealing) is sealed by its first
// OpenStore, in place: its codes verify as before.
func TestOpenStoreSealsPlaintextKeys(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	var keys []*genuine.SigningKey
	view := func() {
		t.Helper()
		err := w.db.View(ctx, func(tx genuine.Tx) (err error) {
			keys, err = tx.AllSigningKeys(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	view()
	if len(keys) != 1 || len(keys[0].Secret) == 32 {
		t.Fatalf("the App stored a key of %d bytes: not sealed", len(keys[0].Secret))
	}
	// A brand of a store made before sealing, its key in plain text.
	plain := bytes.Repeat([]byte{7}, 32)
	err := w.db.Update(ctx, func(tx genuine.Tx) error {
		if err := tx.CreateBrand(ctx, &genuine.Brand{ID: "brd_old", Name: "Old", CodeRule: genuine.CodeRule{Serials: genuine.SerialsMinted}, CreatedAt: w.app.Now()}); err != nil {
			return err
		}
		if err := tx.CreateSigningKey(ctx, &genuine.SigningKey{BrandID: "brd_old", ID: 0, Secret: plain, CreatedAt: w.app.Now()}); err != nil {
			return err
		}
		return tx.PutSecret(ctx, "provider/simulated", bytes.Repeat([]byte{8}, 32))
	})
	if err != nil {
		t.Fatal(err)
	}
	// The world's own key was sealed by an App whose store had no check
	// value: OpenStore with another key must refuse it, not seal over it.
	if err := genuine.OpenStore(ctx, w.db, newSealer(t)); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Fatalf("OpenStore with a key that did not seal the store's keys: %v", err)
	}
	if err := genuine.OpenStore(ctx, w.db, w.sealer); err != nil {
		t.Fatal(err)
	}
	view()
	for _, k := range keys {
		if len(k.Secret) == 32 || bytes.Contains(k.Secret, plain) {
			t.Errorf("key %d of %s is still in plain text", k.ID, k.BrandID)
		}
	}
	// The notification key, readable before, is replaced.
	if got, err := genuine.ProviderSecret(ctx, w.db, w.sealer, "simulated"); err != nil || len(got) != 32 || bytes.Equal(got, bytes.Repeat([]byte{8}, 32)) {
		t.Errorf("the notification key once sealed: %x, %v", got, err)
	}
	codes := w.released(t, 2)
	if v := w.verify(t, codes[0]); !v.Authentic {
		t.Errorf("a code after sealing: %+v", v)
	}
}

// A key revoked on one server reaches another within 5 s: the other,
// which cached the brand's keys, refuses the key's codes once 5 s passed.
func TestRevocationReachesOtherServers(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	other := w.appOn(t, w.db)
	codes := w.released(t, 2)
	if v, err := other.Verify(ctx, codes[0]); err != nil || !v.Authentic {
		t.Fatalf("before revocation: %+v, %v", v, err)
	}
	if _, err := w.app.RevokeSigningKey(ctx, w.brand, w.brandID, 0); err != nil {
		t.Fatal(err)
	}
	if v := w.verify(t, codes[0]); v.Authentic || v.Reason != genuine.ReasonKeyRevoked {
		t.Errorf("on the server that revoked: %+v", v)
	}
	w.clock.add(5 * time.Second)
	if v, err := other.Verify(ctx, codes[1]); err != nil || v.Authentic || v.Reason != genuine.ReasonKeyRevoked {
		t.Errorf("on another server 5 s later: %+v, %v", v, err)
	}
}

// FuzzUnseal: opening any bytes never panics and opens only what was
// sealed under the same key and label; what is sealed opens as it was.
func FuzzUnseal(f *testing.F) {
	s := newSealer(f)
	other := newSealer(f)
	f.Add("signing-key/brd_1/0", []byte{})
	f.Add("provider/simulated", []byte("0123456789abcdef0123456789abcdef"))
	f.Add("", s.Seal("x", []byte("secret")))
	f.Fuzz(func(t *testing.T, label string, data []byte) {
		s.Unseal(label, data) // any bytes: an error, never a panic
		sealed := s.Seal(label, data)
		if len(data) >= 8 && bytes.Contains(sealed, data) {
			t.Errorf("the sealed value holds the plain text %x", data)
		}
		if got, err := s.Unseal(label, sealed); err != nil || !bytes.Equal(got, data) {
			t.Errorf("Unseal(Seal(%q, %x)) = %x, %v", label, data, got, err)
		}
		if _, err := s.Unseal(label+"x", sealed); err == nil {
			t.Errorf("a value sealed as %q opened as %q", label, label+"x")
		}
		if _, err := other.Unseal(label, sealed); err == nil {
			t.Errorf("a value sealed under one key opened under another")
		}
	})
}
