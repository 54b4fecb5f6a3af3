package storetest

import (
	"fmt"
	"sync"
	"testing"

	"genuine"
)

// raiseAlert raises an alert in an Update of its own.
func raiseAlert(t *testing.T, s genuine.Store, a *genuine.Alert) error {
	return s.Update(t.Context(), func(tx genuine.Tx) error { return tx.RaiseAlert(t.Context(), a) })
}

// alerts returns a brand's alerts, read in a View of its own.
func alerts(t *testing.T, s genuine.Store, brandID string, limit int) []*genuine.Alert {
	t.Helper()
	var as []*genuine.Alert
	view(t, s, func(tx genuine.Tx) (err error) {
		as, err = tx.Alerts(t.Context(), brandID, limit)
		return err
	})
	return as
}

// alertIDs lists the ids of alerts, for comparisons and messages.
func alertIDs(as []*genuine.Alert) []string {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids
}

// newAlert returns an alert numbered n, raised at at(n), of the brand's
// unit of gtinA with serial S1 for the reason code outside_region.
func newAlert(n int, brandID, merchantID string) *genuine.Alert {
	return &genuine.Alert{
		ID: id("alr", n), BrandID: brandID, GTIN: gtinA, Serial: "S1", Rule: genuine.RuleRegion,
		Code: "outside_region", Action: genuine.ActionFlag, Message: fmt.Sprintf("raised %d", n),
		MerchantID: merchantID, Count: 1, FirstAt: at(n), LastAt: at(n),
	}
}

func testRaiseAlert(t *testing.T, s genuine.Store) {
	w := newWorld(t, s)
	ms := newMerchants(t, s, 2)
	other := newBrand(2)
	update(t, s, func(tx genuine.Tx) error { return tx.CreateBrand(t.Context(), other) })
	mine := w.brand.ID

	first := newAlert(1, mine, ms[0].ID)
	if err := raiseAlert(t, s, first); err != nil {
		t.Fatal(err)
	}
	if first.ID != id("alr", 1) || first.Count != 1 {
		t.Errorf("a new alert: ID %s, Count %d; want %s, 1", first.ID, first.Count, id("alr", 1))
	}
	// The same unit and code again: counted up, with the repeat's time,
	// merchant, message and action, and the first's id, rule and time.
	repeat := newAlert(5, mine, ms[1].ID)
	repeat.Rule, repeat.Action = "changed", genuine.ActionRefuse
	if err := raiseAlert(t, s, repeat); err != nil {
		t.Fatal(err)
	}
	if repeat.ID != first.ID || repeat.Count != 2 {
		t.Errorf("a repeated alert: ID %s, Count %d; want %s, 2", repeat.ID, repeat.Count, first.ID)
	}
	want := *first
	want.Count, want.LastAt, want.MerchantID, want.Message, want.Action = 2, at(5), ms[1].ID, "raised 5", genuine.ActionRefuse
	got := alerts(t, s, mine, 10)
	if len(got) != 1 {
		t.Fatalf("Alerts after a repeat = %v, want one", alertIDs(got))
	}
	same(t, "Alerts after a repeat", got[0], &want)

	// Another code, serial, product or brand is another alert.
	code := newAlert(2, mine, ms[0].ID)
	code.Code, code.Rule = "expired", genuine.RuleExpiry
	serial := newAlert(3, mine, ms[0].ID)
	serial.Serial = "S2"
	product := newAlert(4, mine, ms[0].ID)
	product.GTIN = gtinB
	theirs := newAlert(6, other.ID, ms[0].ID)
	for _, a := range []*genuine.Alert{code, serial, product, theirs} {
		n := a.ID
		if err := raiseAlert(t, s, a); err != nil {
			t.Fatal(err)
		}
		if a.ID != n || a.Count != 1 {
			t.Errorf("alert %s of %s %s %s: ID %s, Count %d; want a new alert", n, a.GTIN, a.Serial, a.Code, a.ID, a.Count)
		}
	}
	// Most recently raised first.
	for _, tt := range []struct {
		brand string
		limit int
		want  []*genuine.Alert
	}{
		{mine, 10, []*genuine.Alert{&want, product, serial, code}},
		{mine, 2, []*genuine.Alert{&want, product}},
		{other.ID, 10, []*genuine.Alert{theirs}},
		{id("brd", 3), 10, nil},
	} {
		got := alerts(t, s, tt.brand, tt.limit)
		if fmt.Sprint(alertIDs(got)) != fmt.Sprint(alertIDs(tt.want)) {
			t.Errorf("Alerts(%s, %d) = %v, want %v", tt.brand, tt.limit, alertIDs(got), alertIDs(tt.want))
			continue
		}
		for i := range got {
			same(t, "Alerts", got[i], tt.want[i])
		}
	}

	// A third time, from the first merchant: the count goes on.
	third := newAlert(7, mine, ms[0].ID)
	if err := raiseAlert(t, s, third); err != nil {
		t.Fatal(err)
	}
	if third.ID != first.ID || third.Count != 3 {
		t.Errorf("an alert raised a third time: ID %s, Count %d; want %s, 3", third.ID, third.Count, first.ID)
	}

	dup := newAlert(1, mine, ms[0].ID) // an existing id, for another unit
	dup.Serial = "S9"
	wantCode(t, "RaiseAlert with an existing id", raiseAlert(t, s, dup), genuine.EConflict)
	orphan := newAlert(8, id("brd", 9), ms[0].ID)
	wantCode(t, "RaiseAlert of a missing brand", raiseAlert(t, s, orphan), genuine.ENotFound)
}

