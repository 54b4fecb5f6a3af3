// Package storetest is the conformance suite of genuine.Store: one set of
// tests that every store (sqlite, postgres) runs, so that they behave alike.
// A store's own test calls Run with a function that opens a new, empty store:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) genuine.Store {
//			db, err := sqlite.Open(filepath.Join(t.TempDir(), "genuine.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { db.Close() })
//			return db
//		})
//	}
//
// The suite checks what the Store and Tx interfaces promise (round trips,
// ENotFound and EConflict, exact counts under concurrent Updates, commits
// all or nothing). It never continues a transaction after an error it
// expects, since on PostgreSQL such a transaction is aborted.
package storetest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"genuine"
)

// Run runs the conformance suite as subtests of t. open returns a new,
// empty store for one subtest and arranges (with t.Cleanup) for it to be
// closed when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) genuine.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, genuine.Store)
	}{
		{"Brand", testBrand},
		{"SigningKeys", testSigningKeys},
		{"UpdateSigningKey", testUpdateSigningKey},
		{"Secrets", testSecrets},
		{"ProviderAccounts", testProviderAccounts},
		{"Prices", testPrices},
		{"GS1Prefixes", testGS1Prefixes},
		{"Merchant", testMerchant},
		{"APIKey", testAPIKey},
		{"Sessions", testSessions},
		{"SelfCheckout", testSelfCheckout},
		{"ShopSessions", testShopSessions},
		{"Carts", testCarts},
		{"Product", testProduct},
		{"AllocateSequences", testAllocateSequences},
		{"AllocateSequencesConcurrently", testAllocateSequencesConcurrently},
		{"Batch", testBatch},
		{"Batches", testBatches},
		{"UpdateBatch", testUpdateBatch},
		{"BatchBySequence", testBatchBySequence},
		{"RegisteredSerials", testRegisteredSerials},
		{"Unit", testUnit},
		{"UnitInBatch", testUnitInBatch},
		{"SwapUnit", testSwapUnit},
		{"Units", testUnits},
		{"Events", testEvents},
		{"RangeWork", testRangeWork},
		{"AddVerifications", testAddVerifications},
		{"AddVerificationsUnknownProduct", testAddVerificationsUnknownProduct},
		{"AddVerificationsConcurrently", testAddVerificationsConcurrently},
		{"VerificationClients", testVerificationClients},
		{"Policy", testPolicy},
		{"PolicyVersions", testPolicyVersions},
		{"Checkout", testCheckout},
		{"CheckoutUniqueness", testCheckoutUniqueness},
		{"UpdateCheckout", testUpdateCheckout},
		{"Checkouts", testCheckouts},
		{"MerchantCheckouts", testMerchantCheckouts},
		{"Decisions", testDecisions},
		{"DecisionsLimit", testDecisionsLimit},
		{"RaiseAlert", testRaiseAlert},
		{"RaiseAlertNoMerchant", testRaiseAlertNoMerchant},
		{"AlertsLimit", testAlertsLimit},
		{"RaiseAlertConcurrently", testRaiseAlertConcurrently},
		{"MarkNotification", testMarkNotification},
		{"MarkNotificationConcurrently", testMarkNotificationConcurrently},
		{"Prune", testPrune},
		{"Scan", testScan},
		{"ProviderRecords", testProviderRecords},
		{"Audit", testAudit},
		{"PaymentIntents", testPaymentIntents},
		{"UpdateRollsBackOnError", testUpdateRollsBackOnError},
		{"UpdateRollsBackOnPanic", testUpdateRollsBackOnPanic},
		{"ViewCannotWrite", testViewCannotWrite},
		{"Peek", testPeek},
		{"CanceledContext", testCanceledContext},
		{"ContextCanceledInUpdate", testContextCanceledInUpdate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}

// Fixed GTINs with valid check digits.
const (
	gtinA = "09520123456788"
	gtinB = "04006381333931"
)

// id returns an identifier of the given kind, shaped like the ones
// package genuine makes.
func id(prefix string, n int) string {
	return fmt.Sprintf("%s_%020d", prefix, n)
}

// at returns a time n seconds into the suite's day, with microseconds and
// outside UTC, so that a store must keep both the instant and its precision.
func at(n int) time.Time {
	return time.Date(2026, 3, 1, 12, 0, n, 123456000, time.FixedZone("CST", 8*60*60))
}

// update runs fn in s.Update and fails the test on an error.
func update(t testing.TB, s genuine.Store, fn func(genuine.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in s.View and fails the test on an error.
func view(t *testing.T, s genuine.Store, fn func(genuine.Tx) error) {
	t.Helper()
	if err := s.View(t.Context(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// wantCode checks that err has the given genuine error code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := genuine.ErrorCode(err); got != code {
		t.Errorf("%s: error %v has code %q, want %q", what, err, got, code)
	}
}

// wantNotFound checks that err has code ENotFound and that its message
// names the thing looked for.
func wantNotFound(t *testing.T, what string, err error, name string) {
	t.Helper()
	wantCode(t, what, err, genuine.ENotFound)
	if err != nil && !strings.Contains(genuine.ErrorMessage(err), name) {
		t.Errorf("%s: message %q does not name %q", what, genuine.ErrorMessage(err), name)
	}
}

// same checks that got and want, pointers to structs of one type, have
// equal fields: times equal as instants and in UTC, dates equal as days,
// pointers to equal values, and a nil list equal to an empty one.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	if g.Type() != w.Type() || g.Kind() != reflect.Pointer || g.Type().Elem().Kind() != reflect.Struct {
		t.Fatalf("%s: cannot compare %T with %T", what, got, want)
	}
	if g.IsNil() || w.IsNil() {
		if g.IsNil() != w.IsNil() {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
		return
	}
	g, w = g.Elem(), w.Elem()
	for i := range g.NumField() {
		name := g.Type().Field(i).Name
		gf, wf := g.Field(i).Interface(), w.Field(i).Interface()
		if !sameValue(gf, wf) {
			t.Errorf("%s: %s = %s, want %s", what, name, show(gf), show(wf))
		}
		if tm, ok := gf.(time.Time); ok && tm.Location() != time.UTC {
			t.Errorf("%s: %s = %v, not in UTC", what, name, tm)
		}
	}
}

// sameValue reports whether two field values are equal in the sense of same.
func sameValue(got, want any) bool {
	switch w := want.(type) {
	case time.Time:
		return got.(time.Time).Equal(w)
	case genuine.Date:
		return got.(genuine.Date).String() == w.String()
	case []string:
		g := got.([]string)
		return len(g) == 0 && len(w) == 0 || reflect.DeepEqual(g, w)
	case *float64:
		g := got.(*float64)
		return g == nil && w == nil || g != nil && w != nil && *g == *w
	case *int64:
		g := got.(*int64)
		return g == nil && w == nil || g != nil && w != nil && *g == *w
	}
	return reflect.DeepEqual(got, want)
}

// show formats a field value, with the value a pointer points to.
func show(v any) string {
	r := reflect.ValueOf(v)
	if r.Kind() == reflect.Pointer {
		if r.IsNil() {
			return "nil"
		}
		return fmt.Sprintf("&%v", r.Elem().Interface())
	}
	return fmt.Sprintf("%#v", v)
}

// world is what most tests start from: a brand and two of its products.
type world struct {
	brand    *genuine.Brand
	products [2]*genuine.Product
}

// newWorld creates a brand and its products gtinA and gtinB in s.
func newWorld(t testing.TB, s genuine.Store) *world {
	t.Helper()
	w := &world{brand: &genuine.Brand{
		ID:        id("brd", 1),
		Name:      "Maison Exemple",
		CodeRule:  genuine.CodeRule{Serials: genuine.SerialsMinted},
		CreatedAt: at(0),
	}}
	for i, gtin := range []string{gtinA, gtinB} {
		w.products[i] = &genuine.Product{GTIN: gtin, BrandID: w.brand.ID, Name: "Product " + gtin, CreatedAt: at(1)}
	}
	update(t, s, func(tx genuine.Tx) error {
		if err := tx.CreateBrand(t.Context(), w.brand); err != nil {
			return err
		}
		for _, p := range w.products {
			if err := tx.CreateProduct(t.Context(), p); err != nil {
				return err
			}
		}
		return nil
	})
	return w
}

// batch allocates quantity sequence numbers of a product and creates the
// batch that owns them, numbered n, created at at(n), after applying opts to
// it.
func (w *world) batch(t testing.TB, s genuine.Store, gtin string, n int, quantity int64, opts ...func(*genuine.Batch)) *genuine.Batch {
	t.Helper()
	b := &genuine.Batch{
		ID:          id("bat", n),
		BrandID:     w.brand.ID,
		GTIN:        gtin,
		Lot:         fmt.Sprintf("LOT%d", n),
		Expiry:      genuine.NewDate(2027, time.December, 31),
		Quantity:    quantity,
		Regions:     []string{"CN-GD", "CN-SH"},
		Disposition: genuine.Commissioned,
		Serials:     genuine.SerialsMinted,
		KeyID:       1,
		CreatedAt:   at(n),
	}
	for _, opt := range opts {
		opt(b)
	}
	update(t, s, func(tx genuine.Tx) (err error) {
		if b.FirstSeq, err = tx.AllocateSequences(t.Context(), gtin, quantity); err != nil {
			return err
		}
		return tx.CreateBatch(t.Context(), b)
	})
	return b
}
