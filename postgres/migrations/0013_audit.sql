-- The audit trail; the same tables as sqlite/migrations/0013_audit.sql.
-- A change writes its record into audit_records in its own transaction;
-- the chainer then links each record, in the order it finds them, to the
-- one before by hash in audit_chain. genuine never updates or deletes a row
-- of either. Record ids come from an identity sequence: they are unique and
-- grow, but a transaction may commit a record after one with a higher id is
-- chained, so the chainer looks back (App.ChainAudit). detail is text, not
-- jsonb, so that it is kept byte for byte as hashed.
CREATE TABLE audit_records (
	id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at       timestamptz NOT NULL,
	key_id   text NOT NULL,
	role     text NOT NULL,
	org      text NOT NULL,
	brand_id text NOT NULL,
	action   text NOT NULL,
	subject  text NOT NULL,
	detail   text NOT NULL
);
CREATE INDEX audit_records_brand ON audit_records (brand_id, id);

CREATE TABLE audit_chain (
	seq       bigint PRIMARY KEY CHECK (seq > 0),
	record_id bigint NOT NULL UNIQUE,
	hash      bytea NOT NULL CHECK (length(hash) = 32)
);
