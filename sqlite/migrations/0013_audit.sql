-- The audit trail (docs/architecture.md, "The audit trail"). A change writes
-- its record into audit_records in its own transaction; the chainer then
-- links each record, in the order it finds them, to the one before by hash
-- in audit_chain. genuine never updates or deletes a row of either: a
-- record edited or deleted, or one added outside the chain, is found by
-- `genuine audit verify`. detail is text, kept byte for byte as hashed.
CREATE TABLE audit_records (
	id       INTEGER PRIMARY KEY,
	at       TEXT NOT NULL,
	key_id   TEXT NOT NULL,
	role     TEXT NOT NULL,
	org      TEXT NOT NULL,
	brand_id TEXT NOT NULL,
	action   TEXT NOT NULL,
	subject  TEXT NOT NULL,
	detail   TEXT NOT NULL
);
-- A brand reads its own records, newest first.
CREATE INDEX audit_records_brand ON audit_records (brand_id, id);

CREATE TABLE audit_chain (
	seq       INTEGER PRIMARY KEY CHECK (seq > 0),
	record_id INTEGER NOT NULL UNIQUE,
	hash      BLOB NOT NULL CHECK (length(hash) = 32)
);
