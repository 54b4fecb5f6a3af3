package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"slices"

	"genuine"
)

// eventColumns are the columns scanEvent reads, in its order.
const eventColumns = `id, type, brand_id, batch_id, gtin, serial, from_seq, to_seq, regions,
	location, actor, role, actor_org, merchant_id, note, created_at`

const insertEvent = `
	INSERT INTO events (` + eventColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// AddEvent appends an event; EConflict if its id exists.
func (t *tx) AddEvent(ctx context.Context, e *genuine.Event) error {
	regions, err := regionsValue(e.Regions)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, insertEvent,
		e.ID, e.Type, e.BrandID, e.BatchID, e.GTIN, e.Serial, nullInt(e.FromSeq), nullInt(e.ToSeq),
		regions, e.Location, e.Actor, e.Role, e.Org, e.MerchantID, e.Note, timeValue(e.CreatedAt))
	return storeError(err, "event %s", e.ID)
}

// selectEvents reads the events of batch ?1, at most ?2 (-1 for no
// limit).
const selectEvents = `
	SELECT ` + eventColumns + `
	FROM events
	WHERE batch_id = ?1
	ORDER BY created_at, rowid
	LIMIT ?2`

// unitEvents is the condition of the events of batch ?1 that concern its
// unit ?2: the batch's own events, the unit's own, and those of ranges
// covering it. Each term is searched in an index of its own (0003) and
// the rows found are merged (a MULTI-INDEX OR), so that the events of the
// batch's other units are never read, and no temporary table is built.
// (TestUnitEventsPlan checks the plan.)
const unitEvents = `
	(batch_id = ?1 AND from_seq IS NULL)
	OR (batch_id = ?1 AND from_seq = ?2 AND to_seq = ?2)
	OR (batch_id = ?1 AND from_seq < to_seq AND from_seq <= ?2 AND to_seq >= ?2)`

// fromUnitEvents selects the events of batch ?1 concerning its unit ?2
// (unitEvents) in their order, at most ?3 (-1 for no limit).
const fromUnitEvents = `
	FROM events
	WHERE ` + unitEvents + `
	ORDER BY created_at, rowid
	LIMIT ?3`

// selectUnitEvents reads the events of a unit (fromUnitEvents).
const selectUnitEvents = `
	SELECT ` + eventColumns + fromUnitEvents

// selectJourney reads what the public sees of the events of a unit.
const selectJourney = `
	SELECT type, created_at, location` + fromUnitEvents

// selectUnitJourney reads, in a row of kind 0, the disposition of the
// batch and the own row and verification count of its unit of product ?4
// (NULLs and 0 if it has none), then, in a row of kind 1 each, events of
// the journey, at most ?3 (-1 for no limit): selectJourney's columns and
// the rowid that orders them, in no order. A UNION ALL, neither ordered
// nor cut to the journey's first events, so that SQLite builds no
// temporary table: each has a pager and page cache of its own, allocated
// under the one lock of modernc.org/libc's allocator that every read
// connection contends for. UnitJourney asks for one event more than it
// returns and orders them in Go (sortJourney); a longer journey it reads
// again with selectLongUnitJourney.
const selectUnitJourney = unitJourneyHead + `
	SELECT * FROM (
		SELECT 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, type, created_at, location, rowid
		FROM events
		WHERE ` + unitEvents + `
		LIMIT ?3)`

// selectLongUnitJourney is selectUnitJourney with the first ?3 events of
// the journey, in order: SQLite keeps them in a temporary table.
const selectLongUnitJourney = unitJourneyHead + `
	SELECT * FROM (
		SELECT 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, type, created_at, location, rowid` + fromUnitEvents + `)`

// unitJourneyHead is the row of kind 0 of selectUnitJourney.
const unitJourneyHead = `
	SELECT 0, b.disposition, ` + joinedUnitColumns + `, NULL, NULL, NULL, NULL
	FROM batches AS b
	LEFT JOIN units AS u ON u.gtin = ?4 AND u.seq = ?2
	LEFT JOIN verifications AS v ON v.gtin = ?4 AND v.seq = ?2
	WHERE b.id = ?1
	UNION ALL`

// UnitJourney returns a batch's disposition (ENotFound if there is no
// such batch), the unit's own row (nil if it has none), its stored
// verification count and its journey, in one statement; in two for a
// journey longer than limit, the second read whole.
func (t *tx) UnitJourney(ctx context.Context, batchID, gtin string, seq int64, limit int) (genuine.Disposition, *genuine.Unit, int64, []genuine.PublicEvent, error) {
	more := -1 // no limit
	if limit > 0 {
		more = limit + 1
	}
	d, u, n, events, err := t.unitJourney(ctx, selectUnitJourney, batchID, gtin, seq, more)
	if err == nil && limit > 0 && len(events) > limit {
		// A long journey: its first events, in order, and the rest
		// again, so that all is of one statement's snapshot.
		d, u, n, events, err = t.unitJourney(ctx, selectLongUnitJourney, batchID, gtin, seq, limit)
	}
	if err != nil {
		return "", nil, 0, nil, err
	}
	return d, u, n, sortJourney(events), nil
}

