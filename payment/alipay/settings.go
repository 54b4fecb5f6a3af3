package alipay

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"genuine"
	"genuine/payment"
)

// minKeyBits is the least size of an RSA key that RSA2 signatures take.
const minKeyBits = 2048

// sandboxAppPrefix begins the app id of every app in Alipay's sandbox.
const sandboxAppPrefix = "9021"

// settings are an Alipay app's settings, as a merchant gives them and as
// ParseAccount writes them back.
type settings struct {
	Mode            genuine.AccountMode `json:"mode"`
	AppID           string              `json:"app_id"`
	PrivateKey      string              `json:"private_key"`
	AlipayPublicKey string              `json:"alipay_public_key"`
	SellerID        string              `json:"seller_id,omitempty"`
}

// account is an app's settings with its keys parsed.
type account struct {
	settings
	key       *rsa.PrivateKey // the app's
	alipayKey *rsa.PublicKey  // Alipay's, for the app
}

// members are the settings' JSON members, each a string.
var members = []string{"mode", "app_id", "private_key", "alipay_public_key", "seller_id"}

// parseSettings parses and checks an app's settings: an *Error with
// EInvalid naming the member that is wrong.
func parseSettings(data []byte) (*account, error) {
	m, err := payment.DecodeSettings("Alipay", data, members[:])
	if err != nil {
		return nil, err
	}
	a := &account{settings: settings{
		Mode: genuine.AccountMode(m["mode"]), AppID: m["app_id"], SellerID: m["seller_id"],
	}}
	switch {
	case a.Mode != genuine.ModeTest && a.Mode != genuine.ModeLive:
		return nil, invalid("mode", `must be "test" or "live"`)
	case len(a.AppID) != 16 || !payment.IsDigits(a.AppID):
		return nil, invalid("app_id", "must be the app's id at Alipay, 16 digits")
	case a.SellerID != "" && (len(a.SellerID) != 16 || !strings.HasPrefix(a.SellerID, "2088") || !payment.IsDigits(a.SellerID)):
		return nil, invalid("seller_id", "must be an Alipay user id, 16 digits beginning 2088")
	case a.Mode == genuine.ModeTest && !strings.HasPrefix(a.AppID, sandboxAppPrefix):
		return nil, invalid("mode", "is test, but app_id %s is not a sandbox app's (they begin %s)", a.AppID, sandboxAppPrefix)
	case a.Mode == genuine.ModeLive && strings.HasPrefix(a.AppID, sandboxAppPrefix):
		return nil, invalid("mode", "is live, but app_id %s is a sandbox app's", a.AppID)
	}
	if a.key, err = parsePrivateKey(m["private_key"]); err != nil {
		return nil, invalid("private_key", "%v", err)
	}
	if a.alipayKey, err = parsePublicKey(m["alipay_public_key"]); err != nil {
		return nil, invalid("alipay_public_key", "%v", err)
	}
	if a.alipayKey.Equal(&a.key.PublicKey) {
		return nil, invalid("alipay_public_key", "is the app's own public key; give Alipay's public key for the app")
	}
	a.PrivateKey, a.AlipayPublicKey = a.canonicalPrivateKey(), a.canonicalAlipayKey()
	return a, nil
}

// invalid returns an *Error with EInvalid about the member field.
func invalid(field, format string, args ...any) error {
	return genuine.Errorf(genuine.EInvalid, "Alipay settings: %s %s", field, fmt.Sprintf(format, args...))
}

// keyDER returns the DER of a key given in PEM or bare base64 (with any
// white space).
func keyDER(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("is missing")
	}
	if strings.HasPrefix(s, "-----BEGIN") {
		block, rest := pem.Decode([]byte(s))
		if block == nil || strings.TrimSpace(string(rest)) != "" {
			return nil, errors.New("is not one PEM block")
		}
		return block.Bytes, nil
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		return nil, errors.New("is neither PEM nor base64")
	}
	return der, nil
}

// parsePrivateKey parses an RSA private key, PKCS #1 or PKCS #8.
func parsePrivateKey(s string) (*rsa.PrivateKey, error) {
	der, err := keyDER(s)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		k, err8 := x509.ParsePKCS8PrivateKey(der)
		if err8 != nil {
			return nil, errors.New("is not a PKCS #1 or PKCS #8 private key")
		}
		var ok bool
		if key, ok = k.(*rsa.PrivateKey); !ok {
			return nil, fmt.Errorf("is a %T, not an RSA key", k)
		}
	}
	if key.N.BitLen() < minKeyBits {
		return nil, fmt.Errorf("is an RSA key of %d bits; RSA2 takes at least %d", key.N.BitLen(), minKeyBits)
	}
	return key, nil
}

// parsePublicKey parses an RSA public key, PKIX (or PKCS #1).
func parsePublicKey(s string) (*rsa.PublicKey, error) {
	der, err := keyDER(s)
	if err != nil {
		return nil, err
	}
	var key *rsa.PublicKey
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		var ok bool
		if key, ok = k.(*rsa.PublicKey); !ok {
			return nil, fmt.Errorf("is a %T, not an RSA key", k)
		}
	} else if key, err = x509.ParsePKCS1PublicKey(der); err != nil {
		return nil, errors.New("is not a PKIX public key")
	}
	if key.N.BitLen() < minKeyBits {
		return nil, fmt.Errorf("is an RSA key of %d bits; RSA2 takes at least %d", key.N.BitLen(), minKeyBits)
	}
	return key, nil
}

// canonicalPrivateKey returns the app's private key in PEM, PKCS #8.
func (a *account) canonicalPrivateKey() string {
	der, _ := x509.MarshalPKCS8PrivateKey(a.key) // cannot fail for an RSA key
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// canonicalAlipayKey returns Alipay's public key in PEM, PKIX.
func (a *account) canonicalAlipayKey() string {
	der, _ := x509.MarshalPKIXPublicKey(a.alipayKey) // cannot fail for an RSA key
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// canonical returns the settings as Connect reads them.
func (a *account) canonical() []byte {
	data, _ := json.Marshal(a.settings) // strings only: cannot fail
	return data
}

// masked returns what may be shown of the settings: the keys described,
// never given.
func (a *account) masked() map[string]string {
	m := map[string]string{
		"mode":              string(a.Mode),
		"app_id":            a.AppID,
		"private_key":       payment.DescribeKey("private", &a.key.PublicKey),
		"alipay_public_key": payment.DescribeKey("public", a.alipayKey),
	}
	if a.SellerID != "" {
		m["seller_id"] = a.SellerID
	}
	return m
}
