package alipay_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"maps"
	"strings"
	"testing"

	"genuine"
	"genuine/payment/alipay"
)

// fields decodes settings into their members.
func fields(t *testing.T, settings []byte) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(settings, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func encode(m map[string]string) []byte {
	data, _ := json.Marshal(m)
	return data
}

func TestParseAccount(t *testing.T) {
	f := newFake(t)
	settings, err := f.Account("")
	if err != nil {
		t.Fatal(err)
	}
	given := fields(t, settings)
	c := alipay.New(alipay.Config{})
	as, err := c.ParseAccount(settings)
	if err != nil {
		t.Fatal(err)
	}
	if as.Mode != genuine.ModeTest || as.Account != given["app_id"] {
		t.Errorf("ParseAccount = mode %s, account %s; want test, %s", as.Mode, as.Account, given["app_id"])
	}
	if m := as.Masked; m["mode"] != "test" || m["app_id"] != given["app_id"] || m["seller_id"] != given["seller_id"] ||
		!strings.HasPrefix(m["private_key"], "RSA 2048-bit private key, SHA-256 fingerprint ") ||
		!strings.HasPrefix(m["alipay_public_key"], "RSA 2048-bit public key, SHA-256 fingerprint ") ||
		fingerprint(m["private_key"]) == fingerprint(m["alipay_public_key"]) {
		t.Errorf("Masked = %v", m)
	}
	// The canonical settings parse to the same account, and so do the keys
	// in the other forms Alipay's tools write: PKCS #8 in base64, Alipay's
	// key in PEM.
	again, err := c.ParseAccount(as.Settings)
	if err != nil || again.Account != as.Account || !maps.Equal(again.Masked, as.Masked) || string(again.Settings) != string(as.Settings) {
		t.Errorf("ParseAccount(canonical) = %+v, %v; want %+v", again, err, as)
	}
	key := privateKey(t, given["private_key"])
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	other := maps.Clone(given)
	other["private_key"] = base64.StdEncoding.EncodeToString(der)
	pub, _ := base64.StdEncoding.DecodeString(given["alipay_public_key"])
	other["alipay_public_key"] = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	delete(other, "seller_id")
	if as2, err := c.ParseAccount(encode(other)); err != nil || as2.Masked["private_key"] != as.Masked["private_key"] {
		t.Errorf("ParseAccount(PKCS #8, PEM) = %+v, %v", as2, err)
	}
}

// fingerprint returns the fingerprint in a key's description.
func fingerprint(desc string) string {
	_, fp, _ := strings.Cut(desc, "fingerprint ")
	return fp
}

// privateKey parses a PEM PKCS #1 key.
func privateKey(t *testing.T, s string) *rsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		t.Fatalf("not PEM: %.40s", s)
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// TestParseAccountInvalid changes each member of good settings in turn and
// checks that the error is EInvalid and names the member.
func TestParseAccountInvalid(t *testing.T) {
	f := newFake(t)
	settings, err := f.Account("")
	if err != nil {
		t.Fatal(err)
	}
	good := fields(t, settings)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecPubDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	smallPubDER, _ := x509.MarshalPKIXPublicKey(&small.PublicKey)
	appKey := privateKey(t, good["private_key"])
	ownPubDER, _ := x509.MarshalPKIXPublicKey(&appKey.PublicKey)
	b64 := base64.StdEncoding.EncodeToString
	for _, c := range []struct {
		field, value string // value "-" deletes the member
	}{
		{"mode", "-"},
		{"mode", "production"},
		{"mode", "live"}, // with a sandbox app id
		{"app_id", "-"},
		{"app_id", "90210000000000x1"},
		{"app_id", "902100000000001"},
		{"private_key", "-"},
		{"private_key", "not a key"},
		{"private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
		{"private_key", b64(x509.MarshalPKCS1PrivateKey(small))},
		{"private_key", b64(ecDER)},
		{"private_key", good["private_key"] + good["private_key"]},
		{"alipay_public_key", "-"},
		{"alipay_public_key", "bm90IGEga2V5"},
		{"alipay_public_key", b64(ecPubDER)},
		{"alipay_public_key", b64(smallPubDER)},
		{"alipay_public_key", b64(ownPubDER)}, // the app's own public key
		{"seller_id", "1234"},
		{"seller_id", "3088000000000001"},
	} {
		m := maps.Clone(good)
		if c.value == "-" {
			delete(m, c.field)
		} else {
			m[c.field] = c.value
		}
		_, err := alipay.New(alipay.Config{}).ParseAccount(encode(m))
		if code(err) != genuine.EInvalid || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s %.40q: ParseAccount = %v; want %s naming %s", c.field, c.value, err, genuine.EInvalid, c.field)
		}
	}
	// A live app's id in test mode.
	m := maps.Clone(good)
	m["app_id"] = "2021000000000001"
	if _, err := alipay.New(alipay.Config{}).ParseAccount(encode(m)); code(err) != genuine.EInvalid || !strings.Contains(err.Error(), "mode") {
		t.Errorf("test mode with a live app id: ParseAccount = %v; want %s naming mode", err, genuine.EInvalid)
	}
	m["mode"] = "live"
	if as, err := alipay.New(alipay.Config{}).ParseAccount(encode(m)); err != nil || as.Mode != genuine.ModeLive {
		t.Errorf("live mode with a live app id: ParseAccount = %+v, %v", as, err)
	}
	for name, data := range map[string]string{
		"unknown member":   strings.Replace(string(settings), `"mode"`, `"sandbox":true,"mode"`, 1),
		"member twice":     strings.Replace(string(settings), `"mode"`, `"mode":"test","mode"`, 1),
		"not a string":     strings.Replace(string(settings), `"mode":"test"`, `"mode":1`, 1),
		"not an object":    `["test"]`,
		"data after":       string(settings) + `{}`,
		"not JSON":         `{"mode":`,
		"empty":            ``,
		"truncated object": string(settings[:len(settings)-1]),
	} {
		if _, err := alipay.New(alipay.Config{}).ParseAccount([]byte(data)); code(err) != genuine.EInvalid {
			t.Errorf("%s: ParseAccount = %v; want %s", name, err, genuine.EInvalid)
		}
	}
}

// TestMaskedHoldsNoSecret checks that nothing of the app's private key is
// in what may be shown of its settings.
func TestMaskedHoldsNoSecret(t *testing.T) {
	f := newFake(t)
	settings, err := f.Account("")
	if err != nil {
		t.Fatal(err)
	}
	as, err := alipay.New(alipay.Config{}).ParseAccount(settings)
	if err != nil {
		t.Fatal(err)
	}
	shown, _ := json.Marshal(as.Masked)
	key := privateKey(t, fields(t, settings)["private_key"])
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	for _, secret := range []string{
		base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PrivateKey(key)),
		base64.StdEncoding.EncodeToString(pkcs8),
		key.D.String(), key.D.Text(16), key.Primes[0].Text(16),
	} {
		for i := 0; i+16 <= len(secret); i += 8 {
			if strings.Contains(string(shown), secret[i:i+16]) {
				t.Fatalf("Masked %s holds part of the private key: %s", shown, secret[i:i+16])
			}
		}
	}
	if strings.Contains(string(shown), "PRIVATE KEY-") {
		t.Errorf("Masked %s holds a PEM key", shown)
	}
}
