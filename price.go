package genuine

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Price is one line of a merchant's price list: what it sells each unit
// of a product for. A till's preview uses it for a unit scanned without a
// typed price.
type Price struct {
	GTIN     string `json:"gtin"`     // 14 digits, check digit verified
	Price    int64  `json:"price"`    // minor units of Currency, 0 to MaxPrice
	Currency string `json:"currency"` // ISO 4217
}

// MaxPrices bounds the lines of one merchant's price list.
const MaxPrices = 10_000

// maxPriceProblems bounds the invalid lines a refused price list names.
const maxPriceProblems = 20

// SetPrices replaces a merchant's price list with prices, one line per
// GTIN; an empty list clears it. An admin or the merchant itself may. A
// GTIN may be given as GTIN-8, -12, -13 or -14 and is stored as 14 digits.
// An invalid list is refused whole with EInvalid, naming each invalid line
// (by its position, from 1) up to a limit. It returns the list as stored,
// in order of GTIN.
func (a *App) SetPrices(ctx context.Context, p *Principal, merchantID string, prices []Price) ([]Price, error) {
	if err := ownMerchant(p, merchantID); err != nil {
		return nil, err
	}
	list, err := validPrices(prices)
	if err != nil {
		return nil, err
	}
	err = a.store.Update(ctx, func(tx Tx) error {
		if _, err := tx.Merchant(ctx, merchantID); err != nil {
			return err
		}
		if err := tx.ReplacePrices(ctx, merchantID, list); err != nil {
			return err
		}
		return a.audit(ctx, tx, authorOf(p), "", "prices.set", merchantID, map[string]any{"count": len(list)})
	})
	if err != nil {
		return nil, err
	}
	sortPrices(list)
	return list, nil
}

// Prices returns a merchant's price list in order of GTIN: its own to a
// merchant, any merchant's to an admin.
func (a *App) Prices(ctx context.Context, p *Principal, merchantID string) ([]Price, error) {
	if err := ownMerchant(p, merchantID); err != nil {
		return nil, err
	}
	var list []Price
	err := a.store.View(ctx, func(tx Tx) (err error) {
		if _, err := tx.Merchant(ctx, merchantID); err != nil {
			return err
		}
		list, err = tx.Prices(ctx, merchantID)
		return err
	})
	return list, err
}

// ownMerchant admits an admin, or a merchant for its own things; another
// merchant's are not found.
func ownMerchant(p *Principal, merchantID string) error {
	if err := require(p, RoleAdmin, RoleMerchant); err != nil {
		return err
	}
	if p.Role == RoleMerchant && p.MerchantID != merchantID {
		return Errorf(ENotFound, "merchant not found")
	}
	return nil
}

// validPrices checks a price list and returns it with its GTINs as 14
// digits; EInvalid naming the invalid lines if any is.
func validPrices(prices []Price) ([]Price, error) {
	if len(prices) > MaxPrices {
		return nil, Errorf(EInvalid, "a price list holds at most %d lines, not %d", MaxPrices, len(prices))
	}
	list := make([]Price, len(prices))
	line := make(map[string]int, len(prices)) // by GTIN, from 1
	var problems []string
	bad := 0
	for i, pr := range prices {
		var why []string
		gtin, err := NormalizeGTIN(pr.GTIN)
		if err != nil {
			why = append(why, ErrorMessage(err))
		} else if first, ok := line[gtin]; ok {
			why = append(why, fmt.Sprintf("GTIN %s is priced on line %d too", gtin, first))
		} else {
			line[gtin] = i + 1
		}
		if pr.Price < 0 || pr.Price > MaxPrice {
			why = append(why, fmt.Sprintf("price must be 0 to %d minor units", int64(MaxPrice)))
		}
		if !ValidCurrency(pr.Currency) {
			why = append(why, fmt.Sprintf("currency %.10q is not an ISO 4217 code such as CNY", pr.Currency))
		}
		if len(why) > 0 {
			if bad++; bad <= maxPriceProblems {
				problems = append(problems, fmt.Sprintf("line %d: %s", i+1, strings.Join(why, ", ")))
			}
			continue
		}
		list[i] = Price{GTIN: gtin, Price: pr.Price, Currency: pr.Currency}
	}
	if bad > 0 {
		more := ""
		if bad > len(problems) {
			more = fmt.Sprintf("; and %d more invalid lines", bad-len(problems))
		}
		return nil, Errorf(EInvalid, "%d of %d lines of the price list are invalid: %s%s", bad, len(prices), strings.Join(problems, "; "), more)
	}
	return list, nil
}

func sortPrices(list []Price) {
	slices.SortFunc(list, func(x, y Price) int { return strings.Compare(x.GTIN, y.GTIN) })
}
