package genuine

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Facts are what a decision is made from, gathered by the App for one unit
// at one moment.
type Facts struct {
	// Reason is why the code is not authentic ("" if it is): one of the
	// authentic reason codes, with ReasonMessage for people.
	Reason, ReasonMessage string
	State                 UnitState // effective state of the unit
	Batch                 *Batch    // nil if the code is not authentic
	Merchant              *Merchant // the selling merchant (region, optional Lat/Lon)
	Price                 int64     // unit price in minor units
	Currency              string
	Now                   time.Time
	// NoPrice says the unit's price is not known (a till's preview of a
	// unit scanned without one): the price rule is skipped.
	NoPrice bool
	// Scans is how many distinct clients verified the unit before (a
	// client of its own for each verification that named none; see
	// WithClient), and LastScan the last located scan (nil if none).
	// Scans is the store's count: servers store their verifications in
	// batches, so it may lag the verifications made by up to one flush
	// interval (Config.VerificationFlush, 50 ms by default; see
	// verifycount.go). The velocity rule tolerates that: it looks for
	// units verified by far more clients than expected, not for the last
	// few.
	Scans    int64
	LastScan *ScanPoint
	// ForeignHost is the host of a code scanned as a Digital Link URI
	// under a host not the brand's, "" if it is not (the host rule).
	ForeignHost string
}

// ScanPoint is where and when a unit was last scanned.
type ScanPoint struct {
	Lat, Lon float64
	At       time.Time
}

// Decision is the result of evaluating a policy for one unit at one moment.
type Decision struct {
	Outcome string        `json:"outcome"`          // "pass" or "refuse"
	Policy  string        `json:"policy"`           // which policy decided: scope and version, e.g. "brand@3", "default@0"
	Shadow  bool          `json:"shadow,omitempty"` // the whole policy ran in shadow mode
	Reasons []Reason      `json:"reasons"`          // every failed rule (refusing, flagged or shadow); empty, never nil, when none
	Rules   []RuleOutcome `json:"rules"`            // every rule's outcome, in policy order
}

// Reason is one failed rule of a decision.
type Reason struct {
	Rule    string `json:"rule"`
	Code    string `json:"code"`    // the reason code, such as "already_sold"
	Message string `json:"message"` // for people
	Action  string `json:"action"`  // refuse or flag
	Shadow  bool   `json:"shadow,omitempty"`
	// Detail holds the facts behind the reason that a page words for
	// people, by name: "regions" (the batch's sales regions, codes joined
	// by ","), "date" (an expiry day, 2027-12-31, or a sale's time in
	// RFC 3339), "shop" (the merchant that sold the unit), "min", "max"
	// (a price range in minor units of "currency"). Absent when there are
	// none. An already_sold reason has the sale's "date" and "shop".
	Detail map[string]string `json:"detail,omitempty"`
}

// RuleOutcome is what one rule of a policy found.
type RuleOutcome struct {
	Rule    string `json:"rule"`
	Outcome string `json:"outcome"` // pass, fail or skip
	Code    string `json:"code,omitempty"`
}

// Outcomes of a decision (pass, refuse) and of one rule (pass, fail, skip).
const (
	OutcomePass   = "pass"
	OutcomeRefuse = "refuse"
	OutcomeFail   = "fail"
	OutcomeSkip   = "skip" // the rule needs an authentic unit, and the code is not one; or a price, and none is known
)

// Reason codes of the rules other than authentic and state, whose codes
// are the authentic reasons (ReasonInvalidCode …) and StateCode's.
const (
	ReasonOutsideRegion        = "outside_region"
	ReasonExpired              = "expired"
	ReasonUnauthorizedMerchant = "unauthorized_merchant"
	ReasonPriceOutOfRange      = "price_out_of_range"
	ReasonAnomalousScans       = "anomalous_scans"
)

// samePlaceKM is the distance within which two scans are taken as the
// same place whatever the time between them, since merchants' coordinates
// are not more precise than that.
const samePlaceKM = 1

// ruleFinding is what one rule found; message is for people, set on failure.
type ruleFinding struct {
	outcome, code, message string
	detail                 map[string]string
}

var passFinding = ruleFinding{outcome: OutcomePass}

