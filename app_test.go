package genuine_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"genuine"
	"genuine/gs1"
	"genuine/payment/simulated"
	"genuine/postgres/pgtest"
	"genuine/sqlite"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// world is an App on a fresh SQLite store with an admin, a brand with a
// product, and a merchant.
type world struct {
	app   *genuine.App
	db    genuine.Store
	sim   *simulated.Provider
	clock *clock
	// sealer holds the master key of the world's store, which every App
	// on it shares.
	sealer   *genuine.Sealer
	admin    *genuine.Principal
	brand    *genuine.Principal
	brandID  string
	merchant *genuine.Principal
	gtin     string
	// holdNotifications makes the notification endpoint answer 503, as a
	// server that is down would.
	holdNotifications atomic.Bool
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	db := openStore(t)
	w := &world{db: db, clock: &clock{t: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}, gtin: "09520123456788"}
	// The simulated provider notifies this server, which applies the
	// notification as the real one does.
	notify := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if w.holdNotifications.Load() {
			http.Error(rw, "down", http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if err := w.app.ApplyNotification(r.Context(), "simulated", "", r, body); err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
		}
	}))
	w.sim = simulated.New(simulated.Config{BaseURL: notify.URL, Secret: make([]byte, 32), Store: db, Now: w.clock.now})
	t.Cleanup(func() { w.sim.Close(); notify.Close() })
	w.sealer, _ = genuine.NewSealer(genuine.NewMasterKey())
	w.app = genuine.NewApp(db, genuine.Config{BaseURL: "https://genuine.test", Now: w.clock.now, Providers: []genuine.Provider{w.sim}, Sealer: w.sealer})
	// Before the store closes: Close stores the verifications counted.
	t.Cleanup(func() { w.app.Close() })
	key, err := w.app.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w.admin, err = w.app.Authenticate(ctx, key); err != nil {
		t.Fatal(err)
	}
	w.brand, w.brandID = w.newBrand(t, "Acme")
	if err := w.app.CreateProduct(ctx, w.brand, &genuine.Product{GTIN: w.gtin, Name: "Acme Tonic"}); err != nil {
		t.Fatal(err)
	}
	w.merchant = w.newMerchant(t, "CN-GD-SZ")
	return w
}

