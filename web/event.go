package web

import (
	"net/http"

	"genuine"
)

// recordBatchEvent handles POST /v1/batches/{id}/events: an event for a
// whole batch or a range of its units.
func (s *Server) recordBatchEvent(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var in genuine.BatchEventInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.app.RecordBatchEvent(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, e)
}

// eventList is the body of GET /v1/batches/{id}/events.
type eventList struct {
	Events []*genuine.Event `json:"events"`
}

func newEventList(es []*genuine.Event) eventList {
	if es == nil {
		es = []*genuine.Event{}
	}
	return eventList{Events: es}
}

// listEvents handles GET /v1/batches/{id}/events?limit=N: the batch's
// events, oldest first, as many as the App allows when limit is absent.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	es, err := s.app.Events(r.Context(), p, r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newEventList(es))
}

// recordUnitEvents handles POST /v1/units/events: one event for each unit
// named by a code, all or none, or a report of a unit the merchant does
// not hold. 201 if any event was recorded; 202 if every code was a report,
// accepted as an alert to the brand, with nothing changed.
func (s *Server) recordUnitEvents(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	var in genuine.UnitEventInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.RecordUnitEvents(r.Context(), p, in)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if len(out.Events) == 0 {
		status = http.StatusAccepted
	}
	return writeJSON(w, status, out)
}
