package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"genuine"
)

// TestExportLarge streams the codes of a batch of 200,000 units: every
// unit once, with unique serials, and a sample of them verifies.
func TestExportLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("exports 200,000 codes")
	}
	const n = 200_000
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", n)
	for _, format := range []string{"ndjson", "csv"} {
		resp := ts.do(request{method: "GET", path: "/v1/batches/" + w.batch.ID + "/codes?format=" + format, key: w.brandKey})
		if resp.status != 200 {
			t.Fatalf("%s: %d %s", format, resp.status, resp.body)
		}
		if resp.header.Get("Content-Length") != "" {
			t.Errorf("%s: Content-Length %s: the export is not streamed", format, resp.header.Get("Content-Length"))
		}
		var codes []codeRecord
		if format == "ndjson" {
			codes = parseNDJSON(t, resp.body)
		} else {
			codes = parseCSV(t, resp.body)
		}
		if len(codes) != n {
			t.Fatalf("%s: %d codes, want %d", format, len(codes), n)
		}
		seen := make(map[string]bool, n)
		for _, c := range codes {
			if seen[c.Serial] {
				t.Fatalf("%s: serial %s twice", format, c.Serial)
			}
			seen[c.Serial] = true
			if !strings.HasSuffix(c.Code, "/21/"+c.Serial) {
				t.Fatalf("%s: code %s does not end with its serial %s", format, c.Code, c.Serial)
			}
		}
		if format == "csv" {
			continue
		}
		for range 20 {
			c := codes[rand.IntN(n)]
			if v := ts.verify(c.Code); !v.Authentic || v.Serial != c.Serial || v.State != genuine.StateCommissioned {
				t.Fatalf("%s: %+v", c.Code, v)
			}
		}
	}
}

// TestExportRegistered exports serials a brand registered, with
// characters CSV and JSON must escape, and verifies every code.
func TestExportRegistered(t *testing.T) {
	ts := newTestServer(t, Config{})
	var brand genuine.Brand
	ts.call("POST", "/v1/brands", ts.admin, map[string]any{"name": "Reg", "code_rule": map[string]any{"serials": "registered", "lot_in_link": true, "expiry_in_link": true}}, 201, &brand)
	key := ts.newKey(map[string]any{"role": "brand", "brand_id": brand.ID})
	ts.call("POST", "/v1/products", key, map[string]any{"gtin": "9520123456788", "name": "Reg tea"}, 201, nil)
	var b genuine.Batch
	ts.call("POST", "/v1/batches", key, map[string]any{"gtin": "09520123456788", "lot": "A,1", "expiry": "2027-12-31", "quantity": 10}, 201, &b)

	// Nothing registered yet: the header alone.
	if codes := parseCSV(t, ts.call("GET", "/v1/batches/"+b.ID+"/codes?format=csv", key, nil, 200, nil).body); len(codes) != 0 {
		t.Fatalf("codes before registration: %v", codes)
	}
	if body := ts.call("GET", "/v1/batches/"+b.ID+"/codes", key, nil, 200, nil).body; len(body) != 0 {
		t.Fatalf("ndjson before registration: %q", body)
	}

	serials := []string{`Q"1`, "R,2", "S'3", "T<4>&"}
	ts.call("POST", "/v1/batches/"+b.ID+"/serials", key, map[string]any{"serials": serials}, 200, nil)
	ndjson := ts.codes(key, b.ID)
	csvCodes := parseCSV(t, ts.call("GET", "/v1/batches/"+b.ID+"/codes?format=csv", key, nil, 200, nil).body)
	if len(ndjson) != len(serials) || len(csvCodes) != len(serials) {
		t.Fatalf("ndjson %v, csv %v", ndjson, csvCodes)
	}
	for i, s := range serials {
		if ndjson[i].Serial != s || csvCodes[i] != ndjson[i] {
			t.Fatalf("record %d: ndjson %+v, csv %+v, want serial %q", i, ndjson[i], csvCodes[i], s)
		}
		v := ts.verify(ndjson[i].Code)
		if !v.Authentic || v.Serial != s || v.Batch.Lot != "A,1" {
			t.Fatalf("%s: %+v", ndjson[i].Code, v)
		}
		// The resolver rebuilds the same code from its request.
		resp := ts.do(request{method: "GET", path: ndjson[i].Code, header: map[string]string{"Accept": "application/json"}})
		decodeJSON(t, resp, 200, "application/json", &v)
		if !v.Authentic || v.Serial != s || v.Verifications != 1 {
			t.Fatalf("resolver, %s: %+v", ndjson[i].Code, v)
		}
	}
	if v := ts.verify(strings.Replace(ndjson[0].Code, "Q%221", "Q%222", 1)); v.Authentic || v.Reason != genuine.ReasonCounterfeit {
		t.Fatalf("an unregistered serial: %+v", v)
	}
}

func parseCSV(tb testing.TB, body []byte) []codeRecord {
	tb.Helper()
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	if len(rows) == 0 || len(rows[0]) != 2 || rows[0][0] != "serial" || rows[0][1] != "code" {
		tb.Fatalf("csv header %v", rows)
	}
	out := make([]codeRecord, 0, len(rows)-1)
	for _, r := range rows[1:] {
		out = append(out, codeRecord{Serial: r[0], Code: r[1]})
	}
	return out
}

