package storetest

import (
	"slices"
	"testing"

	"genuine"
)

// ReplacePrices replaces one merchant's price list and no other's; Prices
// reads a list back in order of GTIN, Price one line, ENotFound for a GTIN
// not on the list; an empty list clears it.
func testPrices(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	m1 := &genuine.Merchant{ID: id("mer", 1), Name: "Shop 1", Region: "CN-GD", CreatedAt: at(0)}
	m2 := &genuine.Merchant{ID: id("mer", 2), Name: "Shop 2", Region: "CN-GD", CreatedAt: at(0)}
	first := []genuine.Price{
		{GTIN: "09520123456795", Price: 2500, Currency: "CNY"},
		{GTIN: "09520123456788", Price: 3500, Currency: "CNY"},
	}
	other := []genuine.Price{{GTIN: "09520123456788", Price: 999, Currency: "USD"}}
	update(t, s, func(tx genuine.Tx) error {
		for _, m := range []*genuine.Merchant{m1, m2} {
			if err := tx.CreateMerchant(ctx, m); err != nil {
				return err
			}
		}
		if err := tx.ReplacePrices(ctx, m1.ID, first); err != nil {
			return err
		}
		return tx.ReplacePrices(ctx, m2.ID, other)
	})
	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.Prices(ctx, m1.ID)
		if err != nil {
			return err
		}
		samePrices(t, "Prices(m1), by GTIN", got, []genuine.Price{first[1], first[0]})
		p, err := tx.Price(ctx, m2.ID, "09520123456788")
		if err != nil {
			return err
		}
		same(t, "Price(m2)", p, &other[0])
		_, err = tx.Price(ctx, m2.ID, "09520123456795")
		wantCode(t, "Price of a GTIN not on the list", err, genuine.ENotFound)
		return nil
	})
	// A new list replaces the whole of the old one, and no other merchant's.
	second := []genuine.Price{{GTIN: "09520123456801", Price: 0, Currency: "JPY"}}
	update(t, s, func(tx genuine.Tx) error { return tx.ReplacePrices(ctx, m1.ID, second) })
	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.Prices(ctx, m1.ID)
		if err != nil {
			return err
		}
		samePrices(t, "Prices(m1) after a replace", got, second)
		_, err = tx.Price(ctx, m1.ID, first[0].GTIN)
		wantCode(t, "Price of a line replaced", err, genuine.ENotFound)
		got, err = tx.Prices(ctx, m2.ID)
		if err != nil {
			return err
		}
		samePrices(t, "Prices(m2) after m1's replace", got, other)
		return nil
	})
	update(t, s, func(tx genuine.Tx) error { return tx.ReplacePrices(ctx, m1.ID, nil) })
	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.Prices(ctx, m1.ID)
		if err != nil {
			return err
		}
		samePrices(t, "Prices(m1) after clearing", got, nil)
		return nil
	})
	err := s.Update(ctx, func(tx genuine.Tx) error {
		return tx.ReplacePrices(ctx, id("mer", 7), other)
	})
	if err == nil {
		t.Error("ReplacePrices of a merchant that does not exist succeeded")
	}
}

func samePrices(t *testing.T, what string, got, want []genuine.Price) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
