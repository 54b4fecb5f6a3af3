-- Self-checkout on shoppers' phones (/shop/{merchant}): each merchant's
-- setting (off by default; max_open_carts 0 takes the server's default),
-- the channel a checkout was made on ('' at a till, 'self_checkout'), the
-- shoppers' sessions (hash is the SHA-256 hash of the token only the phone
-- holds) and their carts.
ALTER TABLE merchants ADD COLUMN self_checkout INTEGER NOT NULL DEFAULT 0;
ALTER TABLE merchants ADD COLUMN max_open_carts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE checkouts ADD COLUMN channel TEXT NOT NULL DEFAULT '';

CREATE TABLE shop_sessions (
	hash        BLOB PRIMARY KEY,
	merchant_id TEXT NOT NULL REFERENCES merchants (id),
	created_at  TEXT NOT NULL,
	expires_at  TEXT NOT NULL
);

-- For pruning expired sessions with their carts.
CREATE INDEX shop_sessions_expires_at ON shop_sessions (expires_at);

-- A cart's items are a JSON document; checkout_id is '' until its checkout
-- is known, and names no row (checkouts that ended unpaid are pruned).
CREATE TABLE carts (
	id           TEXT PRIMARY KEY,
	session_hash BLOB NOT NULL REFERENCES shop_sessions (hash),
	merchant_id  TEXT NOT NULL REFERENCES merchants (id),
	status       TEXT NOT NULL,
	currency     TEXT NOT NULL,
	items        TEXT NOT NULL,
	attempt      INTEGER NOT NULL,
	checkout_id  TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL,
	expires_at   TEXT NOT NULL
);

-- A session's carts, newest first.
CREATE INDEX carts_session ON carts (session_hash, created_at);
-- A merchant's open carts, counted against its limit.
CREATE INDEX carts_open ON carts (merchant_id, expires_at) WHERE status IN ('open', 'paying');
