package metrics

import (
	"maps"
	"sync"
	"sync/atomic"
)

// maxSeries bounds the label values one series cache takes; later values
// share one overflow series. Every label genuine reports has few values
// (route patterns, status codes, reason codes, providers), so the bound
// only keeps a bug that reported unbounded ones from exhausting memory.
const maxSeries = 512

// series caches the series of a metric vector by label value, so that
// finding one is a lookup in an immutable map: no hashing of label values
// by client_golang, no allocation and no lock. A value seen for the first
// time is added under a lock to a copy of the map.
type series[K comparable, V any] struct {
	m        atomic.Pointer[map[K]V]
	mu       sync.Mutex // held while a value is added
	overflow K          // the value of the series past maxSeries
	newValue func(K) V
}

// newSeries returns a cache whose series of a label value newValue makes.
func newSeries[K comparable, V any](overflow K, newValue func(K) V) *series[K, V] {
	s := &series[K, V]{overflow: overflow, newValue: newValue}
	s.m.Store(&map[K]V{})
	return s
}

// get returns the series of label value k, made on first use.
func (s *series[K, V]) get(k K) V {
	if v, ok := (*s.m.Load())[k]; ok {
		return v
	}
	return s.add(k)
}

// add makes the series of k and publishes it in a new map.
func (s *series[K, V]) add(k K) V {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.m.Load()
	if v, ok := old[k]; ok {
		return v
	}
	if len(old) >= maxSeries {
		if v, ok := old[s.overflow]; ok {
			return v
		}
		k = s.overflow
	}
	v := s.newValue(k)
	m := maps.Clone(old)
	m[k] = v
	s.m.Store(&m)
	return v
}
