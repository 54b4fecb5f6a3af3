package web

import (
	"context"
	"net/http"
	"strconv"

	"genuine"
)

// codeRuleRequest is a brand's code rule as a client sets it; the active
// signing key is not among its members, since only rotation changes it.
type codeRuleRequest struct {
	LinkStem     string               `json:"link_stem"`
	LotInLink    bool                 `json:"lot_in_link"`
	ExpiryInLink bool                 `json:"expiry_in_link"`
	Serials      genuine.SerialSource `json:"serials"`
}

func (c codeRuleRequest) rule() genuine.CodeRule {
	return genuine.CodeRule{LinkStem: c.LinkStem, LotInLink: c.LotInLink, ExpiryInLink: c.ExpiryInLink, Serials: c.Serials}
}

// brandRequest is the body of POST /v1/brands.
type brandRequest struct {
	Name        string           `json:"name"`
	CodeRule    *codeRuleRequest `json:"code_rule"`
	GS1Prefixes []string         `json:"gs1_prefixes"`
}

// brandPatch is the body of PATCH /v1/brands/{id}: members left out stay.
type brandPatch struct {
	GS1Prefixes *[]string `json:"gs1_prefixes"`
}

// createBrand handles POST /v1/brands.
func (s *Server) createBrand(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var req brandRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	b := &genuine.Brand{Name: req.Name, GS1Prefixes: req.GS1Prefixes}
	if req.CodeRule != nil {
		b.CodeRule = req.CodeRule.rule()
	}
	if err := s.app.CreateBrand(r.Context(), p, b); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, b)
}

// getBrand handles GET /v1/brands/{id}.
func (s *Server) getBrand(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	b, err := s.app.Brand(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}

// updateBrand handles PATCH /v1/brands/{id}: an admin registers the
// brand's GS1 company prefixes.
func (s *Server) updateBrand(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var req brandPatch
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	b, err := s.app.UpdateBrand(r.Context(), p, r.PathValue("id"), genuine.BrandPatch{GS1Prefixes: req.GS1Prefixes})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}

// updateCodeRule handles PUT /v1/brands/{id}/code-rule.
func (s *Server) updateCodeRule(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var req codeRuleRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	b, err := s.app.UpdateCodeRule(r.Context(), p, r.PathValue("id"), req.rule())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}

// rotateSigningKey handles POST /v1/brands/{id}/signing-keys: a new key
// becomes the one new batches are minted with.
func (s *Server) rotateSigningKey(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	b, err := s.app.RotateSigningKey(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, b)
}

// listSigningKeys handles GET /v1/brands/{id}/signing-keys: the brand's
// keys, without their secrets.
func (s *Server) listSigningKeys(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	keys, err := s.app.SigningKeys(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"signing_keys": keys})
}

// retireSigningKey handles POST /v1/brands/{id}/signing-keys/{key}/retire:
// the key mints no more; its codes still verify.
func (s *Server) retireSigningKey(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	return s.endSigningKey(w, r, p, (*genuine.App).RetireSigningKey)
}

// revokeSigningKey handles POST /v1/brands/{id}/signing-keys/{key}/revoke:
// the key's codes are refused as key_revoked.
func (s *Server) revokeSigningKey(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	return s.endSigningKey(w, r, p, (*genuine.App).RevokeSigningKey)
}

// endSigningKey calls end on the key the path names and answers the key.
func (s *Server) endSigningKey(w http.ResponseWriter, r *http.Request, p *genuine.Principal,
	end func(*genuine.App, context.Context, *genuine.Principal, string, int) (*genuine.SigningKey, error)) error {
	id, err := strconv.Atoi(r.PathValue("key"))
	if err != nil {
		return genuine.Errorf(genuine.EInvalid, "a signing key id is a number, such as 0: %.20q is not", r.PathValue("key"))
	}
	k, err := end(s.app, r.Context(), p, r.PathValue("id"), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, k)
}
