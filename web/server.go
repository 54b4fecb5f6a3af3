// Package web is genuine's HTTP layer: the JSON API (openapi.json), the
// public GS1 Digital Link resolver with its HTML pages, and the OpenAPI
// document that describes them. Every route is listed once, in routes.go;
// each handler decodes its request, calls one method of genuine.App and
// encodes the result, so no business rule lives here. Errors of every route
// leave through one writer (error.go) as RFC 9457 problem+json.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"genuine"
)

// Config configures a Server. The zero value is usable: no rate limits,
// 1 MiB request bodies, no logging, no metrics, no pages.
type Config struct {
	// PublicRateLimit is how many requests a second one client (an IPv4
	// address, or an IPv6 /64) may make to the public endpoints, refilled
	// continuously; 0 disables the limit.
	PublicRateLimit float64
	// PublicBurst is how many requests a client may make at once before the
	// rate applies; at least 1 when PublicRateLimit is set.
	PublicBurst int
	// KeyRateLimit is how many requests a second one API key may make to
	// the keyed routes, refilled continuously; 0 disables the limit.
	// KeyBurst is as PublicBurst.
	KeyRateLimit float64
	KeyBurst     int
	// AuthFailureRate is how many failed authentications (a malformed
	// Authorization header, or a key that is unknown, revoked or expired)
	// a second one client may make, refilled continuously; 0 disables the
	// limit. A client that has used its AuthFailureBurst is answered 429
	// on every keyed route, before its key is looked up, until a failure
	// is allowed again.
	AuthFailureRate  float64
	AuthFailureBurst int
	// ReportRateLimit is how many shoppers' reports (POST /v1/reports) a
	// second one client may make, refilled continuously, within the public
	// limit; 0 disables the limit. Each report of a new serial is a new
	// alert for a brand's people to read, so it is far below the public
	// limit. ReportBurst is as PublicBurst.
	ReportRateLimit float64
	ReportBurst     int
	// TrustedProxies are the proxies (load balancers) whose
	// X-Forwarded-For header names the client: a request from one of them
	// counts against the rightmost address of that header that is not a
	// trusted proxy. Requests from anywhere else count against their peer
	// address, whatever they claim.
	TrustedProxies []netip.Prefix
	// Now is the clock of the rate limits; nil means time.Now.
	Now func() time.Time
	// MaxBodyBytes bounds a request body; 0 means 1 MiB.
	MaxBodyBytes int64
	// Logger receives one line per request and every internal error; nil
	// discards them. Authorization headers and API keys are never logged.
	// Lines logged with a request's context carry its id (LogHandler).
	Logger *slog.Logger
	// Metrics, if set, is told of every request: its route, status and
	// duration.
	Metrics RequestObserver
	// MetricsHandler serves GET /metrics to admin keys; nil answers 404.
	MetricsHandler http.Handler
	// Pages are handlers mounted at path prefixes ("/pay/simulated/"),
	// which they receive unstripped: pages of other packages, such as a
	// payment provider's pay page. They are outside the API and need no
	// key; they get the security headers, the public rate limit and
	// cross-origin protection of the server's own pages. A prefix must
	// begin and end with "/" and not be "/" itself.
	Pages map[string]http.Handler
}

// DefaultMaxBodyBytes is the request body limit when Config.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Server serves genuine's HTTP interface for one App.
type Server struct {
	app *genuine.App
	cfg Config
	log *slog.Logger
	// limiter limits public requests per client address, keyLimiter keyed
	// requests per key, and authLimiter failed authentications per client
	// address; nil limits nothing.
	limiter     *limiter[netip.Prefix]
	keyLimiter  *limiter[string]
	authLimiter *limiter[netip.Prefix]
	// reportLimiter bounds shoppers' reports per client (Config.ReportRateLimit).
	reportLimiter *limiter[netip.Prefix]
	metrics       RequestObserver
	pages         *pages
	csrf          *http.CrossOriginProtection
	mux           *http.ServeMux
	handler       http.Handler
	http          *http.Server
}

