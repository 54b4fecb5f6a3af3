package web

import (
	"genuine"
	"genuine/web/i18n"
)

// shopCartJSON is a cart as the shop page's script reads it: the cart,
// with its items and total in the shopper's words ("" while it has no
// currency: empty).
type shopCartJSON struct {
	*genuine.Cart
	Items     []shopItemJSON    `json:"items"`
	TotalText string            `json:"total_text"`
	Checkout  *shopCheckoutJSON `json:"checkout,omitempty"`
}

// shopItemJSON is a unit as the shop page shows it: the unit, its name,
// its price as people write it, and, if it is refused, why, in the
// shopper's words.
type shopItemJSON struct {
	genuine.CartUnit
	Decision  *shopDecisionJSON `json:"decision"`
	Name      string            `json:"name"`
	PriceText string            `json:"price_text,omitempty"`
	Refused   bool              `json:"refused"`
	Why       string            `json:"why,omitempty"`
}

// shopDecisionJSON is what a shopper is told of a decision: its outcome and
// the codes of the reasons that count. The brand's policy and rules, and a
// reason's message and facts (which shop sold a unit and when, the brand's
// price range, a batch's regions), are for the merchant's till alone.
type shopDecisionJSON struct {
	Outcome string           `json:"outcome"`
	Reasons []shopReasonJSON `json:"reasons"`
}

// shopReasonJSON is a reason of a decision as a shopper is told it.
type shopReasonJSON struct {
	Code   string `json:"code"`
	Action string `json:"action"`
}

// shopDecision returns what a shopper is told of d: nil for nil, and no
// reason of a rule run in shadow.
func shopDecision(d *genuine.Decision) *shopDecisionJSON {
	if d == nil {
		return nil
	}
	out := &shopDecisionJSON{Outcome: d.Outcome, Reasons: []shopReasonJSON{}}
	if d.Shadow {
		return out
	}
	for _, r := range d.Reasons {
		if !r.Shadow {
			out.Reasons = append(out.Reasons, shopReasonJSON{Code: r.Code, Action: r.Action})
		}
	}
	return out
}

// shopCheckoutJSON is a cart's checkout as a shopper sees it: each item's
// decision as shopDecision tells it.
type shopCheckoutJSON struct {
	*genuine.Checkout
	Items []shopCheckoutItemJSON `json:"items"`
}

// shopCheckoutItemJSON is an item of a checkout as a shopper sees it.
type shopCheckoutItemJSON struct {
	genuine.CheckoutItem
	Decision *shopDecisionJSON `json:"decision"`
}

// shopCheckout returns k as a shopper sees it; nil for nil.
func shopCheckout(k *genuine.Checkout) *shopCheckoutJSON {
	if k == nil {
		return nil
	}
	out := &shopCheckoutJSON{Checkout: k, Items: make([]shopCheckoutItemJSON, len(k.Items))}
	for i, it := range k.Items {
		out.Items[i] = shopCheckoutItemJSON{CheckoutItem: it, Decision: shopDecision(it.Decision)}
	}
	return out
}

// cartJSON returns a cart as the shop page reads it, in language l.
func cartJSON(l i18n.Lang, c *genuine.Cart) shopCartJSON {
	out := shopCartJSON{Cart: c, Items: make([]shopItemJSON, len(c.Items)), Checkout: shopCheckout(c.Checkout)}
	if c.Currency != "" {
		// An empty cart has no currency yet: no total to write ("0 ").
		out.TotalText = i18n.Money(l, c.Total, c.Currency)
	}
	for i, it := range c.Items {
		out.Items[i] = itemJSON(l, it, c.Currency)
	}
	return out
}

// itemJSON returns a unit as the shop page shows it, in language l: its
// price, in currency, only if it passed.
func itemJSON(l i18n.Lang, u genuine.CartUnit, currency string) shopItemJSON {
	out := shopItemJSON{CartUnit: u, Decision: shopDecision(u.Decision), Name: u.Code}
	switch {
	case u.Product != nil:
		out.Name = u.Product.Name
	case u.GTIN != "":
		out.Name = u.GTIN
	}
	if u.Decision != nil && u.Decision.Outcome != "pass" {
		out.Refused, out.Why = true, i18n.Reason(l, refusal(u.Decision), nil)
		return out
	}
	if currency != "" {
		out.PriceText = i18n.Money(l, u.Price, currency)
	}
	return out
}

// refusal returns the code of the first reason a decision refuses for.
func refusal(d *genuine.Decision) string {
	for _, r := range d.Reasons {
		if r.Action == genuine.ActionRefuse && !r.Shadow {
			return r.Code
		}
	}
	if len(d.Reasons) > 0 {
		return d.Reasons[0].Code
	}
	return "unknown"
}

// shopWords are the words the shop page's script shows, in language l:
// page words by their catalogue key, and what each error code it may meet
// means.
func shopWords(l i18n.Lang) map[string]string {
	words := map[string]string{}
	for _, key := range []string{
		"shop.checking", "shop.empty", "shop.pay_now", "shop.paid", "shop.refused_at_pay", "shop.camera_stop",
		"shop.camera_off", "shop.ended", "remove", "pay", "paid", "waiting_for_payment", "payment_timed_out", "camera",
	} {
		words[key] = i18n.T(l, i18n.Key(key))
	}
	// Words with a name in them: the script puts it in place of "%s".
	for _, key := range []string{"shop.added", "shop.duplicate", "shop.not_added", "shop.remove_item"} {
		words[key] = i18n.T(l, i18n.Key(key), "%s")
	}
	for _, code := range []string{
		genuine.ECartFull, genuine.ETooManyCarts, genuine.EShopBusy, genuine.ESelfCheckoutOff,
		genuine.EInvalid, genuine.ENotFound, genuine.EConflict, genuine.ERateLimited,
		genuine.EUnavailable, genuine.EInternal, genuine.EForbidden, genuine.ETooLarge,
	} {
		words["error."+code] = i18n.Reason(l, code, nil)
	}
	words["error."+genuine.EUnauthorized] = i18n.T(l, "shop.ended")
	return words
}
