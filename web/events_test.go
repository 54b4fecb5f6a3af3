package web

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"genuine"
)

// A till reads a checkout's events: its status at once, then paid when
// the buyer pays, and the stream ends. Another merchant's checkout is not
// found, and a stream needs a key.
func TestCheckoutEvents(t *testing.T) {
	ts := newTestServer(t, Config{})
	a := ts.newWorld("Acme", "09520123456788", 2)
	b := ts.newWorld("Bolt", "09520123456795", 1)
	ts.call("POST", "/v1/batches/"+a.batch.ID+"/events", a.brandKey, map[string]any{"type": "release"}, 201, nil)
	codes := ts.codes(a.brandKey, a.batch.ID)
	c := checkoutOf(t, ts.checkout(a.merchantKey, "events", cartOf(1000, codes[0].Code)), 201)

	req, _ := http.NewRequest("GET", ts.url+"/v1/checkouts/"+c.ID+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+a.merchantKey)
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := make(chan checkoutEvent, 4)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev checkoutEvent
				json.Unmarshal([]byte(data), &ev)
				events <- ev
			}
		}
	}()
	next := func(want genuine.CheckoutStatus) {
		t.Helper()
		select {
		case ev, ok := <-events:
			if !ok || ev.ID != c.ID || ev.Status != want {
				t.Fatalf("event %+v (open %v), want %s", ev, ok, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no event %s within 10 s", want)
		}
	}
	next(genuine.CheckoutAwaitingPayment)
	ts.pay(c)
	next(genuine.CheckoutPaid)
	select {
	case ev, ok := <-events:
		if ok {
			t.Errorf("an event after paid: %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Error("the stream did not end once the checkout was paid")
	}

	ts.call("GET", "/v1/checkouts/"+c.ID+"/events", b.merchantKey, nil, 404, nil)
	ts.call("GET", "/v1/checkouts/"+c.ID+"/events", "", nil, 401, nil)
}

// A stream read with a browser's session ends soon after the session is
// signed out, as one read with a key ends once the key is revoked: it is
// theirs to read no longer.
func TestCheckoutEventsEndWithTheCaller(t *testing.T) {
	ts := newTestServer(t, Config{})
	a := ts.newWorld("Acme", "09520123456788", 2)
	ts.call("POST", "/v1/batches/"+a.batch.ID+"/events", a.brandKey, map[string]any{"type": "release"}, 201, nil)
	codes := ts.codes(a.brandKey, a.batch.ID)
	cookie := sessionCookie + "=" + cookieOf(t, ts.login(a.merchantKey, "", nil), sessionCookie).Value
	var revocable struct{ ID, Key string }
	ts.call("POST", "/v1/keys", ts.admin, map[string]any{"role": "merchant", "merchant_id": a.merchant.ID}, 201, &revocable)
	for i, tt := range []struct {
		name   string
		header map[string]string
		end    func()
	}{
		{"signed out", map[string]string{"Cookie": cookie}, func() {
			if resp := ts.browser().do(request{method: "POST", path: "/logout", header: map[string]string{"Cookie": cookie}}); resp.status != 303 {
				t.Fatalf("POST /logout: %d", resp.status)
			}
		}},
		{"key revoked", map[string]string{"Authorization": "Bearer " + revocable.Key}, func() {
			ts.call("DELETE", "/v1/keys/"+revocable.ID, ts.admin, nil, 200, nil)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := checkoutOf(t, ts.checkout(a.merchantKey, "ends-"+strconv.Itoa(i), cartOf(1000, codes[i].Code)), 201)
			req, _ := http.NewRequest("GET", ts.url+"/v1/checkouts/"+c.ID+"/events", nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := ts.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("events: %d", resp.StatusCode)
			}
			ended := make(chan struct{})
			go func() {
				defer close(ended)
				io.Copy(io.Discard, resp.Body)
			}()
			tt.end()
			select {
			case <-ended:
			case <-time.After(30 * time.Second):
				t.Fatal("the stream went on 30 s after its caller stopped being one")
			}
		})
	}
}
