package genuine

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// countStore is a Store that keeps verification counts only, so that tests
// can time flushes, failures and evictions around a verification's read.
type countStore struct {
	mu     sync.Mutex
	counts map[unitKey]int64
	// clients holds the clients stored of each unit, sent holds every
	// client of every AddVerifications, anonymous the anonymous counts.
	clients   map[unitKey]map[ClientHash]bool
	sent      []ClientHash
	anonymous int64
	fail      int    // Updates to fail
	refuse    string // a GTIN whose counts are refused with ENotFound
}

func newCountStore() *countStore {
	return &countStore{counts: make(map[unitKey]int64), clients: make(map[unitKey]map[ClientHash]bool)}
}

var errStoreDown = errors.New("store down")

func (s *countStore) View(ctx context.Context, fn func(Tx) error) error { return fn(countTx{s: s}) }
func (s *countStore) Peek(ctx context.Context, fn func(Tx) error) error { return fn(countTx{s: s}) }
func (s *countStore) Close() error                                      { return nil }

func (s *countStore) Update(ctx context.Context, fn func(Tx) error) error {
	s.mu.Lock()
	if s.fail > 0 {
		s.fail--
		s.mu.Unlock()
		return errStoreDown
	}
	s.mu.Unlock()
	return fn(countTx{s: s})
}

func (s *countStore) count(k unitKey) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[k]
}

// countTx is a countStore's transaction; the Tx methods it lacks panic.
type countTx struct {
	Tx
	s *countStore
}

func (t countTx) AddVerifications(ctx context.Context, counts []VerificationCount) error {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	for _, c := range counts {
		if c.GTIN == t.s.refuse {
			return Errorf(ENotFound, "product %s not found", c.GTIN)
		}
	}
	for i, c := range counts {
		k := unitKey{c.GTIN, c.Seq}
		t.s.counts[k] += c.N
		counts[i].Total = t.s.counts[k]
		if t.s.clients[k] == nil {
			t.s.clients[k] = make(map[ClientHash]bool)
		}
		for _, h := range c.Clients {
			t.s.clients[k][h] = true
		}
		t.s.sent = append(t.s.sent, c.Clients...)
		t.s.anonymous += c.Anonymous
	}
	return nil
}

func (t countTx) Verifications(ctx context.Context, gtin string, seq int64) (int64, time.Time, error) {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	return t.s.counts[unitKey{gtin, seq}], time.Time{}, nil
}

// countingApp returns an App on store whose counts are flushed only when
// the test says.
func countingApp(t *testing.T, store Store) *App {
	a := NewApp(store, Config{VerificationFlush: time.Hour})
	t.Cleanup(func() { a.Close() })
	return a
}

// TestCountReadBeforeEviction checks that a count read in a View begun
// before a flush stored this server's counts, and used after the unit was
// evicted, is read again rather than trusted: it would miss those counts
// and repeat a number.
func TestCountReadBeforeEviction(t *testing.T) {
	store := newCountStore()
	a := countingApp(t, store)
	c, ctx, k := a.verifications, context.Background(), unitKey{"09520123456788", 7}
	if n, err := a.countVerification(ctx, k, 0, true, c.generation(), nil); err != nil || n != 0 {
		t.Fatalf("first verification: %d, %v; want 0", n, err)
	}
	// A verification reads the count now, before the flush…
	began, stored := c.generation(), store.count(k)
	if err := a.FlushVerifications(ctx); err != nil {
		t.Fatal(err)
	}
	// …and counts it after the unit, idle, was evicted.
	for range idleFlushes {
		a.FlushVerifications(ctx)
	}
	if c.holds(k) {
		t.Fatalf("unit still held after %d idle flushes", idleFlushes)
	}
	if n, err := a.countVerification(ctx, k, stored, true, began, nil); err != nil || n != 1 {
		t.Errorf("verification with a count read before the flush: %d, %v; want 1", n, err)
	}
}

