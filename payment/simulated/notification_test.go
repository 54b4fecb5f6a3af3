package simulated

import (
	"bytes"
	"context"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"genuine"
)

// signed returns a notification request of body with a signature header.
func signed(body []byte, header string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, NotifyPath, bytes.NewReader(body))
	if header != "" {
		r.Header.Set(SignatureHeader, header)
	}
	return r
}

func TestNotificationDelivered(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	paid, declined := f.create(t).Reference, f.create(t).Reference
	if err := f.p.Pay(ctx, paid); err != nil {
		t.Fatal(err)
	}
	n := f.recv.wait(t)
	want := genuine.Notification{
		ID: n.ID, Reference: paid, Status: genuine.PaymentPaid, At: f.clock.Now(),
		Amount: 1999, Currency: "CNY", Account: "mer_1",
	}
	if *n != want || !strings.HasPrefix(n.ID, "ntf_") {
		t.Errorf("notification %+v, want %+v with an ntf_ id", *n, want)
	}
	if err := f.p.Decline(ctx, declined); err != nil {
		t.Fatal(err)
	}
	m := f.recv.wait(t)
	if m.Reference != declined || m.Status != genuine.PaymentFailed || m.ID == n.ID {
		t.Errorf("second notification %+v, want %s failed with a new id", *m, declined)
	}
}

