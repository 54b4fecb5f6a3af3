package stripe_test

import (
	"encoding/json"
	"strings"
	"testing"

	"genuine"
	"genuine/payment/stripe"
)

const (
	testKey     = "sk_test_51AbCdEfGhIjKlMnOpQrStUvWx"
	testSecret  = "whsec_Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2"
	testAccount = "acct_1AbCdEfGhIjKlMnO"
)

// settingsJSON returns good test settings with the members in change
// replaced (a nil value removes the member).
func settingsJSON(change map[string]any) []byte {
	s := map[string]any{"mode": "test", "secret_key": testKey, "webhook_secret": testSecret, "account_id": testAccount}
	for k, v := range change {
		if v == nil {
			delete(s, k)
		} else {
			s[k] = v
		}
	}
	data, _ := json.Marshal(s)
	return data
}

func TestParseAccount(t *testing.T) {
	conn := stripe.New(stripe.Config{})
	as, err := conn.ParseAccount(settingsJSON(nil))
	if err != nil {
		t.Fatal(err)
	}
	if as.Mode != genuine.ModeTest || as.Account != testAccount {
		t.Errorf("Mode %q, Account %q", as.Mode, as.Account)
	}
	masked, _ := json.Marshal(as.Masked)
	for _, secret := range []string{testKey, testSecret, testKey[8:], testSecret[6:]} {
		if strings.Contains(string(masked), secret) {
			t.Errorf("Masked %s shows the secret %q", masked, secret)
		}
	}
	if as.Masked["secret_key"] != "sk_test_…UvWx" || as.Masked["webhook_secret"] != "whsec_…3Lk2" ||
		as.Masked["account_id"] != testAccount || as.Masked["mode"] != "test" {
		t.Errorf("Masked = %v", as.Masked)
	}
	// The canonical settings parse again to the same.
	again, err := conn.ParseAccount(as.Settings)
	if err != nil || string(again.Settings) != string(as.Settings) {
		t.Errorf("ParseAccount(Settings) = %s, %v; want %s", again.Settings, err, as.Settings)
	}
	live, err := conn.ParseAccount(settingsJSON(map[string]any{"mode": "live", "secret_key": "rk_live_51AbCdEfGhIjKlMnOp"}))
	if err != nil || live.Mode != genuine.ModeLive {
		t.Errorf("a live restricted key: %+v, %v", live, err)
	}
}

func TestParseAccountRefused(t *testing.T) {
	conn := stripe.New(stripe.Config{})
	for _, tc := range []struct {
		name     string
		settings []byte
		field    string // the field the error must name
	}{
		{"not JSON", []byte(`{"mode":`), "settings"},
		{"an array", []byte(`[]`), "settings"},
		{"unknown member", settingsJSON(map[string]any{"publishable_key": "pk_test_abcdefghij"}), "publishable_key"},
		{"mode missing", settingsJSON(map[string]any{"mode": nil}), "mode"},
		{"mode unknown", settingsJSON(map[string]any{"mode": "sandbox"}), "mode"},
		{"mode not a string", settingsJSON(map[string]any{"mode": 1}), "mode"},
		{"secret_key missing", settingsJSON(map[string]any{"secret_key": nil}), "secret_key"},
		{"secret_key publishable", settingsJSON(map[string]any{"secret_key": "pk_test_51AbCdEfGhIjKl"}), "secret_key"},
		{"secret_key short", settingsJSON(map[string]any{"secret_key": "sk_test_abc"}), "secret_key"},
		{"secret_key with spaces", settingsJSON(map[string]any{"secret_key": "sk_test_abc def ghij"}), "secret_key"},
		{"live key in test mode", settingsJSON(map[string]any{"secret_key": "sk_live_51AbCdEfGhIjKl"}), "secret_key"},
		{"test key in live mode", settingsJSON(map[string]any{"mode": "live"}), "secret_key"},
		{"webhook_secret missing", settingsJSON(map[string]any{"webhook_secret": nil}), "webhook_secret"},
		{"webhook_secret wrong", settingsJSON(map[string]any{"webhook_secret": "sk_test_51AbCdEfGhIjKl"}), "webhook_secret"},
		{"account_id missing", settingsJSON(map[string]any{"account_id": nil}), "account_id"},
		{"account_id wrong", settingsJSON(map[string]any{"account_id": "acc_123456789"}), "account_id"},
		// encoding/json matches members without regard to case, and keeps
		// the last of a member given twice: neither may pass.
		{"a member in another case", settingsJSON(map[string]any{"secret_key": nil, "Secret_Key": testKey}), "Secret_Key"},
		{"a member in capitals", settingsJSON(map[string]any{"mode": nil, "MODE": "test"}), "MODE"},
		{"a member twice", []byte(`{"mode":"test","secret_key":"` + testKey + `","webhook_secret":"` + testSecret +
			`","account_id":"` + testAccount + `","account_id":"acct_2ZyXwVuTsRqPoNmL"}`), "account_id"},
		{"data after the object", append(settingsJSON(nil), ` {}`...), "settings"},
	} {
		_, err := conn.ParseAccount(tc.settings)
		if genuine.ErrorCode(err) != genuine.EInvalid || !strings.Contains(genuine.ErrorMessage(err), tc.field) {
			t.Errorf("%s: error %v, want EInvalid naming %s", tc.name, err, tc.field)
		}
		if err != nil && (strings.Contains(err.Error(), testKey) || strings.Contains(err.Error(), testSecret)) {
			t.Errorf("%s: the error shows a secret: %v", tc.name, err)
		}
	}
}

func TestConnectOtherAccount(t *testing.T) {
	conn := stripe.New(stripe.Config{})
	as, err := conn.ParseAccount(settingsJSON(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Connect(&genuine.ProviderAccount{Account: "acct_somebodyelse1", Settings: as.Settings}, "")
	if genuine.ErrorCode(err) != genuine.EInvalid {
		t.Errorf("Connect with another account's settings: %v, want EInvalid", err)
	}
}
