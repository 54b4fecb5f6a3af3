package genuine

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// Event is an append-only record of something that happened to a batch, a
// range of its units, or one unit: what, when, where, why, in the manner of
// EPCIS (the type gives the business step and disposition).
type Event struct {
	ID      string    `json:"id"`
	Type    EventType `json:"type"`
	BrandID string    `json:"-"`
	BatchID string    `json:"batch_id"`
	GTIN    string    `json:"gtin"`
	// FromSeq and ToSeq (inclusive) are the units of a range event, both the
	// unit's sequence number for a unit event (whose Serial names it too);
	// a batch event has neither.
	Serial  string   `json:"serial,omitempty"`
	FromSeq *int64   `json:"from_sequence,omitempty"`
	ToSeq   *int64   `json:"to_sequence,omitempty"`
	Regions []string `json:"regions,omitempty"`
	// Location is where it happened: a merchant's or partner's region, or
	// free text such as a GLN.
	Location string `json:"location,omitempty"`
	// Actor is the id of the API key that recorded the event, and Role its role.
	Actor     string    `json:"-"`
	Role      Role      `json:"actor_role"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"at"`
}

// BatchEventInput is an event for a whole batch, or for the range of its
// units with sequence numbers From to To (inclusive).
type BatchEventInput struct {
	Type     string   `json:"type"`
	Regions  []string `json:"regions,omitempty"` // with release: where the batch may be sold
	From     *int64   `json:"from_sequence,omitempty"`
	To       *int64   `json:"to_sequence,omitempty"`
	Location string   `json:"location,omitempty"`
	Note     string   `json:"note,omitempty"`
}

// MaxRangeUnits bounds the units one range event may change, since each
// gets a row of its own.
const MaxRangeUnits = 100_000

// partnerBatchEvents are the batch events a partner may record: custody.
var partnerBatchEvents = []EventType{EventShip, EventReceive}

// rangeEvents are the events that may apply to a range of units.
var rangeEvents = []EventType{EventRelease, EventLock, EventUnlock, EventStolen, EventDestroy, EventShip, EventReceive}

