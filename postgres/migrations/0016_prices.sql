-- Merchants' price lists: what each sells a product's units for, in minor
-- units of an ISO 4217 currency, one line per GTIN.
CREATE TABLE merchant_prices (
	merchant_id text NOT NULL REFERENCES merchants (id),
	gtin        text NOT NULL,
	price       bigint NOT NULL,
	currency    text NOT NULL,
	PRIMARY KEY (merchant_id, gtin)
);
