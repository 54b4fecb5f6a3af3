package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"genuine"
	"genuine/payment/simulated"
	"genuine/postgres/pgtest"
	"genuine/sqlite"
)

// testServer is a Server on a random local port with a real SQLite store
// in a temporary directory and the real simulated payment provider, whose
// pay pages it serves and whose notifications it receives.
type testServer struct {
	tb     testing.TB
	url    string
	db     genuine.Store
	app    *genuine.App
	srv    *Server
	sim    *simulated.Provider
	client *http.Client
	admin  string // an admin API key
}

// newTestServer starts a server. Its App's base URL is the server's own,
// so the codes it mints resolve to it, and so is the simulated provider's,
// so its pay pages and notifications go to it; more providers may be
// given. Errors the server or the provider log fail the test, unless the
// test says it expects them.
func newTestServer(tb testing.TB, cfg Config, providers ...genuine.Provider) *testServer {
	tb.Helper()
	return newTestServerOn(tb, openTestStore(tb), cfg, providers...)
}

// openTestStore opens a new store for a test: SQLite in a temporary
// directory, or PostgreSQL when GENUINE_TEST_STORE=postgres.
func openTestStore(tb testing.TB) genuine.Store {
	tb.Helper()
	if pgtest.Wanted() {
		return pgtest.Open(tb)
	}
	lite, err := sqlite.Open(filepath.Join(tb.TempDir(), "genuine.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { lite.Close() })
	return lite
}

// newTestServerOn starts a server as newTestServer does, on db.
func newTestServerOn(tb testing.TB, db genuine.Store, cfg Config, providers ...genuine.Provider) *testServer {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ts := &testServer{tb: tb, url: "http://" + l.Addr().String(), db: db, client: &http.Client{Timeout: time.Minute}}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(&failOnError{tb: tb, next: slog.NewTextHandler(io.Discard, nil)})
	}
	ts.sim = simulated.New(simulated.Config{BaseURL: ts.url, Secret: []byte(rand.Text() + rand.Text()), Store: db, Logger: cfg.Logger})
	// The App logs through the server's handler, as genuine serve wires
	// them, so that its lines carry the request id.
	ts.app = genuine.NewApp(db, genuine.Config{BaseURL: ts.url, Providers: append([]genuine.Provider{ts.sim}, providers...), Connectors: []genuine.Connector{testConnector{}}, Logger: slog.New(LogHandler(cfg.Logger.Handler()))})
	if ts.admin, err = ts.app.Bootstrap(context.Background()); err != nil {
		tb.Fatal(err)
	}
	if cfg.Pages == nil {
		cfg.Pages = map[string]http.Handler{"/pay/simulated/": ts.sim.Handler()}
	}
	ts.srv = NewServer(ts.app, cfg)
	done := make(chan error, 1)
	go func() { done <- ts.srv.Serve(l) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ts.srv.Shutdown(ctx); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			tb.Errorf("Serve: %v", err)
		}
		// As a server shutting down does, before the store closes.
		if err := ts.app.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
		ts.client.CloseIdleConnections()
	})
	// Cleanups run last first: the provider's notifications in flight are
	// delivered while the server still listens.
	tb.Cleanup(ts.sim.Close)
	return ts
}

// failOnError fails the test when the server logs an error: an internal
// error is a bug in some layer.
type failOnError struct {
	tb   testing.TB
	next slog.Handler
}

func (h *failOnError) Enabled(ctx context.Context, l slog.Level) bool { return true }
func (h *failOnError) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		var attrs []string
		r.Attrs(func(a slog.Attr) bool { attrs = append(attrs, a.String()); return true })
		h.tb.Errorf("server logged an error: %s %s", r.Message, strings.Join(attrs, " "))
	}
	return h.next.Handle(ctx, r)
}
func (h *failOnError) WithAttrs(as []slog.Attr) slog.Handler {
	return &failOnError{tb: h.tb, next: h.next.WithAttrs(as)}
}
func (h *failOnError) WithGroup(name string) slog.Handler {
	return &failOnError{tb: h.tb, next: h.next.WithGroup(name)}
}

// response is a response read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

// request is one request to the test server. Body is sent as is if it is
// a string or []byte, and encoded as JSON otherwise.
type request struct {
	method, path, key string
	body              any
	header            map[string]string
}