// TestAppendRecord checks the escaping of export records directly.
func TestAppendRecord(t *testing.T) {
	for _, c := range []struct{ serial, ndjson, csv string }{
		{"ABC", `{"serial":"ABC","code":"c"}` + "\n", "ABC,c\n"},
		{`a"b`, `{"serial":"a\"b","code":"c"}` + "\n", `"a""b",c` + "\n"},
		{"a,b", `{"serial":"a,b","code":"c"}` + "\n", `"a,b",c` + "\n"},
		{"a\\b\n", `{"serial":"a\\b\u000a","code":"c"}` + "\n", "\"a\\b\n\",c\n"},
		{" a", `{"serial":" a","code":"c"}` + "\n", `" a",c` + "\n"},
		{"é\x01\xff", `{"serial":"é\u0001\ufffd","code":"c"}` + "\n", "é\x01\xff,c\n"},
	} {
		if got := string(appendNDJSON(nil, []byte(c.serial), []byte("c"))); got != c.ndjson {
			t.Errorf("ndjson of %q: %s, want %s", c.serial, got, c.ndjson)
		}
		if got := string(appendCSV(nil, []byte(c.serial), []byte("c"))); got != c.csv {
			t.Errorf("csv of %q: %q, want %q", c.serial, got, c.csv)
		}
	}
}

// BenchmarkExportNDJSON streams a batch of 1,000,000 codes through the
// server's handler into io.Discard.
func BenchmarkExportNDJSON(b *testing.B) {
	const n = 1_000_000
	ts := newTestServer(b, Config{})
	w := ts.newWorld("Acme", "09520123456788", n)
	h := ts.srv.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	var bytes int64
	for b.Loop() {
		r := httptest.NewRequest("GET", "/v1/batches/"+w.batch.ID+"/codes", nil)
		r.Header.Set("Authorization", "Bearer "+w.brandKey)
		d := &discard{header: http.Header{}}
		h.ServeHTTP(d, r)
		if d.status != 200 || d.n < n*40 {
			b.Fatalf("status %d, %d bytes", d.status, d.n)
		}
		bytes += d.n
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "codes/s")
	b.SetBytes(bytes / int64(b.N))
}

// discard is a ResponseWriter that counts and drops what it is given.
type discard struct {
	header http.Header
	status int
	n      int64
}

func (d *discard) Header() http.Header { return d.header }
func (d *discard) WriteHeader(s int) {
	if d.status == 0 {
		d.status = s
	}
}
func (d *discard) Write(p []byte) (int, error) {
	d.WriteHeader(200)
	d.n += int64(len(p))
	return len(p), nil
}
func (d *discard) Flush() {}

// TestExportCanceled walks away from an export of 100,000,000 codes after
// its first bytes: the server stops computing codes, logs no error, and
// shuts down without waiting for the rest.
func TestExportCanceled(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 100_000_000)
	ctx, cancel := context.WithCancel(context.Background())
	r, _ := http.NewRequestWithContext(ctx, "GET", ts.url+"/v1/batches/"+w.batch.ID+"/codes?format=csv", nil)
	r.Header.Set("Authorization", "Bearer "+w.brandKey)
	resp, err := ts.client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 1<<16)
	if _, err := io.ReadFull(resp.Body, first); err != nil || !bytes.HasPrefix(first, []byte("serial,code\n")) {
		t.Fatalf("first bytes: %v %q", err, first[:40])
	}
	cancel()
	resp.Body.Close()
	start := time.Now()
	sctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	if err := ts.srv.Shutdown(sctx); err != nil {
		t.Fatalf("Shutdown after %v: %v", time.Since(start), err)
	}
}

// TestExportLimit holds two exports of a brand open: a third is refused
// with 429, rate_limited and a Retry-After, and once they are walked away
// from, the brand exports again.
func TestExportLimit(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.newWorld("Acme", "09520123456788", 100_000_000)
	path := "/v1/batches/" + w.batch.ID + "/codes?format=csv"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 2 {
		r, _ := http.NewRequestWithContext(ctx, "GET", ts.url+path, nil)
		r.Header.Set("Authorization", "Bearer "+w.brandKey)
		resp, err := ts.client.Do(r) // returns once the export has begun
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("export: %v %v", resp, err)
		}
		defer resp.Body.Close()
	}
	resp := ts.do(request{method: "GET", path: path, key: w.brandKey})
	p := resp.problem(t)
	retry, err := strconv.Atoi(resp.header.Get("Retry-After"))
	if resp.status != 429 || p.Code != genuine.ERateLimited || err != nil || retry < 1 {
		t.Fatalf("a third export at once: %d %+v, Retry-After %q", resp.status, p, resp.header.Get("Retry-After"))
	}
	var small genuine.Batch
	ts.call("POST", "/v1/batches", w.brandKey, map[string]any{
		"gtin": w.product.GTIN, "lot": "SMALL", "expiry": "2030-01-01", "quantity": 10,
	}, 201, &small)
	cancel()
	// The walked-away exports end when they next look at their request.
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		r := ts.do(request{method: "GET", path: "/v1/batches/" + small.ID + "/codes", key: w.brandKey})
		if r.status == 200 {
			break
		}
		if r.status != 429 || time.Now().After(end) {
			t.Fatalf("an export after the others ended: %d %s", r.status, r.body)
		}
	}
}
