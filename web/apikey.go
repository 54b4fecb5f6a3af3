package web

import (
	"net/http"
	"time"

	"genuine"
)

// apiKeyRequest is the body of POST /v1/keys.
type apiKeyRequest struct {
	Role       genuine.Role `json:"role"`
	BrandID    string       `json:"brand_id"`
	MerchantID string       `json:"merchant_id"`
	Name       string       `json:"name"`
	ExpiresAt  time.Time    `json:"expires_at"`
}

// apiKeyResponse is a new API key: the only response that holds the key.
type apiKeyResponse struct {
	*genuine.APIKey
	Key string `json:"key"`
}

// apiKeyList is the answer of GET /v1/keys.
type apiKeyList struct {
	Keys []*genuine.APIKey `json:"keys"`
}

// createAPIKey handles POST /v1/keys.
func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var req apiKeyRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	k := &genuine.APIKey{Role: req.Role, BrandID: req.BrandID, MerchantID: req.MerchantID, Name: req.Name, ExpiresAt: req.ExpiresAt}
	key, err := s.app.CreateAPIKey(r.Context(), p, k)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, apiKeyResponse{APIKey: k, Key: key})
}

// listAPIKeys handles GET /v1/keys.
func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	ks, err := s.app.ListAPIKeys(r.Context(), p)
	if err != nil {
		return err
	}
	if ks == nil {
		ks = []*genuine.APIKey{}
	}
	return writeJSON(w, http.StatusOK, apiKeyList{Keys: ks})
}

// revokeAPIKey handles DELETE /v1/keys/{id}.
func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	k, err := s.app.RevokeAPIKey(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, k)
}
