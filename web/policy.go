package web

import (
	"net/http"

	"genuine"
)

// setPolicy handles PUT /v1/policies/{scope}: the body is the policy
// document, which the App parses; the answer is the policy as stored, with
// its version. scope is "brand", "product:<gtin>" or "batch:<id>".
func (s *Server) setPolicy(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	doc, err := s.rawJSON(w, r)
	if err != nil {
		return err
	}
	pol, err := s.app.SetPolicy(r.Context(), p, r.PathValue("scope"), doc)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pol)
}

// getPolicy handles GET /v1/policies/{scope}: the policy set for the
// scope; for "brand" without one, the built-in default.
func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	pol, err := s.app.GetPolicy(r.Context(), p, r.PathValue("scope"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pol)
}
