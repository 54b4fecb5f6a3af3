package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"genuine"
)

// TestClientAddress takes the client's address from X-Forwarded-For only
// when the peer is a trusted proxy, and then the rightmost address that is
// not itself a trusted proxy.
func TestClientAddress(t *testing.T) {
	s := NewServer(nil, Config{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48"),
	}})
	tests := []struct {
		peer string
		xff  []string
		want string
	}{
		{"192.0.2.1:1234", nil, "192.0.2.1/32"},
		{"192.0.2.1:1234", []string{"198.51.100.7"}, "192.0.2.1/32"},
		{"10.1.2.3:1234", nil, "10.1.2.3/32"},
		{"10.1.2.3:1234", []string{"198.51.100.7"}, "198.51.100.7/32"},
		{"10.1.2.3:1234", []string{"203.0.113.9, 198.51.100.7, 10.9.9.9"}, "198.51.100.7/32"},
		{"10.1.2.3:1234", []string{"203.0.113.9", "198.51.100.7,10.9.9.9"}, "198.51.100.7/32"},
		{"10.1.2.3:1234", []string{"10.7.7.7, 10.9.9.9"}, "10.7.7.7/32"},
		{"10.1.2.3:1234", []string{"203.0.113.9, garbage, 10.9.9.9"}, "10.9.9.9/32"},
		{"10.1.2.3:1234", []string{"198.51.100.7:4711"}, "198.51.100.7/32"},
		{"[2001:db8:ffff::1]:1", []string{"2001:db8:1::5, 2001:db8:ffff::2"}, "2001:db8:1::/64"},
		{"[::ffff:10.1.2.3]:1", []string{"[::ffff:198.51.100.7]"}, "198.51.100.7/32"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.peer
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.clientOf(r); got.String() != tt.want {
			t.Errorf("peer %s, X-Forwarded-For %q: client %s, want %s", tt.peer, tt.xff, got, tt.want)
		}
	}
}

