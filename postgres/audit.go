package postgres

import (
	"context"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"genuine"
)

// auditColumns are the columns scanAudits reads, in its order.
const auditColumns = `id, at, key_id, role, org, brand_id, action, subject, detail`

const insertAudit = `
	INSERT INTO audit_records (at, key_id, role, org, brand_id, action, subject, detail)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

// AddAudit appends an audit record, with the transaction's last writes; its
// id comes from the table's identity sequence, so a record may commit after
// one with a higher id (App.ChainAudit looks back for those).
func (t *tx) AddAudit(ctx context.Context, r *genuine.AuditRecord) error {
	t.execLater("audit record "+r.Action+" "+r.Subject, insertAudit,
		r.At, r.KeyID, r.Role, r.Org, r.BrandID, r.Action, r.Subject, r.Detail)
	return nil
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
	WHERE r.id > $1 AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.record_id = r.id)
	ORDER BY r.id
	LIMIT $2`

// UnchainedAudit returns the records after an id that no link names.
func (t *tx) UnchainedAudit(ctx context.Context, after int64, limit int) ([]*genuine.AuditRecord, error) {
	rows, err := t.query(ctx, selectUnchainedAudit, after, clampAuditLimit(limit))
	if err != nil {
		return nil, storeError(err, "audit records")
	}
	return scanAudits(rows)
}

// insertAuditLinks appends the links given as arrays of positions, record
// ids and hashes, in one statement.
const insertAuditLinks = `
	INSERT INTO audit_chain (seq, record_id, hash)
	SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[])`

// ChainAudit appends links to the audit chain.
func (t *tx) ChainAudit(ctx context.Context, links []genuine.AuditLink) error {
	if len(links) == 0 {
		return nil
	}
	seqs, ids, hashes := make([]int64, len(links)), make([]int64, len(links)), make([][]byte, len(links))
	for i, l := range links {
		seqs[i], ids[i], hashes[i] = l.Seq, l.RecordID, l.Hash
	}
	_, err := t.exec(ctx, insertAuditLinks, seqs, ids, hashes)
	return storeError(err, "audit links %d to %d", links[0].Seq, links[len(links)-1].Seq)
}

const selectAuditChain = `
	SELECT c.seq, c.record_id, c.hash, r.id, r.at, r.key_id, r.role, r.org, r.brand_id,
		r.action, r.subject, r.detail
	FROM audit_chain c LEFT JOIN audit_records r ON r.id = c.record_id
	WHERE c.seq > $1
	ORDER BY c.seq
	LIMIT $2`

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
			id                                              pgtype.Int8
			at                                              pgtype.Timestamptz
			keyID, role, org, brandID, action, subj, detail pgtype.Text
		)
		if err := rows.Scan(&e.Seq, &e.RecordID, &e.Hash, &id, &at, &keyID, &role, &org, &brandID,
			&action, &subj, &detail); err != nil {
			return nil, storeError(err, "audit chain")
		}
		if id.Valid {
			r := &genuine.AuditRecord{ID: id.Int64, At: at.Time.UTC(), BrandID: brandID.String,
				Action: action.String, Subject: subj.String, Detail: detail.String}
			r.KeyID, r.Role, r.Org = keyID.String, role.String, org.String
			e.Record = r
		}
		out = append(out, e)
	}
	return out, storeError(rows.Err(), "audit chain")
}

// selectAuditRecords reads the records with ids below $1, newest first,
// at most $2; selectBrandAuditRecords those of brand $3 alone, through
// audit_records_brand.
const (
	selectAuditRecords = `
	SELECT ` + auditColumns + `
	FROM audit_records
	WHERE id < $1
	ORDER BY id DESC
	LIMIT $2`
	selectBrandAuditRecords = `
	SELECT ` + auditColumns + `
	FROM audit_records
	WHERE brand_id = $3 AND id < $1
	ORDER BY id DESC
	LIMIT $2`
)

// AuditRecords returns the audit records f selects, newest first.
func (t *tx) AuditRecords(ctx context.Context, f genuine.AuditFilter) ([]*genuine.AuditRecord, error) {
	before := f.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	var (
		rows pgx.Rows
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
func scanAudits(rows pgx.Rows) ([]*genuine.AuditRecord, error) {
	defer rows.Close()
	var out []*genuine.AuditRecord
	for rows.Next() {
		r := &genuine.AuditRecord{}
		var at time.Time
		if err := rows.Scan(&r.ID, &at, &r.KeyID, &r.Role, &r.Org, &r.BrandID,
			&r.Action, &r.Subject, &r.Detail); err != nil {
			return nil, storeError(err, "audit records")
		}
		r.At = at.UTC()
		out = append(out, r)
	}
	return out, storeError(rows.Err(), "audit records")
}
