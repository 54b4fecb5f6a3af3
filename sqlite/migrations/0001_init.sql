-- genuine's first schema. Times are UTC text of fixed width,
-- 2006-01-02T15:04:05.000000000Z, so that they sort as they compare; dates are
-- YYYY-MM-DD; lists are JSON arrays. The constraints are a safety net under
-- the rules of package genuine, not the rules.

CREATE TABLE brands (
	id             TEXT PRIMARY KEY,
	name           TEXT NOT NULL,
	link_stem      TEXT NOT NULL DEFAULT '',
	lot_in_link    INTEGER NOT NULL DEFAULT 0 CHECK (lot_in_link IN (0, 1)),
	expiry_in_link INTEGER NOT NULL DEFAULT 0 CHECK (expiry_in_link IN (0, 1)),
	serials        TEXT NOT NULL DEFAULT 'minted',
	active_key     INTEGER NOT NULL DEFAULT 0,
	created_at     TEXT NOT NULL
);

CREATE TABLE signing_keys (
	brand_id   TEXT NOT NULL REFERENCES brands (id),
	id         INTEGER NOT NULL CHECK (id BETWEEN 0 AND 31),
	secret     BLOB NOT NULL,
	created_at TEXT NOT NULL,
	PRIMARY KEY (brand_id, id)
) WITHOUT ROWID;

CREATE TABLE merchants (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	region     TEXT NOT NULL,
	lat        REAL,
	lon        REAL,
	created_at TEXT NOT NULL
);

CREATE TABLE api_keys (
	id          TEXT PRIMARY KEY,
	role        TEXT NOT NULL,
	brand_id    TEXT REFERENCES brands (id),
	merchant_id TEXT REFERENCES merchants (id),
	name        TEXT NOT NULL DEFAULT '',
	hash        BLOB NOT NULL UNIQUE,
	created_at  TEXT NOT NULL
);

CREATE INDEX api_keys_role ON api_keys (role);

CREATE TABLE products (
	gtin       TEXT PRIMARY KEY,
	brand_id   TEXT NOT NULL REFERENCES brands (id),
	name       TEXT NOT NULL,
	-- next_seq is the first sequence number not yet allocated to a batch.
	next_seq   INTEGER NOT NULL DEFAULT 0 CHECK (next_seq >= 0),
	created_at TEXT NOT NULL
);

CREATE INDEX products_brand ON products (brand_id);

CREATE TABLE batches (
	id          TEXT PRIMARY KEY,
	brand_id    TEXT NOT NULL REFERENCES brands (id),
	gtin        TEXT NOT NULL REFERENCES products (gtin),
	lot         TEXT NOT NULL,
	expiry      TEXT NOT NULL,
	quantity    INTEGER NOT NULL CHECK (quantity > 0),
	first_seq   INTEGER NOT NULL CHECK (first_seq >= 0),
	regions     TEXT NOT NULL DEFAULT '[]',
	disposition TEXT NOT NULL,
	serials     TEXT NOT NULL,
	key_id      INTEGER NOT NULL,
	created_at  TEXT NOT NULL
);

-- The batch owning a sequence number is the one of its product with the
-- greatest first_seq not above it.
CREATE UNIQUE INDEX batches_gtin_first_seq ON batches (gtin, first_seq);
CREATE INDEX batches_brand_created ON batches (brand_id, created_at);

CREATE TABLE registered_serials (
	gtin     TEXT NOT NULL REFERENCES products (gtin),
	serial   TEXT NOT NULL,
	batch_id TEXT NOT NULL REFERENCES batches (id),
	seq      INTEGER NOT NULL,
	PRIMARY KEY (gtin, serial),
	UNIQUE (gtin, seq)
) WITHOUT ROWID;

CREATE INDEX registered_serials_batch ON registered_serials (batch_id, seq);

-- units holds only the units something happened to alone.
CREATE TABLE units (
	gtin        TEXT NOT NULL REFERENCES products (gtin),
	seq         INTEGER NOT NULL,
	serial      TEXT NOT NULL,
	batch_id    TEXT NOT NULL REFERENCES batches (id),
	state       TEXT NOT NULL,
	locked_from TEXT,
	checkout_id TEXT,
	updated_at  TEXT NOT NULL,
	PRIMARY KEY (gtin, seq)
) WITHOUT ROWID;

CREATE INDEX units_batch_seq ON units (batch_id, seq);

-- events is append-only. Its rowid breaks ties between events of the same
-- time in the order they were added.
CREATE TABLE events (
	id         TEXT PRIMARY KEY,
	type       TEXT NOT NULL,
	brand_id   TEXT NOT NULL REFERENCES brands (id),
	batch_id   TEXT NOT NULL REFERENCES batches (id),
	gtin       TEXT NOT NULL REFERENCES products (gtin),
	serial     TEXT NOT NULL DEFAULT '',
	from_seq   INTEGER,
	to_seq     INTEGER,
	regions    TEXT NOT NULL DEFAULT '[]',
	location   TEXT NOT NULL DEFAULT '',
	actor      TEXT NOT NULL DEFAULT '',
	role       TEXT NOT NULL DEFAULT '',
	note       TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	CHECK ((from_seq IS NULL) = (to_seq IS NULL)),
	CHECK (from_seq IS NULL OR from_seq <= to_seq)
);

CREATE INDEX events_batch_created ON events (batch_id, created_at);

CREATE TABLE verifications (
	gtin    TEXT NOT NULL REFERENCES products (gtin),
	seq     INTEGER NOT NULL,
	count   INTEGER NOT NULL CHECK (count > 0),
	last_at TEXT NOT NULL,
	PRIMARY KEY (gtin, seq)
) WITHOUT ROWID;
