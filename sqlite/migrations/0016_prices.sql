-- Merchants' price lists: what each sells a product's units for, in minor
-- units of an ISO 4217 currency, one line per GTIN.
CREATE TABLE merchant_prices (
	merchant_id TEXT NOT NULL REFERENCES merchants (id),
	gtin        TEXT NOT NULL,
	price       INTEGER NOT NULL,
	currency    TEXT NOT NULL,
	PRIMARY KEY (merchant_id, gtin)
) WITHOUT ROWID;
