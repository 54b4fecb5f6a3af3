package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"genuine"
	"genuine/payment/simulated"
)

// crashWorld is a store with a brand, a released batch and a merchant, and
// the keys to use them, made through a first server that then stops.
type crashWorld struct {
	db, merchantKey string
	codes           []string
}

func newCrashWorld(t *testing.T) *crashWorld {
	t.Helper()
	dir := t.TempDir()
	w := &crashWorld{db: filepath.Join(dir, "genuine.db")}
	stdout, _, _ := run(t, "", "init", "--db", w.db, "--json")
	var init struct {
		AdminKey string `json:"admin_key"`
	}
	json.Unmarshal([]byte(stdout), &init)
	s := startServer(t, w.db)
	var brand, merchant, key struct{ ID, Key string }
	api(t, s, init.AdminKey, "POST", "/v1/brands", map[string]any{"name": "Acme"}, &brand)
	api(t, s, init.AdminKey, "POST", "/v1/merchants", map[string]any{"name": "Shop", "region": "CN-GD-SZ"}, &merchant)
	api(t, s, init.AdminKey, "POST", "/v1/keys", map[string]any{"role": "brand", "brand_id": brand.ID}, &key)
	var mkey struct{ Key string }
	api(t, s, init.AdminKey, "POST", "/v1/keys", map[string]any{"role": "merchant", "merchant_id": merchant.ID}, &mkey)
	w.merchantKey = mkey.Key
	api(t, s, key.Key, "POST", "/v1/products", map[string]any{"gtin": "09520123456788", "name": "Tonic"}, nil)
	var batch struct{ ID string }
	api(t, s, key.Key, "POST", "/v1/batches", map[string]any{"gtin": "09520123456788", "lot": "L1", "expiry": "2027-12-31", "quantity": 5, "regions": []string{"CN-GD"}}, &batch)
	api(t, s, key.Key, "POST", "/v1/batches/"+batch.ID+"/events", map[string]any{"type": "release"}, nil)
	w.codes = batchCodes(t, s, key.Key, batch.ID, 5)
	stopServer(t, s)
	return w
}

func stopServer(t *testing.T, s *server) {
	t.Helper()
	s.cmd.Process.Signal(interruptSignal)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop")
	}
}

// startCrashServer starts serve with fast reconciling and, if failpoint is
// set, a process that dies at that point.
func startCrashServer(t *testing.T, db, failpoint string) *server {
	t.Helper()
	return startServerWith(t, db, []string{"GENUINE_FAILPOINT=" + failpoint},
		"--reservation-ttl", "1m", "--notify-grace", "500ms", "--reconcile-every", "100ms")
}

// checkout posts a one-unit cart and returns the status code and body.
func checkoutOnce(s *server, key, idem, code string) (int, map[string]any, error) {
	b, _ := json.Marshal(map[string]any{"items": []map[string]any{{"code": code, "price": 100}}, "currency": "CNY", "provider": "simulated"})
	req, _ := http.NewRequest("POST", s.url+"/v1/checkouts", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Idempotency-Key", idem)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, nil
}

// waitState polls the public verification of a code until its state.
func waitState(t *testing.T, s *server, code, want string) {
	t.Helper()
	var v struct{ State string }
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		api(t, s, "", "POST", "/v1/verify", map[string]string{"code": code}, &v)
		if v.State == want {
			return
		}
	}
	t.Fatalf("unit %s is %q, want %q", code, v.State, want)
}

func waitExit(t *testing.T, s *server, code int) {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not die at its failpoint")
	}
	if ee, ok := s.err.(*exec.ExitError); !ok || ee.ExitCode() != code {
		t.Fatalf("server exit: %v, want status %d", s.err, code)
	}
}

