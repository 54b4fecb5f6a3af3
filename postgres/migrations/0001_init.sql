-- genuine's first schema, the same change as sqlite/migrations/0001_init.sql
-- in PostgreSQL's types: times are timestamptz (to the microsecond), dates
-- are date, lists of regions are text[], secrets and hashes are bytea. The
-- constraints are a safety net under the rules of package genuine, not the
-- rules. Tables whose lists break ties "in the order added" have an
-- identity column, added, where SQLite uses its rowid.

CREATE TABLE brands (
	id             text PRIMARY KEY,
	name           text NOT NULL,
	link_stem      text NOT NULL DEFAULT '',
	lot_in_link    boolean NOT NULL DEFAULT false,
	expiry_in_link boolean NOT NULL DEFAULT false,
	serials        text NOT NULL DEFAULT 'minted',
	active_key     integer NOT NULL DEFAULT 0,
	created_at     timestamptz NOT NULL
);

CREATE TABLE signing_keys (
	brand_id   text NOT NULL REFERENCES brands (id),
	id         integer NOT NULL CHECK (id BETWEEN 0 AND 31),
	secret     bytea NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (brand_id, id)
);

CREATE TABLE merchants (
	id         text PRIMARY KEY,
	name       text NOT NULL,
	region     text NOT NULL,
	lat        double precision,
	lon        double precision,
	created_at timestamptz NOT NULL
);

CREATE TABLE api_keys (
	id          text PRIMARY KEY,
	role        text NOT NULL,
	brand_id    text REFERENCES brands (id),
	merchant_id text REFERENCES merchants (id),
	name        text NOT NULL DEFAULT '',
	hash        bytea NOT NULL UNIQUE,
	created_at  timestamptz NOT NULL
);

CREATE INDEX api_keys_role ON api_keys (role);

CREATE TABLE products (
	gtin       text PRIMARY KEY,
	brand_id   text NOT NULL REFERENCES brands (id),
	name       text NOT NULL,
	-- next_seq is the first sequence number not yet allocated to a batch.
	next_seq   bigint NOT NULL DEFAULT 0 CHECK (next_seq >= 0),
	created_at timestamptz NOT NULL
);

CREATE INDEX products_brand ON products (brand_id);

CREATE TABLE batches (
	id          text PRIMARY KEY,
	brand_id    text NOT NULL REFERENCES brands (id),
	gtin        text NOT NULL REFERENCES products (gtin),
	lot         text NOT NULL,
	expiry      date NOT NULL,
	quantity    bigint NOT NULL CHECK (quantity > 0),
	first_seq   bigint NOT NULL CHECK (first_seq >= 0),
	regions     text[] NOT NULL DEFAULT '{}',
	disposition text NOT NULL,
	serials     text NOT NULL,
	key_id      integer NOT NULL,
	created_at  timestamptz NOT NULL,
	added       bigint GENERATED ALWAYS AS IDENTITY
);

-- The batch owning a sequence number is the one of its product with the
-- greatest first_seq not above it.
CREATE UNIQUE INDEX batches_gtin_first_seq ON batches (gtin, first_seq);
CREATE INDEX batches_brand_created ON batches (brand_id, created_at, added);

CREATE TABLE registered_serials (
	gtin     text NOT NULL REFERENCES products (gtin),
	serial   text NOT NULL,
	batch_id text NOT NULL REFERENCES batches (id),
	seq      bigint NOT NULL,
	PRIMARY KEY (gtin, serial),
	UNIQUE (gtin, seq)
);

CREATE INDEX registered_serials_batch ON registered_serials (batch_id, seq);

-- units holds only the units something happened to alone.
CREATE TABLE units (
	gtin        text NOT NULL REFERENCES products (gtin),
	seq         bigint NOT NULL,
	serial      text NOT NULL,
	batch_id    text NOT NULL REFERENCES batches (id),
	state       text NOT NULL,
	locked_from text,
	checkout_id text,
	updated_at  timestamptz NOT NULL,
	PRIMARY KEY (gtin, seq)
);

CREATE INDEX units_batch_seq ON units (batch_id, seq);

-- events is append-only. added breaks ties between events of the same time
-- in the order they were added.
CREATE TABLE events (
	id         text PRIMARY KEY,
	type       text NOT NULL,
	brand_id   text NOT NULL REFERENCES brands (id),
	batch_id   text NOT NULL REFERENCES batches (id),
	gtin       text NOT NULL REFERENCES products (gtin),
	serial     text NOT NULL DEFAULT '',
	from_seq   bigint,
	to_seq     bigint,
	regions    text[] NOT NULL DEFAULT '{}',
	location   text NOT NULL DEFAULT '',
	actor      text NOT NULL DEFAULT '',
	role       text NOT NULL DEFAULT '',
	note       text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL,
	added      bigint GENERATED ALWAYS AS IDENTITY,
	CHECK ((from_seq IS NULL) = (to_seq IS NULL)),
	CHECK (from_seq IS NULL OR from_seq <= to_seq)
);

CREATE INDEX events_batch_created ON events (batch_id, created_at, added);

CREATE TABLE verifications (
	gtin    text NOT NULL REFERENCES products (gtin),
	seq     bigint NOT NULL,
	count   bigint NOT NULL CHECK (count > 0),
	last_at timestamptz NOT NULL,
	PRIMARY KEY (gtin, seq)
);
