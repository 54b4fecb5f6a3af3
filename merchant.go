package genuine

import (
	"context"
	"time"
)

// Merchant is a seller with a till, registered in a region.
type Merchant struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Region string   `json:"region"` // ISO 3166-1/3166-2 code, finer levels below with "-": "CN-GD-SZ"
	Lat    *float64 `json:"lat,omitempty"`
	Lon    *float64 `json:"lon,omitempty"`
	// TimeZone is the IANA time zone its pages and receipts show times
	// in, such as "Asia/Shanghai": given when it is made, or its region's
	// default (DefaultTimeZone).
	TimeZone string `json:"time_zone"`
	// SelfCheckout says whether shoppers may scan and pay on their own
	// phones at /shop/{id}; off unless the merchant turns it on.
	SelfCheckout SelfCheckout `json:"self_checkout"`
	CreatedAt    time.Time    `json:"created_at"`
}

// CreateMerchant registers a merchant. An admin calls it.
func (a *App) CreateMerchant(ctx context.Context, p *Principal, m *Merchant) error {
	if err := require(p, RoleAdmin); err != nil {
		return err
	}
	if err := validLength("name", m.Name, 1, 200); err != nil {
		return err
	}
	if err := ValidRegion(m.Region); err != nil {
		return err
	}
	if (m.Lat == nil) != (m.Lon == nil) {
		return Errorf(EInvalid, "lat and lon go together")
	}
	if m.Lat != nil && (*m.Lat < -90 || *m.Lat > 90 || *m.Lon < -180 || *m.Lon > 180 || *m.Lat != *m.Lat || *m.Lon != *m.Lon) {
		return Errorf(EInvalid, "lat must be within ±90 and lon within ±180")
	}
	if m.TimeZone == "" {
		m.TimeZone = DefaultTimeZone(m.Region)
	} else if err := validTimeZone(m.TimeZone); err != nil {
		return err
	}
	m.ID, m.CreatedAt = newID("mer"), a.Now()
	err := a.store.Update(ctx, func(tx Tx) error {
		if err := tx.CreateMerchant(ctx, m); err != nil {
			return err
		}
		return a.audit(ctx, tx, authorOf(p), "", "merchant.create", m.ID, map[string]any{"name": m.Name, "region": m.Region})
	})
	if err != nil {
		return err
	}
	m.SelfCheckout.MaxOpenCarts = a.maxOpenCarts(m) // as Merchant shows it
	return nil
}

// Merchant returns a merchant: its own to a merchant key, any to an admin.
func (a *App) Merchant(ctx context.Context, p *Principal, id string) (*Merchant, error) {
	if err := require(p, RoleAdmin, RoleMerchant); err != nil {
		return nil, err
	}
	if p.Role == RoleMerchant && p.MerchantID != id {
		return nil, Errorf(ENotFound, "merchant not found")
	}
	var m *Merchant
	err := a.store.View(ctx, func(tx Tx) (err error) {
		m, err = tx.Merchant(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if m.TimeZone == "" {
		m.TimeZone = DefaultTimeZone(m.Region) // made before merchants had one
	}
	m.SelfCheckout.MaxOpenCarts = a.maxOpenCarts(m)
	return m, nil
}
