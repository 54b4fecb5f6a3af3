-- A unit's journey is read without reading the events of the rest of its
-- batch; the same change as sqlite/migrations/0003_unit_events.sql.
-- events_unit finds a batch's own events (from_seq NULL) and a unit's own
-- (from_seq = to_seq); events_range holds only the events of ranges of
-- units, few in a batch, among which those that cover a unit are found.
CREATE INDEX events_unit ON events (batch_id, from_seq, to_seq);
CREATE INDEX events_range ON events (batch_id, from_seq) WHERE from_seq < to_seq;
