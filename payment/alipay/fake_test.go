package alipay_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"genuine"
)

// mixed returns the settings of app a with one member taken from app b's.
func mixed(t *testing.T, a, b []byte, member string) []byte {
	t.Helper()
	m := fields(t, a)
	m[member] = fields(t, b)[member]
	return encode(m)
}

// TestFakeRefusesWrongKey checks that the fake refuses a request signed
// with a key that is not the app's, as Alipay does, and starts no trade.
func TestFakeRefusesWrongKey(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	a, b := newMerchant(t, f), newMerchant(t, f)
	wrong := connect(t, f.Connector(), mixed(t, a.settings, b.settings, "private_key"), a.recv.srv.URL)
	r := request(100)
	_, err := wrong.Create(ctx, r)
	if err == nil || code(err) != genuine.EInternal || !strings.Contains(err.Error(), "isv.invalid-signature") {
		t.Errorf("Create signed with another app's key = %v (%s); want a plain error naming isv.invalid-signature", err, code(err))
	}
	if _, err := f.State(r.CheckoutID); code(err) != genuine.ENotFound {
		t.Errorf("fake State after a refused precreate = %v; want %s", err, genuine.ENotFound)
	}
	// The app's own key is accepted.
	if _, err := a.prov.Create(ctx, r); err != nil {
		t.Errorf("Create signed with the app's key = %v", err)
	}
}

// TestFakeSignsPerApp checks that the fake signs each app's answers with
// its own Alipay key: an app that takes another app's Alipay key for its
// own refuses every answer.
func TestFakeSignsPerApp(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	a, b := newMerchant(t, f), newMerchant(t, f)
	wrong := connect(t, f.Connector(), mixed(t, a.settings, b.settings, "alipay_public_key"), a.recv.srv.URL)
	_, err := wrong.Create(ctx, request(100))
	if err == nil || code(err) != genuine.EInternal || !strings.Contains(err.Error(), "verification") {
		t.Errorf("Create with another app's Alipay key = %v (%s); want the SDK refusing the answer's signature", err, code(err))
	}
}

// TestFakeRefusesUnknownApp checks the answer to an app the fake does not
// know: isv.invalid-app-id.
func TestFakeRefusesUnknownApp(t *testing.T) {
	f := newFake(t)
	a := newMerchant(t, f)
	m := fields(t, a.settings)
	m["app_id"] = "9021000999999999"
	p := connect(t, f.Connector(), encode(m), "")
	if _, err := p.Query(context.Background(), "chk_1"); err == nil || !strings.Contains(err.Error(), "isv.invalid-app-id") {
		t.Errorf("Query of an unknown app = %v; want isv.invalid-app-id", err)
	}
}

// TestFakeRefusesUnsigned checks the gateway's answer to a call without
// a signature: Alipay's error, in the method's response, unsigned.
func TestFakeRefusesUnsigned(t *testing.T) {
	f := newFake(t)
	a := newMerchant(t, f)
	resp, err := http.PostForm(f.URL()+"/gateway.do", url.Values{
		"app_id": {a.appID}, "method": {"alipay.trade.query"}, "sign_type": {"RSA2"},
		"charset": {"utf-8"}, "format": {"JSON"}, "version": {"1.0"},
		"biz_content": {`{"out_trade_no":"chk_1"}`},
	})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"alipay_trade_query_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature"`
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), want) || strings.Contains(string(body), `"sign"`) {
		t.Errorf("unsigned call: %s %s; want 200 %s…", resp.Status, body, want)
	}
}

// TestFakeConcurrent runs payments of several apps at once, for the race
// detector, and checks each ends as its buyer and merchant made it.
func TestFakeConcurrent(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	apps := []*merchant{newMerchant(t, f), newMerchant(t, f)}
	var wg sync.WaitGroup
	refs := make([]string, 8)
	for i := range refs {
		wg.Go(func() {
			m := apps[i%2]
			pay, err := m.prov.Create(ctx, request(int64(100+i)))
			if err != nil {
				t.Error(err)
				return
			}
			refs[i] = pay.Reference
			if i%4 == 3 {
				err = m.prov.Cancel(ctx, pay.Reference)
			} else {
				err = f.Pay(ctx, pay.Reference)
			}
			if err != nil {
				t.Error(err)
			}
			if i%4 == 1 {
				err = m.prov.Refund(ctx, genuine.RefundRequest{Reference: pay.Reference, Amount: 50, Currency: "CNY", IdempotencyKey: "rfi"})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for i, ref := range refs {
		st, err := f.State(ref)
		want := genuine.PaymentPaid
		if i%4 == 3 {
			want = genuine.PaymentPending // canceled unscanned: nothing to close
		}
		if err != nil || st.Status != want || st.Amount != int64(100+i) || st.Account != apps[i%2].appID {
			t.Errorf("payment %d: State = %+v, %v; want %s of %d to %s", i, st, err, want, 100+i, apps[i%2].appID)
		}
	}
}
