package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"genuine"
	"genuine/gs1"
	"genuine/sqlite"
)

// secretWorld is an embedded store served once: a brand with two signing
// keys, a released batch minted under the second, a merchant, and a
// checkout awaiting payment.
type secretWorld struct {
	dir, db               string
	adminKey, brandKey    string
	brandID, merchantKey  string
	codes                 []string
	checkoutID, reference string
	payPath               string // the path of the payment's pay page
}

func newSecretWorld(t *testing.T) *secretWorld {
	t.Helper()
	w := &secretWorld{dir: t.TempDir()}
	w.db = filepath.Join(w.dir, "genuine.db")
	w.adminKey = initStore(t, w.db)
	s := startServer(t, w.db)
	var brand, key, merchant, mkey struct{ ID, Key string }
	api(t, s, w.adminKey, "POST", "/v1/brands", map[string]any{"name": "Acme"}, &brand)
	api(t, s, w.adminKey, "POST", "/v1/keys", map[string]any{"role": "brand", "brand_id": brand.ID}, &key)
	api(t, s, w.adminKey, "POST", "/v1/merchants", map[string]any{"name": "Shop", "region": "CN-GD-SZ"}, &merchant)
	api(t, s, w.adminKey, "POST", "/v1/keys", map[string]any{"role": "merchant", "merchant_id": merchant.ID}, &mkey)
	w.brandID, w.brandKey, w.merchantKey = brand.ID, key.Key, mkey.Key
	if st := api(t, s, key.Key, "POST", "/v1/brands/"+brand.ID+"/signing-keys", nil, nil); st != 201 {
		t.Fatalf("rotate signing key: %d", st)
	}
	api(t, s, key.Key, "POST", "/v1/products", map[string]any{"gtin": "09520123456788", "name": "Tonic"}, nil)
	var batch struct{ ID string }
	api(t, s, key.Key, "POST", "/v1/batches", map[string]any{"gtin": "09520123456788", "lot": "L1", "expiry": "2027-12-31", "quantity": 5, "regions": []string{"CN-GD"}}, &batch)
	api(t, s, key.Key, "POST", "/v1/batches/"+batch.ID+"/events", map[string]any{"type": "release"}, nil)
	w.codes = batchCodes(t, s, key.Key, batch.ID, 5)
	st, out, err := checkoutOnce(s, w.merchantKey, "secret-1", w.codes[0])
	if err != nil || st != 201 {
		t.Fatalf("checkout: %d %v %v", st, out, err)
	}
	w.checkoutID = out["id"].(string)
	w.reference = out["payment"].(map[string]any)["reference"].(string)
	pay, _ := url.Parse(out["payment"].(map[string]any)["pay_url"].(string))
	w.payPath = pay.Path
	stopServer(t, s)
	return w
}

