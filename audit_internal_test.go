package genuine

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"
)

// The chainer searches after the last pass's high mark, and every
// auditSweepEvery passes after the mark of at least auditLookBack ago, so
// that records committed after later ones were chained are found.
func TestAuditChainerLooksBack(t *testing.T) {
	var c auditChainer
	start := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	if from := c.from(start); from != 0 {
		t.Fatalf("first pass searches after %d, want 0 (everything)", from)
	}
	for i := range 3 * auditSweepEvery {
		now := start.Add(time.Duration(i) * 5 * time.Second)
		from := c.from(now)
		switch {
		case i == 0:
		case c.passes%auditSweepEvery != 0 && from != c.high:
			t.Errorf("pass %d searches after %d, want the high mark %d", i, from, c.high)
		case c.passes%auditSweepEvery == 0 && from != int64(100*(i-5)):
			// Marks are 5 s apart: the one 30 s back is pass i-6's, whose high mark is 100(i-5).
			t.Errorf("sweep at pass %d searches after %d, want %d", i, from, 100*(i-5))
		}
		c.high = int64(100 * (i + 1))
		c.mark(now)
	}
	if len(c.marks) > int(auditLookBack/(5*time.Second))+2 {
		t.Errorf("%d marks kept", len(c.marks))
	}
}

// AuditHash covers every field of a record and its place, and its encoding
// never changes: chains stored by earlier versions must still verify.
func TestAuditHash(t *testing.T) {
	r := AuditRecord{
		ID: 7, At: time.Date(2026, 12, 7, 12, 0, 0, 123456000, time.UTC),
		Author:  Author{KeyID: "key_1", Role: "brand", Org: "brd_1"},
		BrandID: "brd_1", Action: "batch.create", Subject: "bat_1", Detail: `{"quantity":10}`,
	}
	prev := make([]byte, 32)
	prev[0] = 1
	base := AuditHash(prev, 3, &r)
	// Computed apart from this code, from the encoding AuditHash documents.
	const golden = "b8c3e9521869845a6027615d20a68b1d8b70af729cdf36ac9627a6c5c2e39db6"
	changes := map[string]func(r *AuditRecord){
		"id":      func(r *AuditRecord) { r.ID++ },
		"at":      func(r *AuditRecord) { r.At = r.At.Add(time.Microsecond) },
		"key_id":  func(r *AuditRecord) { r.KeyID += "x" },
		"role":    func(r *AuditRecord) { r.Role = "admin" },
		"org":     func(r *AuditRecord) { r.Org = "" },
		"brand":   func(r *AuditRecord) { r.BrandID = "brd_2" },
		"action":  func(r *AuditRecord) { r.Action = "batch.release" },
		"subject": func(r *AuditRecord) { r.Subject = "bat_2" },
		"detail":  func(r *AuditRecord) { r.Detail = `{"quantity":11}` },
		// Moving bytes from one field to the next is a change too.
		"boundary": func(r *AuditRecord) { r.Action, r.Subject = "batch.createb", "at_1" },
	}
	for name, change := range changes {
		c := r
		change(&c)
		if bytes.Equal(AuditHash(prev, 3, &c), base) {
			t.Errorf("changing %s leaves the hash as it was", name)
		}
	}
	if bytes.Equal(AuditHash(prev, 4, &r), base) || bytes.Equal(AuditHash(nil, 3, &r), base) {
		t.Error("the position or the hash before is not covered")
	}
	if !bytes.Equal(AuditHash(nil, 3, &r), AuditHash(make([]byte, 32), 3, &r)) {
		t.Error("the first record's previous hash is not 32 zero bytes")
	}
	if got := hex.EncodeToString(base); got != golden {
		t.Errorf("AuditHash = %s, want %s: the canonical encoding changed", got, golden)
	}
}
