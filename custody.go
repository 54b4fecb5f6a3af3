package genuine

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Custody (§11): a merchant records events only for the units it holds,
// those it received or sold. A unit's holder is read from its events, the
// batch's, its ranges' and its own, oldest first: the last receive names
// the merchant that holds it (none: the brand's side holds it), a ship
// naming a merchant sends it on its way there, and a sale or refund leaves
// it with the checkout's merchant. Brands and their partners act on their
// brand's units and need no custody.

// custody is who holds a unit by its events.
type custody struct {
	holder    string // the merchant holding the unit; "" for the brand's side
	shippedTo string // the merchant it is on its way to, if the last custody event is a ship naming it
}

// custodyOf reads the custody of a unit from its events, oldest first.
func custodyOf(events []*Event) custody {
	var c custody
	for _, e := range events {
		switch e.Type {
		case EventReceive, EventSell, EventRefund:
			c = custody{holder: e.MerchantID}
		case EventShip:
			c = custody{shippedTo: e.MerchantID}
		}
	}
	return c
}

// custodyIn reads the custody of an identified unit in tx.
func custodyIn(ctx context.Context, tx Tx, id *identity) (custody, error) {
	seq := id.seq
	events, err := tx.Events(ctx, id.batch.ID, &seq, 0)
	if err != nil {
		return custody{}, err
	}
	return custodyOf(events), nil
}

// AlertCustodyReport is the code of the alert a brand gets when a merchant
// reports something of a unit it does not hold (reportEvents): the report
// changes no state and records no event.
const AlertCustodyReport = "custody_report"

// reportEvents are the events a merchant may report of any unit: for one it
// does not hold, they become an alert to the unit's brand.
var reportEvents = []EventType{EventStolen, EventDestroy}

// Report is what a merchant reported of a unit it does not hold: it was
// raised to the unit's brand as an alert, and changed nothing.
type Report struct {
	Code  string    `json:"code"` // as the merchant gave it
	Type  EventType `json:"type"`
	Alert string    `json:"alert"` // AlertCustodyReport
}

// reportAlert returns the alert a merchant's report t of an identified unit
// raises to its brand.
func reportAlert(id *identity, t EventType, merchantID, note string, now time.Time) *Alert {
	msg := fmt.Sprintf("merchant %s reported %s of this unit, which it does not hold", merchantID, t)
	if note != "" {
		msg += ": " + note
	}
	return &Alert{
		ID: newID("alr"), BrandID: id.brandID, GTIN: id.gtin, Serial: id.serial, Rule: "custody",
		Code: AlertCustodyReport, Action: "flag", Message: msg, MerchantID: merchantID,
		Count: 1, FirstAt: now, LastAt: now,
	}
}

// inCustody reports whether the merchant p holds an identified unit, so
// that it may record t for it. A unit it does not hold gives false for a
// report (reportEvents), and otherwise the refusal: ENotShipped for a
// receive of a unit not shipped to it, ENotInCustody for the rest.
func inCustody(ctx context.Context, tx Tx, p *Principal, t EventType, id *identity) (bool, error) {
	c, err := custodyIn(ctx, tx, id)
	switch {
	case err != nil:
		return false, err
	case c.holder == p.MerchantID:
		return true, nil
	case t == EventReceive && c.shippedTo == p.MerchantID:
		return true, nil
	case t == EventReceive:
		return false, Errorf(ENotShipped, "the unit was not shipped to this merchant: its brand or partner records a ship or receive naming it")
	case slices.Contains(reportEvents, t):
		return false, nil
	}
	return false, Errorf(ENotInCustody, "this merchant neither received nor sold the unit")
}
