package genuine

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"time"
)

// AuditRecord is one entry of the audit trail: who changed what, and when.
// A record is written in the transaction of the change it records, and never
// changed afterwards; the chainer links it into the hash chain shortly after
// (ChainAudit).
type AuditRecord struct {
	ID      int64     `json:"id,string"` // given by the store, growing
	At      time.Time `json:"at"`
	Author            // who made the change
	BrandID string    `json:"brand_id,omitempty"` // the brand whose data changed, which sees the record; "" for none
	Action  string    `json:"action"`             // what was done, such as "checkout.paid"
	Subject string    `json:"subject"`            // the id of what changed
	Detail  string    `json:"detail,omitempty"`   // a small JSON object, kept as written
}

// Author is who made a change: the holder of an API key (its id, role and
// brand or merchant), an operator with access to the store (role
// "operator"), or genuine itself (role "system", Org naming the part that
// acted, such as "reconciler" or "provider:stripe").
type Author struct {
	KeyID string `json:"key_id,omitempty"`
	Role  string `json:"role"`
	Org   string `json:"org,omitempty"`
}

// Authors that hold no API key.
var (
	authorOperator   = Author{Role: "operator"}
	authorReconciler = Author{Role: "system", Org: "reconciler"}
)

// authorOf returns the author of a principal's change: the key's holder,
// or genuine itself for a nil principal.
func authorOf(p *Principal) Author {
	if p == nil {
		return Author{Role: "system"}
	}
	return Author{KeyID: p.KeyID, Role: string(p.Role), Org: p.Org()}
}

// authorProvider returns the author of a change a payment provider's
// notification makes.
func authorProvider(name string) Author { return Author{Role: "system", Org: "provider:" + name} }

// audit appends a record of a change to the audit trail, in tx: the change
// and its record are committed together or not at all. by made the change,
// which concerns brandID's data ("" for none, as for a merchant or an
// admin key, which admins alone see), and action (a noun and a verb, as
// "key.create") names what was done to subject (an id). detail is
// encoded as JSON (its keys sorted); nil for none. Like AddEvent, the
// write may be sent with the transaction's last statements.
func (a *App) audit(ctx context.Context, tx Tx, by Author, brandID, action, subject string, detail map[string]any) error {
	r := &AuditRecord{At: a.Now(), Author: by, BrandID: brandID, Action: action, Subject: subject}
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return err
		}
		r.Detail = string(b)
	}
	return tx.AddAudit(ctx, r)
}

// AuditLink is a record's place in the hash chain: its position (1 for the
// first record chained, then one more for each) and the chain's hash up to
// and including it (AuditHash).
type AuditLink struct {
	Seq      int64
	RecordID int64
	Hash     []byte
}

// auditHashTag starts every hashed encoding, naming its version.
const auditHashTag = "genuine audit v1\n"

// AuditHash returns the chain's hash at a record, given the hash at the
// record before (nil for the first) and the record's position seq: SHA-256
// of the canonical encoding
//
//	"genuine audit v1\n" ‖ prev (32 bytes; zeros for the first) ‖ u64(seq) ‖
//	u64(record id) ‖ u64(at, Unix microseconds) ‖ str(key id) ‖ str(role) ‖
//	str(org) ‖ str(brand id) ‖ str(action) ‖ str(subject) ‖ str(detail)
//
// where u64 is 8 bytes big-endian (two's complement) and str a string's
// length as 4 bytes big-endian followed by its UTF-8 bytes. Every field is
// covered, so changing any byte of a record, or its position, changes its
// hash and every one after it.
func AuditHash(prev []byte, seq int64, r *AuditRecord) []byte {
	h := sha256.New()
	h.Write([]byte(auditHashTag))
	var zero [sha256.Size]byte
	if prev == nil {
		prev = zero[:]
	}
	h.Write(prev)
	var b [8]byte
	for _, n := range []int64{seq, r.ID, r.At.UnixMicro()} {
		binary.BigEndian.PutUint64(b[:], uint64(n))
		h.Write(b[:])
	}
	for _, s := range []string{r.KeyID, r.Role, r.Org, r.BrandID, r.Action, r.Subject, r.Detail} {
		binary.BigEndian.PutUint32(b[:4], uint32(len(s)))
		h.Write(b[:4])
		h.Write([]byte(s))
	}
	return h.Sum(nil)
}

// AuditFilter selects audit records, newest first.
type AuditFilter struct {
	BrandID string // only this brand's records; "" for all
	Before  int64  // only records with a lower id; 0 for no bound
	Limit   int
}

// Audit returns audit records, newest first: a brand's own to a brand key,
// any brand's (or all, with f.BrandID empty) to an admin.
func (a *App) Audit(ctx context.Context, p *Principal, f AuditFilter) ([]*AuditRecord, error) {
	if err := require(p, RoleAdmin, RoleBrand); err != nil {
		return nil, err
	}
	if p.Role == RoleBrand {
		f.BrandID = p.BrandID
	}
	var rs []*AuditRecord
	err := a.store.View(ctx, func(tx Tx) (err error) {
		rs, err = tx.AuditRecords(ctx, f)
		return err
	})
	return rs, err
}

// auditCheckout records, in tx, a change by an author of a checkout's
// status (from) or of its payment's (fromPay): "checkout.<status>" if the
// checkout's status changed, "payment.<status>" if only its payment's did
// (a payment landing on, or refunded from, a checkout that ended unpaid);
// nothing if neither did. It writes one record for each brand whose units
// the checkout holds, naming that brand's units and amount alone.
func (a *App) auditCheckout(ctx context.Context, tx Tx, by Author, c *Checkout, from CheckoutStatus, fromPay PaymentStatus) error {
	var action string
	pay := paymentStatus(c)
	switch {
	case c.Status != from:
		action = "checkout." + string(c.Status)
	case pay != fromPay:
		action = "payment." + string(pay)
	default:
		return nil
	}
	type share struct {
		units  int
		amount int64
	}
	var brands []string
	shares := make(map[string]*share)
	for _, it := range c.Items {
		s := shares[it.BrandID]
		if s == nil {
			s = &share{}
			shares[it.BrandID] = s
			brands = append(brands, it.BrandID)
		}
		s.units++
		s.amount += it.Price
	}
	for _, brandID := range brands {
		s := shares[brandID]
		detail := map[string]any{
			"merchant_id": c.MerchantID, "from": from, "units": s.units, "amount": s.amount,
			"currency": c.Currency, "provider": c.Provider,
		}
		if c.Payment != nil {
			detail["payment"], detail["payment_status"] = c.Payment.Reference, pay
		}
		if err := a.audit(ctx, tx, by, brandID, action, c.ID, detail); err != nil {
			return err
		}
	}
	return nil
}

// paymentStatus returns the status of a checkout's payment; "" if it has
// none.
func paymentStatus(c *Checkout) PaymentStatus {
	if c.Payment == nil {
		return ""
	}
	return c.Payment.Status
}
