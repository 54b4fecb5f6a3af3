package web

import (
	"net/http"

	"genuine"
)

// home handles GET /, where signing in lands without ?next=: a browser
// signed in goes on to the till (which tells a key that is not a
// merchant's what it is for), any other to the sign-in page.
func (s *Server) home(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	if _, err := s.sessionPrincipal(r); err != nil {
		if genuine.ErrorCode(err) != genuine.EUnauthorized {
			return err
		}
		seeOther(w, "/login")
		return nil
	}
	seeOther(w, "/till")
	return nil
}
