package genuine_test

import (
	"context"
	"testing"

	"genuine"
)

// A merchant has a time zone: the one it names, checked, or its region's
// country's; one made before merchants had any takes its region's too.
func TestMerchantTimeZone(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for _, tc := range []struct{ region, given, want, code string }{
		{"CN-GD-SZ", "", "Asia/Shanghai", ""},
		{"GB", "", "Europe/London", ""},
		{"US-CA", "", "UTC", ""},
		{"US-CA", "America/Los_Angeles", "America/Los_Angeles", ""},
		{"CN", "Mars/Olympus_Mons", "", genuine.EInvalid},
		{"CN", "Local", "", genuine.EInvalid},
	} {
		m := &genuine.Merchant{Name: "Shop", Region: tc.region, TimeZone: tc.given}
		err := w.app.CreateMerchant(ctx, w.admin, m)
		if genuine.ErrorCode(err) != tc.code {
			t.Errorf("%s %q: %v, want %q", tc.region, tc.given, err, tc.code)
			continue
		}
		if err != nil {
			continue
		}
		got, err := w.app.Merchant(ctx, w.admin, m.ID)
		if err != nil || got.TimeZone != tc.want {
			t.Errorf("%s %q: time zone %q, %v; want %q", tc.region, tc.given, got.TimeZone, err, tc.want)
		}
	}
	// One stored without a time zone, as before migration 0018.
	old := &genuine.Merchant{ID: "mer_0000000000000000old0", Name: "Old", Region: "JP"}
	if err := w.db.Update(ctx, func(tx genuine.Tx) error { return tx.CreateMerchant(ctx, old) }); err != nil {
		t.Fatal(err)
	}
	if got, err := w.app.Merchant(ctx, w.admin, old.ID); err != nil || got.TimeZone != "Asia/Tokyo" {
		t.Errorf("a merchant stored without a time zone: %+v, %v; want Asia/Tokyo", got, err)
	}
}
