package genuine

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// ParsePolicy decodes and validates a policy document, JSON such as
//
//	{"mode": "enforce", "rules": [{"rule": "state"}, {"rule": "price", "currency": "CNY", "min": 5000}]}
//
// Unknown fields, and fields of another rule, are refused (see Validate);
// bounding the document's size is the caller's job. Errors are *Error with
// code EInvalid naming the rule by position and name, as in "rule 3
// (price): min 500 is above max 100". The policy returned is complete:
// authentic first, every default filled in, duplicates dropped, geofences
// as compact GeoJSON, CreatedAt in UTC (normalize); marshalled and parsed
// again it is equal.
func ParsePolicy(data []byte) (*Policy, error) {
	var doc map[string]json.RawMessage
	err := json.Unmarshal(data, &doc)
	if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
		return nil, Errorf(EInvalid, "the policy is not valid JSON: %s, near byte %d", se, se.Offset)
	}
	if err != nil || doc == nil {
		return nil, Errorf(EInvalid, `a policy is a JSON object such as {"rules": [{"rule": "state"}]}`)
	}
	p := &Policy{}
	for _, k := range slices.Sorted(maps.Keys(doc)) {
		if err := p.decodeField(k, doc[k]); err != nil {
			return nil, err
		}
	}
	if p.Rules == nil {
		return nil, Errorf(EInvalid, `a policy needs "rules": a list of rules, which may be empty`)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p.normalize()
	return p, nil
}

// decodeField decodes one top-level member of a policy document.
func (p *Policy) decodeField(k string, v json.RawMessage) error {
	var err error
	var want string
	switch k {
	case "scope":
		err, want = json.Unmarshal(v, &p.Scope), "a string"
	case "version":
		err, want = json.Unmarshal(v, &p.Version), "an integer"
	case "mode":
		err, want = json.Unmarshal(v, &p.Mode), `"enforce" or "shadow"`
	case "created_at":
		err, want = json.Unmarshal(v, &p.CreatedAt), "an RFC 3339 time such as 2026-01-02T15:04:05Z"
	case "rules":
		var raw []json.RawMessage
		if err := json.Unmarshal(v, &raw); err != nil || raw == nil {
			return Errorf(EInvalid, `"rules" must be a list of rules, which may be empty`)
		}
		if len(raw) > maxPolicyRules {
			return Errorf(EInvalid, "a policy has at most %d rules; this one has %d", maxPolicyRules, len(raw))
		}
		p.Rules = make([]Rule, len(raw))
		for i, r := range raw {
			if err := decodeRule(i+1, r, &p.Rules[i]); err != nil {
				return err
			}
		}
		return nil
	default:
		return Errorf(EInvalid, "unknown field %.40q in the policy; a policy has mode and rules", k)
	}
	if err != nil {
		return Errorf(EInvalid, "%q must be %s", k, want)
	}
	return nil
}

// decodeRule decodes the n-th rule of a policy document into r, refusing
// fields the rule does not take.
func decodeRule(n int, raw json.RawMessage, r *Rule) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return Errorf(EInvalid, `rule %d: a rule is a JSON object such as {"rule": "state"}`, n)
	}
	v, ok := fields["rule"]
	if !ok || json.Unmarshal(v, &r.Rule) != nil || r.Rule == "" {
		return Errorf(EInvalid, `rule %d: "rule" must name the rule: one of %s`, n, strings.Join(ruleNames, ", "))
	}
	params, known := ruleParams[r.Rule]
	if !known {
		return Errorf(EInvalid, "rule %d (%.40q): unknown rule; rules are %s", n, r.Rule, strings.Join(ruleNames, ", "))
	}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		switch {
		case k == "rule" || k == "action" || k == "shadow" || slices.Contains(params, k):
		case isRuleParam(k):
			return Errorf(EInvalid, "rule %d (%s): %q does not belong to %s rule", n, r.Rule, k, article(r.Rule))
		default:
			return Errorf(EInvalid, "rule %d (%s): unknown field %.40q", n, r.Rule, k)
		}
	}
	if err := json.Unmarshal(raw, r); err != nil {
		// Every field is known by now, so this is a value of the wrong type.
		var te *json.UnmarshalTypeError
		var k string
		if errors.As(err, &te) {
			k, _, _ = strings.Cut(te.Field, ".")
		}
		return Errorf(EInvalid, "rule %d (%s): %q must be %s", n, r.Rule, k, fieldType(k))
	}
	return nil
}

// isRuleParam reports whether k is a field of some rule.
func isRuleParam(k string) bool {
	for _, ps := range ruleParams {
		if slices.Contains(ps, k) {
			return true
		}
	}
	return false
}

