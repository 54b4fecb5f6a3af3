package genuine

import (
	"context"
	"errors"
	"slices"
	"time"

	"genuine/gs1"
)

// Batch is a production run of a product: a lot, an expiry, a quantity of
// units, and the range of unit sequence numbers it owns. A batch of N minted
// units is one row: each unit's serial encodes its sequence number.
type Batch struct {
	ID          string       `json:"id"`
	BrandID     string       `json:"brand_id"`
	GTIN        string       `json:"gtin"`
	Lot         string       `json:"lot"`
	Expiry      Date         `json:"expiry"`
	Quantity    int64        `json:"quantity"`
	FirstSeq    int64        `json:"first_sequence"` // the units own [FirstSeq, FirstSeq+Quantity)
	Regions     []string     `json:"regions"`        // where the batch may be sold
	Disposition Disposition  `json:"disposition"`
	Serials     SerialSource `json:"serials"`
	// KeyID is the signing key the batch's serials are minted with, so that
	// its codes stay the same after the brand rotates keys.
	KeyID     int       `json:"key_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Contains reports whether the unit with sequence number seq belongs to b.
func (b *Batch) Contains(seq int64) bool {
	return seq >= b.FirstSeq && seq < b.FirstSeq+b.Quantity
}

// Expired reports whether the batch has expired at now: after the end of
// its expiry day, in UTC.
func (b *Batch) Expired(now time.Time) bool {
	return !now.UTC().Before(b.Expiry.Time().AddDate(0, 0, 1))
}

// Date is a calendar day, written as ISO 8601 "2027-12-31".
type Date struct{ t time.Time }

// NewDate returns the date of the given day.
func NewDate(year int, month time.Month, day int) Date {
	return Date{time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// ParseDate parses "2027-12-31".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, Errorf(EInvalid, "date %q is not a date of the form 2027-12-31", s)
	}
	return Date{t}, nil
}

// Time returns midnight UTC at the start of the day.
func (d Date) Time() time.Time { return d.t }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// String returns "2027-12-31".
func (d Date) String() string { return d.t.Format(time.DateOnly) }

// YYMMDD returns the date as GS1 writes it in AI (17).
func (d Date) YYMMDD() string { return d.t.Format("060102") }

// MarshalText writes the date as "2027-12-31".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "2027-12-31".
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// BatchInput is what a brand gives to create a batch.
type BatchInput struct {
	GTIN     string   `json:"gtin"`
	Lot      string   `json:"lot"`
	Expiry   Date     `json:"expiry"`
	Quantity int64    `json:"quantity"`
	Regions  []string `json:"regions"`
}

// MaxBatchQuantity is a product's whole sequence space, which no batch may
// exceed whatever its Limits; Limits.MaxBatch bounds batches below it.
const MaxBatchQuantity = MaxSequence + 1

// CreateBatch creates a batch of a brand's product and so mints its codes:
// the batch owns a fresh range of the product's sequence numbers, and each
// unit's serial is computed from its number, so one row stands for every
// unit. A batch whose expiry has passed may be created; it is expired.
func (a *App) CreateBatch(ctx context.Context, p *Principal, in BatchInput) (*Batch, error) {
	if err := require(p, RoleBrand); err != nil {
		return nil, err
	}
	gtin, err := NormalizeGTIN(in.GTIN)
	if err != nil {
		return nil, err
	}
	if in.Lot == "" {
		return nil, Errorf(EInvalid, "lot is required")
	}
	if err := gs1.CheckValue("10", in.Lot); err != nil {
		return nil, Errorf(EInvalid, "lot %.40q: %s", in.Lot, gs1Problem(err))
	}
	if in.Expiry.IsZero() {
		return nil, Errorf(EInvalid, "expiry is required, as 2027-12-31")
	}
	if y := in.Expiry.Time().Year(); y < 1950 || y > 2049 {
		return nil, Errorf(EInvalid, "expiry %s cannot be written in a GS1 code (years 1950 to 2049)", in.Expiry)
	}
	if in.Quantity < 1 {
		return nil, Errorf(EInvalid, "quantity must be 1 to %d", a.limits.MaxBatch)
	}
	if in.Quantity > a.limits.MaxBatch {
		return nil, tooLarge("quantity %d is more than the %d units a batch may have", in.Quantity, a.limits.MaxBatch)
	}
	regions, err := validRegions(in.Regions)
	if err != nil {
		return nil, err
	}
	b := &Batch{
		ID: newID("bat"), BrandID: p.BrandID, GTIN: gtin, Lot: in.Lot, Expiry: in.Expiry,
		Quantity: in.Quantity, Regions: regions, Disposition: Commissioned, CreatedAt: a.Now(),
	}
	err = a.store.Update(ctx, func(tx Tx) error {
		pr, err := tx.Product(ctx, gtin)
		if ErrorCode(err) == ENotFound || err == nil && pr.BrandID != p.BrandID {
			return Errorf(ENotFound, "product %s not found; create it first", gtin)
		}
		if err != nil {
			return err
		}
		brand, err := tx.Brand(ctx, p.BrandID)
		if err != nil {
			return err
		}
		b.Serials, b.KeyID = brand.CodeRule.Serials, brand.CodeRule.ActiveKey
		first, err := tx.AllocateSequences(ctx, gtin, in.Quantity)
		if err != nil {
			return err
		}
		if first+in.Quantity-1 > MaxSequence {
			return Errorf(EConflict, "product %s has no room for %d more units", gtin, in.Quantity)
		}
		b.FirstSeq = first
		if err := tx.CreateBatch(ctx, b); err != nil {
			return err
		}
		err = a.audit(ctx, tx, authorOf(p), b.BrandID, "batch.create", b.ID, map[string]any{
			"gtin": gtin, "lot": b.Lot, "expiry": b.Expiry, "quantity": b.Quantity, "regions": regions,
		})
		if err != nil {
			return err
		}
		return tx.AddEvent(ctx, &Event{
			ID: newID("evt"), Type: EventCommission, BrandID: b.BrandID, BatchID: b.ID, GTIN: gtin,
			Regions: regions, Actor: p.KeyID, Role: p.Role, Org: p.Org(), CreatedAt: b.CreatedAt,
		})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// validRegions checks and de-duplicates a list of region codes.
func validRegions(in []string) ([]string, error) {
	if len(in) > 100 {
		return nil, Errorf(EInvalid, "at most 100 regions")
	}
	out := make([]string, 0, len(in))
	for _, r := range in {
		if err := ValidRegion(r); err != nil {
			return nil, err
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// gs1Problem returns the problem a gs1 error names, without its AI prefix.
func gs1Problem(err error) string {
	var e *gs1.Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return err.Error()
}

// Batch returns one of the caller's brand's batches.
func (a *App) Batch(ctx context.Context, p *Principal, id string) (*Batch, error) {
	if err := require(p, RoleBrand, RolePartner, RoleAdmin); err != nil {
		return nil, err
	}
	if !validID(id, "bat") {
		return nil, Errorf(ENotFound, "batch not found")
	}
	var b *Batch
	err := a.store.View(ctx, func(tx Tx) (err error) {
		b, err = tx.Batch(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := ownBrand(p, b.BrandID, "batch "+id); err != nil {
		return nil, err
	}
	return b, nil
}

// Batches returns the caller's brand's batches, newest first.
func (a *App) Batches(ctx context.Context, p *Principal) ([]*Batch, error) {
	if err := require(p, RoleBrand, RolePartner); err != nil {
		return nil, err
	}
	var bs []*Batch
	err := a.store.View(ctx, func(tx Tx) (err error) {
		bs, err = tx.Batches(ctx, p.BrandID)
		return err
	})
	return bs, err
}

// RegisterSerials imports serials a brand printed with its own system as
// the units of a batch whose serials are registered, in order, from the
// next unit without one. All or none are registered.
func (a *App) RegisterSerials(ctx context.Context, p *Principal, batchID string, serials []string) (*Batch, error) {
	b, err := a.Batch(ctx, p, batchID)
	if err != nil {
		return nil, err
	}
	if p.Role != RoleBrand {
		return nil, Errorf(EForbidden, "only the brand registers serials")
	}
	if len(serials) > a.limits.MaxRegistration {
		return nil, tooLarge("%d serials: one request registers at most %d; send the rest in further requests", len(serials), a.limits.MaxRegistration)
	}
	if b.Serials != SerialsRegistered {
		return nil, Errorf(EConflict, "batch %s has minted serials; set the brand's serials to registered before creating the batch", b.ID)
	}
	seen := make(map[string]bool, len(serials))
	for i, s := range serials {
		if err := gs1.CheckValue("21", s); err != nil {
			return nil, Errorf(EInvalid, "serial %d (%.40q): %s", i+1, s, gs1Problem(err))
		}
		if seen[s] {
			return nil, Errorf(EInvalid, "serial %q appears twice", s)
		}
		seen[s] = true
	}
	err = a.store.Update(ctx, func(tx Tx) error {
		n, err := tx.RegisteredCount(ctx, b.ID)
		if err != nil {
			return err
		}
		if n+int64(len(serials)) > b.Quantity {
			return Errorf(EConflict, "batch %s has %d units and %d registered serials; %d more do not fit", b.ID, b.Quantity, n, len(serials))
		}
		err = tx.RegisterSerials(ctx, b, n, serials)
		if ErrorCode(err) == EConflict {
			return Errorf(EConflict, "a serial is registered already for product %s", b.GTIN)
		}
		if err != nil {
			return err
		}
		return a.audit(ctx, tx, authorOf(p), b.BrandID, "serials.register", b.ID, map[string]any{"from": n, "count": len(serials)})
	})
	return b, err
}
