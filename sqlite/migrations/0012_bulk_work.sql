-- Bulk work that must not stall other tenants, and history that must not
-- grow for ever.
--
-- registration_counts keeps how many serials each batch has registered, so
-- that a registration reads one row rather than counting the batch's
-- serials inside the write transaction. It starts from the serials
-- registered so far.
CREATE TABLE registration_counts (
	batch_id   TEXT PRIMARY KEY REFERENCES batches (id),
	registered INTEGER NOT NULL CHECK (registered >= 0)
) WITHOUT ROWID;

INSERT INTO registration_counts (batch_id, registered)
	SELECT batch_id, count(*) FROM registered_serials GROUP BY batch_id;

-- range_work holds a range event recorded but not yet applied to all its
-- units: the units from next_seq to to_seq are still to move. A row goes
-- when its last chunk is applied.
CREATE TABLE range_work (
	event_id   TEXT PRIMARY KEY REFERENCES events (id),
	batch_id   TEXT NOT NULL REFERENCES batches (id),
	type       TEXT NOT NULL,
	next_seq   INTEGER NOT NULL,
	to_seq     INTEGER NOT NULL,
	created_at TEXT NOT NULL,
	CHECK (next_seq <= to_seq)
);

CREATE INDEX range_work_batch ON range_work (batch_id);

-- Pruning finds old notification ids and ended unpaid checkouts by age.
CREATE INDEX notifications_at ON notifications (at);
CREATE INDEX checkouts_ended_deadline ON checkouts (deadline)
	WHERE status IN ('refused', 'expired', 'canceled', 'failed');
