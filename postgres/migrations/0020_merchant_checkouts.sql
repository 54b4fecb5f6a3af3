-- A merchant's checkouts, newest first: the till's recent sales
-- (GET /v1/checkouts), read a page at a time.
CREATE INDEX checkouts_merchant_created ON checkouts (merchant_id, created_at, id);