// article returns the rule name with its indefinite article: "an expiry".
func article(rule string) string {
	if rule == RuleAuthentic || rule == RuleExpiry {
		return "an " + rule
	}
	return "a " + rule
}

// fieldType says what a rule's field holds, for error messages.
func fieldType(k string) string {
	switch k {
	case "action":
		return `"refuse" or "flag"`
	case "shadow":
		return "true or false"
	case "allowed", "merchants":
		return "a list of strings"
	case "geofences":
		return "a list of GeoJSON geometries"
	case "currency":
		return "a string"
	case "max_speed_kmh":
		return "a number"
	}
	return "an integer"
}

// Validate checks a policy the way ParsePolicy does, for policies built in
// Go, and returns an *Error with code EInvalid naming the first problem; it
// does not change p. The mode is "", "enforce" or "shadow", the version not
// negative; there are at most 32 rules, each at most once, with a known
// name, an action of "", "refuse" or "flag", and only its own fields, each
// within its limits (docs/architecture.md, "Policies", lists them).
// Authentic, if present, is first and neither flag nor shadow.
func (p *Policy) Validate() error {
	if p == nil {
		return Errorf(EInvalid, "no policy")
	}
	switch p.Mode {
	case "", ModeEnforce, ModeShadow:
	default:
		return Errorf(EInvalid, "mode %.40q must be enforce or shadow", p.Mode)
	}
	if p.Version < 0 {
		return Errorf(EInvalid, "version %d must not be negative", p.Version)
	}
	if len(p.Rules) > maxPolicyRules {
		return Errorf(EInvalid, "a policy has at most %d rules; this one has %d", maxPolicyRules, len(p.Rules))
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		if problem := r.check(i == 0); problem != "" {
			if _, known := ruleParams[r.Rule]; !known {
				return Errorf(EInvalid, "rule %d (%.40q): %s", i+1, r.Rule, problem)
			}
			return Errorf(EInvalid, "rule %d (%s): %s", i+1, r.Rule, problem)
		}
		for j := range i {
			if p.Rules[j].Rule == r.Rule {
				return Errorf(EInvalid, "rule %d (%s): a policy has one %s rule, and rule %d is one", i+1, r.Rule, r.Rule, j+1)
			}
		}
	}
	return nil
}

// check returns what is wrong with r, or "" if nothing is; first says
// whether r is the policy's first rule.
func (r *Rule) check(first bool) string {
	params, known := ruleParams[r.Rule]
	switch {
	case r.Rule == "":
		return `"rule" must name the rule: one of ` + strings.Join(ruleNames, ", ")
	case !known:
		return "unknown rule; rules are " + strings.Join(ruleNames, ", ")
	}
	if r.Action != "" && r.Action != ActionRefuse && r.Action != ActionFlag {
		return fmt.Sprintf("action %.40q must be refuse or flag", r.Action)
	}
	for _, f := range r.setParams() {
		if !slices.Contains(params, f) {
			return fmt.Sprintf("%q does not belong to %s rule", f, article(r.Rule))
		}
	}
	switch r.Rule {
	case RuleAuthentic:
		switch {
		case !first:
			return "authentic must be the first rule"
		case r.Action == ActionFlag:
			return "authentic always refuses a code that is not authentic; it cannot be flag"
		case r.Shadow:
			return "authentic is always enforced; it cannot be shadow"
		}
	case RuleState:
		return checkAllowed(r.Allowed)
	case RuleRegion:
		return checkGeofences(r.Geofences)
	case RuleExpiry:
		if r.WithinDays < 0 || r.WithinDays > maxWithinDays {
			return fmt.Sprintf("within_days %d must be 0 to %d", r.WithinDays, maxWithinDays)
		}
	case RuleMerchant:
		return checkMerchants(r.Merchants)
	case RulePrice:
		return r.checkPrice()
	case RuleVelocity:
		switch {
		case r.MaxScans < 0:
			return fmt.Sprintf("max_scans %d must not be negative", r.MaxScans)
		case r.MaxSpeedKMH < 0 || math.IsNaN(r.MaxSpeedKMH) || math.IsInf(r.MaxSpeedKMH, 0):
			return fmt.Sprintf("max_speed_kmh %g must be a number, not negative", r.MaxSpeedKMH)
		case r.MaxScans == 0 && r.MaxSpeedKMH == 0:
			return "give max_scans, max_speed_kmh or both, above 0"
		}
	}
	return ""
}

