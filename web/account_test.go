package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"genuine"
)

// testConnector is a provider paid to merchants' own accounts, for the
// HTTP side of accounts: settings {"mode", "key"}, a key starting "key_".
// Its Providers verify a notification whose body is "paid:<merchant>" and
// tell of nothing to apply; it answers notifications in its own words.
type testConnector struct{}

func (testConnector) Name() string { return "testpay" }

func (testConnector) ParseAccount(settings []byte) (*genuine.AccountSettings, error) {
	var s struct {
		Mode genuine.AccountMode `json:"mode"`
		Key  string              `json:"key"`
	}
	dec := json.NewDecoder(bytes.NewReader(settings))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil || (s.Mode != genuine.ModeTest && s.Mode != genuine.ModeLive) {
		return nil, genuine.Errorf(genuine.EInvalid, "mode must be test or live")
	}
	if !strings.HasPrefix(s.Key, "key_") {
		return nil, genuine.Errorf(genuine.EInvalid, "key: does not parse")
	}
	return &genuine.AccountSettings{Mode: s.Mode, Account: "acct_1", Masked: map[string]string{"key": genuine.MaskSecret(s.Key)}, Settings: settings}, nil
}

func (testConnector) Connect(acct *genuine.ProviderAccount, _ string) (genuine.Provider, error) {
	return testAccountProvider{merchant: acct.MerchantID}, nil
}

func (testConnector) ReplyNotification(err error) (string, []byte) {
	if err != nil {
		return "text/plain", []byte("fail")
	}
	return "text/plain", []byte("success")
}

type testAccountProvider struct{ merchant string }

func (testAccountProvider) Name() string { return "testpay" }
func (testAccountProvider) Create(context.Context, genuine.PaymentRequest) (*genuine.Payment, error) {
	return nil, genuine.Errorf(genuine.EUnavailable, "down")
}
func (testAccountProvider) Query(context.Context, string) (genuine.PaymentState, error) {
	return genuine.PaymentState{}, genuine.Errorf(genuine.EUnavailable, "down")
}
func (testAccountProvider) Cancel(context.Context, string) error { return nil }
func (testAccountProvider) Refund(context.Context, genuine.RefundRequest) error {
	return genuine.Errorf(genuine.EUnavailable, "down")
}
func (p testAccountProvider) ParseNotification(_ *http.Request, body []byte) (*genuine.Notification, error) {
	if string(body) != "paid:"+p.merchant {
		return nil, genuine.Errorf(genuine.EUnauthorized, "signature does not verify")
	}
	return nil, nil // verified, and nothing to apply
}

// A merchant sets its account over HTTP and sees it masked; a key that
// does not parse is a 400 naming it. Notifications to the merchant's
// address are verified by its account and answered in the provider's own
// words, with genuine's status.
func TestProviderAccountHTTP(t *testing.T) {
	ts := newTestServer(t, Config{})
	a := ts.newWorld("Acme", "09520123456788", 1)
	path := "/v1/merchants/" + a.merchant.ID + "/providers/testpay"
	var acct genuine.ProviderAccount
	ts.call("PUT", path, a.merchantKey, map[string]any{"mode": "test", "key": "key_abcdefgh12345678"}, 200, &acct)
	if acct.Masked["key"] != "key_…5678" || acct.Account != "acct_1" {
		t.Errorf("PUT answered %+v", acct)
	}
	resp := ts.call("PUT", path, a.merchantKey, map[string]any{"mode": "test", "key": "nope"}, 400, nil)
	if !strings.Contains(string(resp.body), "key") {
		t.Errorf("a key that does not parse: %s", resp.body)
	}
	ts.call("PUT", path, a.merchantKey, map[string]any{"mode": "test", "key": "key_1", "key ": "x"}, 400, nil)
	var list struct {
		Accounts []map[string]any `json:"accounts"`
	}
	resp = ts.call("GET", "/v1/merchants/"+a.merchant.ID+"/providers", a.merchantKey, nil, 200, &list)
	if len(list.Accounts) != 1 || bytes.Contains(resp.body, []byte("abcdefgh")) {
		t.Errorf("GET providers: %s", resp.body)
	}

	notify := func(merchant, body string) (int, string) {
		req, _ := http.NewRequest("POST", ts.url+"/v1/payments/testpay/notify/"+merchant, strings.NewReader(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		return res.StatusCode, b.String()
	}
	if status, body := notify(a.merchant.ID, "paid:"+a.merchant.ID); status != 200 || body != "success" {
		t.Errorf("a verified notification: %d %q", status, body)
	}
	if status, body := notify(a.merchant.ID, "paid:someone"); status != 401 || body != "fail" {
		t.Errorf("a notification that does not verify: %d %q", status, body)
	}
	if status, body := notify("mer_nobody", "paid:mer_nobody"); status != 404 || body != "fail" {
		t.Errorf("a notification to a merchant without an account: %d %q", status, body)
	}
	ts.call("DELETE", path, a.merchantKey, nil, 204, nil)
	ts.call("DELETE", path, a.merchantKey, nil, 404, nil)
}
