package genuine

import (
	"context"
	"slices"
	"time"
)

// RangeWork is a range event recorded but not yet applied to all its units:
// the units Next to To (inclusive) of its batch have still to move.
type RangeWork struct {
	EventID   string
	BatchID   string
	Type      EventType
	Next, To  int64
	CreatedAt time.Time
}

// defaultRangeChunk is how many units of a range event one write moves
// unless Config.RangeChunk says otherwise.
const defaultRangeChunk = 1000

// rangeRetry is how long a brand is told to wait when a range event of the
// batch is still being applied.
const rangeRetry = time.Second

// recordRangeEvent applies an event by an author to the units from..to of
// a batch, without holding the store's writer for the whole range: it checks that
// every unit may move, reading a chunk at a time; records the event with
// the work left (RangeWork) in one write; then moves the units a chunk at a
// time, each chunk in a write of its own that also records how far the
// work has come. A range left unfinished (the process stopped, the store
// failed) is finished by the reconciler (finishRanges). A unit another
// write moved after the check, so that it may no longer move, is left as
// that write left it. One batch has at most one range event being applied
// at a time; another is refused with EConflict and a RetryAfter.
func (a *App) recordRangeEvent(ctx context.Context, by Author, b *Batch, e *Event, from, to int64) error {
	if !slices.Contains(rangeEvents, e.Type) {
		return Errorf(EInvalid, "%s applies to a whole batch, not a range", e.Type)
	}
	if from > to || !b.Contains(from) || !b.Contains(to) {
		return Errorf(EInvalid, "the range %d to %d is not within the batch's units %d to %d", from, to, b.FirstSeq, b.FirstSeq+b.Quantity-1)
	}
	if n := to - from + 1; n > a.limits.MaxRange {
		return tooLarge("the range has %d units; a range event covers at most %d", n, a.limits.MaxRange)
	}
	if e.Type == EventRelease && len(b.Regions) == 0 && len(e.Regions) == 0 {
		return Errorf(EInvalid, "units are released into regions: give regions, such as [\"CN-GD\"]")
	}
	e.FromSeq, e.ToSeq = &from, &to
	moves := e.Type != EventShip && e.Type != EventReceive
	if moves {
		if err := a.checkRange(ctx, b, e.Type, from, to); err != nil {
			return err
		}
	}
	w := &RangeWork{EventID: e.ID, BatchID: b.ID, Type: e.Type, Next: from, To: to, CreatedAt: e.CreatedAt}
	err := a.store.Update(ctx, func(tx Tx) error {
		if err := merchantExists(ctx, tx, e.MerchantID); err != nil {
			return err
		}
		b, err := tx.Batch(ctx, b.ID)
		if err != nil {
			return err
		}
		if moves {
			busy, err := tx.RangeWorks(ctx, b.ID, 1)
			if err != nil {
				return err
			}
			if len(busy) > 0 {
				return &Error{Code: EConflict, RetryAfter: rangeRetry, Message: "a range event of batch " + b.ID +
					" is still being applied to its units; try again when it is done"}
			}
		}
		if e.Type == EventRelease && len(e.Regions) > 0 {
			b.Regions = e.Regions
			if err := tx.UpdateBatch(ctx, b); err != nil {
				return err
			}
		}
		if err := tx.AddEvent(ctx, e); err != nil {
			return err
		}
		if err := a.auditEvent(ctx, tx, by, "range", e); err != nil {
			return err
		}
		if !moves {
			return nil
		}
		return tx.PutRangeWork(ctx, w)
	})
	if err != nil || !moves {
		return err
	}
	// The event is recorded: its units move even if the caller goes away,
	// and if this fails the reconciler moves them.
	if err := a.finishRange(context.WithoutCancel(ctx), b, w.EventID); err != nil {
		a.logf(ctx, "range event %s: %v; the reconciler will finish it", e.ID, err)
	}
	return nil
}

