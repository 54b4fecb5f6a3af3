package genuine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// Policy is a brand's authentication policy: an ordered list of rules that
// each unit must pass at a till before it may be paid for. It is data,
// versioned, and attached to the brand (the default), a product or a batch;
// the most specific one applies.
type Policy struct {
	Scope   string `json:"scope"` // "brand", "product:<gtin14>" or "batch:<batch id>"; set by the App
	BrandID string `json:"-"`
	Version int    `json:"version"` // set by the App when stored; 0 for the built-in default
	// Mode is "enforce" (the default when empty) or "shadow": evaluated and
	// recorded, never enforced — except the authentic rule, which always is.
	Mode      string    `json:"mode"`
	Rules     []Rule    `json:"rules"`
	CreatedAt time.Time `json:"created_at"`
}

// Rule is one rule of a policy. Which fields apply depends on Rule.Rule;
// the others must stay zero.
type Rule struct {
	Rule   string `json:"rule"`             // authentic | state | region | expiry | merchant | price | velocity | host
	Action string `json:"action,omitempty"` // "refuse" (default) or "flag" (allow, but raise an alert); authentic is always refuse
	Shadow bool   `json:"shadow,omitempty"` // this rule alone is evaluated and recorded, never enforced
	// state: the effective unit states that may be sold (nil means ["in_channel"])
	Allowed []UnitState `json:"allowed,omitempty"`
	// region: GeoJSON geofences (Polygon or MultiPolygon geometries, lon/lat order as GeoJSON) that also
	// authorize a merchant whose coordinates lie inside one, besides the batch's region codes
	Geofences []json.RawMessage `json:"geofences,omitempty"`
	// expiry: refuse units whose batch expires within this many days (0 = only once expired)
	WithinDays int `json:"within_days,omitempty"`
	// merchant: the authorized resellers (merchant ids)
	Merchants []string `json:"merchants,omitempty"`
	// price: the allowed unit price range in minor units of Currency (ISO 4217 alphabetic, e.g. "CNY"); nil bound = open
	Currency string `json:"currency,omitempty"`
	Min      *int64 `json:"min,omitempty"`
	Max      *int64 `json:"max,omitempty"`
	// velocity: at most MaxScans distinct clients verified the unit before (0 = no limit), and no two consecutive
	// located scans further apart than a speed of MaxSpeedKMH allows (0 = no limit)
	MaxScans    int64   `json:"max_scans,omitempty"`
	MaxSpeedKMH float64 `json:"max_speed_kmh,omitempty"`
}

// Rule names.
const (
	RuleAuthentic = "authentic" // the code is one the brand issued, of a known batch
	RuleState     = "state"     // the unit's effective state may be sold
	RuleRegion    = "region"    // the merchant sells where the batch may be sold
	RuleExpiry    = "expiry"    // the batch has not expired
	RuleMerchant  = "merchant"  // the merchant is an authorized reseller
	RulePrice     = "price"     // the unit price lies in the brand's range
	RuleVelocity  = "velocity"  // the code's scans look like one real unit's
	RuleHost      = "host"      // the code's URI, if it is one, is under the brand's host
)

// Actions a rule takes when it fails.
const (
	ActionRefuse = "refuse" // the unit may not be paid for
	ActionFlag   = "flag"   // the unit may be paid for, and the brand is alerted
)

// Policy modes.
const (
	ModeEnforce = "enforce"
	ModeShadow  = "shadow"
)

// Limits of a policy document.
const (
	maxPolicyRules = 32
	maxMerchants   = 10000
	maxWithinDays  = 3650
)

// ruleNames lists the rules in the order messages name them.
var ruleNames = []string{RuleAuthentic, RuleState, RuleRegion, RuleExpiry, RuleMerchant, RulePrice, RuleVelocity, RuleHost}

// ruleParams names the JSON fields each rule takes besides rule, action
// and shadow.
var ruleParams = map[string][]string{
	RuleAuthentic: nil,
	RuleState:     {"allowed"},
	RuleRegion:    {"geofences"},
	RuleExpiry:    {"within_days"},
	RuleMerchant:  {"merchants"},
	RulePrice:     {"currency", "min", "max"},
	RuleVelocity:  {"max_scans", "max_speed_kmh"},
	RuleHost:      nil,
}