// RecordBatchEvent records an event for a batch or a range of its units,
// applying its transition to every unit concerned, all or none.
func (a *App) RecordBatchEvent(ctx context.Context, p *Principal, batchID string, in BatchEventInput) (*Event, error) {
	if err := require(p, RoleBrand, RolePartner); err != nil {
		return nil, err
	}
	t, ok := ParseEventType(in.Type)
	if !ok || t == EventCommission || isCheckoutEvent(t) {
		return nil, Errorf(EInvalid, "unknown event type %.40q", in.Type)
	}
	if p.Role == RolePartner && !slices.Contains(partnerBatchEvents, t) {
		return nil, Errorf(EForbidden, "a partner records ship and receive events only")
	}
	if err := validEventText(in.Location, in.Note); err != nil {
		return nil, err
	}
	regions, err := validRegions(in.Regions)
	if err != nil {
		return nil, err
	}
	if len(regions) > 0 && t != EventRelease {
		return nil, Errorf(EInvalid, "regions go with a release event only")
	}
	if (in.From == nil) != (in.To == nil) {
		return nil, Errorf(EInvalid, "from_sequence and to_sequence go together")
	}
	b, err := a.Batch(ctx, p, batchID)
	if err != nil {
		return nil, err
	}
	e := &Event{
		ID: newID("evt"), Type: t, BrandID: b.BrandID, BatchID: b.ID, GTIN: b.GTIN, Regions: regions,
		Location: in.Location, Note: in.Note, Actor: p.KeyID, Role: p.Role, CreatedAt: a.Now(),
	}
	if in.From != nil {
		return e, a.recordRangeEvent(ctx, authorOf(p), b, e, *in.From, *in.To)
	}
	err = a.store.Update(ctx, func(tx Tx) error {
		b, err := tx.Batch(ctx, batchID)
		if err != nil {
			return err
		}
		to, err := BatchTransition(t, b.Disposition)
		if err != nil {
			return err
		}
		b.Disposition = to
		if t == EventRelease {
			if len(regions) > 0 {
				b.Regions = regions
			}
			if len(b.Regions) == 0 {
				return Errorf(EInvalid, "a batch is released into regions: give regions, such as [\"CN-GD\"]")
			}
			e.Regions = b.Regions
		}
		if err := tx.UpdateBatch(ctx, b); err != nil {
			return err
		}
		if err := tx.AddEvent(ctx, e); err != nil {
			return err
		}
		return a.auditEvent(ctx, tx, authorOf(p), "batch", e)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// recordRangeEvent applies an event by an author to the units from..to of
// a batch.
func (a *App) recordRangeEvent(ctx context.Context, by Author, b *Batch, e *Event, from, to int64) error {
	if !slices.Contains(rangeEvents, e.Type) {
		return Errorf(EInvalid, "%s applies to a whole batch, not a range", e.Type)
	}
	if from > to || !b.Contains(from) || !b.Contains(to) {
		return Errorf(EInvalid, "the range %d to %d is not within the batch's units %d to %d", from, to, b.FirstSeq, b.FirstSeq+b.Quantity-1)
	}
	if to-from+1 > MaxRangeUnits {
		return Errorf(EInvalid, "a range event covers at most %d units", MaxRangeUnits)
	}
	if e.Type == EventRelease && len(b.Regions) == 0 && len(e.Regions) == 0 {
		return Errorf(EInvalid, "units are released into regions: give regions, such as [\"CN-GD\"]")
	}
	e.FromSeq, e.ToSeq = &from, &to
	var signer *Signer
	if b.Serials == SerialsMinted {
		bk, err := a.brandKeys(ctx, b.BrandID, b.KeyID)
		if err != nil {
			return err
		}
		signer = bk.signers[b.KeyID]
	}
	return a.store.Update(ctx, func(tx Tx) error {
		b, err := tx.Batch(ctx, b.ID)
		if err != nil {
			return err
		}
		if e.Type == EventRelease && len(e.Regions) > 0 {
			b.Regions = e.Regions
			if err := tx.UpdateBatch(ctx, b); err != nil {
				return err
			}
		}
		if e.Type != EventShip && e.Type != EventReceive {
			own, err := tx.Units(ctx, b.ID, from, to)
			if err != nil {
				return err
			}
			if err := a.applyRange(ctx, tx, b, e.Type, from, to, own, signer); err != nil {
				return err
			}
		}
		if err := tx.AddEvent(ctx, e); err != nil {
			return err
		}
		return a.auditEvent(ctx, tx, by, "range", e)
	})
}

// applyRange moves every unit from..to through event t, or none if any
// may not.
func (a *App) applyRange(ctx context.Context, tx Tx, b *Batch, t EventType, from, to int64, own []*Unit, signer *Signer) error {
	next := 0
	now := a.Now()
	var refused int64
	var first error
	units := make([]*Unit, 0, to-from+1)
	for seq := from; seq <= to; seq++ {
		u := &Unit{GTIN: b.GTIN, Seq: seq, BatchID: b.ID}
		if next < len(own) && own[next].Seq == seq {
			u = own[next]
			next++
		} else if signer != nil {
			u.Serial = signer.Serial(b.GTIN, uint64(seq))
		}
		state, err := UnitTransition(t, EffectiveState(b.Disposition, u.State), u.LockedFrom)
		if err != nil {
			if refused++; first == nil {
				first = err
			}
			continue
		}
		if t == EventLock {
			u.LockedFrom = u.State // "" when the unit followed its batch
		}
		u.State, u.UpdatedAt = state, now
		units = append(units, u)
	}
	if first != nil {
		return Errorf(ErrorCode(first), "%d of the %d units may not: %s", refused, to-from+1, ErrorMessage(first))
	}
	for _, u := range units {
		if err := tx.PutUnit(ctx, u); err != nil {
			return err
		}
	}
	return nil
}

// UnitEventInput is an event for units named by their codes.
type UnitEventInput struct {
	Type     string   `json:"type"`
	Codes    []string `json:"codes"`
	Location string   `json:"location,omitempty"`
	Note     string   `json:"note,omitempty"`
}

// MaxUnitEventCodes bounds the codes of one unit event request.
const MaxUnitEventCodes = 1000

// unitEventsByRole are the unit events each role may record.
var unitEventsByRole = map[Role][]EventType{
	RoleBrand:    {EventRelease, EventStolen, EventDestroy, EventConsume, EventLock, EventUnlock, EventReturn, EventRestock, EventShip, EventReceive},
	RolePartner:  {EventStolen, EventDestroy, EventLock, EventShip, EventReceive},
	RoleMerchant: {EventStolen, EventDestroy, EventConsume, EventReturn, EventRestock, EventReceive},
}

// RecordUnitEvents records an event for each unit named by a code, all or
// none. Brands and partners act on their brand's units; a merchant on the
// units in its hands, with its region as the location.
func (a *App) RecordUnitEvents(ctx context.Context, p *Principal, in UnitEventInput) ([]*Event, error) {
	if err := require(p, RoleBrand, RolePartner, RoleMerchant); err != nil {
		return nil, err
	}
	t, ok := ParseEventType(in.Type)
	if !ok || t == EventCommission || isCheckoutEvent(t) {
		return nil, Errorf(EInvalid, "unknown event type %.40q", in.Type)
	}
	if !slices.Contains(unitEventsByRole[p.Role], t) {
		return nil, Errorf(EForbidden, "a %s key may not record %s events", p.Role, t)
	}
	if len(in.Codes) == 0 || len(in.Codes) > MaxUnitEventCodes {
		return nil, Errorf(EInvalid, "codes must list 1 to %d codes", MaxUnitEventCodes)
	}
	if err := validEventText(in.Location, in.Note); err != nil {
		return nil, err
	}
	location := in.Location
	if p.Role == RoleMerchant {
		m, err := a.Merchant(ctx, p, p.MerchantID)
		if err != nil {
			return nil, err
		}
		location = m.Region
	}
	now := a.Now()
	checks, err := a.checkCodes(ctx, in.Codes)
	if err != nil {
		return nil, err
	}
	var events []*Event
	err = a.store.Update(ctx, func(tx Tx) error {
		events = events[:0]
		seen := make(map[string]bool, len(in.Codes))
		for i, code := range checks {
			id, err := a.identifyIn(ctx, tx, code)
			if err != nil {
				return Errorf(ErrorCode(err), "code %d: %s", i+1, ErrorMessage(err))
			}
			if id.reason != "" {
				return Errorf(EInvalid, "code %d is not authentic (%s): %s", i+1, id.reason, id.message)
			}
			if p.Role != RoleMerchant && id.brandID != p.BrandID {
				return Errorf(ENotFound, "code %d: unit not found", i+1)
			}
			key := id.gtin + "/" + strconv.FormatInt(id.seq, 10)
			if seen[key] {
				return Errorf(EInvalid, "code %d names a unit named before", i+1)
			}
			seen[key] = true
			u := id.unit
			if u == nil {
				u = &Unit{GTIN: id.gtin, Serial: id.serial, Seq: id.seq, BatchID: id.batch.ID}
			}
			state := id.state
			if t != EventShip && t != EventReceive {
				if state, err = UnitTransition(t, id.state, u.LockedFrom); err != nil {
					return Errorf(ErrorCode(err), "code %d: %s", i+1, ErrorMessage(err))
				}
				if t == EventLock {
					u.LockedFrom = u.State // "" when the unit followed its batch
				}
				u.State, u.UpdatedAt = state, now
				if err := tx.PutUnit(ctx, u); err != nil {
					return err
				}
			}
			seq := id.seq
			e := &Event{
				ID: newID("evt"), Type: t, BrandID: id.brandID, BatchID: id.batch.ID, GTIN: id.gtin,
				Serial: id.serial, FromSeq: &seq, ToSeq: &seq, Location: location, Note: in.Note,
				Actor: p.KeyID, Role: p.Role, CreatedAt: now,
			}
			if err := tx.AddEvent(ctx, e); err != nil {
				return err
			}
			if err := a.auditEvent(ctx, tx, authorOf(p), "unit", e); err != nil {
				return err
			}
			events = append(events, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if p.Role == RoleMerchant {
		// A merchant may hold any brand's units; it learns nothing of the
		// brands' own identifiers.
		for _, e := range events {
			e.BatchID = ""
		}
	}
	return events, nil
}

// auditEvent records an event of a batch, a range of its units or a unit
// (kind) by an author: its action is kind.type, such as "range.lock", and
// its subject the batch.
func (a *App) auditEvent(ctx context.Context, tx Tx, by Author, kind string, e *Event) error {
	detail := map[string]any{"event": e.ID, "gtin": e.GTIN}
	if e.Serial != "" {
		detail["serial"] = e.Serial
	}
	if kind == "range" {
		detail["from_sequence"], detail["to_sequence"] = e.FromSeq, e.ToSeq
	}
	if len(e.Regions) > 0 {
		detail["regions"] = e.Regions
	}
	if e.Location != "" {
		detail["location"] = e.Location
	}
	return a.audit(ctx, tx, by, e.BrandID, kind+"."+string(e.Type), e.BatchID, detail)
}

// isCheckoutEvent reports whether only a checkout may cause t.
func isCheckoutEvent(t EventType) bool {
	return t == EventReserve || t == EventUnreserve || t == EventSell || t == EventRefund
}

func validEventText(location, note string) error {
	if err := validLength("location", location, 0, 200); err != nil {
		return err
	}
	return validLength("note", note, 0, 1000)
}

// Events returns the events of one of the caller's brand's batches, oldest
// first.
func (a *App) Events(ctx context.Context, p *Principal, batchID string, limit int) ([]*Event, error) {
	b, err := a.Batch(ctx, p, batchID)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var es []*Event
	err = a.store.View(ctx, func(tx Tx) (err error) {
		es, err = tx.Events(ctx, b.ID, nil, limit)
		return err
	})
	return es, err
}
