package web

import (
	"net/http"

	"genuine"
)

// merchantRequest is the body of POST /v1/merchants.
type merchantRequest struct {
	Name   string   `json:"name"`
	Region string   `json:"region"`
	Lat    *float64 `json:"lat"`
	Lon    *float64 `json:"lon"`
}

// createMerchant handles POST /v1/merchants.
func (s *Server) createMerchant(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var req merchantRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	m := &genuine.Merchant{Name: req.Name, Region: req.Region, Lat: req.Lat, Lon: req.Lon}
	if err := s.app.CreateMerchant(r.Context(), p, m); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, m)
}

// getMerchant handles GET /v1/merchants/{id}.
func (s *Server) getMerchant(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	m, err := s.app.Merchant(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}
