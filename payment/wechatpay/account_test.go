package wechatpay_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"sync"
	"testing"

	"genuine"
	"genuine/payment/wechatpay"
)

// withField returns settings with one member set to value (or removed,
// for nil).
func withField(t testing.TB, settings []byte, name string, value any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(settings, &m); err != nil {
		t.Fatal(err)
	}
	if value == nil {
		delete(m, name)
	} else {
		m[name] = value
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// twice returns settings with a member given twice: first, then last.
func twice(t testing.TB, settings []byte, name, first, last string) []byte {
	t.Helper()
	rest := withField(t, settings, name, nil)
	return append([]byte(`{"`+name+`":"`+first+`","`+name+`":"`+last+`",`), rest[1:]...)
}

// field returns one member of settings.
func field(t testing.TB, settings []byte, name string) string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(settings, &m); err != nil {
		t.Fatal(err)
	}
	return m[name]
}

var spare struct {
	once sync.Once
	key  *rsa.PrivateKey
}

// newKey returns an RSA 2048 key that is no account's.
func newKey(t testing.TB) *rsa.PrivateKey {
	spare.once.Do(func() { spare.key, _ = rsa.GenerateKey(rand.Reader, 2048) })
	return spare.key
}

func newKeyPEM(t testing.TB) string {
	der, err := x509.MarshalPKCS8PrivateKey(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// TestParseAccount: the fake's settings parse: test mode, the mchid as the
// account, canonical settings that parse again alike, and Masked with
// every field but no secret.
func TestParseAccount(t *testing.T) {
	f, a, _ := sharedFake(t)
	conn := f.Connector()
	as, err := conn.ParseAccount(a)
	if err != nil {
		t.Fatal(err)
	}
	if as.Mode != genuine.ModeTest || as.Account != field(t, a, "mchid") || conn.Name() != "wechatpay" {
		t.Fatalf("ParseAccount = mode %q account %q", as.Mode, as.Account)
	}
	again, err := conn.ParseAccount(as.Settings)
	if err != nil || string(again.Settings) != string(as.Settings) {
		t.Fatalf("canonical settings do not parse alike: %v", err)
	}
	if len(as.Masked) != 8 {
		t.Fatalf("Masked has %d fields: %v", len(as.Masked), as.Masked)
	}
	masked, _ := json.Marshal(as.Masked)
	apiv3 := field(t, a, "apiv3_key")
	if strings.Contains(string(masked), apiv3) || strings.Contains(string(masked), apiv3[:16]) {
		t.Fatalf("Masked shows the APIv3 key: %s", masked)
	}
	for _, key := range []string{"private_key", "wechatpay_public_key"} {
		for line := range strings.SplitSeq(field(t, a, key), "\n") {
			if len(line) > 20 && !strings.HasPrefix(line, "-----") && strings.Contains(string(masked), line) {
				t.Fatalf("Masked shows %s: %s", key, masked)
			}
		}
	}
	if !strings.HasPrefix(as.Masked["private_key"], "RSA 2048-bit private key, SHA-256 fingerprint ") ||
		!strings.HasPrefix(as.Masked["wechatpay_public_key"], "RSA 2048-bit public key, SHA-256 fingerprint ") ||
		as.Masked["apiv3_key"] != "…"+apiv3[28:] || as.Masked["mchid"] != as.Account {
		t.Fatalf("Masked = %v", as.Masked)
	}
}

// TestParseAccountPKCS1: a PKCS #1 private key is taken and written back
// as PKCS #8, as apiclient_key.pem holds it.
func TestParseAccountPKCS1(t *testing.T) {
	f, a, _ := sharedFake(t)
	block, _ := pem.Decode([]byte(field(t, a, "private_key")))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.(*rsa.PrivateKey))})
	as, err := f.Connector().ParseAccount(withField(t, a, "private_key", string(pkcs1)))
	if err != nil {
		t.Fatal(err)
	}
	if got := field(t, as.Settings, "private_key"); got != field(t, a, "private_key") {
		t.Fatalf("canonical private key = %s", got)
	}
}