// openStore opens a fresh store for a test: SQLite, or PostgreSQL when
// GENUINE_TEST_STORE=postgres (see package pgtest).
func openStore(t testing.TB) genuine.Store {
	t.Helper()
	if pgtest.Wanted() {
		return pgtest.Open(t)
	}
	db, err := sqlite.Open(t.TempDir() + "/genuine.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (w *world) newBrand(t testing.TB, name string) (*genuine.Principal, string) {
	t.Helper()
	ctx := context.Background()
	b := &genuine.Brand{Name: name}
	if err := w.app.CreateBrand(ctx, w.admin, b); err != nil {
		t.Fatal(err)
	}
	return w.key(t, &genuine.APIKey{Role: genuine.RoleBrand, BrandID: b.ID}), b.ID
}

func (w *world) newMerchant(t testing.TB, region string) *genuine.Principal {
	t.Helper()
	m := &genuine.Merchant{Name: "Shop " + region, Region: region}
	if err := w.app.CreateMerchant(context.Background(), w.admin, m); err != nil {
		t.Fatal(err)
	}
	return w.key(t, &genuine.APIKey{Role: genuine.RoleMerchant, MerchantID: m.ID})
}

func (w *world) key(t testing.TB, k *genuine.APIKey) *genuine.Principal {
	t.Helper()
	ctx := context.Background()
	secret, err := w.app.CreateAPIKey(ctx, w.admin, k)
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.app.Authenticate(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *world) batch(t testing.TB, qty int64) *genuine.Batch {
	t.Helper()
	b, err := w.app.CreateBatch(context.Background(), w.brand, genuine.BatchInput{
		GTIN: w.gtin, Lot: "LOT-1", Expiry: genuine.NewDate(2027, 12, 31), Quantity: qty, Regions: []string{"CN-GD"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// codes returns every code of a batch.
func (w *world) codes(t testing.TB, b *genuine.Batch) []string {
	t.Helper()
	var codes []string
	err := w.app.WriteCodes(context.Background(), w.brand, b.ID, func(_ int64, _, code []byte) error {
		codes = append(codes, string(code))
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return codes
}

func (w *world) verify(t testing.TB, code string) *genuine.Verification {
	t.Helper()
	v, err := w.app.Verify(context.Background(), code)
	if err != nil {
		t.Fatalf("Verify(%s): %v", code, err)
	}
	return v
}

func TestMintExportVerify(t *testing.T) {
	w := newWorld(t)
	b := w.batch(t, 1000)
	codes := w.codes(t, b)
	if len(codes) != 1000 {
		t.Fatalf("%d codes, want 1000", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		m, err := gs1.ParseDigitalLink(c)
		if err != nil {
			t.Fatalf("code %s: %v", c, err)
		}
		if !strings.HasPrefix(c, "https://genuine.test/01/09520123456788/21/") || m.GTIN() != w.gtin || len(m.Serial()) != genuine.SerialLen {
			t.Fatalf("code %s is not the brand's Digital Link", c)
		}
		if seen[m.Serial()] {
			t.Fatalf("serial %s twice", m.Serial())
		}
		seen[m.Serial()] = true
	}
	v := w.verify(t, codes[7])
	if !v.Authentic || v.State != genuine.StateCommissioned || v.Product.Brand != "Acme" || v.Batch.Lot != "LOT-1" || v.Verifications != 0 {
		t.Fatalf("fresh code: %+v", v)
	}
	if _, err := w.app.RecordBatchEvent(context.Background(), w.brand, b.ID, genuine.BatchEventInput{Type: "release"}); err != nil {
		t.Fatal(err)
	}
	v = w.verify(t, codes[7])
	if v.State != genuine.StateInChannel || v.Verifications != 1 || len(v.Events) != 2 {
		t.Fatalf("released code: %+v", v)
	}
	// Every form a scanner delivers names the same unit.
	m, _ := gs1.ParseDigitalLink(codes[7])
	for _, form := range []string{m.Bracketed(), m.ElementString(), must(m.ScanData(gs1.AIMGS1DataMatrix)), gs1.AIMQR + codes[7]} {
		if v := w.verify(t, form); !v.Authentic || v.Serial != m.Serial() {
			t.Errorf("Verify(%q) = %+v", form, v)
		}
	}
	// Lower-case serials are the same serial.
	if v := w.verify(t, "(01)"+w.gtin+"(21)"+strings.ToLower(m.Serial())); !v.Authentic || v.Serial != m.Serial() {
		t.Errorf("lower-case serial: %+v", v)
	}
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

func TestVerifyRefusals(t *testing.T) {
	w := newWorld(t)
	b := w.batch(t, 10)
	code := w.codes(t, b)[3]
	m, _ := gs1.ParseDigitalLink(code)
	serial := m.Serial()
	forged := serial[:len(serial)-1] + string("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[(strings.IndexByte("0123456789ABCDEFGHJKMNPQRSTVWXYZ", serial[len(serial)-1])+1)%32])
	tests := []struct {
		code, reason string
	}{
		{"(01)" + w.gtin + "(21)" + forged, genuine.ReasonCounterfeit},
		{"(01)" + w.gtin + "(21)NOTASERIAL", genuine.ReasonCounterfeit},
		{"(01)09506000134352(21)" + serial, genuine.ReasonUnknownProduct},
		{"(01)" + w.gtin + "(10)OTHER(21)" + serial, genuine.ReasonBatchMismatch},
		{"(01)" + w.gtin + "(17)271130(21)" + serial, genuine.ReasonBatchMismatch},
		{"(01)" + w.gtin, genuine.ReasonInvalidCode},
	}
	for _, tt := range tests {
		v := w.verify(t, tt.code)
		if v.Authentic || v.Reason != tt.reason {
			t.Errorf("Verify(%s) = authentic %v, reason %q; want %q", tt.code, v.Authentic, v.Reason, tt.reason)
		}
	}
	if _, err := w.app.Verify(context.Background(), "hello"); genuine.ErrorCode(err) != genuine.EInvalid {
		t.Errorf("Verify(not GS1): err %v, want invalid", err)
	}
}

// A forged or mistyped serial is refused without any store call: with the
// store closed, the refusal still comes, while a genuine code needs the store.
func TestForgedSerialNeedsNoStore(t *testing.T) {
	w := newWorld(t)
	b := w.batch(t, 5)
	code := w.codes(t, b)[0]
	w.verify(t, code) // the brand's keys are cached now
	m, _ := gs1.ParseDigitalLink(code)
	s := []byte(m.Serial())
	s[5] = "01"[map[bool]int{true: 1}[s[5] == '0']] // a typo
	if err := w.db.Close(); err != nil {
		t.Fatal(err)
	}
	v, err := w.app.Verify(context.Background(), "(01)"+w.gtin+"(21)"+string(s))
	if err != nil || v.Authentic || v.Reason != genuine.ReasonCounterfeit {
		t.Fatalf("forged serial with the store closed: %+v, %v", v, err)
	}
	if _, err := w.app.Verify(context.Background(), code); err == nil {
		t.Fatal("a genuine code verified with the store closed: the test proves nothing")
	}
}

func TestKeyRotation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	old := w.codes(t, w.batch(t, 3))
	brand, err := w.app.RotateSigningKey(ctx, w.brand, w.brandID)
	if err != nil || brand.CodeRule.ActiveKey != 1 {
		t.Fatalf("rotate: %+v, %v", brand, err)
	}
	fresh := w.codes(t, w.batch(t, 3))
	for _, c := range append(old, fresh...) {
		if v := w.verify(t, c); !v.Authentic {
			t.Errorf("after rotation, %s: %+v", c, v)
		}
	}
	m, _ := gs1.ParseDigitalLink(fresh[0])
	if m.Serial()[0] != '1' {
		t.Errorf("new serial %s not minted with key 1", m.Serial())
	}
	// The old batch keeps its codes.
	if again := w.codes(t, w.batch(t, 1)); again[0] == old[0] {
		t.Error("a new batch repeated an old code")
	}
}

func TestCreateBatchRefusals(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	other, _ := w.newBrand(t, "Other")
	good := genuine.BatchInput{GTIN: w.gtin, Lot: "L1", Expiry: genuine.NewDate(2027, 1, 1), Quantity: 10, Regions: []string{"CN"}}
	tests := []struct {
		name string
		p    *genuine.Principal
		edit func(*genuine.BatchInput)
		code string
	}{
		{"no key", nil, nil, genuine.EUnauthorized},
		{"merchant", w.merchant, nil, genuine.EForbidden},
		{"bad check digit", w.brand, func(b *genuine.BatchInput) { b.GTIN = "09520123456789" }, genuine.EInvalid},
		{"lot too long", w.brand, func(b *genuine.BatchInput) { b.Lot = strings.Repeat("A", 21) }, genuine.EInvalid},
		{"lot outside CSET 82", w.brand, func(b *genuine.BatchInput) { b.Lot = "A B" }, genuine.EInvalid},
		{"no lot", w.brand, func(b *genuine.BatchInput) { b.Lot = "" }, genuine.EInvalid},
		{"quantity 0", w.brand, func(b *genuine.BatchInput) { b.Quantity = 0 }, genuine.EInvalid},
		{"quantity beyond the sequence space", w.brand, func(b *genuine.BatchInput) { b.Quantity = genuine.MaxSequence + 2 }, genuine.ETooLarge},
		{"bad region", w.brand, func(b *genuine.BatchInput) { b.Regions = []string{"cn-gd"} }, genuine.EInvalid},
		{"no expiry", w.brand, func(b *genuine.BatchInput) { b.Expiry = genuine.Date{} }, genuine.EInvalid},
		{"unknown product", w.brand, func(b *genuine.BatchInput) { b.GTIN = "09506000134352" }, genuine.ENotFound},
		{"another brand's product", other, nil, genuine.ENotFound},
	}
	for _, tt := range tests {
		in := good
		if tt.edit != nil {
			tt.edit(&in)
		}
		if _, err := w.app.CreateBatch(ctx, tt.p, in); genuine.ErrorCode(err) != tt.code {
			t.Errorf("%s: err %v, want %s", tt.name, err, tt.code)
		}
	}
	// Nothing was written by the refusals.
	for _, p := range []*genuine.Principal{w.brand, other} {
		if bs, err := w.app.Batches(ctx, p); err != nil || len(bs) != 0 {
			t.Errorf("batches after refusals: %d, %v", len(bs), err)
		}
	}
	// An expired batch may be created; it is simply expired.
	in := good
	in.Expiry = genuine.NewDate(2020, 1, 31)
	b, err := w.app.CreateBatch(ctx, w.brand, in)
	if err != nil {
		t.Fatal(err)
	}
	if v := w.verify(t, w.codes(t, b)[0]); !v.Authentic || !v.Batch.Expired {
		t.Errorf("expired batch: %+v", v.Batch)
	}
}

func TestMintingWritesOneRow(t *testing.T) {
	w := newWorld(t)
	start := time.Now()
	b := w.batch(t, 10_000_000)
	if d := time.Since(start); d > 30*time.Second {
		t.Logf("minting 10M took %v", d) // informational only; the benchmark measures
	}
	// The last unit exists without any row of its own.
	var last []byte
	err := w.app.WriteCodes(context.Background(), w.brand, b.ID, func(seq int64, _, code []byte) error {
		if seq == b.FirstSeq+9 {
			last = append([]byte(nil), code...)
			return context.Canceled
		}
		return nil
	}, nil)
	if err != context.Canceled || last == nil {
		t.Fatalf("export: %v", err)
	}
	if v := w.verify(t, string(last)); !v.Authentic {
		t.Fatalf("%+v", v)
	}
}

func TestHealthAndCheck(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	code := w.codes(t, w.batch(t, 1))[0]
	if v, err := w.app.Check(ctx, code); err != nil || !v.Authentic || v.Verifications != 0 {
		t.Fatalf("Check: %+v, %v", v, err)
	}
	if v := w.verify(t, code); v.Verifications != 0 {
		t.Errorf("Check counted a verification: %d before", v.Verifications)
	}
	if v := w.verify(t, code); v.Verifications != 1 {
		t.Errorf("second Verify: %d before, want 1", v.Verifications)
	}
	if err := w.app.Health(ctx); err != nil {
		t.Fatal(err)
	}
	w.db.Close()
	if err := w.app.Health(ctx); genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Errorf("Health with the store closed: %v", err)
	}
}

// A key is looked up once per server: its holder never changes. A key
// unknown here is looked up every time, so a key made on another server
// works at once.
func TestAuthenticateCachesKeys(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	s := &hookStore{Store: w.db}
	app := w.appOn(t, s)
	key, err := w.app.CreateAPIKey(ctx, w.admin, &genuine.APIKey{Role: genuine.RoleMerchant, MerchantID: w.merchant.MerchantID})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		p, err := app.Authenticate(ctx, key)
		if err != nil || p.Role != genuine.RoleMerchant || p.MerchantID != w.merchant.MerchantID {
			t.Fatalf("Authenticate: %+v, %v", p, err)
		}
		p.MerchantID = "changed by the caller" // must not reach the cache
	}
	if n := s.views.Load(); n != 1 {
		t.Errorf("three authentications read the store %d times, want 1", n)
	}
	unknown := key[:len(key)-1] + string(key[len(key)-1]^1)
	for range 2 {
		if _, err := app.Authenticate(ctx, unknown); genuine.ErrorCode(err) != genuine.EUnauthorized {
			t.Fatalf("unknown key: %v", err)
		}
	}
	if n := s.views.Load(); n != 3 {
		t.Errorf("after two unknown keys the store was read %d times, want 3", n)
	}
}
