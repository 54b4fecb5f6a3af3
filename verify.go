package genuine

import (
	"context"
	"time"
)

// Verification is what anyone may learn of a code: whether it is authentic
// and, if so, its product, batch, state and journey. It reveals nothing a
// brand keeps to itself (identifiers, partners, keys).
type Verification struct {
	Authentic bool           `json:"authentic"`
	Reason    string         `json:"reason,omitempty"`  // why not authentic
	Message   string         `json:"message,omitempty"` // the reason in words
	GTIN      string         `json:"gtin"`
	Serial    string         `json:"serial"`
	State     UnitState      `json:"state,omitempty"`
	Product   *PublicProduct `json:"product,omitempty"`
	Batch     *PublicBatch   `json:"batch,omitempty"`
	// Verifications is how many times the unit was verified before.
	Verifications int64         `json:"verifications"`
	Events        []PublicEvent `json:"events"`
	// Warnings are what an authentic code's reader should know, such as
	// WarningForeignHost.
	Warnings []Warning `json:"warnings,omitempty"`
}

// PublicProduct is a product as the public sees it.
type PublicProduct struct {
	GTIN  string `json:"gtin"`
	Name  string `json:"name"`
	Brand string `json:"brand"`
}

// PublicBatch is a batch as the public sees it.
type PublicBatch struct {
	Lot     string `json:"lot"`
	Expiry  Date   `json:"expiry"`
	Expired bool   `json:"expired"`
}

// PublicEvent is a step of a unit's journey as the public sees it.
type PublicEvent struct {
	Type     EventType `json:"type"`
	At       time.Time `json:"at"`
	Location string    `json:"location,omitempty"`
}

// maxJourney bounds the events a verification lists.
const maxJourney = 100

// Verify checks a code for anyone, with no API key: the GS1 Digital Link
// resolver and POST /v1/verify call it. A forged or mistyped minted serial
// is refused without a store call once the product's brand is cached. An
// authentic unit's verification is counted, with the client ctx names
// (WithClient), in memory first and in the store within a flush interval
// (verifycount.go). A code under a host not the brand's verifies with the
// warning WarningForeignHost. An *Error with EInvalid means the code is
// not GS1 data at all.
func (a *App) Verify(ctx context.Context, code string) (*Verification, error) {
	return a.verify(ctx, code, true)
}

// Check is Verify without counting the verification, for requests that
// only look, such as a resolver's HEAD from a link checker.
func (a *App) Check(ctx context.Context, code string) (*Verification, error) {
	return a.verify(ctx, code, false)
}

func (a *App) verify(ctx context.Context, code string, count bool) (*Verification, error) {
	if len(code) > 4096 {
		return nil, Errorf(EInvalid, "code is too long")
	}
	id, err := a.checkSerial(ctx, code)
	if err != nil {
		return nil, err
	}
	v := &Verification{GTIN: id.gtin, Serial: id.serial, Events: []PublicEvent{}}
	if id.reason != "" {
		v.Reason, v.Message = id.reason, id.message
		return v, nil
	}
	// Everything cached is fetched before the transaction: no store call
	// may nest inside one.
	bk, err := a.brandKeys(ctx, id.brandID, -1)
	if err != nil {
		return nil, err
	}
	pr, err := a.product(ctx, id.gtin)
	if err != nil {
		return nil, err
	}
	// A verification only reads: its count goes to the counter, which
	// needs the stored count of a unit it does not hold, read in a View
	// (or a Peek's statement) begun after the generation taken here.
	began := a.verifications.generation()
	var stored int64
	var read bool
	var journey []PublicEvent
	// With the unit's batch cached (as it is but for a batch's first
	// verification since the start), what is read is one statement, which
	// needs no transaction of its own: a Peek.
	view := a.store.View
	var cached *Batch
	if id.seq >= 0 {
		if cached = a.cachedBatch(id.gtin, id.seq); cached != nil {
			view = a.store.Peek
		}
	}
	err = view(ctx, func(tx Tx) (err error) {
		var n int64
		n, journey, err = a.locateCounted(ctx, tx, id, cached)
		if err != nil || id.reason != "" {
			return err
		}
		if count && !a.verifications.holds(unitKey{pr.GTIN, id.seq}) {
			stored, read = n, true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if id.reason != "" {
		v.Reason, v.Message = id.reason, id.message
		return v, nil
	}
	if count {
		client := a.clients.of(ctx)
		if v.Verifications, err = a.countVerification(ctx, unitKey{pr.GTIN, id.seq}, stored, read, began, client); err != nil {
			return nil, err
		}
	}
	now := a.Now()
	v.Authentic, v.Serial, v.State = true, id.serial, id.state
	v.Product = &PublicProduct{GTIN: pr.GTIN, Name: pr.Name, Brand: bk.name}
	v.Batch = &PublicBatch{Lot: id.batch.Lot, Expiry: id.batch.Expiry, Expired: id.batch.Expired(now)}
	if journey != nil {
		v.Events = journey
	}
	if id.foreignHost != "" {
		v.Warnings = []Warning{{Code: WarningForeignHost, Message: foreignHostMessage(id.foreignHost)}}
	}
	return v, nil
}
