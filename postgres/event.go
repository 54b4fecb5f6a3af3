package postgres

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"genuine"
)

// eventColumns are the columns scanEvent reads, in its order.
const eventColumns = `id, type, brand_id, batch_id, gtin, serial, from_seq, to_seq, regions,
	location, actor, role, actor_org, merchant_id, note, created_at`

const insertEvent = `
	INSERT INTO events (` + eventColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`

// AddEvent appends an event; EConflict if its id exists.
func (t *tx) AddEvent(ctx context.Context, e *genuine.Event) error {
	// Copies, since the insert may be sent after AddEvent returns.
	from, to := copyOf(e.FromSeq), copyOf(e.ToSeq)
	t.execLater("event "+e.ID, insertEvent,
		e.ID, e.Type, e.BrandID, e.BatchID, e.GTIN, e.Serial, from, to,
		slices.Clone(regionsValue(e.Regions)), e.Location, e.Actor, e.Role, e.Org, e.MerchantID, e.Note, e.CreatedAt)
	return nil
}

// copyOf returns a pointer to a copy of *p, nil if p is nil.
func copyOf[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// selectEvents reads the events of batch $1, at most $2.
const selectEvents = `
	SELECT ` + eventColumns + `
	FROM events
	WHERE batch_id = $1
	ORDER BY created_at, added
	LIMIT $2`

// unitEventsQuery returns the query of columns of the events of batch $1
// concerning its unit $2, at most $3: the batch's own events, the unit's
// own, and those of ranges covering it, each found through an index
// (0003), so that the events of the batch's other units are never read.
// Each branch selects only columns (and added), which are what is sorted.
func unitEventsQuery(columns string) string {
	return `
	SELECT ` + columns + `
	FROM (
		SELECT ` + columns + `, added FROM events WHERE batch_id = $1 AND from_seq IS NULL
		UNION ALL
		SELECT ` + columns + `, added FROM events WHERE batch_id = $1 AND from_seq = $2 AND to_seq = $2
		UNION ALL
		SELECT ` + columns + `, added FROM events
		WHERE batch_id = $1 AND from_seq < to_seq AND from_seq <= $2 AND to_seq >= $2
	) AS e
	ORDER BY created_at, added
	LIMIT $3`
}

// selectUnitEvents reads the events of a unit; selectJourney what the
// public sees of them.
var (
	selectUnitEvents = unitEventsQuery(eventColumns)
	selectJourney    = unitEventsQuery("type, created_at, location")
)

// selectUnitJourney reads the disposition of the batch, the own row and
// verification count of its unit of product $4 (NULLs and 0 if it has
// none), and selectJourney's columns: one row for each event of the
// journey, in its order, or one with NULL events if it has none.
var selectUnitJourney = `
	SELECT b.disposition, ` + joinedUnitColumns + `, e.type, e.created_at, e.location
	FROM batches AS b
	LEFT JOIN units AS u ON u.gtin = $4 AND u.seq = $2
	LEFT JOIN verifications AS v ON v.gtin = $4 AND v.seq = $2
	LEFT JOIN (` + unitEventsQuery("type, created_at, location, added AS n") + `) AS e ON true
	WHERE b.id = $1
	ORDER BY e.created_at, e.n`

// UnitJourney returns a batch's disposition (ENotFound if there is no
// such batch), the unit's own row (nil if it has none), its stored
// verification count and its journey, in one statement.
func (t *tx) UnitJourney(ctx context.Context, batchID, gtin string, seq int64, limit int) (genuine.Disposition, *genuine.Unit, int64, []genuine.PublicEvent, error) {
	rows, err := t.query(ctx, selectUnitJourney, batchID, seq, limitArg(limit), gtin)
	if err != nil {
		return "", nil, 0, nil, storeError(err, "batch %s", batchID)
	}
	defer rows.Close()
	var (
		disposition genuine.Disposition
		j           joinedUnit
		es          []genuine.PublicEvent
		found       bool
	)
	for rows.Next() {
		var typ, location *string
		var at *time.Time
		if err := rows.Scan(append([]any{&disposition}, append(j.dest(), &typ, &at, &location)...)...); err != nil {
			return "", nil, 0, nil, storeError(err, "batch %s", batchID)
		}
		found = true
		if typ != nil { // else no events
			es = append(es, genuine.PublicEvent{Type: genuine.EventType(*typ), At: *at, Location: *location})
		}
	}
	if err := rows.Err(); err != nil {
		return "", nil, 0, nil, storeError(err, "batch %s", batchID)
	}
	if !found {
		return "", nil, 0, nil, genuine.Errorf(genuine.ENotFound, "batch %s not found", batchID)
	}
	return disposition, j.unit(gtin, seq), j.count, es, nil
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
		if err := rows.Scan(&e.Type, &e.At, &e.Location); err != nil {
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
	n := limitArg(limit)
	var rows pgx.Rows
	var err error
	if seq == nil {
		rows, err = t.query(ctx, selectEvents, batchID, n)
	} else {
		rows, err = t.query(ctx, selectUnitEvents, batchID, *seq, n)
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
	// pgx scans a NULL range as nil pointers.
	err := s.Scan(&e.ID, &e.Type, &e.BrandID, &e.BatchID, &e.GTIN, &e.Serial, &e.FromSeq, &e.ToSeq,
		&e.Regions, &e.Location, &e.Actor, &e.Role, &e.Org, &e.MerchantID, &e.Note, &e.CreatedAt)
	if err != nil {
		return nil, err
	}
	e.Regions = regionsOf(e.Regions)
	return &e, nil
}

// limitArg is the LIMIT argument for at most limit rows, or for no limit
// if limit is not positive, in a form every engine accepts.
func limitArg(limit int) int64 {
	if limit <= 0 {
		return math.MaxInt64
	}
	return int64(limit)
}
