package storetest

import (
	"testing"

	"genuine"
)

func testMerchant(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	lat, lon, zero := 22.543096, 114.057865, 0.0
	ms := []*genuine.Merchant{
		{ID: id("mer", 1), Name: "Shenzhen shop", Region: "CN-GD-SZ", Lat: &lat, Lon: &lon, CreatedAt: at(1), TimeZone: "Asia/Shanghai"},
		{ID: id("mer", 2), Name: "Somewhere", Region: "CN", CreatedAt: at(2), SelfCheckout: genuine.SelfCheckout{Enabled: true, MaxOpenCarts: 5}},
		// Zero coordinates are a place in the Gulf of Guinea, not "none".
		{ID: id("mer", 3), Name: "Null Island", Region: "GH", Lat: &zero, Lon: &zero, CreatedAt: at(3)},
	}
	update(t, s, func(tx genuine.Tx) error {
		for _, m := range ms {
			if err := tx.CreateMerchant(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(tx genuine.Tx) error {
		for _, m := range ms {
			got, err := tx.Merchant(ctx, m.ID)
			if err != nil {
				return err
			}
			same(t, "Merchant", got, m)
		}
		return nil
	})

	missing := id("mer", 4)
	err := s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.Merchant(ctx, missing)
		return err
	})
	wantNotFound(t, "Merchant of a missing id", err, missing)

	dup := *ms[1]
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateMerchant(ctx, &dup) })
	wantCode(t, "CreateMerchant with an existing id", err, genuine.EConflict)
}

// newMerchants creates n merchants in s, numbered from 1, the first at
// coordinates and the others without.
func newMerchants(t *testing.T, s genuine.Store, n int) []*genuine.Merchant {
	t.Helper()
	lat, lon := 22.543096, 114.057865
	ms := make([]*genuine.Merchant, n)
	for i := range ms {
		ms[i] = &genuine.Merchant{ID: id("mer", i+1), Name: "Shop", Region: "CN-GD", CreatedAt: at(i)}
	}
	ms[0].Lat, ms[0].Lon = &lat, &lon
	update(t, s, func(tx genuine.Tx) error {
		for _, m := range ms {
			if err := tx.CreateMerchant(t.Context(), m); err != nil {
				return err
			}
		}
		return nil
	})
	return ms
}
