package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"genuine"
)

// How a checkout's event stream watches it: it reads the checkout every
// eventPoll (from the store, so that a change made by any server is seen),
// writes a comment every eventHeartbeat so that proxies keep the
// connection, checks every eventRecheck that its caller's key or session
// still works, and ends after eventMaxAge, when the till opens it again.
const (
	eventPoll      = 250 * time.Millisecond
	eventHeartbeat = 15 * time.Second
	eventRecheck   = 5 * time.Second
	eventMaxAge    = 30 * time.Minute
)

// checkoutEvent is what a checkout's event stream tells of it.
type checkoutEvent struct {
	ID            string                 `json:"id"`
	Status        genuine.CheckoutStatus `json:"status"`
	PaymentStatus genuine.PaymentStatus  `json:"payment_status,omitempty"`
	UpdatedAt     time.Time              `json:"updated_at"`
}

// checkoutEvents handles GET /v1/checkouts/{id}/events: a text/event-stream
// of the checkout's status, an event "status" with its JSON at once and at
// each change, for a till to show a payment landing without polling. The
// stream ends once the checkout no longer awaits payment (after telling
// so), when the client goes, when its key is revoked or its session ends,
// or after eventMaxAge. The merchant that made
// the checkout (or an admin) may read it; another gets 404 before any
// event.
func (s *Server) checkoutEvents(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	ctx := r.Context()
	c, err := s.app.GetCheckout(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	send := func(text string) error {
		// The server's write timeout is for whole answers: each event
		// gets its own.
		rc.SetWriteDeadline(time.Now().Add(time.Minute))
		if _, err := fmt.Fprint(w, text); err != nil {
			return err
		}
		return rc.Flush()
	}
	event := func(c *genuine.Checkout) error {
		ev := checkoutEvent{ID: c.ID, Status: c.Status, UpdatedAt: c.UpdatedAt}
		if c.Payment != nil {
			ev.PaymentStatus = c.Payment.Status
		}
		data, _ := json.Marshal(ev) // strings and a time: cannot fail
		return send("event: status\ndata: " + string(data) + "\n\n")
	}
	if err := event(c); err != nil {
		return nil // the client went away
	}
	poll, beat := time.NewTicker(eventPoll), time.NewTicker(eventHeartbeat)
	defer poll.Stop()
	defer beat.Stop()
	end := time.After(eventMaxAge)
	checked := time.Now()
	for last := c; last.Status == genuine.CheckoutAwaitingPayment; {
		select {
		case <-ctx.Done():
			return nil
		case <-end:
			return nil
		case <-beat.C:
			if err := send(": still waiting\n\n"); err != nil {
				return nil
			}
		case <-poll.C:
			if time.Since(checked) >= eventRecheck {
				// Signed out, or the key revoked: the stream is not theirs
				// to read any more.
				if again, err := s.authenticate(r); err != nil || again == nil || again.KeyID != p.KeyID {
					return nil
				}
				checked = time.Now()
			}
			cur, err := s.app.GetCheckout(ctx, p, last.ID)
			if err != nil {
				// Written already: the stream can only end.
				s.log.WarnContext(ctx, "checkout events: read failed", "checkout", last.ID, "err", err)
				return nil
			}
			if cur.Status == last.Status && paymentOf(cur) == paymentOf(last) {
				continue
			}
			if err := event(cur); err != nil {
				return nil
			}
			last = cur
		}
	}
	return nil
}

// paymentOf is a checkout's payment status, "" for none.
func paymentOf(c *genuine.Checkout) genuine.PaymentStatus {
	if c.Payment == nil {
		return ""
	}
	return c.Payment.Status
}