// checkRange reports whether every unit from..to of a batch may move
// through event t as the store has them now, reading a chunk at a time.
func (a *App) checkRange(ctx context.Context, b *Batch, t EventType, from, to int64) error {
	var refused int64
	var first error
	for lo := from; lo <= to; lo += a.rangeChunk {
		hi := min(lo+a.rangeChunk-1, to)
		err := a.store.View(ctx, func(tx Tx) error {
			cur, err := tx.Batch(ctx, b.ID)
			if err != nil {
				return err
			}
			own, err := tx.Units(ctx, b.ID, lo, hi)
			if err != nil {
				return err
			}
			eachUnit(cur, lo, hi, own, nil, func(u *Unit) {
				if _, err := UnitTransition(t, EffectiveState(cur.Disposition, u.State), u.LockedFrom); err != nil {
					if refused++; first == nil {
						first = err
					}
				}
			})
			return nil
		})
		if err != nil {
			return err
		}
	}
	if first != nil {
		return Errorf(ErrorCode(first), "%d of the %d units may not: %s", refused, to-from+1, ErrorMessage(first))
	}
	return nil
}

// eachUnit calls fn for each unit from..to of a batch: its own row from
// own (the rows of those units, in order), or a new row that follows the
// batch, with its minted serial if signer is not nil.
func eachUnit(b *Batch, from, to int64, own []*Unit, signer *Signer, fn func(*Unit)) {
	next := 0
	for seq := from; seq <= to; seq++ {
		if next < len(own) && own[next].Seq == seq {
			fn(own[next])
			next++
			continue
		}
		u := &Unit{GTIN: b.GTIN, Seq: seq, BatchID: b.ID}
		if signer != nil {
			u.Serial = signer.Serial(b.GTIN, uint64(seq))
		}
		fn(u)
	}
}

// finishRange moves the units of a range event's work left, a chunk per
// write, until none is left.
func (a *App) finishRange(ctx context.Context, b *Batch, eventID string) error {
	var signer *Signer
	if b.Serials == SerialsMinted {
		bk, err := a.brandKeys(ctx, b.BrandID, b.KeyID)
		if err != nil {
			return err
		}
		signer = bk.signers[b.KeyID]
	}
	for {
		left, err := a.applyChunk(ctx, eventID, signer)
		if err != nil || !left {
			return err
		}
	}
}

// applyChunk moves the next chunk of units of a range event's work in one
// write, which also records how far the work has come (or that it is done),
// and reports whether units are left. Every chunk starts where the stored
// work says, so servers finishing one range at once never move a unit
// twice.
func (a *App) applyChunk(ctx context.Context, eventID string, signer *Signer) (left bool, err error) {
	var skipped int64
	err = a.store.Update(ctx, func(tx Tx) error {
		left, skipped = false, 0
		w, err := tx.RangeWork(ctx, eventID)
		if ErrorCode(err) == ENotFound {
			return nil // finished by another
		}
		if err != nil {
			return err
		}
		b, err := tx.Batch(ctx, w.BatchID)
		if err != nil {
			return err
		}
		hi := min(w.Next+a.rangeChunk-1, w.To)
		own, err := tx.Units(ctx, b.ID, w.Next, hi)
		if err != nil {
			return err
		}
		var units []*Unit
		now := a.Now()
		eachUnit(b, w.Next, hi, own, signer, func(u *Unit) {
			state, err := UnitTransition(w.Type, EffectiveState(b.Disposition, u.State), u.LockedFrom)
			if err != nil {
				skipped++ // moved by another write since the check
				return
			}
			if w.Type == EventLock {
				u.LockedFrom = u.State // "" when the unit followed its batch
			}
			u.State, u.UpdatedAt = state, now
			units = append(units, u)
		})
		for _, u := range units {
			if err := tx.PutUnit(ctx, u); err != nil {
				return err
			}
		}
		if hi == w.To {
			return tx.DeleteRangeWork(ctx, eventID)
		}
		w.Next, left = hi+1, true
		return tx.PutRangeWork(ctx, w)
	})
	if err == nil && skipped > 0 {
		a.logf(ctx, "range event %s: %d units had moved since the event was checked and were left as they were", eventID, skipped)
	}
	return left, err
}

// finishRanges finishes the range events left unfinished, oldest first:
// the reconciler's part in range events. It returns how many it finished.
func (a *App) finishRanges(ctx context.Context) (int, error) {
	var works []*RangeWork
	err := a.store.View(ctx, func(tx Tx) (err error) {
		works, err = tx.RangeWorks(ctx, "", reconcilePage)
		return err
	})
	if err != nil {
		return 0, err
	}
	done := 0
	for _, w := range works {
		var b *Batch
		err := a.store.View(ctx, func(tx Tx) (err error) {
			b, err = tx.Batch(ctx, w.BatchID)
			return err
		})
		if err == nil {
			err = a.finishRange(ctx, b, w.EventID)
		}
		if err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}
