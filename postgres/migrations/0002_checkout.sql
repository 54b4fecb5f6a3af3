-- Policies, checkouts and what they leave behind: decisions, alerts,
-- providers' notifications, located scans and providers' own records; the
-- same change as sqlite/migrations/0002_checkout.sql. Documents (a policy,
-- a payment, a checkout's items, a decision) are JSON kept as text, not
-- jsonb: no query looks inside them, and a policy's GeoJSON geofences must
-- come back byte for byte, where jsonb would reorder keys and respace them.

-- policies keeps every version of every scope's policy ("brand",
-- "product:<gtin>", "batch:<id>"); the latest applies.
CREATE TABLE policies (
	brand_id   text NOT NULL REFERENCES brands (id),
	scope      text NOT NULL,
	version    integer NOT NULL CHECK (version > 0),
	document   text NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (brand_id, scope, version)
);

-- checkouts keeps a payment's reference and status in columns of their own,
-- in step with the payment document, for look-ups by notification and for
-- the reconciler.
CREATE TABLE checkouts (
	id                text PRIMARY KEY,
	merchant_id       text NOT NULL REFERENCES merchants (id),
	status            text NOT NULL,
	currency          text NOT NULL,
	total             bigint NOT NULL,
	provider          text NOT NULL,
	payment           text,
	payment_reference text,
	payment_status    text,
	deadline          timestamptz NOT NULL,
	idempotency_key   text NOT NULL,
	request_hash      bytea NOT NULL,
	items             text NOT NULL,
	created_at        timestamptz NOT NULL,
	updated_at        timestamptz NOT NULL,
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
	id          text PRIMARY KEY,
	brand_id    text REFERENCES brands (id),
	gtin        text NOT NULL,
	serial      text NOT NULL,
	batch_id    text,
	merchant_id text NOT NULL REFERENCES merchants (id),
	checkout_id text NOT NULL,
	outcome     text NOT NULL,
	decision    text NOT NULL,
	created_at  timestamptz NOT NULL,
	added       bigint GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX decisions_brand_created ON decisions (brand_id, created_at, added);

-- alerts holds one row per unit and reason code; a repeat counts it up.
-- added orders the alerts raised at the same time by when each was first
-- raised.
CREATE TABLE alerts (
	id          text PRIMARY KEY,
	brand_id    text NOT NULL REFERENCES brands (id),
	gtin        text NOT NULL,
	serial      text NOT NULL,
	rule        text NOT NULL,
	code        text NOT NULL,
	action      text NOT NULL,
	message     text NOT NULL,
	merchant_id text NOT NULL REFERENCES merchants (id),
	count       bigint NOT NULL CHECK (count > 0),
	first_at    timestamptz NOT NULL,
	last_at     timestamptz NOT NULL,
	added       bigint GENERATED ALWAYS AS IDENTITY,
	UNIQUE (brand_id, gtin, serial, code)
);

CREATE INDEX alerts_brand_last ON alerts (brand_id, last_at, added);

-- notifications remembers the providers' notifications applied, so that a
-- replayed one is recognised.
CREATE TABLE notifications (
	provider text NOT NULL,
	id       text NOT NULL,
	at       timestamptz NOT NULL,
	PRIMARY KEY (provider, id)
);

-- unit_scans holds the last located scan of each unit (a checkout at a
-- merchant with coordinates), for the velocity rule. It is a table of its
-- own rather than columns of verifications, whose rows count public
-- verifications only: a unit scanned at a till may never have been
-- verified.
CREATE TABLE unit_scans (
	gtin text NOT NULL REFERENCES products (gtin),
	seq  bigint NOT NULL,
	lat  double precision NOT NULL,
	lon  double precision NOT NULL,
	at   timestamptz NOT NULL,
	PRIMARY KEY (gtin, seq)
);

-- provider_records keeps what a payment provider stores for itself, such as
-- the simulated provider's payments, opaque to genuine.
CREATE TABLE provider_records (
	provider   text NOT NULL,
	key        text NOT NULL,
	data       bytea NOT NULL,
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (provider, key)
);
