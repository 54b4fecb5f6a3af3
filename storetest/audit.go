package storetest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"genuine"
)

// newAudit returns an audit record numbered n to append.
func newAudit(n int, brandID string) *genuine.AuditRecord {
	return &genuine.AuditRecord{
		At:      at(n).UTC(),
		Author:  genuine.Author{KeyID: id("key", n), Role: "brand", Org: brandID},
		BrandID: brandID, Action: "batch.create", Subject: id("bat", n), Detail: `{"quantity":10}`,
	}
}

// unchained returns the records UnchainedAudit finds after an id.
func unchained(t *testing.T, s genuine.Store, after int64) []*genuine.AuditRecord {
	t.Helper()
	var rs []*genuine.AuditRecord
	view(t, s, func(tx genuine.Tx) (err error) {
		rs, err = tx.UnchainedAudit(t.Context(), after, 100)
		return err
	})
	return rs
}

func testAudit(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	err := s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.AuditHead(ctx)
		return err
	})
	wantCode(t, "AuditHead of an empty chain", err, genuine.ENotFound)

	want := []*genuine.AuditRecord{newAudit(1, id("brd", 1)), newAudit(2, id("brd", 2)), newAudit(3, id("brd", 1))}
	want[1].Author, want[1].Detail = genuine.Author{Role: "operator"}, ""
	for _, r := range want {
		update(t, s, func(tx genuine.Tx) error { return tx.AddAudit(ctx, r) })
	}
	failure := errors.New("fn failed")
	err = s.Update(ctx, func(tx genuine.Tx) error {
		if err := tx.AddAudit(ctx, newAudit(4, id("brd", 1))); err != nil {
			return err
		}
		return failure
	})
	if !errors.Is(err, failure) {
		t.Fatalf("Update = %v, want fn's error", err)
	}

	got := unchained(t, s, 0)
	if len(got) != len(want) {
		t.Fatalf("UnchainedAudit: %d records, want %d (none of a rolled back Update)", len(got), len(want))
	}
	for i, r := range got {
		if i > 0 && r.ID <= got[i-1].ID {
			t.Errorf("record %d has id %d, not above %d", i, r.ID, got[i-1].ID)
		}
		w := *want[i]
		w.ID = r.ID
		if !reflect.DeepEqual(*r, w) {
			t.Errorf("record %d = %+v, want %+v", i, *r, w)
		}
	}
	if rs := unchained(t, s, got[0].ID); len(rs) != 2 || rs[0].ID != got[1].ID {
		t.Errorf("UnchainedAudit after the first: %d records", len(rs))
	}

	links := []genuine.AuditLink{
		{Seq: 1, RecordID: got[0].ID, Hash: genuine.AuditHash(nil, 1, got[0])},
		{Seq: 2, RecordID: got[2].ID, Hash: genuine.AuditHash(nil, 2, got[2])},
	}
	update(t, s, func(tx genuine.Tx) error { return tx.ChainAudit(ctx, links) })
	view(t, s, func(tx genuine.Tx) error {
		head, err := tx.AuditHead(ctx)
		if err != nil || !reflect.DeepEqual(head, links[1]) {
			t.Errorf("AuditHead = %+v, %v; want %+v", head, err, links[1])
		}
		return nil
	})
	if rs := unchained(t, s, 0); len(rs) != 1 || rs[0].ID != got[1].ID {
		t.Errorf("UnchainedAudit once two are chained: %d records, want the second", len(rs))
	}
	for _, l := range []genuine.AuditLink{
		{Seq: 2, RecordID: got[1].ID, Hash: links[0].Hash}, // a position taken
		{Seq: 3, RecordID: got[0].ID, Hash: links[0].Hash}, // a record chained
	} {
		err := s.Update(ctx, func(tx genuine.Tx) error { return tx.ChainAudit(ctx, []genuine.AuditLink{l}) })
		wantCode(t, "ChainAudit of a taken link", err, genuine.EConflict)
	}

	view(t, s, func(tx genuine.Tx) error {
		es, err := tx.AuditChain(ctx, 0, 10)
		if err != nil || len(es) != 2 {
			t.Fatalf("AuditChain = %d entries, %v; want 2", len(es), err)
		}
		for i, e := range es {
			if !reflect.DeepEqual(e.AuditLink, links[i]) || e.Record == nil || e.Record.ID != links[i].RecordID || !e.Record.At.Equal(want[2*i].At) {
				t.Errorf("AuditChain entry %d = %+v, %+v", i, e.AuditLink, e.Record)
			}
		}
		if es, err := tx.AuditChain(ctx, 1, 10); err != nil || len(es) != 1 || es[0].Seq != 2 {
			t.Errorf("AuditChain after 1 = %v, %v", es, err)
		}
		return nil
	})

	view(t, s, func(tx genuine.Tx) error {
		tests := []struct {
			f    genuine.AuditFilter
			want []int64
		}{
			{genuine.AuditFilter{}, []int64{got[2].ID, got[1].ID, got[0].ID}},
			{genuine.AuditFilter{BrandID: id("brd", 1)}, []int64{got[2].ID, got[0].ID}},
			{genuine.AuditFilter{Before: got[2].ID}, []int64{got[1].ID, got[0].ID}},
			{genuine.AuditFilter{Limit: 1}, []int64{got[2].ID}},
		}
		for _, tt := range tests {
			rs, err := tx.AuditRecords(ctx, tt.f)
			var ids []int64
			for _, r := range rs {
				ids = append(ids, r.ID)
			}
			if err != nil || !reflect.DeepEqual(ids, tt.want) {
				t.Errorf("AuditRecords(%+v) = %v, %v; want %v", tt.f, ids, err, tt.want)
			}
		}
		return nil
	})
}

