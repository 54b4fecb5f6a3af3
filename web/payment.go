package web

import (
	"net/http"

	"genuine"
)

// maxNotificationBytes bounds a provider's notification body.
const maxNotificationBytes = 64 << 10

// notifyPayment handles POST /v1/payments/{provider}/notify: a provider's
// signed notification, passed whole to the App, which verifies the
// signature. The body may be of any type, since providers differ. An error
// answers a provider as it expects: 4xx and it gives up, 5xx (the store is
// busy) and it retries.
func (s *Server) notifyPayment(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	body, err := readBody(w, r, maxNotificationBytes)
	if err != nil {
		return err
	}
	if err := s.app.ApplyNotification(r.Context(), r.PathValue("provider"), r, body); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
