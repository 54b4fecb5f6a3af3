package web

import (
	"net/http"

	"genuine"
)

// productRequest is the body of POST /v1/products. BrandID is for an
// admin creating a product for a brand; a brand key creates its own.
type productRequest struct {
	GTIN    string `json:"gtin"`
	Name    string `json:"name"`
	BrandID string `json:"brand_id"`
}

// createProduct handles POST /v1/products.
func (s *Server) createProduct(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var req productRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	pr := &genuine.Product{GTIN: req.GTIN, Name: req.Name, BrandID: req.BrandID}
	if err := s.app.CreateProduct(r.Context(), p, pr); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, pr)
}

// getProduct handles GET /v1/products/{gtin}.
func (s *Server) getProduct(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	pr, err := s.app.Product(r.Context(), p, r.PathValue("gtin"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pr)
}
