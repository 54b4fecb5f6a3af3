package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"genuine"
)

// problem is an RFC 9457 problem details object. Code is the stable
// genuine error code clients switch on; Detail is safe to show.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
}

// problemType is the stem of the problem type URIs: a URN, since they
// name kinds of problem and are not meant to be dereferenced.
const problemType = "urn:genuine:problem:"

// outcome is the HTTP status and problem title of an error code.
type outcome struct {
	status int
	title  string
}

// outcomes is the one table from error codes to HTTP statuses. Every code
// of a refused lifecycle transition (genuine.TransitionCodes), and a
// refund refused because the batch expired (genuine.ExpiredCode), is a
// conflict with the thing's current state.
var outcomes = func() map[string]outcome {
	m := map[string]outcome{
		genuine.EInvalid:      {http.StatusBadRequest, "Invalid request"},
		genuine.EUnauthorized: {http.StatusUnauthorized, "Unauthorized"},
		genuine.EForbidden:    {http.StatusForbidden, "Not allowed"},
		genuine.ENotFound:     {http.StatusNotFound, "Not found"},
		genuine.EConflict:     {http.StatusConflict, "Conflict"},
		genuine.ETooLarge:     {http.StatusRequestEntityTooLarge, "Request too large"},
		genuine.ERateLimited:  {http.StatusTooManyRequests, "Too many requests"},
		genuine.EInternal:     {http.StatusInternalServerError, "Internal error"},
		genuine.EUnavailable:  {http.StatusServiceUnavailable, "Service unavailable"},
		// A provider's notification of a payment that is not its
		// checkout's: applied to nothing, and not worth sending again.
		genuine.EPaymentMismatch: {http.StatusUnprocessableEntity, "Payment does not match its checkout"},
		genuine.EGTINPrefix:      {http.StatusForbidden, "GTIN outside the brand's GS1 prefixes"},
		genuine.ESelfCheckoutOff: {http.StatusForbidden, "No self-checkout at this shop"},
		genuine.ECartFull:        {http.StatusConflict, "Cart full"},
		genuine.ETooManyCarts:    {http.StatusConflict, "Too many carts open"},
		genuine.EShopBusy:        {http.StatusTooManyRequests, "Too many carts open at this shop"},
	}
	for _, code := range append([]string{genuine.ExpiredCode}, genuine.TransitionCodes...) {
		m[code] = outcome{http.StatusConflict, "Refused by the lifecycle"}
	}
	return m
}()

// statusError is an error whose HTTP status is not its code's usual one:
// 415 for a wrong media type, 405 for a wrong method.
type statusError struct {
	status int
	err    *genuine.Error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// httpError returns an error with the given code and message, written
// with the given status instead of the code's.
func httpError(status int, code, format string, args ...any) error {
	return &statusError{status: status, err: genuine.Errorf(code, format, args...)}
}

// problemOf returns the problem an error is shown as.
func problemOf(err error) problem {
	code := genuine.ErrorCode(err)
	o, known := outcomes[code]
	if !known {
		o = outcomes[genuine.EInternal]
	}
	var se *statusError
	if errors.As(err, &se) {
		o.status, o.title = se.status, http.StatusText(se.status)
	}
	return problem{Type: problemType + code, Title: o.title, Status: o.status, Detail: genuine.ErrorMessage(err), Code: code}
}

// writeError is the one writer of errors. It writes err as problem+json,
// or, on a browser route whose client prefers HTML, as an HTML page. An
// internal error is logged in full and shown as a generic message. If the
// response has already started, the error can only be logged, and the
// connection is aborted so that the client sees a truncated response
// rather than a complete one.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error, browser bool) {
	gone := r.Context().Err() != nil // the client went away: no one to tell
	if started(w) {
		if !gone {
			s.log.ErrorContext(r.Context(), "response failed after it started", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		panic(http.ErrAbortHandler)
	}
	p := problemOf(err)
	switch {
	case gone:
		s.log.DebugContext(r.Context(), "client went away", "method", r.Method, "path", r.URL.Path, "err", err)
		return
	case p.Status >= 500:
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "code", p.Code, "err", err)
	case !isKnownCode(p.Code):
		s.log.WarnContext(r.Context(), "error code without an HTTP status", "code", p.Code, "err", err)
	}
	h := w.Header()
	if d := genuine.RetryAfter(err); d > 0 {
		h.Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
	}
	if p.Status == http.StatusUnauthorized {
		challenge := `Bearer realm="genuine"`
		if r.Header.Get("Authorization") != "" {
			challenge += `, error="invalid_token"`
		}
		h.Set("WWW-Authenticate", challenge)
	}
	h.Del("Content-Length")
	if browser && !prefersJSON(r) {
		s.pages.render(w, r, p.Status, "problem.html", p)
		return
	}
	h.Set("Content-Type", "application/problem+json")
	if err := encodeJSON(w, p.Status, p); err != nil {
		s.log.Debug("writing a problem failed", "err", err)
	}
}

func isKnownCode(code string) bool {
	_, ok := outcomes[code]
	return ok
}

// started reports whether any of the response has been written.
func started(w http.ResponseWriter) bool {
	for {
		switch v := w.(type) {
		case *recorder:
			return v.status != 0
		case interface{ Unwrap() http.ResponseWriter }:
			w = v.Unwrap()
		default:
			return false
		}
	}
}