// NewServer returns a Server for app. It panics if the embedded templates
// do not parse, which a test rules out, or if a page prefix of
// cfg.Pages is malformed or collides with a route.
func NewServer(app *genuine.App, cfg Config) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.PublicBurst < 1 {
		cfg.PublicBurst = 1
	}
	s := &Server{app: app, cfg: cfg, log: cfg.Logger, metrics: cfg.Metrics, pages: mustParsePages()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = slog.New(LogHandler(s.log.Handler()))
	s.pages.log = s.log
	if s.metrics == nil {
		s.metrics = nopRequests{}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s.limiter = newLimiter[netip.Prefix](cfg.PublicRateLimit, cfg.PublicBurst, now)
	s.keyLimiter = newLimiter[string](cfg.KeyRateLimit, cfg.KeyBurst, now)
	s.authLimiter = newLimiter[netip.Prefix](cfg.AuthFailureRate, cfg.AuthFailureBurst, now)
	s.reportLimiter = newLimiter[netip.Prefix](cfg.ReportRateLimit, cfg.ReportBurst, now)
	s.csrf = http.NewCrossOriginProtection()
	s.csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, genuine.Errorf(genuine.EForbidden, "cross-origin request refused"), false)
	}))
	for prefix := range cfg.Pages {
		if len(prefix) < 2 || !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/") {
			panic("web: page prefix " + strconv.Quote(prefix) + " must begin and end with / and not be / itself")
		}
	}
	s.mux = http.NewServeMux()
	for _, rt := range s.routes() {
		s.mux.Handle(rt.muxPattern(), s.wrap(rt))
	}
	s.mux.HandleFunc("/", s.notFound)
	s.handler = s.logRequests(s.recoverPanics(securityHeaders(s.mux)))
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		// Streaming exports push the write deadline forward as they go.
		WriteTimeout:   time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return s
}

// Handler returns the server's root handler, with its middleware: request
// logging, panic recovery and security headers.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve accepts connections on l until Shutdown is called; it then returns
// nil, and any other error otherwise.
func (s *Server) Serve(l net.Listener) error {
	err := s.http.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits until the requests in
// flight have finished or ctx is done, whichever comes first.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.http.Shutdown(ctx)
}

// notFound answers every request no route matches: 405 with Allow when
// another method of the path has a route, 404 otherwise.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.writeError(w, r, httpError(http.StatusMethodNotAllowed, genuine.EInvalid, "method %s is not allowed here; use %s", r.Method, strings.Join(allowed, ", ")), false)
		return
	}
	s.writeError(w, r, genuine.Errorf(genuine.ENotFound, "no such endpoint: %s %s", r.Method, r.URL.Path), false)
}

// securityHeaders sets headers that make every response safer in a
// browser. HTML pages replace the Content-Security-Policy with their own.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a handler's panic into a 500 problem when nothing of
// the response is written yet, and logs it. http.ErrAbortHandler passes
// through: it aborts a response on purpose.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "panic", "method", r.Method, "path", r.URL.Path, "panic", v)
			if started(w) {
				panic(http.ErrAbortHandler)
			}
			s.writeError(w, r, errors.New("panic in handler"), false)
		}()
		next.ServeHTTP(w, r)
	})
}

// requestInfo is what the request log knows of a request: its id, set
// first, and what inner handlers tell it: the route and the id (never the
// secret) of the caller's API key.
type requestInfo struct {
	id    string
	route string
	keyID string
	// echo is the value of the response's X-Request-Id header: id.
	echo [1]string
}

type requestInfoKey struct{}

// info returns the request's log information, or a throwaway value when
// the request did not pass through logRequests (tests of single handlers).
func info(r *http.Request) *requestInfo {
	if ri, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
		return ri
	}
	return new(requestInfo)
}

// logRequests gives each request its id (X-Request-Id, echoed), logs one
// line per request — method, path, route, status, size, duration, client
// address (clientAddr: behind a trusted proxy, the client's), API key id
// and request id — and tells Config.Metrics of it.
// Headers and query strings are not logged, so neither are keys.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{id: requestID(r.Header.Get(requestIDHeader))}
		ri.echo[0] = ri.id
		w.Header()[requestIDHeader] = ri.echo[:] // canonical; Set would allocate the slice
		rec := &recorder{ResponseWriter: w}
		// The line is logged with the context the request came with, and
		// its id added here with the other attributes rather than by
		// LogHandler, which would grow the record.
		outer := r.Context()
		r = r.WithContext(context.WithValue(outer, requestInfoKey{}, ri))
		defer func() {
			d := time.Since(start)
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			route := ri.route
			if route == "" {
				route = unmatchedRoute
			}
			s.metrics.ObserveRequest(route, status, d)
			s.log.LogAttrs(outer, slog.LevelInfo, "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.String("route", ri.route), slog.Int("status", status),
				slog.Int64("bytes", rec.bytes), slog.Duration("duration", d),
				slog.String("client", s.clientAddr(r).String()), slog.String("key_id", ri.keyID),
				slog.String("request_id", ri.id))
		}()
		next.ServeHTTP(rec, r)
	})
}

// recorder remembers the status and size of a response. It unwraps for
// http.ResponseController, so streaming handlers can flush through it.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += int64(n)
	return n, err
}

// Flush sends buffered data to the client.
func (rec *recorder) Flush() {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	http.NewResponseController(rec.ResponseWriter).Flush()
}

// Unwrap returns the wrapped ResponseWriter, for http.ResponseController.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }
