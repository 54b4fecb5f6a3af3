-- An alert need not name a merchant: a shopper's report of a suspected fake
-- (POST /v1/reports) may come from no shop.
ALTER TABLE alerts ALTER COLUMN merchant_id DROP NOT NULL;
