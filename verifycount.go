package genuine

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
)

// Public verifications are counted in memory, so that no verification waits
// for the store's writer, and stored in one Update (Tx.AddVerifications)
// every flush interval, sooner when many units wait. On one server the
// number a verification returns goes 0, 1, 2 … with no gap or repeat; the
// store's count, which other servers and the velocity rule read, lags by
// up to an interval, and a process that dies without Close loses its last
// interval's counts (docs/architecture.md, "Verification counts"). Each
// flush also sends the clients of the verifications (ClientHash), which
// the store keeps once per unit for the velocity rule.

// VerificationCount is a number of public verifications of one unit, as
// the App hands them to Tx.AddVerifications.
type VerificationCount struct {
	GTIN   string
	Seq    int64
	N      int64     // verifications to add, at least 1
	LastAt time.Time // when the last of them was made
	// Clients are the clients of the N verifications that this server had
	// not sent for the unit before; the store keeps each once per unit, so
	// one sent again, by this server or another, is not counted twice.
	Clients []ClientHash
	// Anonymous is how many of the N came from no known client: each
	// counts as a client of its own.
	Anonymous int64
	// Total is the unit's stored count once N is added, which
	// AddVerifications sets.
	Total int64
}

const (
	// defaultVerificationFlush is how often counted verifications are
	// stored unless Config says otherwise: the lag of the velocity rule
	// and of other servers' counts, and the counts a crash loses.
	defaultVerificationFlush = 50 * time.Millisecond
	// flushEarly is how many units with pending counts make the counter
	// store them before the interval ends, to keep a flush small.
	flushEarly = 4096
	// maxCountedUnits bounds the units the counter holds, some 150 bytes
	// each (about 10 MB). A new unit beyond it first evicts the units whose
	// counts are all stored; if every unit still waits to be stored (the
	// store has been failing), the verification stores them itself, and
	// fails with EUnavailable if it cannot, rather than lose counts
	// silently.
	maxCountedUnits = 1 << 16
	// knownClients is how many of a unit's latest clients the counter
	// remembers, so that a client verifying a unit again and again is sent
	// to the store once.
	knownClients = 8
	// idleFlushes is how many flushes a unit whose counts are all stored
	// stays in the counter after its last verification, so that the many
	// verifications of a unit in a short time read its count once.
	idleFlushes = 4
	// maxFlushBackoff bounds the wait before a failed flush runs again;
	// the wait doubles from the interval with each failure in a row.
	maxFlushBackoff = 5 * time.Second
	// flushTimeout bounds one flush, or the last one at Close.
	flushTimeout = 30 * time.Second
)

// unitKey names a unit: its product's GTIN and its sequence number.
type unitKey struct {
	gtin string
	seq  int64
}

// unitCount is what the counter knows of one unit's verifications. The
// next verification has stored+flushing+pending before it.
type unitCount struct {
	stored   int64     // the store's count when last read, or the Total of this server's last flush
	flushing int64     // counted here, in the flush running now
	pending  int64     // counted here, not yet in a flush
	last     time.Time // the latest verification counted here
	used     uint64    // the flush generation of the last verification
	settled  uint64    // the flush generation that last stored counts of the unit
	// clients and anonymous are the pending verifications' clients not
	// sent before, and how many had none; known holds the latest clients
	// counted here, at most knownClients.
	clients   []ClientHash
	anonymous int64
	known     []ClientHash
}

// verifyCounter counts public verifications in memory and stores them in
// batches; see the top of this file.
//
// A count the App reads from the store must include every count this
// server stored before, or the next number would repeat one. Flushes are
// numbered (generations): a count read in a View begun at generation g
// includes every flush that ended by g. A unit the counter holds never
// needs its count read again; one it evicted needs a count read in a View
// begun at or after the generation that settled it, which trusted tracks
// for all evicted units at once.
type verifyCounter struct {
	store    Store
	interval time.Duration
	maxUnits int // maxCountedUnits; tests lower it
	logf     func(ctx context.Context, format string, args ...any)
	obs      Observer // told of each flush that stores counts

	flushMu sync.Mutex // held by the one flush running

	mu        sync.Mutex
	units     map[unitKey]*unitCount
	waiting   int    // units with pending counts
	gen       uint64 // flushes ended, whether they stored the counts or not
	trusted   uint64 // the latest settled generation of an evicted unit
	timer     *time.Timer
	scheduled bool // a flush is due: the timer is set or firing
	failures  int  // flushes failed in a row
	closed    bool
	// oldest is when the oldest pending count was made pending, zero if
	// none is; taken is oldest as the flush running now took it.
	oldest, taken time.Time
}

func newVerifyCounter(store Store, interval time.Duration, logf func(context.Context, string, ...any)) *verifyCounter {
	if interval <= 0 {
		interval = defaultVerificationFlush
	}
	return &verifyCounter{
		store: store, interval: interval, maxUnits: maxCountedUnits, logf: logf,
		obs: NopObserver{}, units: make(map[unitKey]*unitCount),
	}
}

