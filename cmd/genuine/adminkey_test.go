package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// admin-key makes another admin key on a store that has one, while a
// server runs on it, and the key works at once.
func TestAdminKey(t *testing.T) {
	db := filepath.Join(t.TempDir(), "genuine.db")
	if _, stderr, code := run(t, "", "init", "--db", db); code != 0 {
		t.Fatalf("init: exit %d, %s", code, stderr)
	}
	s := startServer(t, db)
	stdout, stderr, code := run(t, "", "admin-key", "--db", db, "--json")
	var out struct {
		AdminKey string `json:"admin_key"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &out) != nil || !strings.HasPrefix(out.AdminKey, "gk_") {
		t.Fatalf("admin-key --json: exit %d, %q, %q", code, stdout, stderr)
	}
	var brand struct{ ID string }
	if st := api(t, s, out.AdminKey, "POST", "/v1/brands", map[string]string{"name": "Acme"}, &brand); st != 201 {
		t.Errorf("create a brand with the new admin key: HTTP %d", st)
	}
	// Text output, through GENUINE_DB: another key, different.
	stdout, stderr, code = runEnv(t, []string{"GENUINE_DB=" + db}, "", "admin-key")
	key := regexp.MustCompile(`gk_\w+`).FindString(stdout)
	if code != 0 || key == "" || key == out.AdminKey || !strings.Contains(stdout, "shown once") {
		t.Fatalf("admin-key: exit %d, %q, %q", code, stdout, stderr)
	}
	if st := api(t, s, key, "POST", "/v1/merchants", map[string]string{"name": "Shop", "region": "CN-GD-SZ"}, nil); st != 201 {
		t.Errorf("create a merchant with the second new admin key: HTTP %d", st)
	}
	if st := api(t, s, "gk_"+strings.Repeat("x", 40), "POST", "/v1/brands", map[string]string{"name": "X"}, nil); st != 401 {
		t.Errorf("an unknown key: HTTP %d, want 401", st)
	}
}

// admin-key does not make a new store out of a mistyped file name, and
// says how it is called.
func TestAdminKeyRefuses(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo.db")
	if stdout, stderr, code := run(t, "", "admin-key", "--db", missing); code != 1 || stdout != "" || !strings.Contains(stderr, "no store at") {
		t.Errorf("admin-key on a missing file: exit %d, %q, %q", code, stdout, stderr)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("admin-key created %s", missing)
	}
	if _, stderr, code := run(t, "", "admin-key", "extra"); code != 2 || !strings.Contains(stderr, "no arguments") {
		t.Errorf("admin-key extra: exit %d, %q", code, stderr)
	}
	if stdout, _, code := run(t, "", "help"); code != 0 || !strings.Contains(stdout, "admin-key") {
		t.Errorf("help does not list admin-key")
	}
}

// A new store's admin key comes with the way to get another.
func TestServeSaysHowToGetAnotherAdminKey(t *testing.T) {
	db := filepath.Join(t.TempDir(), "new.db")
	s := startServer(t, db)
	if want := `Lost it? "genuine admin-key --db ` + db + `" makes another.`; !strings.Contains(s.stderr.String(), want) {
		t.Errorf("serve on a new store printed\n%s\nwant %q", s.stderr, want)
	}
}
