package web

import (
	"net/http"

	"genuine"
)

// apiKeyRequest is the body of POST /v1/keys.
type apiKeyRequest struct {
	Role       genuine.Role `json:"role"`
	BrandID    string       `json:"brand_id"`
	MerchantID string       `json:"merchant_id"`
	Name       string       `json:"name"`
}

// apiKeyResponse is a new API key: the only response that holds the key.
type apiKeyResponse struct {
	*genuine.APIKey
	Key string `json:"key"`
}

// createAPIKey handles POST /v1/keys.
func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var req apiKeyRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	k := &genuine.APIKey{Role: req.Role, BrandID: req.BrandID, MerchantID: req.MerchantID, Name: req.Name}
	key, err := s.app.CreateAPIKey(r.Context(), p, k)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, apiKeyResponse{APIKey: k, Key: key})
}
