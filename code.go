package genuine

import (
	"context"
	"strings"

	"genuine/gs1"
)

// Reasons a code is not authentic (the authentic rule of a policy).
const (
	ReasonInvalidCode    = "invalid_code"          // not GS1 data, or no GTIN and serial
	ReasonUnknownProduct = "unknown_product"       // the GTIN is no product of ours
	ReasonCounterfeit    = "counterfeit_suspected" // the serial is not one the brand issued
	ReasonBatchMismatch  = "batch_mismatch"        // the lot or expiry in the code differ from the batch's
	ReasonKeyRevoked     = "key_revoked"           // the serial was minted under a signing key the brand revoked
)

// identity is what a code names once checked: its product, batch and unit.
type identity struct {
	msg     gs1.Message
	gtin    string
	serial  string // canonical
	brandID string
	seq     int64
	batch   *Batch
	unit    *Unit // the unit's own row, nil if it has none
	state   UnitState
	// reason is why the code is not authentic, "" if it is.
	reason  string
	message string
	// foreignHost is the host of a code that is a URI under a host not
	// the brand's (App.foreignHost), "" if it is not.
	foreignHost string
}

// checkSerial does the part of identification that needs no store call
// once the product's brand is cached: parse the code and verify a minted
// serial. It returns a partial identity; reason is set if the code already
// fails. An *Error with EInvalid means the input is not GS1 data at all.
func (a *App) checkSerial(ctx context.Context, code string) (*identity, error) {
	msg, err := gs1.Parse(strings.TrimSpace(code))
	if err != nil {
		return nil, Errorf(EInvalid, "code is not GS1 data: %v", err)
	}
	id := &identity{msg: msg, gtin: msg.GTIN(), serial: msg.Serial()}
	if id.gtin == "" || id.serial == "" {
		id.reason, id.message = ReasonInvalidCode, "the code carries no GTIN (01) and serial (21)"
		return id, nil
	}
	id.brandID, err = a.productBrand(ctx, id.gtin)
	if ErrorCode(err) == ENotFound {
		id.reason, id.message = ReasonUnknownProduct, "GTIN "+id.gtin+" is not a product of a brand here"
		return id, nil
	}
	if err != nil {
		return nil, err
	}
	d, ok := DecodeSerial(id.serial)
	keyID := -1
	if ok {
		keyID = d.KeyID
	}
	bk, err := a.brandKeys(ctx, id.brandID, keyID)
	if err != nil {
		return nil, err
	}
	id.foreignHost = a.foreignHost(strings.TrimSpace(code), bk.rule)
	if ok && bk.signers[d.KeyID] != nil && bk.signers[d.KeyID].Verify(id.gtin, d) {
		id.serial, id.seq = d.Canonical, int64(d.Sequence)
		if bk.revoked[d.KeyID] {
			id.reason, id.message = ReasonKeyRevoked, "serial "+id.serial+" was minted under a signing key the brand revoked"
		}
		return id, nil
	}
	if bk.rule.Serials == SerialsRegistered {
		id.seq = -1 // looked up in the store by identify
		return id, nil
	}
	id.reason, id.message = ReasonCounterfeit, "serial "+id.serial+" was not issued by the brand"
	return id, nil
}

// checked is a code whose serial was checked before a transaction began:
// checkSerial may call the store to fill its caches, which must not happen
// inside a transaction (on PostgreSQL each would hold a second connection
// of the pool, and many at once deadlock it). err is set, with code
// EInvalid, for input that is not GS1 data at all.
type checked struct {
	id  *identity
	err error
	// noPrice and currency are set for an item of a preview
	// (PreviewCheckout) only: noPrice if it has no price, which skips the
	// price rule; currency, if set, in place of the cart's (a price from
	// the merchant's list).
	noPrice  bool
	currency string
}

// checkCodes checks the serials of codes, outside any transaction.
func (a *App) checkCodes(ctx context.Context, codes []string) ([]checked, error) {
	out := make([]checked, len(codes))
	for i, code := range codes {
		id, err := a.checkSerial(ctx, code)
		if err != nil && ErrorCode(err) != EInvalid {
			return nil, err
		}
		out[i] = checked{id: id, err: err}
	}
	return out, nil
}

// identifyIn completes the identification of a checked code in tx: its
// batch and unit. It works on a copy, since a transaction may run again.
func (a *App) identifyIn(ctx context.Context, tx Tx, c checked) (*identity, error) {
	if c.err != nil {
		return nil, c.err
	}
	id := *c.id
	if id.reason != "" {
		return &id, nil
	}
	return &id, a.locate(ctx, tx, &id)
}

// locate finds the batch and unit of a code whose serial passed checkSerial.
func (a *App) locate(ctx context.Context, tx Tx, id *identity) error {
	if err := a.findSerial(ctx, tx, id); err != nil || id.reason != "" {
		return err
	}
	b, err := tx.BatchBySequence(ctx, id.gtin, id.seq)
	if ok, err := id.inBatch(b, err); !ok {
		return err
	}
	u, err := tx.Unit(ctx, id.gtin, id.seq)
	switch {
	case err == nil:
		id.setUnit(u)
	case ErrorCode(err) == ENotFound:
		id.setUnit(nil)
	default:
		return err
	}
	return nil
}

