package web

import (
	"net/http"
	"strconv"

	"genuine"
)

// auditList is the body of GET /v1/audit.
type auditList struct {
	Records []*genuine.AuditRecord `json:"records"`
}

// listAudit handles GET /v1/audit?brand_id=&before=&limit=: the audit
// records the caller may see, newest first.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := genuine.AuditFilter{BrandID: q.Get("brand_id"), Limit: limit}
	if v := q.Get("before"); v != "" {
		if f.Before, err = strconv.ParseInt(v, 10, 64); err != nil || f.Before < 1 {
			return genuine.Errorf(genuine.EInvalid, "before must be a positive integer, not %.20q", v)
		}
	}
	rs, err := s.app.Audit(r.Context(), p, f)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []*genuine.AuditRecord{}
	}
	return writeJSON(w, http.StatusOK, auditList{Records: rs})
}