// unitJourney reads UnitJourney's answer with the query given,
// selectUnitJourney or selectLongUnitJourney, and at most limit events
// (-1 for no limit), in the order the statement gives them.
func (t *tx) unitJourney(ctx context.Context, query, batchID, gtin string, seq int64, limit int) (genuine.Disposition, *genuine.Unit, int64, []journeyEvent, error) {
	rows, err := t.query(ctx, query, batchID, seq, limit, gtin)
	if err != nil {
		return "", nil, 0, nil, storeError(err, "batch %s", batchID)
	}
	defer rows.Close()
	var (
		disposition genuine.Disposition
		j           joinedUnit
		events      []journeyEvent
		found       bool
	)
	for rows.Next() {
		var (
			kind                 int
			d, typ, at, location sql.NullString
			row                  joinedUnit
			rowid                sql.NullInt64
		)
		if err := rows.Scan(append(append([]any{&kind, &d}, row.dest()...), &typ, &at, &location, &rowid)...); err != nil {
			return "", nil, 0, nil, storeError(err, "batch %s", batchID)
		}
		if kind == 0 {
			found, disposition, j = true, genuine.Disposition(d.String), row
			continue
		}
		e := genuine.PublicEvent{Type: genuine.EventType(typ.String), Location: location.String}
		if err := scanTime(&e.At).Scan(at.String); err != nil {
			return "", nil, 0, nil, storeError(err, "journey of unit %d of batch %s", seq, batchID)
		}
		events = append(events, journeyEvent{e, rowid.Int64})
	}
	if err := rows.Err(); err != nil {
		return "", nil, 0, nil, storeError(err, "batch %s", batchID)
	}
	if !found {
		return "", nil, 0, nil, genuine.Errorf(genuine.ENotFound, "batch %s not found", batchID)
	}
	u, err := j.unit(gtin, seq)
	if err != nil {
		return "", nil, 0, nil, err
	}
	return disposition, u, j.count, events, nil
}

// Journey returns what the public sees of the events Events returns for
// the unit with sequence number seq: each one's type, time and location.
func (t *tx) Journey(ctx context.Context, batchID string, seq int64, limit int) ([]genuine.PublicEvent, error) {
	rows, err := t.query(ctx, selectJourney, batchID, seq, limitArg(limit))
	if err != nil {
		return nil, storeError(err, "journey of unit %d of batch %s", seq, batchID)
	}
	defer rows.Close()
	var es []genuine.PublicEvent
	for rows.Next() {
		var e genuine.PublicEvent
		if err := rows.Scan(&e.Type, scanTime(&e.At), &e.Location); err != nil {
			return nil, storeError(err, "journey of unit %d of batch %s", seq, batchID)
		}
		es = append(es, e)
	}
	return es, storeError(rows.Err(), "journey of unit %d of batch %s", seq, batchID)
}

// Events returns the events of a batch that concern the unit with sequence
// number seq (batch events, range events covering it, its own events), or
// all of the batch's events if seq is nil, oldest first, at most limit; no
// limit if limit is not positive. Events of the same time come in the order
// they were added.
func (t *tx) Events(ctx context.Context, batchID string, seq *int64, limit int) ([]*genuine.Event, error) {
	var rows *sql.Rows
	var err error
	if seq == nil {
		rows, err = t.query(ctx, selectEvents, batchID, limitArg(limit))
	} else {
		rows, err = t.query(ctx, selectUnitEvents, batchID, *seq, limitArg(limit))
	}
	if err != nil {
		return nil, storeError(err, "events of batch %s", batchID)
	}
	defer rows.Close()
	var es []*genuine.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, storeError(err, "events of batch %s", batchID)
		}
		es = append(es, e)
	}
	return es, storeError(rows.Err(), "events of batch %s", batchID)
}

// scanEvent reads the eventColumns of one row.
func scanEvent(s scanner) (*genuine.Event, error) {
	var e genuine.Event
	var from, to sql.NullInt64
	err := s.Scan(&e.ID, &e.Type, &e.BrandID, &e.BatchID, &e.GTIN, &e.Serial, &from, &to,
		scanRegions(&e.Regions), &e.Location, &e.Actor, &e.Role, &e.Org, &e.MerchantID, &e.Note, scanTime(&e.CreatedAt))
	if err != nil {
		return nil, err
	}
	if from.Valid {
		e.FromSeq = &from.Int64
	}
	if to.Valid {
		e.ToSeq = &to.Int64
	}
	return &e, nil
}

// nullInt returns *n, or NULL for nil.
func nullInt(n *int64) any {
	if n == nil {
		return nil
	}
	return *n
}

// limitArg is the LIMIT argument for at most limit rows, or for no limit
// (SQLite's -1) if limit is not positive.
func limitArg(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}

// journeyEvent is an event of a journey and the rowid that orders it
// among events of the same time.
type journeyEvent struct {
	genuine.PublicEvent
	rowid int64
}

// sortJourney returns the events of a journey read by selectUnitJourney,
// whose rows SQLite gives in no promised order, in the order of
// fromUnitEvents: by time, then by rowid.
func sortJourney(events []journeyEvent) []genuine.PublicEvent {
	slices.SortFunc(events, func(a, b journeyEvent) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.rowid, b.rowid)
	})
	var es []genuine.PublicEvent
	for _, e := range events {
		es = append(es, e.PublicEvent)
	}
	return es
}
