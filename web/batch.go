package web

import (
	"net/http"

	"genuine"
)

// createBatch handles POST /v1/batches: a batch of a product of the
// caller's brand, whose codes are minted as it is created.
func (s *Server) createBatch(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var in genuine.BatchInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	b, err := s.app.CreateBatch(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, b)
}

// batchList is the body of GET /v1/batches.
type batchList struct {
	Batches []*genuine.Batch `json:"batches"`
}

// listBatches handles GET /v1/batches: the caller's brand's batches,
// newest first.
func (s *Server) listBatches(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	bs, err := s.app.Batches(r.Context(), p)
	if err != nil {
		return err
	}
	if bs == nil {
		bs = []*genuine.Batch{}
	}
	return writeJSON(w, http.StatusOK, batchList{Batches: bs})
}

// getBatch handles GET /v1/batches/{id}.
func (s *Server) getBatch(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	b, err := s.app.Batch(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}

// serialsRequest is the body of POST /v1/batches/{id}/serials.
type serialsRequest struct {
	Serials []string `json:"serials"`
}

// registerSerials handles POST /v1/batches/{id}/serials: serials a brand
// printed with its own system become the batch's next units.
func (s *Server) registerSerials(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var req serialsRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	b, err := s.app.RegisterSerials(r.Context(), p, r.PathValue("id"), req.Serials)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}