// TestCounterFull checks the bound on units held: idle units make room; if
// every unit waits to be stored, a new one is stored with them, and when
// the store fails, the verification fails and no count is lost.
func TestCounterFull(t *testing.T) {
	store := newCountStore()
	a := countingApp(t, store)
	c, ctx := a.verifications, context.Background()
	c.maxUnits = 2
	unit := func(seq int64) unitKey { return unitKey{"09520123456788", seq} }
	verify := func(k unitKey) (int64, error) {
		return a.countVerification(ctx, k, store.count(k), true, c.generation(), nil)
	}
	for seq := range int64(2) {
		if _, err := verify(unit(seq)); err != nil {
			t.Fatal(err)
		}
	}
	store.fail = 1
	if _, err := verify(unit(2)); ErrorCode(err) != EUnavailable {
		t.Fatalf("verification of a third unit with two waiting and the store failing: %v, want EUnavailable", err)
	}
	if n, err := verify(unit(0)); err != nil || n != 1 {
		t.Errorf("verification of a unit held: %d, %v; want 1", n, err)
	}
	if n, err := verify(unit(2)); err != nil || n != 0 {
		t.Fatalf("verification of a third unit with the store back: %d, %v; want 0", n, err)
	}
	// The others were stored to make room; unit 2 waits.
	for seq, want := range []int64{2, 1, 0} {
		if n := store.count(unit(int64(seq))); n != want {
			t.Errorf("unit %d: %d stored, want %d", seq, n, want)
		}
	}
	if len(c.units) > c.maxUnits {
		t.Errorf("%d units held, more than %d", len(c.units), c.maxUnits)
	}
	if err := a.FlushVerifications(ctx); err != nil {
		t.Fatal(err)
	}
	// Unit 2 is idle now: a unit beyond the bound evicts it, with no
	// flush (which would store unit 3).
	for _, seq := range []int64{3, 4} {
		if _, err := verify(unit(seq)); err != nil {
			t.Fatal(err)
		}
	}
	if n := store.count(unit(3)); n != 0 || c.holds(unit(2)) {
		t.Errorf("unit 3: %d stored; unit 2 held: %v; want 0 and false", n, c.holds(unit(2)))
	}
}

// TestFlushDropsRefusedCounts checks that counts the store refuses for
// good (their product is gone) are dropped, and do not keep the others
// from being stored.
func TestFlushDropsRefusedCounts(t *testing.T) {
	store := newCountStore()
	a := countingApp(t, store)
	c, ctx := a.verifications, context.Background()
	good, gone := unitKey{"09520123456788", 1}, unitKey{"04006381333931", 1}
	for _, k := range []unitKey{good, gone, good} {
		if _, err := a.countVerification(ctx, k, 0, true, c.generation(), nil); err != nil {
			t.Fatal(err)
		}
	}
	store.refuse = gone.gtin
	if err := a.FlushVerifications(ctx); err != nil {
		t.Fatalf("FlushVerifications: %v", err)
	}
	if n := store.count(good); n != 2 {
		t.Errorf("%d verifications stored beside refused ones, want 2", n)
	}
	if c.waiting != 0 {
		t.Errorf("%d units wait after their counts were stored or dropped", c.waiting)
	}
}

// TestCountClients checks what the counter sends of verifications'
// clients: each client of a unit once while held, again after a failed
// flush, and every verification without a client.
func TestCountClients(t *testing.T) {
	store := newCountStore()
	a := countingApp(t, store)
	c, ctx, k := a.verifications, context.Background(), unitKey{"09520123456788", 7}
	x, y := &ClientHash{1}, &ClientHash{2}
	for _, client := range []*ClientHash{x, x, y, nil, x, nil} {
		if _, err := a.countVerification(ctx, k, store.count(k), true, c.generation(), client); err != nil {
			t.Fatal(err)
		}
	}
	store.fail = 1
	if err := a.FlushVerifications(ctx); err == nil {
		t.Fatal("flush with the store failing succeeded")
	}
	if _, err := a.countVerification(ctx, k, 0, true, c.generation(), y); err != nil {
		t.Fatal(err)
	}
	if err := a.FlushVerifications(ctx); err != nil {
		t.Fatal(err)
	}
	if len(store.sent) != 2 || !store.clients[k][*x] || !store.clients[k][*y] || store.anonymous != 2 || store.count(k) != 7 {
		t.Errorf("sent clients %v, anonymous %d, count %d; want x and y once, 2 anonymous, 7 verifications", store.sent, store.anonymous, store.count(k))
	}
	// The latest knownClients clients are not sent again; older ones, as
	// x is now, are (and the store keeps them once).
	for i := range knownClients {
		a.countVerification(ctx, k, 0, true, c.generation(), &ClientHash{byte(10 + i)})
	}
	a.countVerification(ctx, k, 0, true, c.generation(), &ClientHash{10 + knownClients - 1})
	a.countVerification(ctx, k, 0, true, c.generation(), x)
	if err := a.FlushVerifications(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(store.sent); n != 2+knownClients+1 {
		t.Errorf("%d clients sent, want %d: the %d new ones and x again", n, 2+knownClients+1, knownClients)
	}
	if n := len(store.clients[k]); n != 2+knownClients {
		t.Errorf("%d clients stored, want %d", n, 2+knownClients)
	}
}
