-- An alert need not name a merchant: a shopper's report of a suspected fake
-- (POST /v1/reports) may come from no shop. SQLite cannot drop a NOT NULL
-- constraint, so the table is rebuilt, rowids (the order of alerts raised
-- at the same time) kept.
CREATE TABLE alerts_new (
	id          TEXT PRIMARY KEY,
	brand_id    TEXT NOT NULL REFERENCES brands (id),
	gtin        TEXT NOT NULL,
	serial      TEXT NOT NULL,
	rule        TEXT NOT NULL,
	code        TEXT NOT NULL,
	action      TEXT NOT NULL,
	message     TEXT NOT NULL,
	merchant_id TEXT REFERENCES merchants (id),
	count       INTEGER NOT NULL CHECK (count > 0),
	first_at    TEXT NOT NULL,
	last_at     TEXT NOT NULL,
	UNIQUE (brand_id, gtin, serial, code)
);

INSERT INTO alerts_new (rowid, id, brand_id, gtin, serial, rule, code, action, message, merchant_id, count, first_at, last_at)
SELECT rowid, id, brand_id, gtin, serial, rule, code, action, message, merchant_id, count, first_at, last_at FROM alerts;

DROP TABLE alerts;
ALTER TABLE alerts_new RENAME TO alerts;
CREATE INDEX alerts_brand_last ON alerts (brand_id, last_at);
