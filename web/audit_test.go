package web

import (
	"strconv"
	"testing"
)

// GET /v1/audit shows an admin every record, newest first and in pages,
// and a brand its own only.
func TestAuditList(t *testing.T) {
	ts := newTestServer(t, Config{})
	a := ts.newWorld("Acme", "09520123456788", 10)
	ts.newWorld("Bolt", "09520123456795", 10)
	var all auditList
	ts.call("GET", "/v1/audit", ts.admin, nil, 200, &all)
	if len(all.Records) < 10 {
		t.Fatalf("admin sees %d records", len(all.Records))
	}
	for i, r := range all.Records {
		if i > 0 && r.ID >= all.Records[i-1].ID {
			t.Errorf("record %d (id %d) is not older than the one before (id %d)", i, r.ID, all.Records[i-1].ID)
		}
	}
	first := all.Records[0]
	if first.Action != "batch.create" || first.Role != "brand" || first.KeyID == "" || first.Org == "" {
		t.Errorf("newest record: %+v, want the second world's batch.create by its brand key", first)
	}
	var page auditList
	ts.call("GET", "/v1/audit?limit=2&before="+strconv.FormatInt(all.Records[0].ID, 10), ts.admin, nil, 200, &page)
	if len(page.Records) != 2 || page.Records[0].ID != all.Records[1].ID {
		t.Errorf("page before the newest: %+v", page.Records)
	}
	var own auditList
	ts.call("GET", "/v1/audit?brand_id=other", a.brandKey, nil, 200, &own)
	if len(own.Records) == 0 {
		t.Fatal("brand sees no records")
	}
	for _, r := range own.Records {
		if r.BrandID != a.brand.ID {
			t.Errorf("brand A sees record %d of brand %q", r.ID, r.BrandID)
		}
	}
	ts.call("GET", "/v1/audit?before=x", ts.admin, nil, 400, nil)
	ts.call("GET", "/v1/audit", a.merchantKey, nil, 403, nil)
}
