package genuine

import (
	"context"
	"slices"
	"strings"
)

// PreviewInput is a cart a till checks as it is scanned, before payment.
type PreviewInput struct {
	Items []PreviewCartItem `json:"items"`
	// Currency is the cart's, required when an item has a price. Without
	// it, each item priced from the list is in the list's currency.
	Currency string `json:"currency,omitempty"`
}

// PreviewCartItem is one unit of a previewed cart: its code as scanned
// and, if typed at the till, its price in minor units.
type PreviewCartItem struct {
	Code  string `json:"code"`
	Price *int64 `json:"price,omitempty"`
}

// Where a previewed item's price came from (PreviewItem.PriceFrom).
const (
	PriceFromCart = "cart" // typed at the till
	PriceFromList = "list" // the merchant's price list for the unit's GTIN
	PriceFromNone = "none" // no price: the price rule was skipped
)

// Preview is a till's cart decided without a checkout.
type Preview struct {
	Items []PreviewItem `json:"items"`
}

// PreviewItem is one unit of a preview: the decision a checkout would
// make on it now, the price it was decided at, and its product when the
// code names a known one.
type PreviewItem struct {
	Code     string         `json:"code"`
	GTIN     string         `json:"gtin,omitempty"`
	Serial   string         `json:"serial,omitempty"`
	Decision *Decision      `json:"decision"`
	Product  *PublicProduct `json:"product,omitempty"`
	// Price and Currency are what the item was decided at, absent when
	// PriceFrom is PriceFromNone.
	Price     *int64 `json:"price,omitempty"`
	Currency  string `json:"currency,omitempty"`
	PriceFrom string `json:"price_from"`
}

