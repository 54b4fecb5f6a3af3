package web

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"genuine"
)

// limiter is a token bucket per client: each holds up to burst tokens,
// refilled at rate a second, and a request takes one. Buckets that have
// refilled completely are dropped, so memory follows the clients of the
// last few seconds, not all clients ever seen.
type limiter struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[netip.Prefix]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last computed
}

// maxBuckets bounds the buckets kept; beyond it, the limiter sweeps at
// once (at most once a second).
const maxBuckets = 100_000

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), now: now, buckets: make(map[netip.Prefix]*bucket), lastSweep: now()}
}

// allow takes a token from the client's bucket. If there is none, it
// returns false and how long until there is one.
func (l *limiter) allow(client netip.Prefix) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > l.fullAfter() || len(l.buckets) >= maxBuckets && now.Sub(l.lastSweep) > time.Second {
		l.sweep(now)
	}
	b := l.buckets[client]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[client] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

// fullAfter is how long an empty bucket takes to refill.
func (l *limiter) fullAfter() time.Duration {
	return time.Duration(l.burst / l.rate * float64(time.Second))
}

// sweep drops the buckets that are full by now: a new bucket is the same.
// If more than maxBuckets clients are still busy (a flood from many
// addresses), it drops buckets at random until a tenth of the room is
// free: memory stays bounded, and the dropped clients start afresh.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < maxBuckets*9/10 {
			break
		}
		delete(l.buckets, k)
	}
	l.lastSweep = now
}

// clientOf returns the client a request counts against: its IPv4 address,
// or the /64 of its IPv6 address, since one IPv6 client holds a whole /64.
// The remote address is the peer's; behind a proxy, all clients share the
// proxy's limit.
func clientOf(r *http.Request) netip.Prefix {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Prefix{}
	}
	addr = addr.Unmap()
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits)
	return p
}

// rateLimit refuses a request with 429 and Retry-After when its client has
// used its tokens.
func (s *Server) rateLimit(next http.Handler, browser bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, wait := s.limiter.allow(clientOf(r))
		if !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			s.writeError(w, r, genuine.Errorf(genuine.ERateLimited, "too many requests from your address; try again in %d s", max(secs, 1)), browser)
			return
		}
		next.ServeHTTP(w, r)
	})
}
