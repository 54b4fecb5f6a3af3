package web

import (
	"html/template"
	"time"

	"genuine"
	"genuine/web/i18n"
)

// Verdicts: what the resolver page tells a shopper about a code, each a
// distinct state of the page with its own colour.
const (
	verdictOnSale     = "on_sale"      // genuine and for sale (green)
	verdictSold       = "sold"         // genuine, but sold already (amber)
	verdictUsed       = "used"         // genuine, but opened or used (amber)
	verdictReturned   = "returned"     // genuine, sold once and returned (amber)
	verdictNotForSale = "not_for_sale" // genuine, not released or on hold (amber)
	verdictDoNotUse   = "do_not_use"   // recalled, withdrawn, stolen, destroyed or expired (red)
	verdictFake       = "fake"         // the brand never issued the code (red)
	verdictUnknown    = "unknown"      // no brand here makes the product, or no serial (grey)
)

// verificationPage is what the resolver page shows of a verification: the
// verification, its verdict, and the reason a shopper's report gives
// (genuine.ReportCounterfeit …; "" where the page offers no report).
type verificationPage struct {
	*genuine.Verification
	Verdict string
	Report  string
}

// newVerificationPage returns the page of v.
func newVerificationPage(v *genuine.Verification) verificationPage {
	p := verificationPage{Verification: v, Verdict: verdictOf(v)}
	switch p.Verdict {
	case verdictFake:
		p.Report = genuine.ReportCounterfeit
	case verdictSold, verdictUsed:
		p.Report = genuine.ReportSoldBefore
	}
	return p
}

// verdictOf returns what v tells a shopper. A reason to not use a unit
// (recall, theft, expiry …) comes before its sale: a sold unit that was
// recalled must not be used either.
func verdictOf(v *genuine.Verification) string {
	if !v.Authentic {
		switch v.Reason {
		case genuine.ReasonUnknownProduct, genuine.ReasonInvalidCode:
			return verdictUnknown
		}
		return verdictFake
	}
	switch v.State {
	case genuine.StateRecalled, genuine.StateWithdrawn, genuine.StateStolen, genuine.StateDestroyed:
		return verdictDoNotUse
	}
	if v.Batch != nil && v.Batch.Expired {
		return verdictDoNotUse
	}
	switch v.State {
	case genuine.StateInChannel, genuine.StateReserved:
		return verdictOnSale
	case genuine.StateSold:
		return verdictSold
	case genuine.StateConsumed:
		return verdictUsed
	case genuine.StateReturned:
		return verdictReturned
	}
	return verdictNotForSale // commissioned, locked, or a state added later
}

// resolverFuncs returns the template functions of the resolver page in
// language l.
func resolverFuncs(l i18n.Lang) template.FuncMap {
	return template.FuncMap{
		// state and event are a unit's state and a step of its journey in
		// words.
		"state": func(s genuine.UnitState) string { return i18n.T(l, i18n.Key("state."+string(s))) },
		"event": func(t genuine.EventType) string { return i18n.T(l, i18n.Key("event."+string(t))) },
		// place is where a step happened as people say it: a region code
		// named ("Guangdong, China"), anything else as it is.
		"place": func(location string) string { return i18n.Place(l, location) },
		// localTime is when a step happened in the time zone of its
		// location's region, or in UTC, saying so, where that is unknown.
		"localTime": func(t time.Time, location string) string { return localTime(l, t, location) },
		// why is why a code is not genuine, as a shopper needs it: the
		// resolver's own words where it has them, else the reason's.
		"why": func(reason string) string {
			if key := i18n.Key("resolver.why." + reason); i18n.Has(key) {
				return i18n.T(l, key)
			}
			return i18n.Reason(l, reason, nil)
		},
		// expiry is a batch's expiry date as people write it.
		"expiry": func(d genuine.Date) string { return i18n.FormatDate(l, d.Time(), time.UTC) },
	}
}

// localTime writes t in the time zone of the region location names
// (genuine.DefaultTimeZone), or in UTC followed by "UTC" for a location
// that is no region code, or a region of no one time zone.
func localTime(l i18n.Lang, t time.Time, location string) string {
	zone := "UTC"
	if location != "" && genuine.ValidRegion(location) == nil {
		zone = genuine.DefaultTimeZone(location)
	}
	s := i18n.FormatTime(l, t, i18n.Zone(zone))
	if zone == "UTC" {
		s += " UTC"
	}
	return s
}

// Headline returns the catalogue key of the page's headline, which is its
// title too.
func (p verificationPage) Headline() string {
	switch p.Verdict {
	case verdictOnSale:
		return "on_sale"
	case verdictSold:
		return "resolver.sold_title"
	case verdictUsed:
		return "resolver.used_title"
	case verdictReturned:
		return "resolver.returned_title"
	case verdictNotForSale:
		return "resolver.not_for_sale"
	case verdictDoNotUse:
		return "resolver.do_not_buy"
	case verdictFake:
		return "not_genuine"
	}
	return "resolver.unknown_title"
}

// Colour returns the class of the page's verdict: green, amber, red or
// grey.
func (p verificationPage) Colour() string {
	switch p.Verdict {
	case verdictOnSale:
		return "genuine"
	case verdictSold, verdictUsed, verdictReturned, verdictNotForSale:
		return "caution"
	case verdictDoNotUse, verdictFake:
		return "not-genuine"
	}
	return "unreadable"
}

// StateStops reports whether the unit's state itself says not to use it
// (rather than only its batch's expiry).
func (p verificationPage) StateStops() bool {
	switch p.State {
	case genuine.StateRecalled, genuine.StateWithdrawn, genuine.StateStolen, genuine.StateDestroyed:
		return true
	}
	return false
}