// storeFiles returns the bytes of the store's files: the database, and
// its write-ahead log if one is left.
func storeFiles(t *testing.T, db string) []byte {
	t.Helper()
	var all []byte
	for _, name := range []string{db, db + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// rawBlobs returns the values of a query on the store file, read with the
// driver alone, as someone with a copy of the file would; none if the
// query fails (its table does not exist).
func rawBlobs(t *testing.T, db, query string) [][]byte {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(query)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// mintedUnder reports whether secret is the signing key (of id keyID) a
// code's minted serial verifies under.
func mintedUnder(t *testing.T, code string, secret []byte) bool {
	t.Helper()
	msg, err := gs1.Parse(code)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := genuine.DecodeSerial(msg.Serial())
	if !ok || len(secret) < 32 {
		return false
	}
	return genuine.NewSigner(d.KeyID, secret).Verify(msg.GTIN(), d)
}

// Neither the signing keys nor the simulated provider's notification key
// are in the store file: no row of signing_keys, and no 32 bytes anywhere
// in the file or its log, verify a code as its key.
func TestStoreHoldsNoPlaintextSigningKey(t *testing.T) {
	w := newSecretWorld(t)
	rows := rawBlobs(t, w.db, "SELECT secret FROM signing_keys")
	if len(rows) != 2 {
		t.Fatalf("%d signing keys in the file, want 2", len(rows))
	}
	for _, secret := range rows {
		if mintedUnder(t, w.codes[0], secret) || mintedUnder(t, w.codes[0], secret[:min(32, len(secret))]) {
			t.Fatal("a signing key is in the store file as it is")
		}
	}
	file := storeFiles(t, w.db)
	for i := 0; i+32 <= len(file); i++ {
		if mintedUnder(t, w.codes[0], file[i:i+32]) {
			t.Fatalf("the signing key is in the store's files at byte %d", i)
		}
	}
}

// A notification signed with a key read from the store file is refused:
// the checkout it names stays awaiting payment.
func TestForgedNotificationWithStoredKeyRefused(t *testing.T) {
	w := newSecretWorld(t)
	var candidates [][]byte
	candidates = append(candidates, rawBlobs(t, w.db, "SELECT data FROM provider_records")...)
	candidates = append(candidates, rawBlobs(t, w.db, "SELECT value FROM secrets")...)
	if len(candidates) == 0 {
		t.Fatal("no provider record or secret in the store file")
	}
	s := startServer(t, w.db)
	for i, key := range candidates {
		if st := postNotification(t, s, key, w.reference); st < 400 {
			t.Errorf("a notification signed with stored bytes %d was accepted: %d", i, st)
		}
	}
	var c struct{ Status string }
	api(t, s, w.merchantKey, "GET", "/v1/checkouts/"+w.checkoutID, nil, &c)
	if c.Status != "awaiting_payment" {
		t.Errorf("checkout is %q after forged notifications, want awaiting_payment", c.Status)
	}
}

// copyStore copies a stopped store's files to dir, without its key.
func copyStore(t *testing.T, db, dir string) string {
	t.Helper()
	to := filepath.Join(dir, filepath.Base(db))
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(db + suffix)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// verifyCode asks a server about a code and returns its answer.
func verifyCode(t *testing.T, s *server, code string) (authentic bool, reason string) {
	t.Helper()
	var v struct {
		Authentic bool
		Reason    string
	}
	if st := api(t, s, "", "POST", "/v1/verify", map[string]string{"code": code}, &v); st != 200 {
		t.Fatalf("verify: %d", st)
	}
	return v.Authentic, v.Reason
}

// A copy of the store without its master key cannot start serving, and
// says why; with the key file beside it, it serves and its codes verify.
func TestCopyWithoutMasterKeyCannotServe(t *testing.T) {
	w := newSecretWorld(t)
	keyFile := filepath.Join(w.dir, "genuine.key")
	info, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("no key file beside the store: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
	dir := t.TempDir()
	copied := copyStore(t, w.db, dir)
	_, stderr, code := run(t, "", "serve", "--db", copied, "--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(stderr, "master key") {
		t.Fatalf("serve a copy without its key: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "genuine.key")); err == nil {
		t.Error("serving a copy without its key made a new key file")
	}
	_, stderr, code = run(t, "", "admin-key", "--db", copied)
	if code == 0 || !strings.Contains(stderr, "master key") {
		t.Errorf("admin-key on a copy without its key: exit %d, %q", code, stderr)
	}
	// A wrong key, given in the environment, is refused as clearly.
	wrong := strings.Repeat("ab", 32)
	_, stderr, code = runEnv(t, []string{"GENUINE_MASTER_KEY=" + wrong}, "", "serve", "--db", copied, "--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(stderr, "master key") {
		t.Fatalf("serve a copy with a wrong key: exit %d, %q", code, stderr)
	}
	key, _ := os.ReadFile(keyFile)
	if err := os.WriteFile(filepath.Join(dir, "genuine.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, copied)
	if ok, reason := verifyCode(t, s, w.codes[1]); !ok {
		t.Errorf("a code of the copy with its key: not authentic (%s)", reason)
	}
	stopServer(t, s)
	// --master-key-file names the key wherever it is.
	elsewhere := filepath.Join(t.TempDir(), "master.key")
	os.WriteFile(elsewhere, key, 0o600)
	os.Remove(filepath.Join(dir, "genuine.key"))
	s = startServerWith(t, copied, nil, "--master-key-file", elsewhere)
	if ok, reason := verifyCode(t, s, w.codes[1]); !ok {
		t.Errorf("a code of the copy with --master-key-file: not authentic (%s)", reason)
	}
}

// keys rotate-master re-seals the store under a new key, written to the
// key file: the old key no longer opens it, the new one serves, and codes
// minted before verify.
func TestRotateMasterKey(t *testing.T) {
	w := newSecretWorld(t)
	keyFile := filepath.Join(w.dir, "genuine.key")
	old, _ := os.ReadFile(keyFile)
	stdout, stderr, code := run(t, "", "keys", "rotate-master", "--db", w.db)
	if code != 0 {
		t.Fatalf("rotate-master: exit %d, %q %q", code, stdout, stderr)
	}
	now, _ := os.ReadFile(keyFile)
	if bytes.Equal(old, now) || len(bytes.TrimSpace(now)) != 64 {
		t.Fatalf("key file after rotation: %q (before %q)", now, old)
	}
	if info, _ := os.Stat(keyFile); info.Mode().Perm() != 0o600 {
		t.Errorf("new key file mode %v, want 0600", info.Mode().Perm())
	}
	_, stderr, code = runEnv(t, []string{"GENUINE_MASTER_KEY=" + string(bytes.TrimSpace(old))}, "", "serve", "--db", w.db, "--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(stderr, "master key") {
		t.Fatalf("serve with the old key: exit %d, %q", code, stderr)
	}
	s := startServer(t, w.db)
	for _, c := range w.codes[1:] {
		if ok, reason := verifyCode(t, s, c); !ok {
			t.Errorf("code minted before rotation: not authentic (%s)", reason)
		}
	}
	// The simulated provider still signs with the same key: the payment
	// made before rotation can be paid.
	if !pressPay(s.url + w.payPath) {
		t.Error("the payment made before rotation cannot be paid")
	}
}

// A store made before secrets were sealed, with its signing key and the
// simulated provider's notification key in plain text, is sealed at its
// first start: its key file is made, nothing of either key is left in the
// file, and the codes minted before verify.
func TestUpgradeSealsPlaintextSecrets(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "genuine.db")
	secret := bytes.Repeat([]byte{0x5a}, 32)
	notifyKey := bytes.Repeat([]byte{0xa5}, 32)
	legacyStore(t, db, secret, notifyKey)
	signer := genuine.NewSigner(0, secret)
	code := "(01)09520123456788(21)" + signer.Serial("09520123456788", 3)
	if !bytes.Contains(storeFiles(t, db), secret) {
		t.Fatal("the legacy store does not hold its key in plain text: the test proves nothing")
	}

	s := startServer(t, db)
	if !strings.Contains(s.stderr.String(), "genuine.key") {
		t.Errorf("serve did not say where the new master key is: %s", s.stderr)
	}
	if ok, reason := verifyCode(t, s, code); !ok {
		t.Errorf("a code minted before sealing: not authentic (%s)", reason)
	}
	stopServer(t, s)
	file := storeFiles(t, db)
	for _, key := range [][]byte{secret, notifyKey} {
		if i := bytes.Index(file, key); i >= 0 {
			t.Errorf("a key is still in plain text in the store's files at byte %d", i)
		}
	}
	s = startServer(t, db)
	if ok, reason := verifyCode(t, s, code); !ok {
		t.Errorf("a code minted before sealing, after a restart: not authentic (%s)", reason)
	}
	// The notification key, readable before, no longer signs.
	if st := postNotification(t, s, notifyKey, "pay_unknown"); st != http.StatusUnauthorized {
		t.Errorf("a notification signed with the key the store held in plain text: %d, want 401", st)
	}
}

// postNotification posts a paid notification of a payment signed with key
// to the simulated provider's endpoint and returns the status.
func postNotification(t *testing.T, s *server, key []byte, reference string) int {
	t.Helper()
	at := time.Now().UTC().Truncate(time.Second)
	body, _ := json.Marshal(map[string]string{"id": "forged-" + rand.Text(), "reference": reference, "status": "paid", "at": at.Format(time.RFC3339)})
	ts := strconv.FormatInt(at.Unix(), 10)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ts + "."))
	m.Write(body)
	req, _ := http.NewRequest("POST", s.url+"/v1/payments/simulated/notify", bytes.NewReader(body))
	req.Header.Set("Genuine-Signature", "t="+ts+",v1="+hex.EncodeToString(m.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// legacyStore writes an embedded store as genuine wrote it before secrets
// were sealed: a brand whose signing key 0 is secret, a released batch of
// 10 units minted under it, and the simulated provider's notification key
// notifyKey, all in plain text.
func legacyStore(t *testing.T, db string, secret, notifyKey []byte) {
	t.Helper()
	store, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	err = store.Update(ctx, func(tx genuine.Tx) error {
		b := &genuine.Brand{ID: "brd_legacy", Name: "Legacy", CodeRule: genuine.CodeRule{Serials: genuine.SerialsMinted}, CreatedAt: now}
		if err := tx.CreateBrand(ctx, b); err != nil {
			return err
		}
		if err := tx.CreateSigningKey(ctx, &genuine.SigningKey{BrandID: b.ID, ID: 0, Secret: secret, CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.CreateProduct(ctx, &genuine.Product{GTIN: "09520123456788", BrandID: b.ID, Name: "Tonic", CreatedAt: now}); err != nil {
			return err
		}
		first, err := tx.AllocateSequences(ctx, "09520123456788", 10)
		if err != nil {
			return err
		}
		if err := tx.CreateBatch(ctx, &genuine.Batch{
			ID: "bat_legacy", BrandID: b.ID, GTIN: "09520123456788", Lot: "L1", Expiry: genuine.NewDate(2030, 1, 1),
			Quantity: 10, FirstSeq: first, Regions: []string{"CN-GD"}, Disposition: genuine.Released,
			Serials: genuine.SerialsMinted, KeyID: 0, CreatedAt: now,
		}); err != nil {
			return err
		}
		// Where migration 0008 puts the key a store made before kept as
		// the provider's record.
		return tx.PutSecret(ctx, "provider/simulated", notifyKey)
	})
	if err != nil {
		t.Fatal(err)
	}
}