// The process dies after the commit that reserves the units and stores
// their payment (the simulated provider's is prepared, so both are one
// commit), before answering the till. After a restart the unit is still
// reserved; the till's retry with the same key gets that checkout and its
// payment, and the buyer can pay it. (A provider that cannot prepare is
// called after the commit; genuine's TestPaymentStartedAfterReserve covers
// a crash between the two.)
func TestCrashAfterReserve(t *testing.T) {
	w := newCrashWorld(t)
	s := startCrashServer(t, w.db, "after-reserve")
	if _, _, err := checkoutOnce(s, w.merchantKey, "till-1", w.codes[0]); err == nil {
		t.Fatal("the checkout was answered; the failpoint did not fire")
	}
	waitExit(t, s, 86)
	s = startCrashServer(t, w.db, "")
	waitState(t, s, w.codes[0], "reserved")
	status, body, err := checkoutOnce(s, w.merchantKey, "till-1", w.codes[0])
	if err != nil || status != 201 || body["status"] != "awaiting_payment" {
		t.Fatalf("retry with the same key: %d %v %v; want the checkout, awaiting payment", status, body, err)
	}
	// The restarted server listens on another port than the one the pay
	// page's address names.
	ref, _ := body["payment"].(map[string]any)["reference"].(string)
	payURL := s.url + "/pay/simulated/" + ref
	req, _ := http.NewRequest("POST", payURL+"/pay", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("pay %s: %s", payURL, resp.Status)
	}
	waitState(t, s, w.codes[0], "sold")
}