// Evaluate applies a policy to the facts and returns the decision. It is
// pure: no I/O, and no clock but f.Now. A nil policy is the default one.
// Every rule is evaluated and reported, authentic first even if the policy
// lacks it; if authentic fails (f.Reason set, or no f.Batch), the rules
// about the unit are skipped, as is the price rule without a price
// (f.NoPrice). Other missing facts fail their rules. The outcome
// is "refuse" if an enforced rule failed: authentic, or one with action
// refuse where neither it nor the policy is in shadow. Failed flag and
// shadow rules become Reasons too, so that the App can raise alerts
// (docs/architecture.md, "Policies").
func Evaluate(p *Policy, f Facts) Decision {
	if p == nil {
		p = DefaultPolicy()
	}
	shadow := p.Mode == ModeShadow
	d := Decision{
		Outcome: OutcomePass,
		Policy:  p.label(),
		Shadow:  shadow,
		Reasons: []Reason{},
		Rules:   make([]RuleOutcome, 0, len(p.Rules)+1),
	}
	authentic := f.Reason == "" && f.Batch != nil
	if len(p.Rules) == 0 || p.Rules[0].Rule != RuleAuthentic {
		d.add(&Rule{Rule: RuleAuthentic}, evalAuthentic(&f), false)
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		var fd ruleFinding
		switch {
		case r.Rule == RuleAuthentic:
			fd = evalAuthentic(&f)
		case !authentic && (r.Rule == RuleState || r.Rule == RuleRegion || r.Rule == RuleExpiry || r.Rule == RuleVelocity || r.Rule == RuleHost),
			r.Rule == RulePrice && f.NoPrice:
			fd = ruleFinding{outcome: OutcomeSkip}
		default:
			fd = r.evaluate(&f)
		}
		d.add(r, fd, shadow)
	}
	return d
}

// has reports whether p has a rule of the given name, shadowed or not.
func (p *Policy) has(rule string) bool {
	for _, r := range p.Rules {
		if r.Rule == rule {
			return true
		}
	}
	return false
}

// label names the policy in a decision by the kind of its scope and its
// version, "brand@3" or "batch@1": a decision is shown to merchants, who
// learn no brand's identifiers from it.
func (p *Policy) label() string {
	scope, _, _ := strings.Cut(p.Scope, ":")
	if scope == "" {
		scope = "default"
	}
	return scope + "@" + strconv.Itoa(p.Version)
}

// add records what rule r found, in a policy in shadow mode or not.
func (d *Decision) add(r *Rule, fd ruleFinding, shadowPolicy bool) {
	d.Rules = append(d.Rules, RuleOutcome{Rule: r.Rule, Outcome: fd.outcome, Code: fd.code})
	if fd.outcome != OutcomeFail {
		return
	}
	action, shadow := r.Action, r.Shadow || shadowPolicy
	if action == "" || r.Rule == RuleAuthentic {
		action, shadow = ActionRefuse, false
	}
	d.Reasons = append(d.Reasons, Reason{Rule: r.Rule, Code: fd.code, Message: fd.message, Action: action, Shadow: shadow, Detail: fd.detail})
	if action == ActionRefuse && !shadow {
		d.Outcome = OutcomeRefuse
	}
}

func failFinding(code, format string, args ...any) ruleFinding {
	return ruleFinding{outcome: OutcomeFail, code: code, message: fmt.Sprintf(format, args...)}
}

// with returns the finding with a detail set (Reason.Detail).
func (fd ruleFinding) with(name, value string) ruleFinding {
	d := make(map[string]string, len(fd.detail)+1)
	maps.Copy(d, fd.detail)
	d[name] = value
	fd.detail = d
	return fd
}

func evalAuthentic(f *Facts) ruleFinding {
	switch {
	case f.Reason != "" && f.ReasonMessage != "":
		return ruleFinding{outcome: OutcomeFail, code: f.Reason, message: f.ReasonMessage}
	case f.Reason != "":
		return failFinding(f.Reason, "the code is not authentic (%s)", f.Reason)
	case f.Batch == nil:
		return failFinding(ReasonCounterfeit, "the code belongs to no batch")
	}
	return passFinding
}

// evaluate applies a rule other than authentic to the facts of an
// authentic unit, or of any code for merchant and price.
func (r *Rule) evaluate(f *Facts) ruleFinding {
	switch r.Rule {
	case RuleState:
		return r.evalState(f)
	case RuleRegion:
		return r.evalRegion(f)
	case RuleExpiry:
		// Days of 24 hours, as in UTC, where Batch.Expired counts.
		limit := f.Now.Add(time.Duration(min(max(r.WithinDays, 0), maxWithinDays)) * 24 * time.Hour)
		switch {
		case !f.Batch.Expired(limit):
			return passFinding
		case f.Batch.Expired(f.Now):
			return failFinding(ReasonExpired, "the batch expired on %s", f.Batch.Expiry).with("date", f.Batch.Expiry.String())
		}
		return failFinding(ReasonExpired, "the batch expires on %s, within %d days", f.Batch.Expiry, r.WithinDays).with("date", f.Batch.Expiry.String())
	case RuleMerchant:
		switch {
		case f.Merchant == nil:
			return failFinding(ReasonUnauthorizedMerchant, "no merchant is known")
		case !slices.Contains(r.Merchants, f.Merchant.ID):
			return failFinding(ReasonUnauthorizedMerchant, "merchant %s is not one of the brand's authorized resellers", f.Merchant.ID)
		}
		return passFinding
	case RulePrice:
		return r.evalPrice(f)
	case RuleVelocity:
		return r.evalVelocity(f)
	case RuleHost:
		if f.ForeignHost != "" {
			return failFinding(WarningForeignHost, "%s", foreignHostMessage(f.ForeignHost))
		}
		return passFinding
	}
	// A rule this version does not know (from a policy never validated)
	// cannot be shown to pass, and the unit may not be paid for unchecked.
	return failFinding(EInvalid, "the policy has an unknown rule %.40q", r.Rule)
}

