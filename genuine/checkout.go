package genuine

import (
	"encoding/json"
	"time"
)

// CheckoutStatus is where a checkout stands.
type CheckoutStatus string

// Checkout statuses.
const (
	CheckoutRefused         CheckoutStatus = "refused"          // a unit failed its policy; no payment started
	CheckoutAwaitingPayment CheckoutStatus = "awaiting_payment" // units reserved, payment started
	CheckoutPaid            CheckoutStatus = "paid"             // units sold
	CheckoutFailed          CheckoutStatus = "failed"           // payment failed; units released
	CheckoutCanceled        CheckoutStatus = "canceled"         // canceled by the merchant; units released
	CheckoutExpired         CheckoutStatus = "expired"          // the deadline passed unpaid; units released
	CheckoutRefunded        CheckoutStatus = "refunded"         // paid, then refunded; units back in the channel
)

// Checkout is one sale attempt at a merchant's till: a cart of units, a
// decision for each, and, if all passed, a payment.
type Checkout struct {
	ID         string         `json:"id"`
	MerchantID string         `json:"merchant_id"`
	Status     CheckoutStatus `json:"status"`
	Currency   string         `json:"currency"`
	Total      int64          `json:"total"`
	Items      []CheckoutItem `json:"items"`
	Provider   string         `json:"provider"`
	Payment    *Payment       `json:"payment,omitempty"`
	// Deadline is when reserved units are released if unpaid.
	Deadline time.Time `json:"deadline"`
	// IdempotencyKey and RequestHash make a retried request return the
	// same checkout, and a reused key with another body a conflict.
	IdempotencyKey string    `json:"-"`
	RequestHash    []byte    `json:"-"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// CheckoutItem is one unit of a cart with its decision.
type CheckoutItem struct {
	Code     string    `json:"code"`
	Price    int64     `json:"price"`
	GTIN     string    `json:"gtin,omitempty"`
	Serial   string    `json:"serial,omitempty"`
	Seq      int64     `json:"-"`
	BatchID  string    `json:"-"`
	BrandID  string    `json:"-"`
	Decision *Decision `json:"decision"`
}

// DecisionRecord is a stored decision: for whom, where, when.
type DecisionRecord struct {
	ID         string    `json:"id"`
	BrandID    string    `json:"-"` // "" for a code no brand owns
	GTIN       string    `json:"gtin"`
	Serial     string    `json:"serial"`
	BatchID    string    `json:"batch_id,omitempty"`
	MerchantID string    `json:"merchant_id"`
	CheckoutID string    `json:"checkout_id"`
	Decision   Decision  `json:"decision"`
	CreatedAt  time.Time `json:"at"`
}

// Alert is a refusal or flag raised to a brand, one per unit and reason;
// repeats count up.
type Alert struct {
	ID         string    `json:"id"`
	BrandID    string    `json:"-"`
	GTIN       string    `json:"gtin"`
	Serial     string    `json:"serial"`
	Rule       string    `json:"rule"`
	Code       string    `json:"code"`
	Action     string    `json:"action"`
	Message    string    `json:"message"`
	MerchantID string    `json:"merchant_id"` // where it was last raised
	Count      int64     `json:"count"`
	FirstAt    time.Time `json:"first_at"`
	LastAt     time.Time `json:"last_at"`
}

// storedItem is a checkout item as stores keep it: with the unit's sequence
// number, batch and brand, which the item's JSON for the API leaves out and
// the App needs to sell or release the unit.
type storedItem struct {
	CheckoutItem
	Seq     int64  `json:"seq"`
	BatchID string `json:"batch_id,omitempty"`
	BrandID string `json:"brand_id,omitempty"`
}

// MarshalItems returns the JSON document under which stores keep a
// checkout's items; every store uses this one form.
func MarshalItems(items []CheckoutItem) ([]byte, error) {
	stored := make([]storedItem, len(items))
	for i, it := range items {
		stored[i] = storedItem{CheckoutItem: it, Seq: it.Seq, BatchID: it.BatchID, BrandID: it.BrandID}
	}
	return json.Marshal(stored)
}

// UnmarshalItems reads items written by MarshalItems; no items read as nil.
func UnmarshalItems(doc []byte) ([]CheckoutItem, error) {
	var stored []storedItem
	if err := json.Unmarshal(doc, &stored); err != nil {
		return nil, err
	}
	if len(stored) == 0 {
		return nil, nil
	}
	items := make([]CheckoutItem, len(stored))
	for i, it := range stored {
		items[i] = it.CheckoutItem
		items[i].Seq, items[i].BatchID, items[i].BrandID = it.Seq, it.BatchID, it.BrandID
	}
	return items, nil
}
