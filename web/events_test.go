package web

import (
	"bufio"
	"encoding/json"
	"net/http"
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