func TestNotificationRetried(t *testing.T) {
	f := newFixture(t)
	f.recv.answers = []int{500, 503}
	ref := f.create(t).Reference
	if err := f.p.Pay(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	if n := f.recv.wait(t); n.Reference != ref {
		t.Errorf("notification of %s, want %s", n.Reference, ref)
	}
	f.p.Close()
	if calls, received := f.recv.counts(); calls != 3 || len(received) != 1 {
		t.Errorf("%d deliveries, %d accepted; want 3 and 1", calls, len(received))
	}
}

// TestNotificationGivesUp checks that a 4xx answer is not retried, and a
// receiver that keeps failing is tried maxAttempts times.
func TestNotificationGivesUp(t *testing.T) {
	for _, c := range []struct {
		answers []int
		calls   int
	}{
		{[]int{400, 500}, 1},
		{[]int{500, 502, 503, 504, 500, 500, 500}, maxAttempts},
	} {
		f := newFixture(t)
		f.recv.answers = c.answers
		// deliver returns when it gives up.
		f.p.deliver(genuine.Notification{ID: "ntf_1", Reference: "sim_X", Status: genuine.PaymentPaid, At: f.clock.Now()})
		if calls, received := f.recv.counts(); calls != c.calls || len(received) != 0 {
			t.Errorf("answers %v: %d deliveries, %d accepted; want %d and 0", c.answers, calls, len(received), c.calls)
		}
	}
}

// TestCloseEndsRetries checks that Close stops a notification's retries
// and waits for its goroutine.
func TestCloseEndsRetries(t *testing.T) {
	f := newFixture(t)
	f.p.retryDelay = time.Hour
	f.recv.answers = []int{500}
	if err := f.p.Pay(context.Background(), f.create(t).Reference); err != nil {
		t.Fatal(err)
	}
	f.p.Close() // would take an hour if it waited for the retry
	if calls, received := f.recv.counts(); calls != 1 || len(received) != 0 {
		t.Errorf("%d deliveries, %d accepted; want 1 and 0", calls, len(received))
	}
	// After Close, Pay still pays but notifies no one.
	ref := f.create(t).Reference
	if err := f.p.Pay(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	if s, _ := f.p.Query(context.Background(), ref); s.Status != genuine.PaymentPaid {
		t.Errorf("Pay after Close: status %q", s.Status)
	}
	if calls, _ := f.recv.counts(); calls != 1 {
		t.Errorf("Pay after Close: %d deliveries, want none more", calls-1)
	}
}

func TestSignRoundTrip(t *testing.T) {
	f := newFixture(t)
	n := genuine.Notification{
		ID: "ntf_1", Reference: "sim_X", Status: genuine.PaymentRefunded,
		At: f.clock.Now().Add(-4*time.Minute - 500*time.Millisecond).In(time.FixedZone("CST", 8*3600)),
	}
	body, header := f.p.Sign(n)
	got, err := f.p.ParseNotification(signed(body, header), body)
	if err != nil {
		t.Fatal(err)
	}
	want := n
	want.At = n.At.UTC().Truncate(time.Second)
	if *got != want {
		t.Errorf("ParseNotification = %+v, want %+v", *got, want)
	}
	if !strings.HasPrefix(header, "t="+strconv.FormatInt(n.At.Unix(), 10)+",v1=") {
		t.Errorf("header %q", header)
	}
}

func TestParseNotificationRefused(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	n := genuine.Notification{ID: "ntf_1", Reference: "sim_X", Status: genuine.PaymentPaid, At: now}
	body, header := f.p.Sign(n)
	sig := header[strings.Index(header, "v1="):]
	t0 := strconv.FormatInt(now.Unix(), 10)
	stranger := New(Config{BaseURL: "http://x", Secret: bytes.Repeat([]byte("k"), 32), Store: f.db})
	wrongBody, wrongHeader := stranger.Sign(n)
	at := func(d time.Duration) (body []byte, header string) {
		m := n
		m.At = now.Add(d)
		return f.p.Sign(m)
	}
	// raw signs any body with the provider's secret.
	raw := func(body string) ([]byte, string) {
		return []byte(body), "t=" + t0 + ",v1=" + hex.EncodeToString(f.p.mac(t0, []byte(body)))
	}
	type delivery struct {
		body   []byte
		header string
	}
	d := func(body []byte, header string) delivery { return delivery{body, header} }
	for name, c := range map[string]struct {
		delivery
		code string
	}{
		"valid":                {d(body, header), ""},
		"rotated keys":         {d(body, "t="+t0+",v1="+strings.Repeat("0", 64)+","+sig+",v0=x"), ""},
		"4 minutes old":        {d(at(-4 * time.Minute)), ""},
		"tampered body":        {d(bytes.Replace(body, []byte("paid"), []byte("failed"), 1), header), genuine.EUnauthorized},
		"extra byte":           {d(append(append([]byte(nil), body...), ' '), header), genuine.EUnauthorized},
		"wrong secret":         {d(wrongBody, wrongHeader), genuine.EUnauthorized},
		"stale":                {d(at(-5*time.Minute - time.Second)), genuine.EUnauthorized},
		"future":               {d(at(5*time.Minute + time.Second)), genuine.EUnauthorized},
		"moved timestamp":      {d(body, "t="+strconv.FormatInt(now.Unix()+1, 10)+","+sig), genuine.EUnauthorized},
		"missing header":       {d(body, ""), genuine.EUnauthorized},
		"no timestamp":         {d(body, sig), genuine.EUnauthorized},
		"no signature":         {d(body, "t="+t0), genuine.EUnauthorized},
		"two timestamps":       {d(body, "t="+t0+",t="+t0+","+sig), genuine.EUnauthorized},
		"signed timestamp":     {d(body, "t=+"+t0+","+sig), genuine.EUnauthorized},
		"short signature":      {d(body, header[:len(header)-2]), genuine.EUnauthorized},
		"not hex":              {d(body, "t="+t0+",v1="+strings.Repeat("g", 64)), genuine.EUnauthorized},
		"no equals sign":       {d(body, header+",v1"), genuine.EUnauthorized},
		"huge timestamp":       {d(body, "t=99999999999999999999,"+sig), genuine.EUnauthorized},
		"signed junk":          {d(raw("not json")), genuine.EInvalid},
		"signed without id":    {d(raw(`{"reference":"sim_X","status":"paid","at":"2026-03-01T12:00:00Z"}`)), genuine.EInvalid},
		"signed without ref":   {d(raw(`{"id":"n","status":"paid","at":"2026-03-01T12:00:00Z"}`)), genuine.EInvalid},
		"signed unknown state": {d(raw(`{"id":"n","reference":"sim_X","status":"won","at":"2026-03-01T12:00:00Z"}`)), genuine.EInvalid},
		"signed bad time":      {d(raw(`{"id":"n","reference":"sim_X","status":"paid","at":"yesterday"}`)), genuine.EInvalid},
		"signed two values":    {d(raw(`{"id":"n","reference":"sim_X","status":"paid","at":"2026-03-01T12:00:00Z"} {}`)), genuine.EInvalid},
	} {
		got, err := f.p.ParseNotification(signed(c.body, c.header), c.body)
		wantCode(t, name, err, c.code)
		if (got == nil) == (err == nil) {
			t.Errorf("%s: ParseNotification = %v, %v; want exactly one", name, got, err)
		}
	}
	_, err := f.p.ParseNotification(nil, body)
	wantCode(t, "nil request", err, genuine.EUnauthorized)
}

// FuzzParseNotification checks that ParseNotification never panics, only
// fails with EUnauthorized or EInvalid, and accepts a genuine signature
// for the exact body it signs and no other.
func FuzzParseNotification(f *testing.F) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p := New(Config{BaseURL: "http://x", Secret: secret, Store: nopStore{}, Now: func() time.Time { return now }})
	body, header := p.Sign(genuine.Notification{ID: "ntf_1", Reference: "sim_X", Status: genuine.PaymentPaid, At: now})
	f.Add(header, body, []byte(nil))
	f.Add(header, body, []byte("x"))
	f.Add("t=1,v1=00", []byte("{}"), []byte(nil))
	f.Add("", []byte(`{"id":"a","reference":"b","status":"failed","at":"2026-03-01T12:00:00+08:00"}`), []byte("}"))
	f.Fuzz(func(t *testing.T, header string, body, tamper []byte) {
		// Any header: the fuzzer cannot forge an HMAC, so an accepted
		// delivery must carry the true signature of body.
		n, err := p.ParseNotification(signed(body, header), body)
		if code := genuine.ErrorCode(err); err != nil && code != genuine.EUnauthorized && code != genuine.EInvalid {
			t.Fatalf("error %v with code %q", err, code)
		}
		if err == nil {
			t0, _, _ := parseSignature(header)
			if !strings.Contains(header, "v1="+hex.EncodeToString(p.mac(t0, body))) || n == nil {
				t.Fatalf("accepted %q for %q without its signature", header, body)
			}
		}
		// A true signature of body: accepted unless body is no
		// notification, and never for body with anything changed.
		t0 := strconv.FormatInt(now.Unix(), 10)
		genuineHeader := "t=" + t0 + ",v1=" + hex.EncodeToString(p.mac(t0, body))
		if _, err := p.ParseNotification(signed(body, genuineHeader), body); err != nil && genuine.ErrorCode(err) != genuine.EInvalid {
			t.Fatalf("true signature of %q refused: %v", body, err)
		}
		if len(tamper) == 0 {
			return
		}
		longer := append(append([]byte(nil), body...), tamper...)
		changes := [][]byte{longer}
		if len(body) > 0 {
			flipped := append([]byte(nil), body...)
			flipped[int(tamper[0])%len(body)] ^= tamper[0] | 1
			changes = append(changes, flipped)
		}
		for _, changed := range changes {
			if _, err := p.ParseNotification(signed(changed, genuineHeader), changed); genuine.ErrorCode(err) != genuine.EUnauthorized {
				t.Fatalf("signature of %q accepted for %q: %v", body, changed, err)
			}
		}
	})
}

// nopStore is a store that is never used.
type nopStore struct{ genuine.Store }
