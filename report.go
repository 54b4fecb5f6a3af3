package genuine

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"
)

// AlertConsumerReport is the code of the alert a brand gets when a shopper
// reports one of its units as a suspected fake (App.Report).
const AlertConsumerReport = "consumer_report"

// The reasons a shopper may give for a report.
const (
	ReportCounterfeit = "counterfeit" // the shopper thinks the item is fake
	ReportSoldBefore  = "sold_before" // the code says sold or used, yet the item was bought new
	ReportDamaged     = "damaged"     // the item or its code looks tampered with
	ReportOther       = "other"
)

// maxReportMessage bounds a report's free text, in characters.
const maxReportMessage = 500

// ReportInput is a shopper's report of a suspected fake.
type ReportInput struct {
	Code       string `json:"code"`   // the unit's code as scanned
	Reason     string `json:"reason"` // ReportCounterfeit, ReportSoldBefore, ReportDamaged or ReportOther
	Message    string `json:"message,omitempty"`
	MerchantID string `json:"merchant_id,omitempty"` // where the shopper found it, if known
}

// Report records anyone's report of a suspected fake as an alert
// AlertConsumerReport (rule "report", action flag) to the brand of the
// product the code names, whether or not the code verifies: a forged
// serial of a known product is what a brand most needs to hear of. The
// code is checked as Check does (not counted as a verification), and the
// alert's message says the reason, the verification's own verdict if the
// code is not authentic, and the shopper's message with control and
// bidirectional formatting characters removed; it is plain text, never
// HTML. Reports of one unit collapse into one alert of the brand
// (RaiseAlert): its count goes up, and its message and merchant become the
// latest report's.
//
// Errors: EInvalid for a reason not listed, a message over 500 characters,
// a merchant id that is malformed or names no merchant, or a code that is
// not GS1 data or carries no GTIN and serial; ENotFound if the GTIN is no
// brand's product here (there is no one to tell).
func (a *App) Report(ctx context.Context, in ReportInput) error {
	switch in.Reason {
	case ReportCounterfeit, ReportSoldBefore, ReportDamaged, ReportOther:
	default:
		return Errorf(EInvalid, "reason must be counterfeit, sold_before, damaged or other")
	}
	if !utf8.ValidString(in.Message) {
		return Errorf(EInvalid, "message is not UTF-8 text")
	}
	if utf8.RuneCountInString(in.Message) > maxReportMessage {
		return Errorf(EInvalid, "message is longer than %d characters", maxReportMessage)
	}
	if in.MerchantID != "" && !validID(in.MerchantID, "mer") {
		return Errorf(EInvalid, "merchant_id %.40q is not a merchant id", in.MerchantID)
	}
	v, err := a.Check(ctx, in.Code)
	if err != nil {
		return err
	}
	switch v.Reason {
	case ReasonInvalidCode:
		return Errorf(EInvalid, "%s", v.Message)
	case ReasonUnknownProduct:
		return Errorf(ENotFound, "GTIN %s is not a product of a brand here", v.GTIN)
	}
	// Cached by Check: no store call.
	brandID, err := a.productBrand(ctx, v.GTIN)
	if err != nil {
		return err
	}
	msg := "shopper reported: " + in.Reason
	if !v.Authentic {
		msg += " (the code does not verify: " + v.Reason + ")"
	}
	if note := plainText(in.Message); note != "" {
		msg += ": " + note
	}
	now := a.Now()
	al := &Alert{
		ID: newID("alr"), BrandID: brandID, GTIN: v.GTIN, Serial: v.Serial, Rule: "report",
		Code: AlertConsumerReport, Action: ActionFlag, Message: msg, MerchantID: in.MerchantID,
		Count: 1, FirstAt: now, LastAt: now,
	}
	return a.store.Update(ctx, func(tx Tx) error {
		if in.MerchantID != "" {
			if _, err := tx.Merchant(ctx, in.MerchantID); ErrorCode(err) == ENotFound {
				return Errorf(EInvalid, "merchant_id %s names no merchant", in.MerchantID)
			} else if err != nil {
				return err
			}
		}
		a2 := *al // the transaction may run again
		return tx.RaiseAlert(ctx, &a2)
	})
}

// plainText returns s as one line of plain text: line breaks and tabs
// become spaces; other control characters and the bidirectional
// formatting characters that could make it read other than it is are
// removed; runs of spaces become one; it is trimmed.
func plainText(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r), r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069',
			r == '\u200e', r == '\u200f', r == '\u061c':
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
