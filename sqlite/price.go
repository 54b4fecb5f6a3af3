package sqlite

import (
	"context"

	"genuine"
)

const (
	deletePrices = `DELETE FROM merchant_prices WHERE merchant_id = ?`
	insertPrice  = `INSERT INTO merchant_prices (merchant_id, gtin, price, currency) VALUES (?, ?, ?, ?)`
	selectPrices = `SELECT gtin, price, currency FROM merchant_prices WHERE merchant_id = ? ORDER BY gtin`
	selectPrice  = `SELECT gtin, price, currency FROM merchant_prices WHERE merchant_id = ? AND gtin = ?`
)

// ReplacePrices replaces a merchant's price list.
func (t *tx) ReplacePrices(ctx context.Context, merchantID string, prices []genuine.Price) error {
	if _, err := t.exec(ctx, deletePrices, merchantID); err != nil {
		return storeError(err, "prices of merchant %s", merchantID)
	}
	for _, p := range prices {
		if _, err := t.exec(ctx, insertPrice, merchantID, p.GTIN, p.Price, p.Currency); err != nil {
			return storeError(err, "price of %s at merchant %s", p.GTIN, merchantID)
		}
	}
	return nil
}

// Prices returns a merchant's price list in order of GTIN.
func (t *tx) Prices(ctx context.Context, merchantID string) ([]genuine.Price, error) {
	rows, err := t.query(ctx, selectPrices, merchantID)
	if err != nil {
		return nil, storeError(err, "prices of merchant %s", merchantID)
	}
	defer rows.Close()
	var out []genuine.Price
	for rows.Next() {
		var p genuine.Price
		if err := rows.Scan(&p.GTIN, &p.Price, &p.Currency); err != nil {
			return nil, storeError(err, "prices of merchant %s", merchantID)
		}
		out = append(out, p)
	}
	return out, storeError(rows.Err(), "prices of merchant %s", merchantID)
}

// Price returns the line of a merchant's price list for a GTIN.
func (t *tx) Price(ctx context.Context, merchantID, gtin string) (*genuine.Price, error) {
	var p genuine.Price
	err := t.queryRow(ctx, selectPrice, merchantID, gtin).Scan(&p.GTIN, &p.Price, &p.Currency)
	if err != nil {
		return nil, storeError(err, "price of %s at merchant %s", gtin, merchantID)
	}
	return &p, nil
}
