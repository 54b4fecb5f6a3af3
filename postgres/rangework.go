package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"genuine"
)

const upsertRangeWork = `
	INSERT INTO range_work (event_id, batch_id, type, next_seq, to_seq, created_at)
	VALUES ($1, $2, $3, $4, $5, $6)
	ON CONFLICT (event_id) DO UPDATE SET next_seq = excluded.next_seq, to_seq = excluded.to_seq`

// PutRangeWork stores the work left of a range event, in place of the one
// stored before for the same event.
func (t *tx) PutRangeWork(ctx context.Context, w *genuine.RangeWork) error {
	_, err := t.exec(ctx, upsertRangeWork, w.EventID, w.BatchID, string(w.Type), w.Next, w.To, w.CreatedAt)
	return storeError(err, "work of range event %s", w.EventID)
}

const rangeWorkColumns = `event_id, batch_id, type, next_seq, to_seq, created_at`

const selectRangeWork = `
	SELECT ` + rangeWorkColumns + `
	FROM range_work
	WHERE event_id = $1`

// RangeWork returns the work left of a range event; ENotFound if none is
// left.
func (t *tx) RangeWork(ctx context.Context, eventID string) (*genuine.RangeWork, error) {
	w, err := scanRangeWork(t.queryRow(ctx, selectRangeWork, eventID))
	if err != nil {
		return nil, storeError(err, "work of range event %s", eventID)
	}
	return w, nil
}

const selectRangeWorks = `
	SELECT ` + rangeWorkColumns + `
	FROM range_work
	WHERE $1 = '' OR batch_id = $1
	ORDER BY created_at, event_id
	LIMIT $2`

// RangeWorks returns the work left of the range events of a batch, or of
// every batch if batchID is "", oldest first, at most limit.
func (t *tx) RangeWorks(ctx context.Context, batchID string, limit int) ([]*genuine.RangeWork, error) {
	rows, err := t.query(ctx, selectRangeWorks, batchID, clampLimit(limit))
	if err != nil {
		return nil, storeError(err, "range work of batch %q", batchID)
	}
	defer rows.Close()
	var ws []*genuine.RangeWork
	for rows.Next() {
		w, err := scanRangeWork(rows)
		if err != nil {
			return nil, storeError(err, "range work of batch %q", batchID)
		}
		ws = append(ws, w)
	}
	return ws, storeError(rows.Err(), "range work of batch %q", batchID)
}

const deleteRangeWork = `DELETE FROM range_work WHERE event_id = $1`

// DeleteRangeWork deletes the work left of a range event; nothing is done
// if there is none.
func (t *tx) DeleteRangeWork(ctx context.Context, eventID string) error {
	_, err := t.exec(ctx, deleteRangeWork, eventID)
	return storeError(err, "work of range event %s", eventID)
}

func scanRangeWork(s pgx.Row) (*genuine.RangeWork, error) {
	var w genuine.RangeWork
	var typ string
	if err := s.Scan(&w.EventID, &w.BatchID, &typ, &w.Next, &w.To, &w.CreatedAt); err != nil {
		return nil, err
	}
	w.Type, w.CreatedAt = genuine.EventType(typ), w.CreatedAt.UTC()
	return &w, nil
}
