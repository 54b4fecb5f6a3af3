package main

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// audit verify passes the trail a server wrote and chained, and names the
// record edited behind its back, with exit status 1.
func TestAuditVerify(t *testing.T) {
	db := filepath.Join(t.TempDir(), "genuine.db")
	stdout, stderr, code := run(t, "", "init", "--db", db, "--json")
	var admin struct {
		AdminKey string `json:"admin_key"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &admin) != nil {
		t.Fatalf("init: exit %d, %q, %q", code, stdout, stderr)
	}
	s := startServer(t, db)
	for _, name := range []string{"Acme", "Brandt"} {
		if st := api(t, s, admin.AdminKey, "POST", "/v1/brands", map[string]string{"name": name}, nil); st != 201 {
			t.Fatalf("create brand %s: HTTP %d", name, st)
		}
	}
	stopServer(t, s) // which chains the last records

	var rep auditReport
	stdout, stderr, code = run(t, "", "audit", "verify", "--db", db, "--json")
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil || !rep.Whole || rep.Records != 3 || rep.Pending != 0 || len(rep.Head) != 64 {
		t.Fatalf("audit verify --json of a whole trail: exit %d, %q, %q; want whole, 3 records", code, stdout, stderr)
	}
	stdout, _, code = run(t, "", "audit", "verify", "--db", db)
	if code != 0 || !strings.Contains(stdout, "whole: 3 records, head "+rep.Head) {
		t.Errorf("audit verify: exit %d, %q", code, stdout)
	}

	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var id int64
	if err := raw.QueryRow(`SELECT record_id FROM audit_chain WHERE seq = 2`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE audit_records SET detail = '{"name":"Forged"}' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = run(t, "", "audit", "verify", "--db", db, "--json")
	rep = auditReport{}
	if code != 1 || json.Unmarshal([]byte(stdout), &rep) != nil || rep.Whole || rep.Broken == nil ||
		rep.Broken.Seq != 2 || rep.Broken.Record != id || !strings.Contains(rep.Broken.Reason, "edited") {
		t.Fatalf("audit verify --json of an edited trail: exit %d, %q, %q; want record %d at link 2", code, stdout, stderr, id)
	}
	stdout, _, code = run(t, "", "audit", "verify", "--db", db)
	if code != 1 || !strings.Contains(stdout, "broken at record") {
		t.Errorf("audit verify of an edited trail: exit %d, %q", code, stdout)
	}
	if _, stderr, code := run(t, "", "audit"); code != 2 || !strings.Contains(stderr, "no subcommand") {
		t.Errorf("audit without a subcommand: exit %d, %q", code, stderr)
	}
}
