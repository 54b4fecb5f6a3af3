package web

import (
	_ "embed"
	"net/http"
	"strconv"

	"genuine"
)

// openAPIDocument is the OpenAPI 3.1 description of every route, written
// by hand; a test keeps its paths and methods equal to the route table's.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPI handles GET /openapi.json.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(openAPIDocument)))
	h.Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	w.Write(openAPIDocument)
	return nil
}
