package postgres

import (
	"context"

	"genuine"
)

const (
	deletePrices = `DELETE FROM merchant_prices WHERE merchant_id = $1`
	// insertPrices inserts a whole list in one statement.
	insertPrices = `INSERT INTO merchant_prices (merchant_id, gtin, price, currency)
	SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::text[])`
	selectPrices = `SELECT gtin, price, currency FROM merchant_prices WHERE merchant_id = $1 ORDER BY gtin`
	selectPrice  = `SELECT gtin, price, currency FROM merchant_prices WHERE merchant_id = $1 AND gtin = $2`
)

// ReplacePrices replaces a merchant's price list.
func (t *tx) ReplacePrices(ctx context.Context, merchantID string, prices []genuine.Price) error {
	if _, err := t.exec(ctx, deletePrices, merchantID); err != nil {
		return storeError(err, "prices of merchant %s", merchantID)
	}
	if len(prices) == 0 {
		return nil
	}
	gtins := make([]string, len(prices))
	amounts := make([]int64, len(prices))
	currencies := make([]string, len(prices))
	for i, p := range prices {
		gtins[i], amounts[i], currencies[i] = p.GTIN, p.Price, p.Currency
	}
	_, err := t.exec(ctx, insertPrices, merchantID, gtins, amounts, currencies)
	return storeError(err, "prices of merchant %s", merchantID)
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
