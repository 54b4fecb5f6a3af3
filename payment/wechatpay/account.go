package wechatpay

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"

	"genuine"
	"genuine/payment"
)

// settings are a merchant's account at WeChat Pay as the merchant gives
// them (PUT /v1/merchants/{id}/providers/wechatpay), in JSON, and as
// ParseAccount writes them back, canonical.
type settings struct {
	Mode             genuine.AccountMode `json:"mode"`
	MchID            string              `json:"mchid"`
	AppID            string              `json:"appid"`
	MerchantSerialNo string              `json:"merchant_serial_no"`
	PrivateKey       string              `json:"private_key"` // PEM, apiclient_key.pem
	APIv3Key         string              `json:"apiv3_key"`
	PublicKeyID      string              `json:"wechatpay_public_key_id"`
	PublicKey        string              `json:"wechatpay_public_key"` // PEM
}

// account is an account's settings once parsed: its keys ready for the SDK.
type account struct {
	settings
	privateKey *rsa.PrivateKey
	publicKey  *rsa.PublicKey
}

// testKeyIDPrefix starts the WeChat Pay public key id of every account the
// local fake opens. WeChat Pay itself issues none with it, so a live
// account that names one holds the fake's keys.
const testKeyIDPrefix = "PUB_KEY_ID_TEST_"

// minKeyBits is the least size of RSA key WeChat Pay's SHA256-RSA2048
// scheme takes.
const minKeyBits = 2048

// parseSettings decodes and checks a merchant's settings: an *Error with
// EInvalid naming the first field that is wrong.
func parseSettings(data []byte) (*account, error) {
	m, err := payment.DecodeSettings("WeChat Pay", data, members[:])
	if err != nil {
		return nil, err
	}
	s := settings{
		Mode: genuine.AccountMode(m["mode"]), MchID: m["mchid"], AppID: m["appid"],
		MerchantSerialNo: m["merchant_serial_no"], PrivateKey: m["private_key"], APIv3Key: m["apiv3_key"],
		PublicKeyID: m["wechatpay_public_key_id"], PublicKey: m["wechatpay_public_key"],
	}
	switch {
	case s.Mode != genuine.ModeTest && s.Mode != genuine.ModeLive:
		return nil, invalid("mode", `must be "test" or "live"`)
	case !payment.IsDigits(s.MchID) || len(s.MchID) > 32:
		return nil, invalid("mchid", "must be WeChat Pay's merchant number, 1 to 32 digits")
	case !strings.HasPrefix(s.AppID, "wx") || len(s.AppID) != 18 || !isAlnum(s.AppID):
		return nil, invalid("appid", `must be an app id of 18 letters and digits starting "wx"`)
	case len(s.MerchantSerialNo) < 8 || len(s.MerchantSerialNo) > 64 || !isHex(s.MerchantSerialNo):
		return nil, invalid("merchant_serial_no", "must be the serial number of the merchant's API certificate, in hexadecimal")
	case len(s.APIv3Key) != 32 || !isPrintable(s.APIv3Key):
		return nil, invalid("apiv3_key", "must be the 32 characters of the merchant's APIv3 key")
	case !strings.HasPrefix(s.PublicKeyID, "PUB_KEY_ID_") || len(s.PublicKeyID) > 64 || !isKeyID(s.PublicKeyID):
		return nil, invalid("wechatpay_public_key_id", `must be WeChat Pay's public key id, "PUB_KEY_ID_…"`)
	case s.Mode == genuine.ModeLive && strings.HasPrefix(s.PublicKeyID, testKeyIDPrefix):
		return nil, invalid("wechatpay_public_key_id", "is a test key of the local fake, not of a live account")
	}
	a := &account{settings: s}
	if a.privateKey, err = parsePrivateKey(s.PrivateKey); err != nil {
		return nil, invalid("private_key", err.Error())
	}
	if a.publicKey, err = parsePublicKey(s.PublicKey); err != nil {
		return nil, invalid("wechatpay_public_key", err.Error())
	}
	if a.publicKey.Equal(a.privateKey.Public()) {
		return nil, invalid("wechatpay_public_key", "is the merchant's own key, not WeChat Pay's")
	}
	a.PrivateKey, a.PublicKey = encodePrivateKey(a.privateKey), encodePublicKey(a.publicKey)
	return a, nil
}

