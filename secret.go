package genuine

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// MasterKeySize is the size of a master key: AES-256.
const MasterKeySize = 32

// Sealed values are sealedMagic, the id of the master key that sealed them
// (sealedIDLen bytes), a random nonce and the AES-256-GCM ciphertext with
// its tag. The label a value is sealed under (what it is, such as a
// signing key's brand and id) is its additional data, so a sealed value
// copied to another row does not open there.
const (
	sealedMagic    = "gs\x01"
	sealedIDLen    = 8
	sealedNonceLen = 12
	sealedOverhead = len(sealedMagic) + sealedIDLen + sealedNonceLen + 16
)

// Names of the secrets the store keeps sealed in its table of secrets
// (Tx.Secret), beside the brands' signing keys.
const (
	// secretCheck is a value sealed under the master key alone, so that a
	// wrong or missing key is told at start rather than at the first code.
	secretCheck = "master-key-check"
	// providerSecretPrefix + a provider's name holds the key that signs
	// that provider's notifications (ProviderSecret).
	providerSecretPrefix = "provider/"
)

// A Sealer seals and opens secrets with AES-256-GCM under one master key,
// which never enters the store. It is safe for concurrent use.
type Sealer struct {
	id   [sealedIDLen]byte
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a master key of MasterKeySize bytes.
func NewSealer(masterKey []byte) (*Sealer, error) {
	if len(masterKey) != MasterKeySize {
		return nil, Errorf(EInvalid, "a master key is %d bytes (%d hex digits), not %d", MasterKeySize, 2*MasterKeySize, len(masterKey))
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	s := &Sealer{aead: aead}
	// The id says which key sealed a value without revealing the key.
	m := hmac.New(sha256.New, masterKey)
	m.Write([]byte("genuine/master-key-id"))
	copy(s.id[:], m.Sum(nil))
	return s, nil
}

// NewMasterKey returns a new random master key.
func NewMasterKey() []byte {
	k := make([]byte, MasterKeySize)
	if _, err := rand.Read(k); err != nil {
		panic("genuine: no randomness: " + err.Error())
	}
	return k
}

// ParseMasterKey reads a master key written as 64 hex digits (as
// FormatMasterKey writes it), ignoring surrounding space.
func ParseMasterKey(text string) ([]byte, error) {
	k, err := hex.DecodeString(strings.TrimSpace(text))
	if err != nil || len(k) != MasterKeySize {
		return nil, Errorf(EInvalid, "a master key is %d hex digits", 2*MasterKeySize)
	}
	return k, nil
}

// FormatMasterKey writes a master key as 64 hex digits.
func FormatMasterKey(k []byte) string { return hex.EncodeToString(k) }

// ID returns the id of the Sealer's master key, in hex: what an error
// names to tell keys apart. It does not reveal the key.
func (s *Sealer) ID() string { return hex.EncodeToString(s.id[:]) }

// Seal returns plaintext sealed under the master key and label.
func (s *Sealer) Seal(label string, plaintext []byte) []byte {
	out := make([]byte, 0, sealedOverhead+len(plaintext))
	out = append(out, sealedMagic...)
	out = append(out, s.id[:]...)
	nonce := make([]byte, sealedNonceLen)
	if _, err := rand.Read(nonce); err != nil {
		panic("genuine: no randomness: " + err.Error())
	}
	out = append(out, nonce...)
	return s.aead.Seal(out, nonce, plaintext, []byte(label))
}

// Unseal opens a value sealed under label. It fails with EUnauthorized if
// another master key sealed it, and with EInternal if it was not sealed
// or was changed.
func (s *Sealer) Unseal(label string, sealed []byte) ([]byte, error) {
	id, ok := sealedID(sealed)
	if !ok {
		return nil, fmt.Errorf("%s is not sealed", label)
	}
	if !bytes.Equal(id, s.id[:]) {
		return nil, Errorf(EUnauthorized, "%s was sealed under master key %x, not the one given (%s)", label, id, s.ID())
	}
	body := sealed[len(sealedMagic)+sealedIDLen:]
	plain, err := s.aead.Open(nil, body[:sealedNonceLen], body[sealedNonceLen:], []byte(label))
	if err != nil {
		return nil, fmt.Errorf("%s does not open under its master key: it was changed", label)
	}
	return plain, nil
}

// sealedID returns the id of the master key that sealed a value, and
// false if the value is not sealed at all.
func sealedID(v []byte) ([]byte, bool) {
	if len(v) < sealedOverhead || string(v[:len(sealedMagic)]) != sealedMagic {
		return nil, false
	}
	return v[len(sealedMagic) : len(sealedMagic)+sealedIDLen], true
}

// signingKeyLabel is what a signing key is sealed under.
func signingKeyLabel(brandID string, id int) string {
	return "signing-key/" + brandID + "/" + strconv.Itoa(id)
}

// OpenStore checks that s holds the master key of store, and is called
// before an App on store serves. A store with none yet (new, or made
// before secrets were sealed) is given s's: in one Update the check value
// is stored and every secret still in plain text is sealed (a provider's
// notification key, which anyone who read the store knows, is replaced). It fails with
// EUnauthorized, naming both keys' ids, if another key sealed the store
// or any of its secrets.
func OpenStore(ctx context.Context, store Store, s *Sealer) error {
	return store.Update(ctx, func(tx Tx) error {
		check, err := tx.Secret(ctx, secretCheck)
		if err == nil {
			_, err = s.Unseal(secretCheck, check)
			if ErrorCode(err) == EUnauthorized {
				id, _ := sealedID(check)
				return Errorf(EUnauthorized, "the master key given (id %s) is not this store's (id %x)", s.ID(), id)
			}
			return err
		}
		if ErrorCode(err) != ENotFound {
			return err
		}
		if err := reseal(ctx, tx, s, s, true); err != nil {
			return err
		}
		return tx.PutSecret(ctx, secretCheck, s.Seal(secretCheck, []byte(secretCheck)))
	})
}

// StoreSealed reports whether the store has a master key already: false
// for a store that is new or was made before secrets were sealed.
func StoreSealed(ctx context.Context, store Store) (bool, error) {
	err := store.View(ctx, func(tx Tx) error {
		_, err := tx.Secret(ctx, secretCheck)
		return err
	})
	switch ErrorCode(err) {
	case "":
		return true, nil
	case ENotFound:
		return false, nil
	}
	return false, err
}

// RotateMasterKey re-seals every secret of the store under next, all or
// nothing: after it, only next opens the store. old must be the store's
// key.
func RotateMasterKey(ctx context.Context, store Store, old, next *Sealer) error {
	if err := OpenStore(ctx, store, old); err != nil {
		return err
	}
	return store.Update(ctx, func(tx Tx) error {
		return reseal(ctx, tx, old, next, false)
	})
}

// reseal seals every secret of the store under next, opening each with
// old; with plainOK, those in plain text (a store made before secrets were
// sealed) are sealed as they are.
func reseal(ctx context.Context, tx Tx, old, next *Sealer, plainOK bool) error {
	open := func(label string, v []byte) ([]byte, error) {
		if _, sealed := sealedID(v); sealed {
			return old.Unseal(label, v)
		}
		if !plainOK {
			return nil, fmt.Errorf("%s is in plain text in a sealed store", label)
		}
		return v, nil
	}
	keys, err := tx.AllSigningKeys(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		label := signingKeyLabel(k.BrandID, k.ID)
		plain, err := open(label, k.Secret)
		if err != nil {
			return err
		}
		k.Secret = next.Seal(label, plain)
		if err := tx.UpdateSigningKey(ctx, k); err != nil {
			return err
		}
	}
	accts, err := tx.ProviderAccounts(ctx, "")
	if err != nil {
		return err
	}
	for _, acct := range accts {
		label := accountLabel(acct.MerchantID, acct.Provider)
		plain, err := open(label, acct.Settings)
		if err != nil {
			return err
		}
		acct.Settings = next.Seal(label, plain)
		if err := tx.PutProviderAccount(ctx, acct); err != nil {
			return err
		}
	}
	secrets, err := tx.Secrets(ctx)
	if err != nil {
		return err
	}
	for name, v := range secrets {
		plain, err := open(name, v)
		if err != nil {
			return err
		}
		if _, sealed := sealedID(v); !sealed && strings.HasPrefix(name, providerSecretPrefix) {
			// A notification key that was readable in the store is
			// replaced, not kept: the provider signs with the new one.
			plain = newSecret()
		}
		if err := tx.PutSecret(ctx, name, next.Seal(name, plain)); err != nil {
			return err
		}
	}
	return nil
}

// ProviderSecret returns the key that signs a payment provider's
// notifications (StoredSecret "provider/NAME"), so that every server on a
// store agrees.
func ProviderSecret(ctx context.Context, store Store, s *Sealer, provider string) ([]byte, error) {
	return StoredSecret(ctx, store, s, providerSecretPrefix+provider)
}

// StoredSecret returns the secret of a name (32 random bytes), made the
// first time it is asked for and stored sealed by s, so that every server
// on the store shares it. The store must be open (OpenStore).
func StoredSecret(ctx context.Context, store Store, s *Sealer, name string) ([]byte, error) {
	var secret []byte
	err := store.Update(ctx, func(tx Tx) error {
		v, err := tx.Secret(ctx, name)
		if err == nil {
			secret, err = s.Unseal(name, v)
			return err
		}
		if ErrorCode(err) != ENotFound {
			return err
		}
		secret = newSecret()
		return tx.PutSecret(ctx, name, s.Seal(name, secret))
	})
	return secret, err
}

// checkSealer checks, in tx, that the store is still sealed under a's
// master key before a new secret is sealed into it: a server started before
// the key was rotated must not seal under the old one.
func (a *App) checkSealer(ctx context.Context, tx Tx) error {
	check, err := tx.Secret(ctx, secretCheck)
	if ErrorCode(err) == ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if id, _ := sealedID(check); !bytes.Equal(id, a.sealer.id[:]) {
		return Errorf(EUnavailable, "the store's master key was rotated: restart this server with the new key")
	}
	return nil
}
