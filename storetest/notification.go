package storetest

import (
	"errors"
	"sync"
	"testing"

	"genuine"
)

// markNotification calls MarkNotification in an Update of its own.
func markNotification(t *testing.T, s genuine.Store, provider, id string, n int) (bool, error) {
	var fresh bool
	err := s.Update(t.Context(), func(tx genuine.Tx) (err error) {
		fresh, err = tx.MarkNotification(t.Context(), provider, id, at(n))
		return err
	})
	return fresh, err
}

func testMarkNotification(t *testing.T, s genuine.Store) {
	for i, tt := range []struct {
		provider, id string
		want         bool
	}{
		{"simulated", "evt_1", true},
		{"simulated", "evt_1", false},
		{"simulated", "evt_2", true},
		{"stripe", "evt_1", true}, // ids are the provider's own
		{"simulated", "evt_1", false},
		{"stripe", "evt_1", false},
	} {
		fresh, err := markNotification(t, s, tt.provider, tt.id, i)
		if err != nil {
			t.Fatalf("MarkNotification(%s, %s): %v", tt.provider, tt.id, err)
		}
		if fresh != tt.want {
			t.Errorf("MarkNotification(%s, %s) call %d = %v, want %v", tt.provider, tt.id, i, fresh, tt.want)
		}
	}

	// A replay is no error: the transaction goes on and commits.
	ctx := t.Context()
	b := newBrand(1)
	update(t, s, func(tx genuine.Tx) error {
		for i, want := range []bool{true, false} {
			fresh, err := tx.MarkNotification(ctx, "simulated", "evt_3", at(i))
			if err != nil {
				return err
			}
			if fresh != want {
				t.Errorf("MarkNotification of evt_3 call %d in one Update = %v, want %v", i, fresh, want)
			}
		}
		return tx.CreateBrand(ctx, b)
	})
	if !brandExists(t, s, b.ID) {
		t.Error("the brand created after a replayed notification does not exist")
	}

	// An Update that fails forgets its notification.
	err := s.Update(ctx, func(tx genuine.Tx) error {
		if _, err := tx.MarkNotification(ctx, "simulated", "evt_4", at(0)); err != nil {
			return err
		}
		return errRollBack
	})
	if !errors.Is(err, errRollBack) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	if fresh, err := markNotification(t, s, "simulated", "evt_4", 1); err != nil || !fresh {
		t.Errorf("MarkNotification after a rolled back one = %v, %v; want true", fresh, err)
	}
}

// testMarkNotificationConcurrently delivers one notification from many
// Updates at once: exactly one may see it as new.
func testMarkNotificationConcurrently(t *testing.T, s genuine.Store) {
	const goroutines = 16
	var (
		mu    sync.Mutex
		fresh int
		wg    sync.WaitGroup
	)
	for g := range goroutines {
		wg.Go(func() {
			ok, err := markNotification(t, s, "simulated", "evt_1", g)
			if err != nil {
				t.Errorf("MarkNotification: %v", err)
				return
			}
			if ok {
				mu.Lock()
				fresh++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if fresh != 1 {
		t.Errorf("%d of %d concurrent MarkNotification calls saw the notification as new, want 1", fresh, goroutines)
	}
}