// members are the settings' JSON members, each a string.
var members = [...]string{"mode", "mchid", "appid", "merchant_serial_no", "private_key", "apiv3_key", "wechatpay_public_key_id", "wechatpay_public_key"}

func invalid(field, why string) error {
	return genuine.Errorf(genuine.EInvalid, "WeChat Pay settings: %s %s", field, why)
}

// parsePrivateKey reads the merchant's RSA private key, in PEM, PKCS #8
// (as apiclient_key.pem holds it) or PKCS #1.
func parsePrivateKey(text string) (*rsa.PrivateKey, error) {
	block, rest := pem.Decode([]byte(text))
	if block == nil || len(bytes.TrimSpace(rest)) > 0 {
		return nil, fmt.Errorf("must be one PEM block")
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("does not parse as a PKCS #8 private key")
		}
		var ok bool
		if key, ok = k.(*rsa.PrivateKey); !ok {
			return nil, fmt.Errorf("is not an RSA key")
		}
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("does not parse as a PKCS #1 private key")
		}
		key = k
	default:
		return nil, fmt.Errorf("is a PEM %.30q, not a PRIVATE KEY", block.Type)
	}
	if key.N.BitLen() < minKeyBits {
		return nil, fmt.Errorf("is an RSA key of %d bits, fewer than %d", key.N.BitLen(), minKeyBits)
	}
	return key, nil
}

// parsePublicKey reads WeChat Pay's RSA public key, a PEM PUBLIC KEY.
func parsePublicKey(text string) (*rsa.PublicKey, error) {
	block, rest := pem.Decode([]byte(text))
	if block == nil || len(bytes.TrimSpace(rest)) > 0 {
		return nil, fmt.Errorf("must be one PEM block")
	}
	if block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("is a PEM %.30q, not a PUBLIC KEY", block.Type)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("does not parse as a public key")
	}
	key, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("is not an RSA key")
	}
	if key.N.BitLen() < minKeyBits {
		return nil, fmt.Errorf("is an RSA key of %d bits, fewer than %d", key.N.BitLen(), minKeyBits)
	}
	return key, nil
}

// encodePrivateKey writes a private key as the SDK reads it: PEM, PKCS #8.
func encodePrivateKey(key *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic("wechatpay: an RSA key that parsed does not marshal: " + err.Error())
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// encodePublicKey writes a public key as PEM PUBLIC KEY.
func encodePublicKey(key *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		panic("wechatpay: an RSA key that parsed does not marshal: " + err.Error())
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// masked is what may be shown of an account's settings.
func (a *account) masked() map[string]string {
	return map[string]string{
		"mode":                    string(a.Mode),
		"mchid":                   a.MchID,
		"appid":                   a.AppID,
		"merchant_serial_no":      a.MerchantSerialNo,
		"private_key":             payment.DescribeKey("private", &a.privateKey.PublicKey),
		"apiv3_key":               genuine.MaskSecret(a.APIv3Key),
		"wechatpay_public_key_id": a.PublicKeyID,
		"wechatpay_public_key":    payment.DescribeKey("public", a.publicKey),
	}
}

// canonical returns the settings as Connect reads them.
func (a *account) canonical() []byte {
	data, err := json.Marshal(a.settings)
	if err != nil {
		panic("wechatpay: settings of strings do not marshal: " + err.Error())
	}
	return data
}

func isAlnum(s string) bool {
	for _, c := range []byte(s) {
		if !alnum(c) {
			return false
		}
	}
	return true
}

func alnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isHex(s string) bool {
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isKeyID(s string) bool {
	for _, c := range []byte(s) {
		if c != '_' && !alnum(c) {
			return false
		}
	}
	return true
}

func isPrintable(s string) bool {
	for _, c := range []byte(s) {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}