// The provider has taken the money and notifies; the process dies before
// the units are marked sold. After a restart the reconciler asks the
// provider and sells them.
func TestCrashBeforeSold(t *testing.T) {
	w := newCrashWorld(t)
	s := startCrashServer(t, w.db, "before-sold")
	status, body, err := checkoutOnce(s, w.merchantKey, "till-1", w.codes[1])
	if err != nil || status != 201 {
		t.Fatalf("checkout: %d %v %v", status, body, err)
	}
	id, _ := body["id"].(string)
	payURL, _ := body["payment"].(map[string]any)["pay_url"].(string)
	req, _ := http.NewRequest("POST", payURL+"/pay", nil)
	req.Header.Set("Accept", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	waitExit(t, s, 86)
	s = startCrashServer(t, w.db, "")
	waitState(t, s, w.codes[1], "sold")
	var chk struct{ Status string }
	api(t, s, w.merchantKey, "GET", "/v1/checkouts/"+id, nil, &chk)
	if chk.Status != "paid" {
		t.Errorf("checkout after restart: %s, want paid", chk.Status)
	}
}

// paidSale sells two units through s and waits until they are sold; it
// returns the checkout's id.
func paidSale(t *testing.T, s *server, key string, codes []string) string {
	t.Helper()
	items := []map[string]any{{"code": codes[0], "price": 100}, {"code": codes[1], "price": 100}}
	var chk struct {
		ID      string
		Payment struct {
			PayURL string `json:"pay_url"`
		}
	}
	b, _ := json.Marshal(map[string]any{"items": items, "currency": "CNY", "provider": "simulated"})
	req, _ := http.NewRequest("POST", s.url+"/v1/checkouts", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Idempotency-Key", "sale-"+codes[0])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&chk)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("checkout: %s", resp.Status)
	}
	pay, _ := http.NewRequest("POST", chk.Payment.PayURL+"/pay", nil)
	pay.Header.Set("Accept", "application/json")
	if resp, err = http.DefaultClient.Do(pay); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitState(t, s, codes[0], "sold")
	waitState(t, s, codes[1], "sold")
	return chk.ID
}

// refundEvents counts the refund events of a unit's journey.
func refundEvents(t *testing.T, s *server, code string) int {
	t.Helper()
	var v struct{ Events []struct{ Type string } }
	api(t, s, "", "POST", "/v1/verify", map[string]string{"code": code}, &v)
	n := 0
	for _, e := range v.Events {
		if e.Type == "refund" {
			n++
		}
	}
	return n
}

// providerPayment reads, from the stopped server's store, what the
// simulated provider says of the payment of a checkout.
func providerPayment(t *testing.T, db, checkoutID string) genuine.PaymentState {
	t.Helper()
	ctx := context.Background()
	opened, err := openSealedStore(ctx, db, masterKeySource{})
	if err != nil {
		t.Fatal(err)
	}
	store := opened.db
	defer store.Close()
	secret, err := genuine.ProviderSecret(ctx, store, opened.sealer, "simulated")
	if err != nil {
		t.Fatal(err)
	}
	sim := simulated.New(simulated.Config{BaseURL: "http://127.0.0.1", Secret: secret, Store: store})
	defer sim.Close()
	var c *genuine.Checkout
	if err := store.View(ctx, func(tx genuine.Tx) (err error) {
		c, err = tx.Checkout(ctx, checkoutID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	st, err := sim.Query(ctx, c.Payment.Reference)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// crashRefund sells two units and asks for a refund, of the first unit
// only if partial, through a server that dies at failpoint, and restarts
// it: the reconciler finishes the refund, so that the store and the
// provider agree on what was refunded, and each refunded unit is back in
// the channel once.
func crashRefund(t *testing.T, failpoint string, partial bool) {
	w := newCrashWorld(t)
	codes := w.codes[2:4]
	s := startCrashServer(t, w.db, failpoint)
	id := paidSale(t, s, w.merchantKey, codes)
	var body []byte
	if partial {
		body, _ = json.Marshal(map[string]any{"items": []string{codes[0]}})
	}
	req, _ := http.NewRequest("POST", s.url+"/v1/checkouts/"+id+"/refund", bytes.NewReader(body))
	if partial {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+w.merchantKey)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the refund was answered %s; the failpoint did not fire", resp.Status)
	}
	waitExit(t, s, 86)

	s = startCrashServer(t, w.db, "")
	waitState(t, s, codes[0], "in_channel")
	want := struct {
		status, payment string
		refunded        int64
		second          string
	}{"refunded", "refunded", 200, "in_channel"}
	if partial {
		want.status, want.payment, want.refunded, want.second = "partially_refunded", "paid", 100, "sold"
	}
	var chk struct {
		Status  string
		Payment struct{ Refunded int64 }
		Items   []struct{ Refunded bool }
	}
	api(t, s, w.merchantKey, "GET", "/v1/checkouts/"+id, nil, &chk)
	if chk.Status != want.status || chk.Payment.Refunded != want.refunded || len(chk.Items) != 2 || !chk.Items[0].Refunded || chk.Items[1].Refunded != !partial {
		t.Errorf("checkout after restart: %+v; want %s with %d refunded", chk, want.status, want.refunded)
	}
	var v struct{ State string }
	api(t, s, "", "POST", "/v1/verify", map[string]string{"code": codes[1]}, &v)
	if v.State != want.second {
		t.Errorf("the second unit: %s, want %s", v.State, want.second)
	}
	for i, code := range codes {
		n, wantN := refundEvents(t, s, code), 1
		if partial && i == 1 {
			wantN = 0
		}
		if n != wantN {
			t.Errorf("unit %d: %d refund events, want %d", i, n, wantN)
		}
	}
	stopServer(t, s)
	if st := providerPayment(t, w.db, id); st.Refunded != want.refunded || string(st.Status) != want.payment {
		t.Errorf("at the provider: %s with %d refunded; want %s with %d refunded", st.Status, st.Refunded, want.payment, want.refunded)
	}
}

// The process dies once the intent of a refund of one unit of two is
// stored, before the provider is asked.
func TestCrashBeforeRefund(t *testing.T) { crashRefund(t, "before-refund", true) }

// The process dies once the provider refunded the whole checkout, before
// the refund is recorded: the reconciler asks the provider again with the
// same idempotency key, which refunds nothing more, and records it.
func TestCrashAfterRefund(t *testing.T) { crashRefund(t, "after-refund", false) }
