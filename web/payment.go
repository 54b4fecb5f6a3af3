package web

import (
	"net/http"

	"genuine"
)

// maxNotificationBytes bounds a provider's notification body.
const maxNotificationBytes = 64 << 10

// notifyPayment handles POST /v1/payments/{provider}/notify and, for a
// provider paid to merchants' own accounts, POST
// /v1/payments/{provider}/notify/{merchant}: a provider's signed
// notification, passed whole to the App, which verifies the signature with
// the keys of the provider or of the merchant's account there. The body may
// be of any type, since providers differ. An error answers a provider as it
// expects: 4xx and it gives up, 5xx (the store is busy) and it retries; a
// provider that wants its own words in the answer (Alipay, WeChat Pay) gets
// them, with genuine's status.
func (s *Server) notifyPayment(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	provider := r.PathValue("provider")
	body, err := readBody(w, r, maxNotificationBytes)
	if err == nil {
		err = s.app.ApplyNotification(r.Context(), provider, r.PathValue("merchant"), r, body)
	}
	ctype, reply, own := s.app.NotificationReply(provider, err)
	switch {
	case !own && err != nil:
		return err
	case !own:
		return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}
	status := http.StatusOK
	if err != nil {
		status = problemOf(err).Status
		if status >= 500 {
			s.log.ErrorContext(r.Context(), "notification failed", "provider", provider, "code", genuine.ErrorCode(err), "err", err)
		}
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(status)
	_, werr := w.Write(reply)
	return werr
}
