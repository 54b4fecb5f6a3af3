package web

import (
	"net/http"

	"genuine"
)

// decisionList is the body of GET /v1/decisions.
type decisionList struct {
	Decisions []*genuine.DecisionRecord `json:"decisions"`
}

// listDecisions handles GET /v1/decisions?outcome=pass|refuse&gtin=&limit=:
// the caller's brand's decisions, newest first.
func (s *Server) listDecisions(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	ds, err := s.app.Decisions(r.Context(), p, genuine.DecisionFilter{Outcome: q.Get("outcome"), GTIN: q.Get("gtin"), Limit: limit})
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []*genuine.DecisionRecord{}
	}
	return writeJSON(w, http.StatusOK, decisionList{Decisions: ds})
}

// alertList is the body of GET /v1/alerts.
type alertList struct {
	Alerts []*genuine.Alert `json:"alerts"`
}

// listAlerts handles GET /v1/alerts?limit=: the caller's brand's alerts,
// most recently raised first.
func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	as, err := s.app.Alerts(r.Context(), p, limit)
	if err != nil {
		return err
	}
	if as == nil {
		as = []*genuine.Alert{}
	}
	return writeJSON(w, http.StatusOK, alertList{Alerts: as})
}