// PreviewCheckout decides a merchant's cart as Checkout would decide it
// now (the same code: policies, state, region, expiry, velocity, price)
// and stores nothing: no unit is reserved and no decision, alert, event,
// scan or audit record is written, so a till may call it for every scan.
// An item without a price takes the merchant's list price for its GTIN,
// if the list has one in the cart's currency (or the cart names none);
// otherwise the price rule is skipped for it, which the decision's rules
// show ("skip") and PriceFrom says. It reads without a transaction.
func (a *App) PreviewCheckout(ctx context.Context, p *Principal, in PreviewInput) (*Preview, error) {
	if err := require(p, RoleMerchant); err != nil {
		return nil, err
	}
	if err := validPreview(in); err != nil {
		return nil, err
	}
	codes := make([]string, len(in.Items))
	for i, it := range in.Items {
		codes[i] = it.Code
	}
	checks, err := a.checkCodes(ctx, codes)
	if err != nil {
		return nil, err
	}
	// Products are cached by the App and read before the reads below,
	// which no store call may nest in.
	products := make([]*PublicProduct, len(checks))
	for i, c := range checks {
		if products[i], err = a.publicProduct(ctx, c.id); err != nil {
			return nil, err
		}
	}
	base := Checkout{MerchantID: p.MerchantID, Currency: in.Currency}
	for i, it := range in.Items {
		ci := CheckoutItem{Code: it.Code}
		if it.Price != nil {
			ci.Price = *it.Price
		}
		base.Items = append(base.Items, ci)
		checks[i].noPrice = it.Price == nil
	}
	var (
		d      *decided
		priced []checked
	)
	err = a.store.Peek(ctx, func(tx Tx) error {
		snap := previewTx{snapshotTx{Tx: tx, a: a}}
		m, err := snap.Merchant(ctx, p.MerchantID)
		if err != nil {
			return err
		}
		items := base
		if items.Items, priced, err = a.listPrices(ctx, tx, p.MerchantID, in.Currency, base.Items, checks); err != nil {
			return err
		}
		d, err = a.decide(ctx, snap, &items, m, priced)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &Preview{Items: make([]PreviewItem, len(d.c.Items))}
	for i, it := range d.c.Items {
		pi := PreviewItem{Code: it.Code, GTIN: it.GTIN, Serial: it.Serial, Decision: it.Decision, Product: products[i], PriceFrom: PriceFromNone}
		if c := priced[i]; !c.noPrice {
			price := it.Price
			pi.Price, pi.Currency, pi.PriceFrom = &price, in.Currency, PriceFromCart
			if c.currency != "" {
				pi.Currency, pi.PriceFrom = c.currency, PriceFromList
			}
		}
		out.Items[i] = pi
	}
	return out, nil
}

// validPreview checks a previewed cart as validCart checks a checkout's,
// but for its provider and its prices, which may be left out.
func validPreview(in PreviewInput) error {
	if len(in.Items) == 0 || len(in.Items) > MaxCartItems {
		return Errorf(EInvalid, "items must hold 1 to %d units", MaxCartItems)
	}
	for i, it := range in.Items {
		if it.Code == "" || len(it.Code) > 4096 {
			return Errorf(EInvalid, "item %d: code is required (at most 4096 bytes)", i+1)
		}
		if it.Price == nil {
			continue
		}
		if *it.Price < 0 || *it.Price > MaxPrice {
			return Errorf(EInvalid, "item %d: price must be 0 to %d minor units", i+1, int64(MaxPrice))
		}
		if in.Currency == "" {
			return Errorf(EInvalid, "item %d has a price, so the cart needs a currency", i+1)
		}
	}
	if in.Currency != "" && !ValidCurrency(in.Currency) {
		return Errorf(EInvalid, "currency %.10q is not an ISO 4217 code such as CNY", in.Currency)
	}
	return nil
}

// listPrices returns copies of items and their checks where each item
// without a price has the merchant's list price for its unit's GTIN, if
// the list has one in currency (in any, if currency is ""), and the
// list's currency.
func (a *App) listPrices(ctx context.Context, tx Tx, merchantID, currency string, items []CheckoutItem, checks []checked) ([]CheckoutItem, []checked, error) {
	out, outChecks := slices.Clone(items), slices.Clone(checks)
	listed := make(map[string]*Price) // by GTIN, nil if not on the list
	for i := range out {
		it, c := &out[i], &outChecks[i]
		if !c.noPrice || c.id == nil || c.id.gtin == "" {
			continue
		}
		id := c.id
		pr, ok := listed[id.gtin]
		if !ok {
			var err error
			pr, err = tx.Price(ctx, merchantID, id.gtin)
			if ErrorCode(err) == ENotFound {
				pr, err = nil, nil
			}
			if err != nil {
				return nil, nil, err
			}
			listed[id.gtin] = pr
		}
		if pr == nil || currency != "" && !strings.EqualFold(pr.Currency, currency) {
			continue
		}
		it.Price, c.currency, c.noPrice = pr.Price, pr.Currency, false
	}
	return out, outChecks, nil
}

// publicProduct returns the product a checked code names, as the public
// sees it; nil if it names none known.
func (a *App) publicProduct(ctx context.Context, id *identity) (*PublicProduct, error) {
	if id == nil || id.gtin == "" || id.reason == ReasonUnknownProduct {
		return nil, nil
	}
	pr, err := a.PublicProduct(ctx, id.gtin)
	if ErrorCode(err) == ENotFound {
		return nil, nil
	}
	return pr, err
}

// PublicProduct returns the product with a GTIN as anyone may see it (its
// name and brand's name, as the resolver shows them), from the App's
// caches when it can: a receipt names its items' products this way.
// ENotFound for a GTIN no brand here has.
func (a *App) PublicProduct(ctx context.Context, gtin string) (*PublicProduct, error) {
	g, err := NormalizeGTIN(gtin)
	if err != nil {
		return nil, err
	}
	pr, err := a.product(ctx, g)
	if err != nil {
		return nil, err
	}
	bk, err := a.brandKeys(ctx, pr.BrandID, -1)
	if err != nil {
		return nil, err
	}
	return &PublicProduct{GTIN: pr.GTIN, Name: pr.Name, Brand: bk.name}, nil
}

// previewTx is snapshotTx but for batches, which it reads from the store
// (and puts in the cache): a checkout decided on a cached batch checks it
// again when it commits, but a preview has no commit, and must not show a
// unit of a batch recalled since it was cached as fit for sale.
type previewTx struct {
	snapshotTx
}

func (t previewTx) BatchBySequence(ctx context.Context, gtin string, seq int64) (*Batch, error) {
	b, err := t.Tx.BatchBySequence(ctx, gtin, seq)
	if err != nil {
		return nil, err
	}
	t.a.cacheBatch(b)
	return b, nil
}
