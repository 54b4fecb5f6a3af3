package genuine

import (
	"fmt"
	"sync"
	"time"
)

// Limits bound the bulk work one brand may ask for at once, so that its
// work cannot stall other brands' checkouts and verifications. A zero
// field takes its default.
type Limits struct {
	// MaxBatch is the most units one batch may have (default
	// DefaultMaxBatch, at most MaxBatchQuantity).
	MaxBatch int64
	// MaxRange is the most units one range event may move (default
	// DefaultMaxRange).
	MaxRange int64
	// MaxRegistration is the most serials one request may register
	// (default DefaultMaxRegistration): they are written in one
	// transaction.
	MaxRegistration int
	// MaxExports is how many exports of codes one brand may run at once on
	// one server (default DefaultMaxExports).
	MaxExports int
}

// The default Limits.
const (
	DefaultMaxBatch        = 100_000_000
	DefaultMaxRange        = 100_000
	DefaultMaxRegistration = 10_000
	DefaultMaxExports      = 2
)

// withDefaults returns l with every zero field set to its default.
func (l Limits) withDefaults() Limits {
	if l.MaxBatch <= 0 {
		l.MaxBatch = DefaultMaxBatch
	}
	l.MaxBatch = min(l.MaxBatch, MaxBatchQuantity)
	if l.MaxRange <= 0 {
		l.MaxRange = DefaultMaxRange
	}
	if l.MaxRegistration <= 0 {
		l.MaxRegistration = DefaultMaxRegistration
	}
	if l.MaxExports <= 0 {
		l.MaxExports = DefaultMaxExports
	}
	return l
}

// tooLarge is the error of a request beyond one of the Limits.
func tooLarge(format string, args ...any) *Error {
	return Errorf(ETooLarge, format, args...)
}

// exportRetry is how long a brand whose exports are all running is told to
// wait before trying again.
const exportRetry = 5 * time.Second

// slots counts the work each brand has running on this server, up to max.
type slots struct {
	max int
	mu  sync.Mutex
	n   map[string]int // by brand id; a brand with none has no entry
}

func newSlots(max int) *slots { return &slots{max: max, n: make(map[string]int)} }

// take takes one of a brand's slots and returns the function that gives it
// back, or ERateLimited, with a time to retry after, if all are taken.
func (s *slots) take(brandID, what string) (func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n[brandID] >= s.max {
		return nil, &Error{Code: ERateLimited, RetryAfter: exportRetry, Message: fmt.Sprintf(
			"the brand has %d %s running, the most at once; try again when one ends", s.max, what)}
	}
	s.n[brandID]++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.n[brandID]--; s.n[brandID] == 0 {
				delete(s.n, brandID)
			}
		})
	}, nil
}