// generation returns the number of flushes ended, to take before a View
// that reads a count.
func (c *verifyCounter) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// holds reports whether the counter holds unit k, whose count need then
// not be read, and keeps it for idleFlushes more flushes.
func (c *verifyCounter) holds(k unitKey) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.units[k]
	if e != nil {
		e.used = c.gen
	}
	return e != nil
}

// Reasons add cannot count a verification.
var (
	// errUnread: the counter does not hold the unit and the count given,
	// if any, may miss counts this server stored; read it again.
	errUnread = errors.New("verification count must be read again")
	// errFull: every unit held waits to be stored; store them.
	errFull = Errorf(EUnavailable, "too many verifications wait to be stored; try again")
)

// add counts a verification of unit k made at at by client (nil if not
// known) and returns how many came before it. stored is the unit's count
// read in a View begun at generation began, if read. add reports with
// closed that the App is closed, so that the count should be stored at
// once.
func (c *verifyCounter) add(k unitKey, stored int64, read bool, began uint64, at time.Time, client *ClientHash) (n int64, closed bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.units[k]
	if e == nil {
		if len(c.units) >= c.maxUnits {
			c.evict(true)
			if len(c.units) >= c.maxUnits {
				return 0, false, errFull
			}
		}
		if !read || began < c.trusted {
			return 0, false, errUnread
		}
		// The key outlives the request: its GTIN must not keep the
		// request's code in memory.
		k.gtin = strings.Clone(k.gtin)
		e = &unitCount{stored: stored}
		c.units[k] = e
	}
	n = e.stored + e.flushing + e.pending
	if e.pending == 0 {
		if c.waiting == 0 {
			c.oldest = time.Now()
		}
		c.waiting++
	}
	e.pending++
	e.used = c.gen
	if at.After(e.last) {
		e.last = at
	}
	e.addClient(client)
	if !c.scheduled {
		c.schedule(c.interval)
	} else if c.waiting == flushEarly && c.failures == 0 && !c.closed {
		c.timer.Reset(0)
	}
	return n, c.closed, nil
}

// addClient notes the client of a pending verification: nil counts as a
// client of its own; one of the known clients needs no sending again.
func (e *unitCount) addClient(client *ClientHash) {
	switch {
	case client == nil:
		e.anonymous++
	case !slices.Contains(e.known, *client):
		if len(e.known) == knownClients {
			e.known = append(e.known[:0], e.known[1:]...)
		}
		e.known = append(e.known, *client)
		e.clients = append(e.clients, *client)
	}
}

// schedule sets the timer to flush after d, unless the counter is closed.
// c.mu is held.
func (c *verifyCounter) schedule(d time.Duration) {
	if c.closed {
		return
	}
	c.scheduled = true
	if c.timer == nil {
		c.timer = time.AfterFunc(d, c.tick)
		return
	}
	c.timer.Reset(d)
}

// tick is the timer's flush. It runs again after the interval while the
// counter holds units (to evict the idle ones), or after a backoff if the
// flush failed.
func (c *verifyCounter) tick() {
	c.mu.Lock()
	c.scheduled = false
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	err := c.flush(ctx)
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.failures++
		c.schedule(min(c.interval<<min(c.failures, 16), maxFlushBackoff))
		return
	}
	c.failures = 0
	if len(c.units) > 0 && !c.scheduled {
		c.schedule(c.interval)
	}
}

// Outcomes of a count in a flush.
type flushOutcome uint8

const (
	flushKept    flushOutcome = iota // not stored: it goes in the next flush
	flushStored                      // stored
	flushDropped                     // refused by the store for good, and logged
)

// flush stores the pending counts in one Update and returns the error
// that kept them from being stored; they are then kept for the next flush.
func (c *verifyCounter) flush(ctx context.Context) error {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	batch := c.take()
	outcome := make([]flushOutcome, len(batch))
	var err error
	if len(batch) > 0 {
		err = c.store.Update(ctx, func(tx Tx) error { return tx.AddVerifications(ctx, batch) })
		switch ErrorCode(err) {
		case "":
			for i := range outcome {
				outcome[i] = flushStored
			}
		case ENotFound, EInvalid:
			// A count the store refuses whatever happens (its product
			// is gone) must not hold back the others for ever.
			err = c.storeEach(ctx, batch, outcome)
		}
	}
	if err != nil {
		c.logf(ctx, "storing the verifications of %d units failed; they are kept for the next try: %v", len(batch), err)
	} else if len(batch) > 0 {
		c.obs.VerificationFlush(len(batch), time.Since(c.taken))
	}
	c.settle(batch, outcome)
	return err
}

// storeEach stores each count of batch in an Update of its own, after the
// batch as a whole was refused, and drops those the store refuses for good.
// It returns the first other error.
func (c *verifyCounter) storeEach(ctx context.Context, batch []VerificationCount, outcome []flushOutcome) error {
	var first error
	for i := range batch {
		err := c.store.Update(ctx, func(tx Tx) error { return tx.AddVerifications(ctx, batch[i:i+1]) })
		switch code := ErrorCode(err); {
		case err == nil:
			outcome[i] = flushStored
		case code == ENotFound || code == EInvalid:
			outcome[i] = flushDropped
			c.logf(ctx, "dropped %d verifications of unit %d of product %s: %v", batch[i].N, batch[i].Seq, batch[i].GTIN, err)
		case first == nil:
			first = err
		}
	}
	return first
}