// TestRateLimitBehindProxy: behind a trusted proxy each client has its own
// budget on the public routes; without one, X-Forwarded-For is ignored.
func TestRateLimitBehindProxy(t *testing.T) {
	verify := func(xff string) request {
		return request{method: "POST", path: "/v1/verify", body: map[string]any{"code": "(01)09520123456788(21)X"},
			header: map[string]string{"X-Forwarded-For": xff}}
	}
	proxied := newTestServer(t, Config{PublicRateLimit: 0.01, PublicBurst: 1, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	for _, xff := range []string{"198.51.100.1", "198.51.100.2"} {
		if resp := proxied.do(verify(xff)); resp.status != 200 {
			t.Errorf("client %s behind the proxy: %d %s", xff, resp.status, resp.body)
		}
	}
	if resp := proxied.do(verify("198.51.100.1")); resp.status != 429 {
		t.Errorf("client 198.51.100.1 again: %d, want 429", resp.status)
	}
	direct := newTestServer(t, Config{PublicRateLimit: 0.01, PublicBurst: 1})
	direct.do(verify("198.51.100.1"))
	if resp := direct.do(verify("198.51.100.2")); resp.status != 429 {
		t.Errorf("X-Forwarded-For from an untrusted peer changed the client: %d, want 429", resp.status)
	}
}

// TestKeyRateLimit limits keyed routes per key: one key's burst spent does
// not limit another key, or the public routes.
func TestKeyRateLimit(t *testing.T) {
	var clock testClock
	clock.running.Store(true) // while the world is made, by the admin key
	ts := newTestServer(t, Config{KeyRateLimit: 1, KeyBurst: 3, Now: clock.now})
	w := ts.newWorld("Acme", "09520123456788", 1)
	clock.running.Store(false)
	clock.add(time.Minute) // every bucket full
	for range 3 {
		ts.call("GET", "/v1/batches", w.brandKey, nil, 200, nil)
	}
	resp := ts.do(request{method: "GET", path: "/v1/batches", key: w.brandKey})
	if p := resp.problem(t); resp.status != 429 || p.Code != genuine.ERateLimited || resp.header.Get("Retry-After") != "1" {
		t.Fatalf("after the key's burst: %d %+v, Retry-After %q", resp.status, p, resp.header.Get("Retry-After"))
	}
	ts.call("GET", "/v1/batches", w.partnerKey, nil, 200, nil)
	ts.call("POST", "/v1/verify", "", map[string]any{"code": "(01)09520123456788(21)X"}, 200, nil)
	clock.add(time.Second)
	ts.call("GET", "/v1/batches", w.brandKey, nil, 200, nil)
}

// testClock is a clock for rate limits that stands still, or while running
// moves a minute forward at each reading.
type testClock struct {
	ns      atomic.Int64
	running atomic.Bool
}

func (c *testClock) now() time.Time {
	if c.running.Load() {
		return time.Unix(0, c.ns.Add(int64(time.Minute)))
	}
	return time.Unix(0, c.ns.Load())
}

func (c *testClock) add(d time.Duration) { c.ns.Add(int64(d)) }

// TestAuthFailureLimit sends 300 invalid keys from one address: after the
// burst each is refused with 429 without reading the store, and then so is
// a valid key from that address until the budget refills.
func TestAuthFailureLimit(t *testing.T) {
	var clock testClock
	const burst = 10
	db := &countingStore{Store: openTestStore(t)}
	ts := newTestServerOn(t, db, Config{AuthFailureRate: 1, AuthFailureBurst: burst, Now: clock.now})
	valid := ts.newKey(map[string]any{"role": "admin"})
	before := db.keyReads.Load()
	statuses := map[int]int{}
	for i := range 300 {
		resp := ts.do(request{method: "GET", path: "/v1/batches", key: badKey(i)})
		statuses[resp.status]++
	}
	reads := db.keyReads.Load() - before
	if statuses[401] != burst || statuses[429] != 300-burst || reads > burst {
		t.Errorf("300 invalid keys: statuses %v, %d key reads; want %d 401s, the rest 429, at most %d reads", statuses, reads, burst, burst)
	}
	if resp := ts.do(request{method: "GET", path: "/v1/keys", key: valid}); resp.status != 429 {
		t.Errorf("a valid key from the address: %d, want 429 until the budget refills", resp.status)
	}
	clock.add(time.Second)
	ts.call("GET", "/v1/keys", valid, nil, 200, nil)
}

// badKey returns a key of the right shape that no one holds, unique for i.
func badKey(i int) string {
	return fmt.Sprintf("gk_%043d", i)
}

// countingStore counts the reads of API keys by hash.
type countingStore struct {
	genuine.Store
	keyReads atomic.Int64
}

func (s *countingStore) View(ctx context.Context, fn func(genuine.Tx) error) error {
	return s.Store.View(ctx, func(tx genuine.Tx) error { return fn(countingTx{tx, s}) })
}

type countingTx struct {
	genuine.Tx
	s *countingStore
}

func (t countingTx) APIKeyByHash(ctx context.Context, hash []byte) (*genuine.APIKey, error) {
	t.s.keyReads.Add(1)
	return t.Tx.APIKeyByHash(ctx, hash)
}

// FuzzClientAddr: whatever a peer sends in X-Forwarded-For, the client
// address is the peer's unless the peer is a trusted proxy, and otherwise
// one of the addresses the header names, or the proxy's own.
func FuzzClientAddr(f *testing.F) {
	f.Add("10.0.0.1:443", "203.0.113.9, 10.0.0.2")
	f.Add("198.51.100.7:80", "203.0.113.9")
	f.Add("[2001:db8::1]:80", "garbage,,, [::1]")
	f.Add("10.0.0.1:443", "::ffff:192.0.2.1")
	s := &Server{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	f.Fuzz(func(t *testing.T, peer, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xff)
		got := s.clientAddr(r)
		from := parseAddr(peer)
		if !s.trusted(from) {
			if got != from {
				t.Fatalf("peer %q (not a proxy) with X-Forwarded-For %q: client %v", peer, xff, got)
			}
			return
		}
		if got == from {
			return
		}
		for hop := range strings.SplitSeq(xff, ",") {
			if parseAddr(strings.TrimSpace(hop)) == got {
				return
			}
		}
		t.Fatalf("peer %q with X-Forwarded-For %q: client %v is named by neither", peer, xff, got)
	})
}