func (ts *testServer) do(req request) *response {
	ts.tb.Helper()
	var body io.Reader
	if req.body != nil {
		switch b := req.body.(type) {
		case string:
			body = strings.NewReader(b)
		case []byte:
			body = bytes.NewReader(b)
		default:
			j, err := json.Marshal(b)
			if err != nil {
				ts.tb.Fatal(err)
			}
			body = bytes.NewReader(j)
		}
	}
	url := req.path
	if strings.HasPrefix(url, "/") {
		url = ts.url + url
	}
	r, err := http.NewRequest(req.method, url, body)
	if err != nil {
		ts.tb.Fatal(err)
	}
	if req.body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if req.key != "" {
		r.Header.Set("Authorization", "Bearer "+req.key)
	}
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	if h := req.header["Host"]; h != "" {
		r.Host = h
	}
	resp, err := ts.client.Do(r)
	if err != nil {
		ts.tb.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.tb.Fatalf("%s %s: reading the body: %v", req.method, req.path, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}

// call makes a request, checks its status, and decodes a JSON answer
// into out (if not nil).
func (ts *testServer) call(method, path, key string, body any, want int, out any) *response {
	ts.tb.Helper()
	resp := ts.do(request{method: method, path: path, key: key, body: body})
	if resp.status != want {
		ts.tb.Fatalf("%s %s: status %d, want %d; body: %s", method, path, resp.status, want, resp.body)
	}
	if out != nil {
		if err := json.Unmarshal(resp.body, out); err != nil {
			ts.tb.Fatalf("%s %s: %v; body: %s", method, path, err, resp.body)
		}
	}
	return resp
}

// problem decodes a problem+json response, failing the test if it is not
// one or its status member differs from the response's.
func (r *response) problem(tb testing.TB) problem {
	tb.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		tb.Fatalf("Content-Type %q, want application/problem+json; body: %s", ct, r.body)
	}
	var p problem
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		tb.Fatalf("problem: %v; body: %s", err, r.body)
	}
	if p.Status != r.status || p.Code == "" || p.Title == "" || p.Detail == "" || !strings.HasPrefix(p.Type, problemType) {
		tb.Fatalf("problem %+v for a %d response", p, r.status)
	}
	return p
}

// world is what most tests need: a brand with a product and a batch, keys
// of every role, and a merchant.
type world struct {
	brand                             genuine.Brand
	merchant                          genuine.Merchant
	product                           genuine.Product
	batch                             genuine.Batch
	brandKey, partnerKey, merchantKey string
}

// newWorld creates a brand named name, its keys, a product with the given
// GTIN, a merchant in CN-GD-SZ, and a batch of quantity units for CN-GD.
func (ts *testServer) newWorld(name, gtin string, quantity int) *world {
	ts.tb.Helper()
	w := &world{}
	ts.call("POST", "/v1/brands", ts.admin, map[string]any{"name": name}, 201, &w.brand)
	ts.call("POST", "/v1/merchants", ts.admin, map[string]any{"name": name + " shop", "region": "CN-GD-SZ", "lat": 22.54, "lon": 114.06}, 201, &w.merchant)
	w.brandKey = ts.newKey(map[string]any{"role": "brand", "brand_id": w.brand.ID})
	w.partnerKey = ts.newKey(map[string]any{"role": "partner", "brand_id": w.brand.ID})
	w.merchantKey = ts.newKey(map[string]any{"role": "merchant", "merchant_id": w.merchant.ID})
	ts.call("POST", "/v1/products", w.brandKey, map[string]any{"gtin": gtin, "name": name + " tea"}, 201, &w.product)
	ts.call("POST", "/v1/batches", w.brandKey, map[string]any{
		"gtin": gtin, "lot": "L" + gtin[8:], "expiry": "2027-12-31", "quantity": quantity, "regions": []string{"CN-GD"},
	}, 201, &w.batch)
	return w
}

func (ts *testServer) newKey(body map[string]any) string {
	ts.tb.Helper()
	var k struct{ Key string }
	ts.call("POST", "/v1/keys", ts.admin, body, 201, &k)
	if !strings.HasPrefix(k.Key, "gk_") {
		ts.tb.Fatalf("key %q", k.Key)
	}
	return k.Key
}

// codeRecord is one record of a code export.
type codeRecord struct {
	Serial string `json:"serial"`
	Code   string `json:"code"`
}

// codes exports a batch's codes as NDJSON.
func (ts *testServer) codes(key, batchID string) []codeRecord {
	ts.tb.Helper()
	resp := ts.call("GET", "/v1/batches/"+batchID+"/codes", key, nil, 200, nil)
	return parseNDJSON(ts.tb, resp.body)
}

func parseNDJSON(tb testing.TB, body []byte) []codeRecord {
	tb.Helper()
	var out []codeRecord
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	for dec.More() {
		var rec codeRecord
		if err := dec.Decode(&rec); err != nil {
			tb.Fatalf("record %d: %v", len(out)+1, err)
		}
		out = append(out, rec)
	}
	return out
}

// gtinWithCheckDigit completes 13 digits with their GS1 check digit.
func gtinWithCheckDigit(first13 string) string {
	sum := 0
	for i := 0; i < 13; i++ {
		d := int(first13[12-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return first13 + string(rune('0'+(10-sum%10)%10))
}

// decodeJSON checks a response's status and Content-Type and decodes its
// body into out.
func decodeJSON(tb testing.TB, resp *response, status int, contentType string, out any) {
	tb.Helper()
	if resp.status != status || resp.header.Get("Content-Type") != contentType {
		tb.Fatalf("status %d %q, want %d %q; body: %s", resp.status, resp.header.Get("Content-Type"), status, contentType, resp.body)
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		tb.Fatalf("%v; body: %s", err, resp.body)
	}
}
