package genuine

import (
	"context"
	"errors"
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
	// The event's author: Actor is the id of the API key that recorded it,
	// Role its role and Org its organisation, the brand of a brand or
	// partner key and the merchant of a merchant key. A checkout's events
	// have its merchant as Org and no key; the public journey shows none.
	Actor string `json:"actor_key,omitempty"`
	Role  Role   `json:"actor_role"`
	Org   string `json:"actor_org,omitempty"`
	// MerchantID is the merchant custody passes to (custody.go): the one a
	// receive or ship names, or the one whose checkout moved the unit.
	MerchantID string    `json:"merchant_id,omitempty"`
	Note       string    `json:"note,omitempty"`
	CreatedAt  time.Time `json:"at"`
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
	// MerchantID, with ship or receive, names the merchant the units are
	// shipped to or now held by.
	MerchantID string `json:"merchant_id,omitempty"`
}

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
	if err := validCustodyMerchant(p, t, in.MerchantID); err != nil {
		return nil, err
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
		Location: in.Location, Note: in.Note, Actor: p.KeyID, Role: p.Role, Org: p.Org(),
		MerchantID: in.MerchantID, CreatedAt: a.Now(),
	}
	if in.From != nil {
		return e, a.recordRangeEvent(ctx, authorOf(p), b, e, *in.From, *in.To)
	}
	err = a.store.Update(ctx, func(tx Tx) error {
		if err := merchantExists(ctx, tx, e.MerchantID); err != nil {
			return err
		}
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

// UnitEventInput is an event for units named by their codes.
type UnitEventInput struct {
	Type     string   `json:"type"`
	Codes    []string `json:"codes"`
	Location string   `json:"location,omitempty"`
	Note     string   `json:"note,omitempty"`
	// MerchantID, with ship or receive by a brand or partner, names the
	// merchant the units are shipped to or now held by. A merchant's
	// receive names the merchant itself.
	MerchantID string `json:"merchant_id,omitempty"`
}

// UnitEvents is the outcome of a unit event request: the events recorded,
// in the order of the codes, and a merchant's reports of units it does not
// hold, raised to their brands as alerts instead.
type UnitEvents struct {
	Events  []*Event  `json:"events"`
	Reports []*Report `json:"reports"`
}

// MaxUnitEventCodes bounds the codes of one unit event request.
const MaxUnitEventCodes = 1000

// unitEventsByRole are the unit events each role may record.
var unitEventsByRole = map[Role][]EventType{
	RoleBrand:    {EventRelease, EventStolen, EventDestroy, EventConsume, EventLock, EventUnlock, EventShip, EventReceive},
	RolePartner:  {EventStolen, EventDestroy, EventLock, EventShip, EventReceive},
	RoleMerchant: {EventStolen, EventDestroy, EventConsume, EventReceive},
}

// RecordUnitEvents records an event for each unit named by a code, all or
// none. Brands and partners act on their brand's units; a merchant on the
// units in its custody (custody.go), with its region as the location. A
// merchant's stolen or destroy of a unit it does not hold is a report: an
// alert to the unit's brand, with no event and no change.
func (a *App) RecordUnitEvents(ctx context.Context, p *Principal, in UnitEventInput) (*UnitEvents, error) {
	if err := require(p, RoleBrand, RolePartner, RoleMerchant); err != nil {
		return nil, err
	}
	t, ok := ParseEventType(in.Type)
	if !ok || t == EventCommission || isCheckoutEvent(t) {
		return nil, Errorf(EInvalid, "unknown event type %.40q", in.Type)
	}
	if t == EventReturn || t == EventRestock {
		_, err := UnitTransition(t, "", "")
		return nil, err
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
	if err := validCustodyMerchant(p, t, in.MerchantID); err != nil {
		return nil, err
	}
	location, merchantID := in.Location, in.MerchantID
	if p.Role == RoleMerchant {
		m, err := a.Merchant(ctx, p, p.MerchantID)
		if err != nil {
			return nil, err
		}
		location = m.Region
		if t == EventReceive {
			merchantID = p.MerchantID
		}
	}
	now := a.Now()
	checks, err := a.checkCodes(ctx, in.Codes)
	if err != nil {
		return nil, err
	}
	var out UnitEvents
	err = a.store.Update(ctx, func(tx Tx) error {
		out = UnitEvents{Events: []*Event{}, Reports: []*Report{}}
		if p.Role != RoleMerchant {
			if err := merchantExists(ctx, tx, merchantID); err != nil {
				return err
			}
		}
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
			if p.Role == RoleMerchant {
				held, err := inCustody(ctx, tx, p, t, id)
				if err != nil {
					return codeError(i, err)
				}
				if !held {
					if err := tx.RaiseAlert(ctx, reportAlert(id, t, p.MerchantID, in.Note, now)); err != nil {
						return err
					}
					out.Reports = append(out.Reports, &Report{Code: in.Codes[i], Type: t, Alert: AlertCustodyReport})
					continue
				}
			}
			e := &Event{
				ID: newID("evt"), Type: t, BrandID: id.brandID, BatchID: id.batch.ID, GTIN: id.gtin,
				Serial: id.serial, Location: location, Note: in.Note, Actor: p.KeyID, Role: p.Role,
				Org: p.Org(), MerchantID: merchantID, CreatedAt: now,
			}
			if err := a.applyUnitEvent(ctx, tx, id, e); err != nil {
				return codeError(i, err)
			}
			if err := a.auditEvent(ctx, tx, authorOf(p), "unit", e); err != nil {
				return err
			}
			out.Events = append(out.Events, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if p.Role == RoleMerchant {
		// A merchant may hold any brand's units; it learns nothing of the
		// brands' own identifiers.
		for _, e := range out.Events {
			e.BatchID = ""
		}
	}
	return &out, nil
}

// applyUnitEvent moves an identified unit through e's transition (ship
// and receive change no state) and records e.
func (a *App) applyUnitEvent(ctx context.Context, tx Tx, id *identity, e *Event) error {
	if e.Type != EventShip && e.Type != EventReceive {
		u := id.unit
		if u == nil {
			u = &Unit{GTIN: id.gtin, Serial: id.serial, Seq: id.seq, BatchID: id.batch.ID}
		}
		state, err := UnitTransition(e.Type, id.state, u.LockedFrom)
		if err != nil {
			return err
		}
		if e.Type == EventLock {
			u.LockedFrom = u.State // "" when the unit followed its batch
		}
		u.State, u.UpdatedAt = state, e.CreatedAt
		if err := tx.PutUnit(ctx, u); err != nil {
			return err
		}
	}
	seq := id.seq
	e.FromSeq, e.ToSeq = &seq, &seq
	return tx.AddEvent(ctx, e)
}

// codeError names the i-th code in err's message if err is an *Error, and
// returns other errors as they are.
func codeError(i int, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return Errorf(e.Code, "code %d: %s", i+1, e.Message)
	}
	return err
}

// validCustodyMerchant checks the merchant an event of type t names.
func validCustodyMerchant(p *Principal, t EventType, id string) error {
	switch {
	case id == "":
		return nil
	case t != EventShip && t != EventReceive:
		return Errorf(EInvalid, "merchant_id goes with ship and receive events only")
	case p.Role == RoleMerchant && id != p.MerchantID:
		return Errorf(EForbidden, "a merchant receives units for itself only")
	case !validID(id, "mer"):
		return Errorf(EInvalid, "merchant_id %.40q is not a merchant's id", id)
	}
	return nil
}

// merchantExists checks that the merchant an event names exists ("" names
// none).
func merchantExists(ctx context.Context, tx Tx, id string) error {
	if id == "" {
		return nil
	}
	_, err := tx.Merchant(ctx, id)
	if ErrorCode(err) == ENotFound {
		return Errorf(ENotFound, "merchant %s not found", id)
	}
	return err
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
	if e.MerchantID != "" {
		detail["merchant_id"] = e.MerchantID
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