// testRaiseAlertNoMerchant raises an alert that names no merchant (a
// shopper's report): it is stored and read back with MerchantID "", and a
// repeat from a merchant, then from none again, counts it up and takes each
// one's merchant.
func testRaiseAlertNoMerchant(t *testing.T, s genuine.Store) {
	w := newWorld(t, s)
	ms := newMerchants(t, s, 1)
	first := newAlert(1, w.brand.ID, "")
	if err := raiseAlert(t, s, first); err != nil {
		t.Fatal(err)
	}
	got := alerts(t, s, w.brand.ID, 10)
	if len(got) != 1 {
		t.Fatalf("Alerts = %v, want one", alertIDs(got))
	}
	same(t, "an alert of no merchant", got[0], first)
	for i, m := range []string{ms[0].ID, ""} {
		a := newAlert(2+i, w.brand.ID, m)
		if err := raiseAlert(t, s, a); err != nil {
			t.Fatal(err)
		}
		if a.ID != first.ID || a.Count != int64(2+i) {
			t.Errorf("repeat %d: ID %s, Count %d; want %s, %d", i+1, a.ID, a.Count, first.ID, 2+i)
		}
		if got := alerts(t, s, w.brand.ID, 10); len(got) != 1 || got[0].MerchantID != m {
			t.Errorf("after repeat %d from merchant %q: %v, want one of merchant %q", i+1, m, got, m)
		}
	}
	// A merchant that does not exist is still refused.
	wantCode(t, "RaiseAlert of a missing merchant", raiseAlert(t, s, newAlert(9, w.brand.ID, id("mer", 9))), genuine.ENotFound)
}

func testAlertsLimit(t *testing.T, s genuine.Store) {
	w := newWorld(t, s)
	ms := newMerchants(t, s, 1)
	update(t, s, func(tx genuine.Tx) error {
		for n := range 1001 {
			a := newAlert(n, w.brand.ID, ms[0].ID)
			a.Serial = fmt.Sprint(n)
			if err := tx.RaiseAlert(t.Context(), a); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tt := range []struct{ limit, want int }{{0, 100}, {-1, 100}, {500, 500}, {2000, 1000}} {
		got := alerts(t, s, w.brand.ID, tt.limit)
		if len(got) != tt.want {
			t.Errorf("Alerts with limit %d returned %d, want %d", tt.limit, len(got), tt.want)
		}
		if len(got) > 0 && got[0].ID != id("alr", 1000) {
			t.Errorf("Alerts with limit %d begins with %s, want the newest, %s", tt.limit, got[0].ID, id("alr", 1000))
		}
	}
}

// testRaiseAlertConcurrently raises one alert from many Updates at once:
// one alert must count them all, and each count come back once.
func testRaiseAlertConcurrently(t *testing.T, s genuine.Store) {
	w := newWorld(t, s)
	ms := newMerchants(t, s, 1)
	const goroutines = 16
	var (
		mu   sync.Mutex
		seen = make(map[int64]int)
		ids  = make(map[string]bool)
		wg   sync.WaitGroup
	)
	for g := range goroutines {
		wg.Go(func() {
			a := newAlert(g, w.brand.ID, ms[0].ID)
			if err := raiseAlert(t, s, a); err != nil {
				t.Errorf("RaiseAlert: %v", err)
				return
			}
			mu.Lock()
			seen[a.Count]++
			ids[a.ID] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	for n := int64(1); n <= goroutines; n++ {
		if seen[n] != 1 {
			t.Errorf("RaiseAlert set Count %d %d times, want once", n, seen[n])
		}
	}
	if len(ids) != 1 {
		t.Errorf("concurrent RaiseAlert calls set %d different ids, want 1", len(ids))
	}
	got := alerts(t, s, w.brand.ID, 10)
	if len(got) != 1 {
		t.Fatalf("after %d concurrent RaiseAlert calls, Alerts = %v; want one alert", goroutines, alertIDs(got))
	}
	if got[0].Count != goroutines {
		t.Errorf("after %d concurrent RaiseAlert calls, the alert counts %d", goroutines, got[0].Count)
	}
}