// Tamper runs the audit trail's tamper tests on a store: each subtest
// writes a trail through an App, chains it, changes the store behind the
// App's back with exec (plain SQL that both engines accept) and checks
// that App.VerifyAudit reports the first broken record. open returns a
// new, empty store and a function that runs one SQL statement on it.
func Tamper(t *testing.T, open func(t *testing.T) (genuine.Store, func(sql string) error)) {
	// The second link's record, as a subquery.
	const second = `(SELECT record_id FROM audit_chain WHERE seq = 2)`
	tests := []struct {
		name   string
		sql    []string
		seq    int64  // of the first broken link; 0 for a record outside the chain
		reason string // a part of the reason reported
		intact int64  // records verified before it
	}{
		{"Whole", nil, 0, "", 3},
		{"Edited", []string{`UPDATE audit_records SET subject = 'brd_forged' WHERE id = ` + second}, 2, "edited", 1},
		{"EditedDetail", []string{`UPDATE audit_records SET detail = '{"name":"Other"}' WHERE id = ` + second}, 2, "edited", 1},
		{"RecordDeleted", []string{`DELETE FROM audit_records WHERE id = ` + second}, 2, "record", 1},
		{"LinkAndRecordDeleted", []string{
			`DELETE FROM audit_records WHERE id = ` + second,
			`DELETE FROM audit_chain WHERE seq = 2`,
		}, 3, "link 2 was deleted", 1},
		{"InsertedOutsideChain", []string{`INSERT INTO audit_records (at, key_id, role, org, brand_id, action, subject, detail)
			VALUES ('2020-01-01T00:00:00Z', '', 'admin', '', '', 'brand.create', 'brd_forged', '')`}, 0, "not in the chain", 3},
		{"InsertedIntoChain", []string{
			`INSERT INTO audit_records (at, key_id, role, org, brand_id, action, subject, detail)
			VALUES ('2020-01-01T00:00:00Z', '', 'admin', '', '', 'brand.create', 'brd_forged', '')`,
			`INSERT INTO audit_chain (seq, record_id, hash)
			SELECT 4, max(id), (SELECT hash FROM audit_chain WHERE seq = 3) FROM audit_records`,
		}, 4, "edited", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, exec := open(t)
			ctx := context.Background()
			app := genuine.NewApp(s, genuine.Config{})
			t.Cleanup(func() { app.Close() })
			admin := &genuine.Principal{KeyID: id("key", 1), Role: genuine.RoleAdmin}
			for _, name := range []string{"One", "Two", "Three"} {
				if err := app.CreateBrand(ctx, admin, &genuine.Brand{Name: name}); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := app.ChainAudit(ctx); err != nil || n != 3 {
				t.Fatalf("ChainAudit = %d, %v; want 3", n, err)
			}
			clean, err := app.VerifyAudit(ctx)
			if err != nil || clean.Broken != nil || clean.Chained != 3 {
				t.Fatalf("VerifyAudit before tampering = %+v, %v; want 3 chained, whole", clean, err)
			}
			for _, q := range tt.sql {
				if err := exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			rep, err := app.VerifyAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.reason == "" && rep.Broken != nil:
				t.Errorf("VerifyAudit of a whole trail: %+v", rep.Broken)
			case tt.reason == "":
			case rep.Broken == nil:
				t.Errorf("VerifyAudit found nothing broken: %+v", rep)
			case rep.Broken.Seq != tt.seq || !strings.Contains(rep.Broken.Reason, tt.reason):
				t.Errorf("VerifyAudit reports link %d (record %d): %q; want link %d, %q",
					rep.Broken.Seq, rep.Broken.RecordID, rep.Broken.Reason, tt.seq, tt.reason)
			}
			if rep.Chained != tt.intact {
				t.Errorf("VerifyAudit counts %d records intact, want %d", rep.Chained, tt.intact)
			}
		})
	}
}
