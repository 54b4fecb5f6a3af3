-- What verification trusts (issue 17).
--
-- GS1 company prefixes an admin registers to a brand: a brand with any
-- makes products only inside them, and no two brands hold overlapping
-- prefixes (the App checks overlaps; the key keeps one prefix to one
-- brand).
CREATE TABLE gs1_prefixes (
	prefix   TEXT PRIMARY KEY CHECK (length(prefix) BETWEEN 6 AND 12),
	brand_id TEXT NOT NULL REFERENCES brands (id)
) WITHOUT ROWID;

CREATE INDEX gs1_prefixes_brand ON gs1_prefixes (brand_id);

-- The velocity rule counts the distinct clients that verified a unit, not
-- its page loads. Each client is kept as a keyed hash of its address,
-- never the address; clients counts the unit's rows here, which
-- AddVerifications keeps in step. No foreign key: a row is written only
-- with its unit's verification count, which checks the product.
CREATE TABLE verification_clients (
	gtin   TEXT NOT NULL,
	seq    INTEGER NOT NULL,
	client BLOB NOT NULL,
	PRIMARY KEY (gtin, seq, client)
) WITHOUT ROWID;

ALTER TABLE verifications ADD COLUMN clients INTEGER NOT NULL DEFAULT 0;
