package genuine

import (
	"context"
	"slices"
	"sync"
	"time"
)

// A cache keeps values the App read from its store between requests, at
// most max of them; when full it starts again, since the working set of a
// server (the merchants, batches and policies of the units being sold) is
// small. With a ttl, an entry older than ttl is not returned.
type cache[K comparable, V any] struct {
	max int
	ttl time.Duration // 0: entries do not expire

	mu sync.Mutex
	m  map[K]cached[V]
}

type cached[V any] struct {
	v  V
	at time.Time
}

func newCache[K comparable, V any](max int, ttl time.Duration) *cache[K, V] {
	return &cache[K, V]{max: max, ttl: ttl}
}

// get returns the value of k, if it is kept and, with a ttl, was put less
// than ttl before now.
func (c *cache[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if !ok || (c.ttl > 0 && now.Sub(e.at) >= c.ttl) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put keeps v as k's value, read at now.
func (c *cache[K, V]) put(k K, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[K]cached[V])
	}
	c.m[k] = cached[V]{v: v, at: now}
}

// forget forgets the value of k.
func (c *cache[K, V]) forget(k K) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}

// clear forgets every value.
func (c *cache[K, V]) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

// Sizes and lifetimes of the App's caches.
const (
	maxCachedKeys      = 4096
	maxCachedMerchants = 4096
	maxCachedBatches   = 4096 // products; each keeps its most recent batches
	batchesPerProduct  = 16
	maxCachedPolicies  = 4096
	// policyTTL is how long a server decides on a policy it read: a new
	// policy applies at once on the server that stored it, and within
	// policyTTL on every other server of the same database.
	policyTTL = time.Second
)

// snapshotTx reads through the App's caches what a checkout decides on in
// its reads (a Peek); every other method is the Tx's own.
// What a checkout decides on of a merchant (its region, place and time
// zone) never changes once made; its self-checkout setting does, and is
// read from the store wherever it counts (App.shopMerchant). A batch's disposition and regions may
// change, but a checkout's commit reads each of its batches again and
// decides again if either differs from what was decided on (and puts the
// batch read into the cache). Policies are kept for policyTTL.
type snapshotTx struct {
	Tx
	a *App
}

func (t snapshotTx) Merchant(ctx context.Context, id string) (*Merchant, error) {
	now := time.Now()
	if m, ok := t.a.merchants.get(id, now); ok {
		return m, nil
	}
	m, err := t.Tx.Merchant(ctx, id)
	if err != nil {
		return nil, err
	}
	t.a.merchants.put(id, m, now)
	return m, nil
}

func (t snapshotTx) BatchBySequence(ctx context.Context, gtin string, seq int64) (*Batch, error) {
	if b := t.a.cachedBatch(gtin, seq); b != nil {
		return b, nil
	}
	b, err := t.Tx.BatchBySequence(ctx, gtin, seq)
	if err != nil {
		return nil, err
	}
	t.a.cacheBatch(b)
	return b, nil
}

func (t snapshotTx) FirstPolicy(ctx context.Context, brandID string, scopes [3]string) (*Policy, error) {
	now := time.Now()
	key := policyKey{brandID, scopes}
	if p, ok := t.a.policies.get(key, now); ok {
		if p == nil {
			return nil, Errorf(ENotFound, "no policy set for %s", scopes[0])
		}
		return p, nil
	}
	p, err := t.Tx.FirstPolicy(ctx, brandID, scopes)
	if err != nil && ErrorCode(err) != ENotFound {
		return nil, err
	}
	t.a.policies.put(key, p, now) // nil: none set, the default applies
	return p, err
}

type policyKey struct {
	brandID string
	scopes  [3]string
}

// cachedBatch returns the cached batch of product gtin that owns its unit
// seq, nil if none is cached. Callers must not change it.
func (a *App) cachedBatch(gtin string, seq int64) *Batch {
	bs, _ := a.batches.get(gtin, time.Now())
	for _, b := range bs {
		if b.Contains(seq) {
			return b
		}
	}
	return nil
}

// cacheBatch keeps b, as just read from the store, in place of what was
// kept of it before. Callers must not change a batch they read from the
// cache.
func (a *App) cacheBatch(b *Batch) {
	now := time.Now()
	bs, _ := a.batches.get(b.GTIN, now)
	kept := make([]*Batch, 0, len(bs)+1)
	kept = append(kept, b)
	for _, o := range bs {
		if o.ID != b.ID && len(kept) < batchesPerProduct {
			kept = append(kept, o)
		}
	}
	a.batches.put(b.GTIN, slices.Clip(kept), now)
}
