package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"genuine"
)

// verifyRequest is the body of POST /v1/verify.
type verifyRequest struct {
	Code string `json:"code"`
}

// verify handles POST /v1/verify: anyone verifies a code in any form a
// scanner delivers. 400 if the code is not GS1 data.
func (s *Server) verify(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	var req verifyRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	v, err := s.app.Verify(s.verifyContext(r), req.Code)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// resolve handles GET and HEAD /01/…, the GS1 Digital Link resolver: the
// request's own URL is the code. It answers the verification as JSON to
// clients that prefer it, and as a page for people otherwise. HEAD runs
// the same and the server drops the body.
func (s *Server) resolve(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	if s.shopScan(w, r, requestCode(r)) {
		return nil // a shopper's phone opened the link while shopping
	}
	verify := s.app.Verify
	if r.Method == http.MethodHead {
		verify = s.app.Check // a HEAD only looks: it is not counted
	}
	v, err := verify(s.verifyContext(r), requestCode(r))
	if err != nil {
		return err
	}
	if prefersJSON(r) {
		return writeJSON(w, http.StatusOK, v)
	}
	s.pages.render(w, r, http.StatusOK, "verification.html", newVerificationPage(v))
	return nil
}

// verifyContext returns the request's context naming its client as the
// rate limits count it (clientOf, behind trusted proxies too), for the
// velocity rule, which counts the distinct clients that verified a unit.
func (s *Server) verifyContext(r *http.Request) context.Context {
	client := s.clientOf(r)
	if !client.IsValid() {
		return r.Context()
	}
	return genuine.WithClient(r.Context(), client.String())
}

// requestCode rebuilds the Digital Link URI a request was made for: the
// scheme and host as received, the path as sent (still escaped) and the
// query.
func requestCode(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	code := scheme + "://" + host + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		code += "?" + r.URL.RawQuery
	}
	return code
}

// prefersJSON reports whether the client's Accept header ranks JSON above
// HTML (RFC 9110 §12.5.1: the most specific matching range gives each its
// quality). A tie, a missing header or "*/*" means HTML.
func prefersJSON(r *http.Request) bool {
	accept := strings.Join(r.Header.Values("Accept"), ",")
	if accept == "" {
		return false
	}
	qJSON := max(quality(accept, "application", "json"), quality(accept, "application", "problem+json"))
	return qJSON > quality(accept, "text", "html")
}

// quality returns the quality an Accept header gives the media type
// typ/sub: that of the most specific range that matches it, 0 if none.
func quality(accept, typ, sub string) float64 {
	best, q := -1, 0.0
	for _, item := range strings.Split(accept, ",") {
		mediaRange, params, _ := strings.Cut(item, ";")
		rt, rs, ok := strings.Cut(strings.ToLower(strings.TrimSpace(mediaRange)), "/")
		if !ok {
			continue
		}
		specificity := -1
		switch {
		case rt == typ && rs == sub:
			specificity = 2
		case rt == typ && rs == "*":
			specificity = 1
		case rt == "*" && rs == "*":
			specificity = 0
		}
		if specificity <= best {
			continue
		}
		best, q = specificity, 1
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
					q = f
				}
			}
		}
	}
	return q
}

// report handles POST /v1/reports: anyone reports a suspected fake to the
// brand of the product its code names. 202 once the brand is alerted; 429
// once the client's address has spent its reports (Config.ReportRateLimit).
func (s *Server) report(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	if ok, wait := s.reportLimiter.allow(s.clientOf(r)); !ok {
		s.tooMany(w, r, wait, "too many reports from your address", false)
		return nil
	}
	var in genuine.ReportInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if err := s.app.Report(r.Context(), in); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, map[string]string{"status": "received"})
}