// locateCounted is locate for a verification: it reads the unit's batch,
// its own row, its stored count of verifications and its journey (at most
// maxJourney events), and returns the count and the journey. A batch read
// before, cached, is passed in: of it, only its disposition is read again,
// with the unit and the journey, in one statement (so that a Peek reads
// them on one snapshot). Otherwise the batch and the unit are read in one
// statement and the journey in another.
func (a *App) locateCounted(ctx context.Context, tx Tx, id *identity, cached *Batch) (int64, []PublicEvent, error) {
	if err := a.findSerial(ctx, tx, id); err != nil || id.reason != "" {
		return 0, nil, err
	}
	if cached == nil {
		cached = a.cachedBatch(id.gtin, id.seq) // a registered serial's, found just now
	}
	if cached != nil {
		// A batch's ranges, lot and expiry never change: of its 19
		// columns only its disposition is read again, with the unit and
		// its journey. (Its regions, which may change too, a
		// verification does not show.)
		d, u, n, journey, err := tx.UnitJourney(ctx, cached.ID, id.gtin, id.seq, maxJourney)
		if err != nil {
			return 0, nil, err
		}
		b := *cached
		b.Disposition = d
		if ok, err := id.inBatch(&b, nil); !ok {
			return 0, nil, err
		}
		id.setUnit(u)
		return n, journey, nil
	}
	b, u, n, err := tx.UnitInBatch(ctx, id.gtin, id.seq)
	if ok, err := id.inBatch(b, err); !ok {
		return 0, nil, err
	}
	a.cacheBatch(b)
	id.setUnit(u)
	journey, err := tx.Journey(ctx, id.batch.ID, id.seq, maxJourney)
	return n, journey, err
}

// findSerial looks up the sequence number of a registered serial, which
// checkSerial leaves to the transaction.
func (a *App) findSerial(ctx context.Context, tx Tx, id *identity) error {
	if id.seq >= 0 {
		return nil
	}
	seq, err := tx.RegisteredSerial(ctx, id.gtin, id.serial)
	if ErrorCode(err) == ENotFound {
		id.reason, id.message = ReasonCounterfeit, "serial "+id.serial+" is not registered by the brand"
		return nil
	}
	if err != nil {
		return err
	}
	id.seq = seq
	return nil
}

// inBatch takes the result of looking up id's batch, b or err, and reports
// whether id's unit is in it, as its code says. If no batch has the unit,
// or the code's lot or expiry are not the batch's, it sets id's reason and
// reports false; any other error it returns.
func (id *identity) inBatch(b *Batch, err error) (bool, error) {
	switch {
	case ErrorCode(err) == ENotFound:
		id.reason, id.message = ReasonCounterfeit, "serial "+id.serial+" belongs to no batch"
		return false, nil
	case err != nil:
		return false, err
	}
	id.batch = b
	if lot := id.msg.Lot(); lot != "" && lot != b.Lot {
		id.reason, id.message = ReasonBatchMismatch, "the code's lot "+lot+" is not the batch's "+b.Lot
		return false, nil
	}
	if exp, ok := id.msg.Get("17"); ok && exp != b.Expiry.YYMMDD() {
		id.reason, id.message = ReasonBatchMismatch, "the code's expiry "+exp+" is not the batch's "+b.Expiry.YYMMDD()
		return false, nil
	}
	return true, nil
}

// setUnit sets id's unit, nil if it has no row of its own, and its state.
func (id *identity) setUnit(u *Unit) {
	id.unit = u
	state := UnitState("")
	if u != nil {
		state = u.State
	}
	id.state = EffectiveState(id.batch.Disposition, state)
}

// codeFormat writes the Digital Link URIs of one batch's units fast: every
// code is prefix + serial + suffix, both made once by the gs1 package from a
// real code of the batch.
type codeFormat struct {
	prefix, suffix string
}

// newCodeFormat returns the code format of a batch under a brand's rule.
func (a *App) newCodeFormat(b *Batch, rule CodeRule, sample string) (codeFormat, error) {
	var data strings.Builder
	data.WriteString("(01)" + b.GTIN)
	if rule.LotInLink {
		data.WriteString("(10)" + strings.ReplaceAll(b.Lot, "(", `\(`))
	}
	data.WriteString("(21)" + sample)
	if rule.ExpiryInLink {
		data.WriteString("(17)" + b.Expiry.YYMMDD())
	}
	msg, err := gs1.ParseBracketed(data.String())
	if err != nil {
		return codeFormat{}, err
	}
	stem := rule.LinkStem
	if stem == "" {
		stem = a.baseURL
	}
	uri, err := msg.DigitalLink(stem)
	if err != nil {
		return codeFormat{}, err
	}
	i := strings.Index(uri, "/21/"+sample)
	if i < 0 {
		return codeFormat{}, Errorf(EInternal, "code format: serial not found in %s", uri)
	}
	i += len("/21/")
	return codeFormat{prefix: uri[:i], suffix: uri[i+len(sample):]}, nil
}

// appendCode appends the code of the unit with the given serial to dst.
func (f codeFormat) appendCode(dst []byte, serial []byte) []byte {
	dst = append(dst, f.prefix...)
	dst = append(dst, serial...)
	return append(dst, f.suffix...)
}
