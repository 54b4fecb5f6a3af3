package web

import (
	"net/http"

	"genuine"
)

// createCheckout handles POST /v1/checkouts: a till's cart, with the
// Idempotency-Key header. The answer is the checkout: 201 when its units
// are reserved and its payment started, 422 when a unit was refused, with
// every item's decision. A retry with the same key and cart gets the
// checkout again, with the same status.
func (s *Server) createCheckout(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var in genuine.CheckoutInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.app.Checkout(r.Context(), p, r.Header.Get("Idempotency-Key"), in)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if c.Status == genuine.CheckoutRefused {
		// The refusal is the checkout itself, which says why, not a problem.
		status = http.StatusUnprocessableEntity
	}
	return writeJSON(w, status, c)
}

// getCheckout handles GET /v1/checkouts/{id}.
func (s *Server) getCheckout(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	c, err := s.app.GetCheckout(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

// cancelCheckout handles POST /v1/checkouts/{id}/cancel: a checkout
// awaiting payment is canceled and its units released.
func (s *Server) cancelCheckout(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	c, err := s.app.CancelCheckout(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

// refundCheckout handles POST /v1/checkouts/{id}/refund: the units of a
// paid checkout that the body names ({"items": [codes]}), or all of them
// without a body, are refunded and return to the channel.
func (s *Server) refundCheckout(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var in genuine.RefundInput
	if r.ContentLength != 0 {
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
	}
	c, err := s.app.RefundCheckout(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

// previewCheckout handles POST /v1/checkouts/preview: a till's cart
// decided as a checkout would decide it now, with nothing reserved or
// stored. Each item says its decision, the price it was decided at and
// where that came from, and its product.
func (s *Server) previewCheckout(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var in genuine.PreviewInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	pv, err := s.app.PreviewCheckout(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pv)
}

// listCheckouts handles GET /v1/checkouts?limit=&before=&merchant_id=: a
// page of a merchant's checkouts, newest first (a merchant's own; an admin
// names the merchant), with next, the before of the following page, while
// there may be more.
func (s *Server) listCheckouts(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	l, err := s.app.ListCheckouts(r.Context(), p, q.Get("merchant_id"), q.Get("before"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, l)
}
