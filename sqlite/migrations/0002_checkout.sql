-- Policies, checkouts and what they leave behind: decisions, alerts,
-- providers' notifications, located scans and providers' own records.
-- Documents (a policy, a payment, a checkout's items, a decision) are JSON
-- text; times are UTC text of fixed width as in 0001.

-- policies keeps every version of every scope's policy ("brand",
-- "product:<gtin>", "batch:<id>"); the latest applies.
CREATE TABLE policies (
	brand_id   TEXT NOT NULL REFERENCES brands (id),
	scope      TEXT NOT NULL,
	version    INTEGER NOT NULL CHECK (version > 0),
	document   TEXT NOT NULL,
	created_at TEXT NOT NULL,
	PRIMARY KEY (brand_id, scope, version)
) WITHOUT ROWID;

-- checkouts keeps a payment's reference and status in columns of their own,
-- in step with the payment document, for look-ups by notification and for
-- the reconciler.
CREATE TABLE checkouts (
	id                TEXT PRIMARY KEY,
	merchant_id       TEXT NOT NULL REFERENCES merchants (id),
	status            TEXT NOT NULL,
	currency          TEXT NOT NULL,
	total             INTEGER NOT NULL,
	provider          TEXT NOT NULL,
	payment           TEXT,
	payment_reference TEXT,
	payment_status    TEXT,
	deadline          TEXT NOT NULL,
	idempotency_key   TEXT NOT NULL,
	request_hash      BLOB NOT NULL,
	items             TEXT NOT NULL,
	created_at        TEXT NOT NULL,
	updated_at        TEXT NOT NULL,
	UNIQUE (merchant_id, idempotency_key),
	UNIQUE (provider, payment_reference)
);

-- The reconciler looks for unpaid checkouts past their deadline or not
-- updated for a while, and for payments that landed on a closed checkout.
CREATE INDEX checkouts_status_deadline ON checkouts (status, deadline);
CREATE INDEX checkouts_status_payment ON checkouts (status, payment_status, updated_at);

-- decisions is append-only. A decision is recorded before its checkout
-- within one transaction, and may concern a GTIN no product has, so neither
-- checkout_id nor gtin is a foreign key. brand_id is NULL for a code no
-- brand owns.
CREATE TABLE decisions (
	id          TEXT PRIMARY KEY,
	brand_id    TEXT REFERENCES brands (id),
	gtin        TEXT NOT NULL,
	serial      TEXT NOT NULL,
	batch_id    TEXT,
	merchant_id TEXT NOT NULL REFERENCES merchants (id),
	checkout_id TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	decision    TEXT NOT NULL,
	created_at  TEXT NOT NULL
);

CREATE INDEX decisions_brand_created ON decisions (brand_id, created_at);

-- alerts holds one row per unit and reason code; a repeat counts it up.
CREATE TABLE alerts (
	id          TEXT PRIMARY KEY,
	brand_id    TEXT NOT NULL REFERENCES brands (id),
	gtin        TEXT NOT NULL,
	serial      TEXT NOT NULL,
	rule        TEXT NOT NULL,
	code        TEXT NOT NULL,
	action      TEXT NOT NULL,
	message     TEXT NOT NULL,
	merchant_id TEXT NOT NULL REFERENCES merchants (id),
	count       INTEGER NOT NULL CHECK (count > 0),
	first_at    TEXT NOT NULL,
	last_at     TEXT NOT NULL,
	UNIQUE (brand_id, gtin, serial, code)
);

CREATE INDEX alerts_brand_last ON alerts (brand_id, last_at);

-- notifications remembers the providers' notifications applied, so that a
-- replayed one is recognised.
CREATE TABLE notifications (
	provider TEXT NOT NULL,
	id       TEXT NOT NULL,
	at       TEXT NOT NULL,
	PRIMARY KEY (provider, id)
) WITHOUT ROWID;

-- unit_scans holds the last located scan of each unit (a checkout at a
-- merchant with coordinates), for the velocity rule. It is a table of its
-- own rather than columns of verifications, whose rows count public
-- verifications only: a unit scanned at a till may never have been
-- verified.
CREATE TABLE unit_scans (
	gtin TEXT NOT NULL REFERENCES products (gtin),
	seq  INTEGER NOT NULL,
	lat  REAL NOT NULL,
	lon  REAL NOT NULL,
	at   TEXT NOT NULL,
	PRIMARY KEY (gtin, seq)
) WITHOUT ROWID;

-- provider_records keeps what a payment provider stores for itself, such as
-- the simulated provider's payments, opaque to genuine.
CREATE TABLE provider_records (
	provider   TEXT NOT NULL,
	key        TEXT NOT NULL,
	data       BLOB NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (provider, key)
) WITHOUT ROWID;
