package payment_test

import (
	"strings"
	"testing"

	"genuine"
	"genuine/payment"
)

// Settings are read strictly: members exactly as spelled, each once, all
// strings, nothing after; no error quotes a value.
func TestDecodeSettings(t *testing.T) {
	members := []string{"mode", "secret_key"}
	m, err := payment.DecodeSettings("Stripe", []byte(` {"mode": "test", "secret_key": "sk_test_x"} `), members)
	if err != nil || len(m) != 2 || m["secret_key"] != "sk_test_x" {
		t.Fatalf("DecodeSettings = %v, %v", m, err)
	}
	for body, member := range map[string]string{
		`{"mode":"test","Secret_Key":"sk_test_SECRET"}`:                          "Secret_Key",
		`{"mode":"test","secret_key":"sk_test_1","secret_key":"sk_test_SECRET"}`: "secret_key",
		`{"mode":"test","secret_key":7}`:                                         "secret_key",
		`{"mode":"test","other":"SECRET"}`:                                       "other",
		`{"mode":"test"} {"mode":"SECRET"}`:                                      "follows",
		`["SECRET"]`:                                                             "not a JSON object",
		``:                                                                       "not a JSON object",
	} {
		_, err := payment.DecodeSettings("Stripe", []byte(body), members)
		msg := genuine.ErrorMessage(err)
		if genuine.ErrorCode(err) != genuine.EInvalid || !strings.Contains(msg, member) || strings.Contains(msg, "SECRET") {
			t.Errorf("DecodeSettings(%s) = %v; want invalid, naming %s, quoting no value", body, err, member)
		}
	}
}