// take moves the pending counts to flushing and returns them in order of
// unit, so that servers flushing at once on PostgreSQL lock rows in one
// order and do not deadlock.
func (c *verifyCounter) take() []VerificationCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	batch := make([]VerificationCount, 0, c.waiting)
	for k, e := range c.units {
		if e.pending > 0 {
			e.flushing, e.pending = e.pending, 0
			// Clients in order too, for the same reason.
			slices.SortFunc(e.clients, func(a, b ClientHash) int { return bytes.Compare(a[:], b[:]) })
			batch = append(batch, VerificationCount{
				GTIN: k.gtin, Seq: k.seq, N: e.flushing, LastAt: e.last, Clients: e.clients, Anonymous: e.anonymous,
			})
			e.clients, e.anonymous = nil, 0
		}
	}
	c.waiting = 0
	c.taken, c.oldest = c.oldest, time.Time{}
	slices.SortFunc(batch, func(a, b VerificationCount) int {
		return cmp.Or(strings.Compare(a.GTIN, b.GTIN), cmp.Compare(a.Seq, b.Seq))
	})
	return batch
}

// settle ends a flush: stored counts become part of their units' stored
// count, kept ones pending again. Then it evicts the idle units.
func (c *verifyCounter) settle(batch []VerificationCount, outcome []flushOutcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for i, vc := range batch {
		// A unit with counts flushing is never evicted.
		e := c.units[unitKey{vc.GTIN, vc.Seq}]
		switch outcome[i] {
		case flushStored:
			e.stored, e.settled = vc.Total, c.gen
		case flushKept:
			if e.pending == 0 {
				c.waiting++
			}
			// Counts made pending since the flush began are younger.
			c.oldest = c.taken
			e.pending += e.flushing
			e.clients = append(vc.Clients, e.clients...)
			e.anonymous += vc.Anonymous
		}
		e.flushing = 0
	}
	c.evict(false)
}

// evict forgets the units whose counts are all stored and that were not
// verified in the last idleFlushes flushes, or all of them if all. c.mu is
// held.
func (c *verifyCounter) evict(all bool) {
	for k, e := range c.units {
		if e.pending == 0 && e.flushing == 0 && (all || c.gen-e.used >= idleFlushes) {
			delete(c.units, k)
			c.trusted = max(c.trusted, e.settled)
		}
	}
}

// countVerification counts a verification of unit k by client (nil if
// not known) and returns how many came before it. stored is the unit's
// count read in a View begun at generation began, if read; it is read
// again when the counter needs it.
func (a *App) countVerification(ctx context.Context, k unitKey, stored int64, read bool, began uint64, client *ClientHash) (int64, error) {
	c := a.verifications
	for range 4 {
		n, closed, err := c.add(k, stored, read, began, a.Now(), client)
		if err == errUnread {
			n, closed, err = a.readAndCount(ctx, k, client)
		}
		switch err {
		case nil:
			if closed {
				// No timer runs after Close: store the count now. A
				// failure keeps it, logged, for the next verification.
				c.flush(ctx)
			}
			return n, nil
		case errFull:
			if err := c.flush(ctx); err != nil {
				return 0, errFull
			}
			read = false
		case errUnread:
			// Only a counter full of units evicts between a read and its
			// count now; try again.
		default:
			return 0, err
		}
	}
	return 0, errFull
}

// readAndCount reads unit k's stored count and counts a verification on
// it with flushes held off: a flush evicts idle units, and any eviction
// makes a count read before it untrusted (see verifyCounter), so under
// frequent flushes a read could be overtaken again and again.
func (a *App) readAndCount(ctx context.Context, k unitKey, client *ClientHash) (n int64, closed bool, err error) {
	c := a.verifications
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	began := c.generation()
	var stored int64
	err = a.store.View(ctx, func(tx Tx) (err error) {
		stored, _, err = tx.Verifications(ctx, k.gtin, k.seq)
		return err
	})
	if err != nil {
		return 0, false, err
	}
	return c.add(k, stored, true, began, a.Now(), client)
}

// FlushVerifications stores the verifications counted since the last
// flush, in one Update. The App does so itself every flush interval;
// FlushVerifications is for callers that need the counts stored now. On
// an error the counts are kept for the next flush.
func (a *App) FlushVerifications(ctx context.Context) error {
	return a.verifications.flush(ctx)
}

// Close stores the verifications counted but not yet stored, and stops
// the timer that stores them. Call it when the server has stopped taking
// requests, before the store closes; a Verify after Close stores its count
// at once. Close returns the error of that last flush.
func (a *App) Close() error {
	c := a.verifications
	c.mu.Lock()
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	return c.flush(ctx)
}
