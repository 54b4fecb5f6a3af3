package storetest

import (
	"encoding/json"
	"fmt"
	"testing"

	"genuine"
)

// newPolicy returns version v of the policy of a brand's scope, created at
// at(v), with a rule of each kind so that every field must survive.
func newPolicy(brandID, scope string, v int) *genuine.Policy {
	lo, hi := int64(5000), int64(90000)
	return &genuine.Policy{
		Scope: scope, BrandID: brandID, Version: v, Mode: genuine.ModeEnforce, CreatedAt: at(v),
		Rules: []genuine.Rule{
			{Rule: genuine.RuleAuthentic, Action: genuine.ActionRefuse},
			{Rule: genuine.RuleState, Action: genuine.ActionRefuse,
				Allowed: []genuine.UnitState{genuine.StateInChannel, genuine.StateReturned}},
			{Rule: genuine.RuleRegion, Action: genuine.ActionFlag, Geofences: []json.RawMessage{
				json.RawMessage(`{"type":"Polygon","coordinates":[[[113.7,22.4],[114.6,22.4],[114.6,22.9],[113.7,22.4]]]}`),
			}},
			{Rule: genuine.RuleExpiry, Action: genuine.ActionRefuse, WithinDays: 30},
			{Rule: genuine.RuleMerchant, Action: genuine.ActionFlag, Shadow: true, Merchants: []string{id("mer", 1)}},
			{Rule: genuine.RulePrice, Action: genuine.ActionRefuse, Currency: "CNY", Min: &lo, Max: &hi},
			{Rule: genuine.RuleVelocity, Action: genuine.ActionFlag, MaxScans: 5, MaxSpeedKMH: 900.5},
		},
	}
}

// putPolicy stores p in an Update of its own.
func putPolicy(t *testing.T, s genuine.Store, p *genuine.Policy) error {
	return s.Update(t.Context(), func(tx genuine.Tx) error { return tx.PutPolicy(t.Context(), p) })
}

// policy returns the policy of a brand's scope, read in a View of its own.
func policy(t *testing.T, s genuine.Store, brandID, scope string) (*genuine.Policy, error) {
	var p *genuine.Policy
	err := s.View(t.Context(), func(tx genuine.Tx) (err error) {
		p, err = tx.Policy(t.Context(), brandID, scope)
		return err
	})
	return p, err
}

func testPolicy(t *testing.T, s genuine.Store) {
	w := newWorld(t, s)
	brand := w.brand.ID
	_, err := policy(t, s, brand, "brand")
	wantNotFound(t, "Policy of a scope without one", err, "brand")

	full := newPolicy(brand, "brand", 1)
	shadow := &genuine.Policy{Scope: "product:" + gtinA, BrandID: brand, Version: 1, Mode: genuine.ModeShadow,
		Rules: []genuine.Rule{}, CreatedAt: at(2)}
	for _, p := range []*genuine.Policy{full, shadow} {
		if err := putPolicy(t, s, p); err != nil {
			t.Fatalf("PutPolicy(%s): %v", p.Scope, err)
		}
		got, err := policy(t, s, brand, p.Scope)
		if err != nil {
			t.Fatalf("Policy(%s): %v", p.Scope, err)
		}
		same(t, "Policy", got, p)
	}

	orphan := newPolicy(id("brd", 9), "brand", 1)
	wantCode(t, "PutPolicy of a missing brand", putPolicy(t, s, orphan), genuine.ENotFound)
}

func testPolicyVersions(t *testing.T, s genuine.Store) {
	w := newWorld(t, s)
	a, b := w.brand.ID, id("brd", 2)
	update(t, s, func(tx genuine.Tx) error { return tx.CreateBrand(t.Context(), newBrand(2)) })
	batch := "batch:" + id("bat", 1)
	puts := []*genuine.Policy{
		newPolicy(a, "brand", 1),
		newPolicy(a, "brand", 3), // a version may be skipped; the greatest is the latest
		newPolicy(a, "brand", 2), // stored after 3, yet not the latest
		newPolicy(a, "product:"+gtinA, 1),
		newPolicy(a, batch, 1),
		newPolicy(a, batch, 2),
		newPolicy(b, "brand", 1), // another brand's, of the same scope
		newPolicy(b, "brand", 10),
	}
	// Each version differs in its rules, so that a store returning another
	// version's document under this one's number is caught, and is created
	// when it is stored, so that the latest is not the last stored.
	for i, p := range puts {
		p.Rules[3].WithinDays, p.CreatedAt = p.Version, at(i)
		if err := putPolicy(t, s, p); err != nil {
			t.Fatalf("PutPolicy(%s, %s, %d): %v", p.BrandID, p.Scope, p.Version, err)
		}
	}
	for _, tt := range []struct {
		brand, scope string
		want         *genuine.Policy // nil: ENotFound
	}{
		{a, "brand", puts[1]},
		{a, "product:" + gtinA, puts[3]},
		{a, "product:" + gtinB, nil},
		{a, batch, puts[5]},
		{b, "brand", puts[7]},
		{b, "product:" + gtinA, nil},
		{id("brd", 3), "brand", nil},
	} {
		what := fmt.Sprintf("Policy(%s, %s)", tt.brand, tt.scope)
		got, err := policy(t, s, tt.brand, tt.scope)
		if tt.want == nil {
			wantNotFound(t, what, err, tt.scope)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		same(t, what, got, tt.want)
	}

	// FirstPolicy: the most specific scope that has a policy, at its latest
	// version, whatever the order the scopes were stored in.
	batch2 := "batch:" + id("bat", 2)
	for _, tt := range []struct {
		brand  string
		scopes [3]string
		want   *genuine.Policy // nil: ENotFound
	}{
		{a, [3]string{batch, "product:" + gtinA, "brand"}, puts[5]},
		{a, [3]string{batch2, "product:" + gtinA, "brand"}, puts[3]},
		{a, [3]string{batch2, "product:" + gtinB, "brand"}, puts[1]},
		{a, [3]string{"brand", batch2, batch}, puts[1]},
		{b, [3]string{batch, "product:" + gtinA, "brand"}, puts[7]},
		{b, [3]string{batch, "product:" + gtinA, "product:" + gtinB}, nil},
		{id("brd", 3), [3]string{batch, "product:" + gtinA, "brand"}, nil},
	} {
		what := fmt.Sprintf("FirstPolicy(%s, %q)", tt.brand, tt.scopes)
		var got *genuine.Policy
		err := s.View(t.Context(), func(tx genuine.Tx) (err error) {
			got, err = tx.FirstPolicy(t.Context(), tt.brand, tt.scopes)
			return err
		})
		if tt.want == nil {
			wantCode(t, what, err, genuine.ENotFound)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		same(t, what, got, tt.want)
	}

	dup := newPolicy(a, "brand", 3)
	dup.Mode = genuine.ModeShadow
	wantCode(t, "PutPolicy of an existing version", putPolicy(t, s, dup), genuine.EConflict)
	if got, err := policy(t, s, a, "brand"); err != nil || got.Mode != genuine.ModeEnforce {
		t.Errorf("after a conflicting PutPolicy, Policy = %+v, %v; want version 3 unchanged", got, err)
	}
}