// setParams names the rule-specific fields of r that are set.
func (r *Rule) setParams() []string {
	var set []string
	add := func(name string, isSet bool) {
		if isSet {
			set = append(set, name)
		}
	}
	add("allowed", r.Allowed != nil)
	add("geofences", r.Geofences != nil)
	add("within_days", r.WithinDays != 0)
	add("merchants", r.Merchants != nil)
	add("currency", r.Currency != "")
	add("min", r.Min != nil)
	add("max", r.Max != nil)
	add("max_scans", r.MaxScans != 0)
	add("max_speed_kmh", r.MaxSpeedKMH != 0)
	return set
}

func checkAllowed(allowed []UnitState) string {
	if allowed != nil && len(allowed) == 0 {
		return `allowed is empty; list the states that may be sold, such as ["in_channel"]`
	}
	for _, s := range allowed {
		if _, ok := stateCodes[s]; !ok {
			states := slices.Sorted(maps.Keys(stateCodes))
			return fmt.Sprintf("allowed: %.40q is not a unit state; states are %s", s, joinStates(states))
		}
	}
	return ""
}

func checkGeofences(fences []json.RawMessage) string {
	if fences != nil && len(fences) == 0 {
		return "geofences is empty; omit it, or give GeoJSON Polygons or MultiPolygons"
	}
	n := 0
	for i, raw := range fences {
		g, err := parseGeofence(raw)
		if err != nil {
			return fmt.Sprintf("geofence %d: %v", i+1, err)
		}
		n += g.positions()
	}
	if n > maxGeofencePositions {
		return fmt.Sprintf("geofences have %d positions in all; at most %d", n, maxGeofencePositions)
	}
	return ""
}

func checkMerchants(ids []string) string {
	switch {
	case len(ids) == 0:
		return "merchants is empty; list the ids of the authorized resellers"
	case len(ids) > maxMerchants:
		return fmt.Sprintf("at most %d merchants; this list has %d", maxMerchants, len(ids))
	}
	for i, id := range ids {
		if !validID(id, "mer") {
			return fmt.Sprintf("merchant %d %.40q is not a merchant id (mer_ and 20 letters and digits)", i+1, id)
		}
	}
	return ""
}

func (r *Rule) checkPrice() string {
	switch {
	case r.Currency == "":
		return `currency is required, such as "CNY"`
	case len(r.Currency) != 3 || strings.Trim(r.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "":
		return fmt.Sprintf(`currency %.40q must be three upper-case letters (ISO 4217), such as "CNY"`, r.Currency)
	case !ValidCurrency(r.Currency):
		return fmt.Sprintf("currency %s is not an ISO 4217 currency", r.Currency)
	case r.Min == nil && r.Max == nil:
		return "give min, max or both, in minor units of the currency"
	case r.Min != nil && *r.Min < 0:
		return fmt.Sprintf("min %d must not be negative", *r.Min)
	case r.Max != nil && *r.Max < 0:
		return fmt.Sprintf("max %d must not be negative", *r.Max)
	case r.Min != nil && r.Max != nil && *r.Min > *r.Max:
		return fmt.Sprintf("min %d is above max %d", *r.Min, *r.Max)
	}
	return ""
}

// normalize completes a valid policy: authentic is inserted first if
// absent, an empty mode is "enforce", an empty action "refuse", a state
// rule without allowed states allows "in_channel", duplicate states and
// merchants are dropped, geofences are rewritten as compact GeoJSON without
// bbox, and CreatedAt is in UTC.
func (p *Policy) normalize() {
	if p.Mode == "" {
		p.Mode = ModeEnforce
	}
	p.CreatedAt = p.CreatedAt.UTC()
	if len(p.Rules) == 0 || p.Rules[0].Rule != RuleAuthentic {
		p.Rules = slices.Insert(p.Rules, 0, Rule{Rule: RuleAuthentic})
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		if r.Action == "" {
			r.Action = ActionRefuse
		}
		switch r.Rule {
		case RuleState:
			if r.Allowed == nil {
				r.Allowed = []UnitState{StateInChannel}
			}
			r.Allowed = dedupe(r.Allowed)
		case RuleRegion:
			if len(r.Geofences) == 0 {
				r.Geofences = nil
			}
			for j, raw := range r.Geofences {
				g, _ := parseGeofence(raw) // valid: checked by Validate
				r.Geofences[j] = g.canonical()
			}
		case RuleMerchant:
			r.Merchants = dedupe(r.Merchants)
		}
	}
}

// dedupe drops repeated elements of s, keeping the first of each.
func dedupe[S ~[]E, E comparable](s S) S {
	seen := make(map[E]bool, len(s))
	out := s[:0]
	for _, e := range s {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}