// TestParseAccountInvalid: each field wrong is EInvalid naming it.
func TestParseAccountInvalid(t *testing.T) {
	f, a, b := sharedFake(t)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	smallDER, _ := x509.MarshalPKCS8PrivateKey(small)
	smallPub, _ := x509.MarshalPKIXPublicKey(&small.PublicKey)
	merchantPub, _ := x509.MarshalPKIXPublicKey(&newKeyFromPEM(t, field(t, a, "private_key")).PublicKey)
	cases := []struct {
		field string
		value any
	}{
		{"mode", nil},
		{"mode", "prod"},
		{"mode", "live"}, // the fake's key id in a live account: names wechatpay_public_key_id
		{"mchid", nil},
		{"mchid", "19x00"},
		{"appid", "xx1234567890abcdef"},
		{"appid", "wx123"},
		{"merchant_serial_no", "not-hex!"},
		{"private_key", nil},
		{"private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
		{"private_key", field(t, a, "wechatpay_public_key")},
		{"private_key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: smallDER}))},
		{"private_key", "junk"},
		{"apiv3_key", "0123456789abcdef0123456789abcde"},
		{"apiv3_key", "0123456789abcdef0123456789abcdef0"},
		{"apiv3_key", "0123456789abcdef 123456789abcdef"},
		{"wechatpay_public_key_id", "KEY_1"},
		{"wechatpay_public_key", "junk"},
		{"wechatpay_public_key", field(t, a, "private_key")},
		{"wechatpay_public_key", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: smallPub}))},
		{"wechatpay_public_key", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: merchantPub}))},
	}
	conn := f.Connector()
	for _, c := range cases {
		settings := withField(t, a, c.field, c.value)
		name := c.field
		if c.field == "mode" && c.value == "live" {
			name = "wechatpay_public_key_id"
		}
		_, err := conn.ParseAccount(settings)
		if genuine.ErrorCode(err) != genuine.EInvalid || !strings.Contains(err.Error(), name) {
			t.Errorf("%s = %.40v: %v, want EInvalid naming %s", c.field, c.value, err, name)
		}
	}
	for name, settings := range map[string][]byte{
		"unknown member": withField(t, a, "sandbox", true),
		"not an object":  []byte(`[]`),
		"trailing data":  append(append([]byte(nil), b...), []byte(` {}`)...),
		// encoding/json matches members without regard to case, and keeps
		// the last of a member given twice: neither may pass.
		"a member in another case": withField(t, withField(t, a, "apiv3_key", nil), "APIv3_Key", field(t, a, "apiv3_key")),
		"a member in capitals":     withField(t, withField(t, a, "mchid", nil), "MCHID", field(t, a, "mchid")),
		"a member twice":           twice(t, a, "mode", "live", "test"),
	} {
		if _, err := conn.ParseAccount(settings); genuine.ErrorCode(err) != genuine.EInvalid {
			t.Errorf("%s: %v, want EInvalid", name, err)
		}
	}
	// A live account with keys WeChat Pay issued is taken.
	live := withField(t, withField(t, a, "mode", "live"), "wechatpay_public_key_id", "PUB_KEY_ID_0114232134912410000000000000")
	if as, err := conn.ParseAccount(live); err != nil || as.Mode != genuine.ModeLive {
		t.Fatalf("live account: %v", err)
	}
}

func newKeyFromPEM(t testing.TB, text string) *rsa.PrivateKey {
	block, _ := pem.Decode([]byte(text))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

// TestConnectChecksAccount: Connect refuses settings of another mchid than
// the account names.
func TestConnectChecksAccount(t *testing.T) {
	f, a, _ := sharedFake(t)
	_, err := f.Connector().Connect(&genuine.ProviderAccount{Account: "1900000000", Settings: a}, "https://example.com/n")
	if err == nil {
		t.Fatal("Connect took settings of another mchid")
	}
	_, err = wechatpay.New(wechatpay.Config{}).Connect(&genuine.ProviderAccount{Settings: []byte(`{}`)}, "https://example.com/n")
	if err == nil {
		t.Fatal("Connect took empty settings")
	}
}
