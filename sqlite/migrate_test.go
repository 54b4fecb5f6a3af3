package sqlite

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestBulkWorkMigrationCounts applies the migrations before 0012 to a new
// file, registers serials of two batches as a store of that version did
// (no count kept), then applies 0012: each batch's count is its serials.
func TestBulkWorkMigrationCounts(t *testing.T) {
	ms, err := migrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "genuine.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := raw.Exec(query, args...); err != nil {
			t.Fatalf("%.60s: %v", strings.TrimSpace(query), err)
		}
	}
	var bulk *migration
	for _, m := range ms {
		if m.version < 12 {
			exec(m.sql)
		} else if m.version == 12 {
			bulk = &m
		}
	}
	if bulk == nil {
		t.Fatal("no migration 0012")
	}
	now := timeValue(testBrand.CreatedAt)
	exec(`INSERT INTO brands (id, name, created_at) VALUES ('brd_1', 'B', ?)`, now)
	exec(`INSERT INTO products (gtin, brand_id, name, created_at) VALUES ('09520123456788', 'brd_1', 'P', ?)`, now)
	for i, id := range []string{"bat_1", "bat_2", "bat_3"} {
		exec(`INSERT INTO batches (id, brand_id, gtin, lot, expiry, quantity, first_seq, disposition, serials, key_id, created_at)
			VALUES (?, 'brd_1', '09520123456788', 'L', '2030-01-01', 10, ?, 'commissioned', 'registered', 0, ?)`, id, i*10, now)
	}
	for i, batch := range []string{"bat_1", "bat_1", "bat_1", "bat_2"} {
		exec(`INSERT INTO registered_serials (gtin, serial, batch_id, seq) VALUES ('09520123456788', ?, ?, ?)`,
			"S"+string(rune('a'+i)), batch, i)
	}
	exec(bulk.sql)
	for batch, want := range map[string]int64{"bat_1": 3, "bat_2": 1, "bat_3": 0} {
		var n int64
		err := raw.QueryRow(`SELECT registered FROM registration_counts WHERE batch_id = ?`, batch).Scan(&n)
		if err == sql.ErrNoRows {
			n, err = 0, nil // a batch without serials has no count: 0
		}
		if err != nil || n != want {
			t.Errorf("%s: registered %d, %v; want %d", batch, n, err, want)
		}
	}
}
