package storetest

import (
	"fmt"
	"testing"

	"genuine"
)

// decisions returns the decisions that match f, read in a View of its own.
func decisions(t *testing.T, s genuine.Store, f genuine.DecisionFilter) []*genuine.DecisionRecord {
	t.Helper()
	var ds []*genuine.DecisionRecord
	view(t, s, func(tx genuine.Tx) (err error) {
		ds, err = tx.Decisions(t.Context(), f)
		return err
	})
	return ds
}

// decisionIDs lists the ids of decisions, for comparisons and messages.
func decisionIDs(ds []*genuine.DecisionRecord) []string {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}

// addDecisions adds decisions in one Update.
func addDecisions(t *testing.T, s genuine.Store, ds ...*genuine.DecisionRecord) {
	t.Helper()
	update(t, s, func(tx genuine.Tx) error {
		for _, d := range ds {
			if err := tx.AddDecision(t.Context(), d); err != nil {
				return err
			}
		}
		return nil
	})
}

func testDecisions(t *testing.T, s genuine.Store) {
	w := newWorld(t, s)
	ms := newMerchants(t, s, 2)
	other := newBrand(2)
	update(t, s, func(tx genuine.Tx) error { return tx.CreateBrand(t.Context(), other) })
	record := func(n int, brandID, gtin, outcome string, when int) *genuine.DecisionRecord {
		d := &genuine.DecisionRecord{
			ID: id("dec", n), BrandID: brandID, GTIN: gtin, Serial: fmt.Sprintf("S%d", n), BatchID: id("bat", 1),
			MerchantID: ms[n%2].ID, CheckoutID: id("chk", n), KeyID: id("key", n), Decision: *newDecision(outcome), CreatedAt: at(when),
		}
		if outcome == "refuse" {
			d.Decision = *newDecision(outcome, "already_sold")
		}
		return d
	}
	mine := w.brand.ID
	d1 := record(1, mine, gtinA, "pass", 1)
	d2 := record(2, mine, gtinA, "refuse", 3)
	d3 := record(3, mine, gtinB, "refuse", 2)
	d4 := record(4, mine, gtinB, "pass", 5)
	d5 := record(5, mine, gtinA, "refuse", 4)
	d6 := record(6, other.ID, gtinA, "pass", 6)
	// A code no brand owns names no brand, batch or unit.
	d7 := record(7, "", "", "refuse", 7)
	d7.Serial, d7.BatchID, d7.Decision = "", "", *newDecision("refuse", "invalid_code")
	// Added out of time order, so that the store must order them.
	addDecisions(t, s, d3, d1, d5, d2, d7, d4, d6)

	dec := func(ds ...*genuine.DecisionRecord) []string { return decisionIDs(ds) }
	for _, tt := range []struct {
		f    genuine.DecisionFilter
		want []string
	}{
		{genuine.DecisionFilter{BrandID: mine}, dec(d4, d5, d2, d3, d1)},
		{genuine.DecisionFilter{BrandID: mine, Outcome: "refuse"}, dec(d5, d2, d3)},
		{genuine.DecisionFilter{BrandID: mine, Outcome: "pass"}, dec(d4, d1)},
		{genuine.DecisionFilter{BrandID: mine, GTIN: gtinA}, dec(d5, d2, d1)},
		{genuine.DecisionFilter{BrandID: mine, GTIN: gtinA, Outcome: "refuse"}, dec(d5, d2)},
		{genuine.DecisionFilter{BrandID: mine, GTIN: "00000000000017"}, nil},
		{genuine.DecisionFilter{BrandID: mine, Limit: 2}, dec(d4, d5)},
		{genuine.DecisionFilter{BrandID: mine, Outcome: "refuse", Limit: 1}, dec(d5)},
		{genuine.DecisionFilter{BrandID: other.ID}, dec(d6)},
		{genuine.DecisionFilter{BrandID: ""}, dec(d7)}, // the codes no brand owns
		{genuine.DecisionFilter{BrandID: id("brd", 3)}, nil},
	} {
		got := decisions(t, s, tt.f)
		if fmt.Sprint(decisionIDs(got)) != fmt.Sprint(tt.want) {
			t.Errorf("Decisions(%+v) = %v, want %v", tt.f, decisionIDs(got), tt.want)
		}
	}
	// Decisions returns every field.
	for _, tt := range []struct {
		f    genuine.DecisionFilter
		want *genuine.DecisionRecord
	}{
		{genuine.DecisionFilter{BrandID: mine, Limit: 1}, d4},
		{genuine.DecisionFilter{BrandID: mine, Outcome: "refuse", Limit: 1}, d5},
		{genuine.DecisionFilter{BrandID: ""}, d7},
	} {
		if got := decisions(t, s, tt.f); len(got) == 1 { // other lengths failed above
			same(t, "Decisions", got[0], tt.want)
		}
	}

	dup := *d1
	err := s.Update(t.Context(), func(tx genuine.Tx) error { return tx.AddDecision(t.Context(), &dup) })
	wantCode(t, "AddDecision with an existing id", err, genuine.EConflict)
}

func testDecisionsLimit(t *testing.T, s genuine.Store) {
	w := newWorld(t, s)
	ms := newMerchants(t, s, 1)
	var ds []*genuine.DecisionRecord
	for n := range 1001 {
		ds = append(ds, &genuine.DecisionRecord{
			ID: id("dec", n), BrandID: w.brand.ID, GTIN: gtinA, Serial: fmt.Sprint(n), MerchantID: ms[0].ID,
			CheckoutID: id("chk", n), Decision: *newDecision("pass"), CreatedAt: at(n),
		})
	}
	addDecisions(t, s, ds...)
	for _, tt := range []struct{ limit, want int }{{0, 100}, {-1, 100}, {500, 500}, {1000, 1000}, {2000, 1000}} {
		got := decisions(t, s, genuine.DecisionFilter{BrandID: w.brand.ID, Limit: tt.limit})
		if len(got) != tt.want {
			t.Errorf("Decisions with limit %d returned %d, want %d", tt.limit, len(got), tt.want)
		}
		if len(got) > 0 && got[0].ID != id("dec", 1000) {
			t.Errorf("Decisions with limit %d begins with %s, want the newest, %s", tt.limit, got[0].ID, id("dec", 1000))
		}
	}
}