// DefaultPolicy returns the built-in policy a brand has until it sets its
// own: authentic, state (in_channel only), region, expiry — all refuse. It
// protects a new brand from its first sale. Its scope is "default" and its
// version 0; each call returns a new value the caller may change.
func DefaultPolicy() *Policy {
	return &Policy{
		Scope: "default",
		Mode:  ModeEnforce,
		Rules: []Rule{
			{Rule: RuleAuthentic, Action: ActionRefuse},
			{Rule: RuleState, Action: ActionRefuse, Allowed: []UnitState{StateInChannel}},
			{Rule: RuleRegion, Action: ActionRefuse},
			{Rule: RuleExpiry, Action: ActionRefuse},
		},
	}
}

// policyFor returns the policy that applies to a unit: its batch's if set,
// else its product's, else its brand's, else the built-in default.
func (a *App) policyFor(ctx context.Context, tx Tx, brandID, gtin, batchID string) (*Policy, error) {
	p, err := tx.FirstPolicy(ctx, brandID, [3]string{"batch:" + batchID, "product:" + gtin, "brand"})
	if ErrorCode(err) == ENotFound {
		return DefaultPolicy(), nil
	}
	return p, err
}

// SetPolicy stores a new version of the policy of a brand ("brand"), one of
// its products ("product:<gtin>") or batches ("batch:<id>"). An invalid
// document is refused with an error that points at the offending rule.
func (a *App) SetPolicy(ctx context.Context, p *Principal, scope string, doc []byte) (*Policy, error) {
	if err := require(p, RoleBrand); err != nil {
		return nil, err
	}
	scope, err := a.checkScope(ctx, p, scope)
	if err != nil {
		return nil, err
	}
	pol, err := ParsePolicy(doc)
	if err != nil {
		return nil, err
	}
	pol.Scope, pol.BrandID, pol.CreatedAt = scope, p.BrandID, a.Now()
	err = a.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.Policy(ctx, p.BrandID, scope)
		switch {
		case err == nil:
			pol.Version = cur.Version + 1
		case ErrorCode(err) == ENotFound:
			pol.Version = 1
		default:
			return err
		}
		if err := tx.PutPolicy(ctx, pol); err != nil {
			return err
		}
		sum := sha256.Sum256(doc)
		return a.audit(ctx, tx, authorOf(p), p.BrandID, "policy.set", scope, map[string]any{
			"version": pol.Version, "mode": pol.Mode, "sha256": hex.EncodeToString(sum[:]),
		})
	})
	if err != nil {
		return nil, err
	}
	a.policies.clear()
	return pol, nil
}

// GetPolicy returns the policy set for a scope; for the brand scope with
// none set, the built-in default that applies.
func (a *App) GetPolicy(ctx context.Context, p *Principal, scope string) (*Policy, error) {
	if err := require(p, RoleBrand); err != nil {
		return nil, err
	}
	scope, err := a.checkScope(ctx, p, scope)
	if err != nil {
		return nil, err
	}
	var pol *Policy
	err = a.store.View(ctx, func(tx Tx) (err error) {
		pol, err = tx.Policy(ctx, p.BrandID, scope)
		return err
	})
	if ErrorCode(err) == ENotFound && scope == "brand" {
		return DefaultPolicy(), nil
	}
	return pol, err
}

// checkScope checks that a policy scope names the caller's brand or one of
// its products or batches, and returns it in canonical form.
func (a *App) checkScope(ctx context.Context, p *Principal, scope string) (string, error) {
	kind, arg, _ := strings.Cut(scope, ":")
	switch kind {
	case "brand":
		if arg != "" {
			return "", Errorf(EInvalid, "the brand scope is just \"brand\"")
		}
		return "brand", nil
	case "product":
		pr, err := a.Product(ctx, p, arg)
		if err != nil {
			return "", err
		}
		return "product:" + pr.GTIN, nil
	case "batch":
		b, err := a.Batch(ctx, p, arg)
		if err != nil {
			return "", err
		}
		return "batch:" + b.ID, nil
	}
	return "", Errorf(EInvalid, "scope must be brand, product:<gtin> or batch:<id>")
}
