package sqlite

import (
	"context"
	"database/sql"
	"math"

	"genuine"
)

// auditColumns are the columns scanAudit reads, in its order.
const auditColumns = `id, at, key_id, role, org, brand_id, action, subject, detail`

const insertAudit = `
	INSERT INTO audit_records (at, key_id, role, org, brand_id, action, subject, detail)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// AddAudit appends an audit record; its id is the next rowid, and the
// one writer commits in that order.
func (t *tx) AddAudit(ctx context.Context, r *genuine.AuditRecord) error {
	_, err := t.exec(ctx, insertAudit,
		timeValue(r.At), r.KeyID, r.Role, r.Org, r.BrandID, r.Action, r.Subject, r.Detail)
	return storeError(err, "audit record %s %s", r.Action, r.Subject)
}

const selectAuditHead = `SELECT seq, record_id, hash FROM audit_chain ORDER BY seq DESC LIMIT 1`

// AuditHead returns the last link of the audit chain.
func (t *tx) AuditHead(ctx context.Context) (genuine.AuditLink, error) {
	var l genuine.AuditLink
	err := t.queryRow(ctx, selectAuditHead).Scan(&l.Seq, &l.RecordID, &l.Hash)
	return l, storeError(err, "audit chain head")
}

const selectUnchainedAudit = `
	SELECT ` + auditColumns + `
	FROM audit_records r
	WHERE r.id > ? AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.record_id = r.id)
	ORDER BY r.id
	LIMIT ?`

// UnchainedAudit returns the records after an id that no link names.
func (t *tx) UnchainedAudit(ctx context.Context, after int64, limit int) ([]*genuine.AuditRecord, error) {
	rows, err := t.query(ctx, selectUnchainedAudit, after, clampAuditLimit(limit))
	if err != nil {
		return nil, storeError(err, "audit records")
	}
	return scanAudits(rows)
}

const insertAuditLink = `INSERT INTO audit_chain (seq, record_id, hash) VALUES (?, ?, ?)`

// ChainAudit appends links to the audit chain.
func (t *tx) ChainAudit(ctx context.Context, links []genuine.AuditLink) error {
	for _, l := range links {
		if _, err := t.exec(ctx, insertAuditLink, l.Seq, l.RecordID, l.Hash); err != nil {
			return storeError(err, "audit link %d", l.Seq)
		}
	}
	return nil
}

const selectAuditChain = `
	SELECT c.seq, c.record_id, c.hash, r.id, r.at, r.key_id, r.role, r.org, r.brand_id,
		r.action, r.subject, r.detail
	FROM audit_chain c LEFT JOIN audit_records r ON r.id = c.record_id
	WHERE c.seq > ?
	ORDER BY c.seq
	LIMIT ?`

// AuditChain returns links of the chain with their records.
func (t *tx) AuditChain(ctx context.Context, after int64, limit int) ([]genuine.AuditEntry, error) {
	rows, err := t.query(ctx, selectAuditChain, after, clampAuditLimit(limit))
	if err != nil {
		return nil, storeError(err, "audit chain")
	}
	defer rows.Close()
	var out []genuine.AuditEntry
	for rows.Next() {
		var (
			e                                               genuine.AuditEntry
			id                                              sql.NullInt64
			at                                              sql.NullString
			keyID, role, org, brandID, action, subj, detail sql.NullString
		)
		if err := rows.Scan(&e.Seq, &e.RecordID, &e.Hash, &id, &at, &keyID, &role, &org, &brandID,
			&action, &subj, &detail); err != nil {
			return nil, storeError(err, "audit chain")
		}
		if id.Valid {
			r := &genuine.AuditRecord{ID: id.Int64, BrandID: brandID.String, Action: action.String,
				Subject: subj.String, Detail: detail.String}
			r.KeyID, r.Role, r.Org = keyID.String, role.String, org.String
			if err := scanTime(&r.At).Scan(at.String); err != nil {
				return nil, storeError(err, "audit record %d", id.Int64)
			}
			e.Record = r
		}
		out = append(out, e)
	}
	return out, storeError(rows.Err(), "audit chain")
}

// selectAuditRecords reads the records with ids below ?1, newest first,
// at most ?2; selectBrandAuditRecords those of brand ?3 alone, through
// audit_records_brand.
const (
	selectAuditRecords = `
	SELECT ` + auditColumns + `
	FROM audit_records
	WHERE id < ?1
	ORDER BY id DESC
	LIMIT ?2`
	selectBrandAuditRecords = `
	SELECT ` + auditColumns + `
	FROM audit_records
	WHERE brand_id = ?3 AND id < ?1
	ORDER BY id DESC
	LIMIT ?2`
)

// AuditRecords returns the audit records f selects, newest first.
func (t *tx) AuditRecords(ctx context.Context, f genuine.AuditFilter) ([]*genuine.AuditRecord, error) {
	before := f.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	var (
		rows *sql.Rows
		err  error
	)
	if f.BrandID == "" {
		rows, err = t.query(ctx, selectAuditRecords, before, clampLimit(f.Limit))
	} else {
		rows, err = t.query(ctx, selectBrandAuditRecords, before, clampLimit(f.Limit), f.BrandID)
	}
	if err != nil {
		return nil, storeError(err, "audit records")
	}
	return scanAudits(rows)
}

// clampAuditLimit returns limit, at least 1 and at most 10000.
func clampAuditLimit(limit int) int { return min(max(limit, 1), 10000) }

// scanAudits reads and closes rows of auditColumns.
func scanAudits(rows *sql.Rows) ([]*genuine.AuditRecord, error) {
	defer rows.Close()
	var out []*genuine.AuditRecord
	for rows.Next() {
		r := &genuine.AuditRecord{}
		if err := rows.Scan(&r.ID, scanTime(&r.At), &r.KeyID, &r.Role, &r.Org, &r.BrandID,
			&r.Action, &r.Subject, &r.Detail); err != nil {
			return nil, storeError(err, "audit records")
		}
		out = append(out, r)
	}
	return out, storeError(rows.Err(), "audit records")
}