func (r *Rule) evalState(f *Facts) ruleFinding {
	if r.Allowed == nil && f.State == StateInChannel || slices.Contains(r.Allowed, f.State) {
		return passFinding
	}
	allowed := r.Allowed
	if allowed == nil {
		allowed = []UnitState{StateInChannel}
	}
	code := StateCode(f.State)
	if code == "" {
		return failFinding(ENotReleased, "the unit's state %.40q is unknown", f.State)
	}
	return failFinding(code, "the unit is %s; the brand sells only units %s", describeState(f.State), joinStates(allowed))
}

func (r *Rule) evalRegion(f *Facts) ruleFinding {
	m := f.Merchant
	if m == nil {
		return failFinding(ReasonOutsideRegion, "no merchant is known, so neither is the sales region")
	}
	for _, area := range f.Batch.Regions {
		if RegionWithin(m.Region, area) {
			return passFinding
		}
	}
	located := m.Lat != nil && m.Lon != nil
	if len(r.Geofences) > 0 && located && inGeofences(r.Geofences, *m.Lon, *m.Lat) {
		return passFinding
	}
	where := "batch " + f.Batch.ID + " has no sales regions"
	if len(f.Batch.Regions) > 0 {
		where = "outside the batch's regions " + strings.Join(f.Batch.Regions, ", ")
	}
	switch {
	case len(r.Geofences) > 0 && located:
		where += ", and its coordinates are outside the brand's geofences"
	case len(r.Geofences) > 0:
		where += ", and it has no coordinates for the brand's geofences"
	}
	fd := failFinding(ReasonOutsideRegion, "merchant region %s: %s", m.Region, where)
	if len(f.Batch.Regions) > 0 {
		fd = fd.with("regions", strings.Join(f.Batch.Regions, ","))
	}
	return fd
}

func (r *Rule) evalPrice(f *Facts) ruleFinding {
	fd := r.priceFinding(f)
	if fd.outcome == OutcomeFail && r.Min != nil && r.Max != nil {
		fd = fd.with("min", strconv.FormatInt(*r.Min, 10)).with("max", strconv.FormatInt(*r.Max, 10)).with("currency", r.Currency)
	}
	return fd
}

func (r *Rule) priceFinding(f *Facts) ruleFinding {
	switch {
	case !strings.EqualFold(f.Currency, r.Currency):
		return failFinding(ReasonPriceOutOfRange, "the price is in %.10q; the brand's range is in %s", f.Currency, r.Currency)
	case r.Min != nil && f.Price < *r.Min:
		return failFinding(ReasonPriceOutOfRange, "price %s is below the minimum %s", FormatMoney(f.Price, r.Currency), FormatMoney(*r.Min, r.Currency))
	case r.Max != nil && f.Price > *r.Max:
		return failFinding(ReasonPriceOutOfRange, "price %s is above the maximum %s", FormatMoney(f.Price, r.Currency), FormatMoney(*r.Max, r.Currency))
	}
	return passFinding
}

// evalVelocity fails when the code was verified too often, or when the
// last located scan is too far from this merchant for the time between:
// as if the unit had travelled faster than MaxSpeedKMH. Distances up to
// samePlaceKM never count, and a merchant without coordinates gives no
// place to compare.
func (r *Rule) evalVelocity(f *Facts) ruleFinding {
	var problems []string
	if r.MaxScans > 0 && f.Scans > r.MaxScans {
		problems = append(problems, fmt.Sprintf("the code was verified by %d clients before, more than the %d expected", f.Scans, r.MaxScans))
	}
	m, last := f.Merchant, f.LastScan
	if r.MaxSpeedKMH > 0 && last != nil && m != nil && m.Lat != nil && m.Lon != nil {
		km := haversineKM(last.Lat, last.Lon, *m.Lat, *m.Lon)
		elapsed := f.Now.Sub(last.At)
		if km > samePlaceKM && (elapsed <= 0 || km/elapsed.Hours() > r.MaxSpeedKMH) {
			problems = append(problems, fmt.Sprintf("it was scanned %.0f km away %s before: faster than %g km/h",
				km, elapsed.Round(time.Second), r.MaxSpeedKMH))
		}
	}
	if problems != nil {
		return failFinding(ReasonAnomalousScans, "%s", strings.Join(problems, "; "))
	}
	return passFinding
}

// joinStates lists states for messages: "in_channel, returned".
func joinStates(states []UnitState) string {
	var b strings.Builder
	for i, s := range states {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(s))
	}
	return b.String()
}
