package payment

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"genuine"
)

// DecodeSettings reads the settings a merchant gives for its account at a
// provider: one JSON object whose members are strings, each one of
// members, exactly as spelled (encoding/json would take "Secret_Key" for
// secret_key), given at most once (encoding/json would keep the last), with
// nothing after it. A member not given is not in the map. provider names
// the provider in errors, which are *Errors with EInvalid naming the member
// at fault and never quoting a value, since values are secrets.
func DecodeSettings(provider string, data []byte, members []string) (map[string]string, error) {
	notObject := genuine.Errorf(genuine.EInvalid, "%s settings are not a JSON object of strings", provider)
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, notObject
	}
	m := make(map[string]string, len(members))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, notObject
		}
		key, _ := tok.(string)
		if !slices.Contains(members, key) {
			return nil, genuine.Errorf(genuine.EInvalid, "%s settings: unknown member %.60q; they take %s", provider, key, strings.Join(members, ", "))
		}
		if _, dup := m[key]; dup {
			return nil, genuine.Errorf(genuine.EInvalid, "%s settings: %s is given twice", provider, key)
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return nil, genuine.Errorf(genuine.EInvalid, "%s settings: %s is not a string", provider, key)
		}
		m[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, notObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, genuine.Errorf(genuine.EInvalid, "%s settings: more follows the JSON object", provider)
	}
	return m, nil
}

// DescribeKey is what a merchant's settings show of an RSA key, kind
// "private" or "public": its size and the start of the SHA-256 fingerprint
// of its public half, enough to tell keys apart without showing one: "RSA
// 2048-bit private key, SHA-256 fingerprint 1a2b3c4d5e6f7a8b…".
func DescribeKey(kind string, pub *rsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(pub) // an RSA key always marshals
	sum := sha256.Sum256(der)
	return fmt.Sprintf("RSA %d-bit %s key, SHA-256 fingerprint %s…", pub.N.BitLen(), kind, hex.EncodeToString(sum[:8]))
}

// IsDigits reports whether s is one or more ASCII digits, as providers'
// account numbers and ids are.
func IsDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
