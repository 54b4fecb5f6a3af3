package web

import (
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"genuine"
)

// limiter is a token bucket per client K (an address, or an API key's
// id): each holds up to burst tokens, refilled at rate a second, and a
// request takes one. Buckets that have refilled completely are dropped, so
// memory follows the clients of the last few seconds, not all clients ever
// seen.
type limiter[K comparable] struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[K]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last computed
}

// maxBuckets bounds the buckets kept; beyond it, the limiter sweeps at
// once (at most once a second).
const maxBuckets = 100_000

// newLimiter returns a limiter, or nil (which allows everything) if rate is
// not positive. burst is at least 1.
func newLimiter[K comparable](rate float64, burst int, now func() time.Time) *limiter[K] {
	if rate <= 0 {
		return nil
	}
	return &limiter[K]{rate: rate, burst: float64(max(burst, 1)), now: now, buckets: make(map[K]*bucket), lastSweep: now()}
}

// allow takes a token from the client's bucket. If there is none, it
// returns false and how long until there is one. A nil limiter allows all.
func (l *limiter[K]) allow(client K) (bool, time.Duration) {
	return l.take(client, true)
}

// empty reports, without taking a token, whether the client's bucket has
// none, and how long until it has one. A nil limiter is never empty.
func (l *limiter[K]) empty(client K) (bool, time.Duration) {
	ok, wait := l.take(client, false)
	return !ok, wait
}

// take refills the client's bucket and, if it holds a token, takes it when
// spend is set; it reports whether there was a token.
func (l *limiter[K]) take(client K, spend bool) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > l.fullAfter() || len(l.buckets) >= maxBuckets && now.Sub(l.lastSweep) > time.Second {
		l.sweep(now)
	}
	b := l.buckets[client]
	if b == nil {
		if !spend {
			return true, 0 // a new bucket is full
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[client] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	if spend {
		b.tokens--
	}
	return true, 0
}

// fullAfter is how long an empty bucket takes to refill.
func (l *limiter[K]) fullAfter() time.Duration {
	return time.Duration(l.burst / l.rate * float64(time.Second))
}

// sweep drops the buckets that are full by now: a new bucket is the same.
// If more than maxBuckets clients are still busy (a flood from many
// addresses), it drops buckets at random until a tenth of the room is
// free: memory stays bounded, and the dropped clients start afresh.
func (l *limiter[K]) sweep(now time.Time) {
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

// clientOf returns the client a request counts against: the address of
// clientAddr, or the /64 of an IPv6 address, since one IPv6 client holds
// a whole /64.
func (s *Server) clientOf(r *http.Request) netip.Prefix {
	addr := s.clientAddr(r)
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits)
	return p
}

// clientAddr returns the address of the request's client: the peer's,
// unless the peer is a trusted proxy (Config.TrustedProxies). Then it is
// the rightmost address of X-Forwarded-For that is not itself a trusted
// proxy, every proxy having appended the address it was called from; if
// every address is a trusted proxy, the leftmost; if one does not parse,
// the trusted proxy that sent it, since what lies beyond can be forged.
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	addr := parseAddr(r.RemoteAddr)
	if !s.trusted(addr) {
		return addr
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		list := hops[i]
		for list != "" {
			var hop string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				list, hop = list[:j], list[j+1:]
			} else {
				list, hop = "", list
			}
			next := parseAddr(strings.TrimSpace(hop))
			if !next.IsValid() {
				return addr
			}
			addr = next
			if !s.trusted(addr) {
				return addr
			}
		}
	}
	return addr
}

// trusted reports whether addr is one of the trusted proxies.
func (s *Server) trusted(addr netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// parseAddr parses an address with or without a port ("192.0.2.1",
// "192.0.2.1:80", "[2001:db8::1]:80", "[2001:db8::1]"), unmapping IPv4 in
// IPv6; the zero Addr if it does not parse.
func parseAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return addr.Unmap()
}

// rateLimit refuses a request with 429 and Retry-After when its client has
// used its tokens.
func (s *Server) rateLimit(next http.Handler, browser bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.limiter.allow(s.clientOf(r)); !ok {
			s.tooMany(w, r, wait, "too many requests from your address", browser)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tooMany answers 429 with Retry-After: what is limited, and for how long.
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, what string, browser bool) {
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.writeError(w, r, genuine.Errorf(genuine.ERateLimited, "%s; try again in %d s", what, secs), browser)
}
