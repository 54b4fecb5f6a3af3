package genuine

import "context"

// Bounds of a page of ListCheckouts.
const (
	DefaultCheckoutPage = 20
	MaxCheckoutPage     = 100
)

// CheckoutList is one page of a merchant's checkouts, newest first. Next,
// when set, is the Before of the page after it: there may be more.
type CheckoutList struct {
	Checkouts []*Checkout `json:"checkouts"`
	Next      string      `json:"next,omitempty"`
}

// ListCheckouts returns a page of a merchant's checkouts, newest first:
// the caller's own for a merchant key (merchantID "" or its own), those of
// merchantID for an admin, who must name one. before, if not "", is the id
// of the last checkout of the page before, which must be one of the
// merchant's; limit is DefaultCheckoutPage if not positive, at most
// MaxCheckoutPage. Items refunded are marked as GetCheckout marks them.
func (a *App) ListCheckouts(ctx context.Context, p *Principal, merchantID, before string, limit int) (*CheckoutList, error) {
	if err := require(p, RoleMerchant, RoleAdmin); err != nil {
		return nil, err
	}
	switch {
	case p.Role == RoleMerchant && merchantID != "" && merchantID != p.MerchantID:
		return nil, Errorf(ENotFound, "merchant %.40s not found", merchantID)
	case p.Role == RoleMerchant:
		merchantID = p.MerchantID
	case merchantID == "":
		return nil, Errorf(EInvalid, "merchant_id is required: whose checkouts?")
	}
	if limit <= 0 {
		limit = DefaultCheckoutPage
	}
	limit = min(limit, MaxCheckoutPage)
	out := &CheckoutList{Checkouts: []*Checkout{}}
	err := a.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Merchant(ctx, merchantID); err != nil {
			return err
		}
		var cursor *CheckoutCursor
		if before != "" {
			c, err := tx.Checkout(ctx, before)
			if !validID(before, "chk") || ErrorCode(err) == ENotFound || err == nil && c.MerchantID != merchantID {
				return Errorf(EInvalid, "before must be the id of one of the merchant's checkouts")
			}
			if err != nil {
				return err
			}
			cursor = &CheckoutCursor{CreatedAt: c.CreatedAt, ID: c.ID}
		}
		cs, err := tx.MerchantCheckouts(ctx, merchantID, cursor, limit)
		if err != nil {
			return err
		}
		for _, c := range cs {
			markRefunded(c)
		}
		out.Checkouts = append(out.Checkouts, cs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n := len(out.Checkouts); n == limit {
		out.Next = out.Checkouts[n-1].ID
	}
	return out, nil
}
