package genuine

import "time"

// Unit is one physical item, identified by its GTIN and serial. Units are
// sparse: a unit has a row of its own only once something happened to it
// alone; until then it has its batch's state.
type Unit struct {
	GTIN    string `json:"gtin"`
	Serial  string `json:"serial"`
	Seq     int64  `json:"sequence"`
	BatchID string `json:"batch_id"`
	// State is the unit's own state; "" means it follows its batch again.
	State UnitState `json:"state"`
	// LockedFrom is the own state a locked unit returns to when unlocked
	// ("" to follow its batch).
	LockedFrom UnitState `json:"-"`
	// CheckoutID is the checkout holding a reserved or sold unit.
	CheckoutID string    `json:"-"`
	UpdatedAt  time.Time `json:"updated_at"`
}
