package web

import (
	"net/http"
	"time"

	"genuine"
)

// RequestObserver is told of every request the server answers, for
// metrics; package metrics implements it. route is the pattern of the
// route that answered, such as "POST /v1/checkouts" (a mounted page's is
// its prefix), or "other" for a request no route matched, so that its
// values are few; never the request's path. ObserveRequest is called from
// many goroutines at once, once per request, and must not block.
type RequestObserver interface {
	ObserveRequest(route string, status int, d time.Duration)
}

// unmatchedRoute is the route of a request that no route matched.
const unmatchedRoute = "other"

// nopRequests is the RequestObserver of a server without Config.Metrics.
type nopRequests struct{}

func (nopRequests) ObserveRequest(string, int, time.Duration) {}

// serveMetrics answers GET /metrics with Config.MetricsHandler, to the
// callers the App lets read metrics (admin keys).
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error {
	if err := s.app.AuthorizeMetrics(p); err != nil {
		return err
	}
	if s.cfg.MetricsHandler == nil {
		return genuine.Errorf(genuine.ENotFound, "this server does not serve metrics")
	}
	s.cfg.MetricsHandler.ServeHTTP(w, r)
	return nil
}
