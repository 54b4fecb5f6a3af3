package web

import (
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"genuine"
)

// route is one endpoint: its method and ServeMux pattern, who may call it,
// and its handler. The table below is the whole HTTP interface; the
// OpenAPI document and the tests are checked against it.
type route struct {
	Method  string
	Pattern string
	// Roles are the API key roles the App lets call the route; none means
	// the route is public. They document the route and drive the tests;
	// the App itself decides, so a handler never checks a role.
	Roles []genuine.Role
	// CORS makes the route readable from any origin (public read-only API).
	CORS bool
	// Browser marks routes that serve pages to browsers: they negotiate
	// HTML or JSON, errors included.
	Browser bool
	// Unlimited exempts a public route from the rate limit: liveness
	// probes, and provider notifications, which prove themselves by their
	// signature and come in bursts from a few addresses that must not be
	// turned away.
	Unlimited bool
	// Web marks a page for people, or a file pages load: public, as
	// browser routes are, and not part of the API, so the OpenAPI
	// document leaves it out. A page that needs a signed-in person asks
	// for the browser's session itself (sessionPrincipal).
	Web    bool
	Handle handlerFunc
	// Mount, when set, serves the route instead of Handle: a page another
	// package serves (Config.Pages), for every method under Pattern, a path
	// prefix. A mounted page is not API: it is public, rate-limited and
	// protected against cross-origin requests as a browser route, and the
	// OpenAPI document leaves it out.
	Mount http.Handler
}

// handlerFunc handles a request for a caller, nil for the public. An error
// it returns is written by the one error writer, unless the response has
// already started.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p *genuine.Principal) error

// Public reports whether anyone may call the route without a key.
func (rt route) Public() bool { return len(rt.Roles) == 0 }

// Page reports whether the route is a page or a mounted page, not part of
// the API.
func (rt route) Page() bool { return rt.Web || rt.Mount != nil }

// muxPattern returns the route's ServeMux pattern; a mounted page has no
// method, so it serves them all.
func (rt route) muxPattern() string {
	if rt.Method == "" {
		return rt.Pattern
	}
	return rt.Method + " " + rt.Pattern
}

// The groups of roles the route table names.
var (
	anyone            []genuine.Role
	byAdmin           = []genuine.Role{genuine.RoleAdmin}
	byBrand           = []genuine.Role{genuine.RoleBrand}
	byBrandOrAdmin    = []genuine.Role{genuine.RoleBrand, genuine.RoleAdmin}
	byBrandOrPartner  = []genuine.Role{genuine.RoleBrand, genuine.RolePartner}
	byBrandSide       = []genuine.Role{genuine.RoleBrand, genuine.RolePartner, genuine.RoleAdmin}
	byChain           = []genuine.Role{genuine.RoleBrand, genuine.RolePartner, genuine.RoleMerchant}
	byKeyManager      = []genuine.Role{genuine.RoleAdmin, genuine.RoleBrand, genuine.RoleMerchant}
	byMerchant        = []genuine.Role{genuine.RoleMerchant}
	byMerchantOrAdmin = []genuine.Role{genuine.RoleMerchant, genuine.RoleAdmin}
)

// routes returns every route of the server: the API, genuine's pages,
// then the pages mounted from Config.Pages.
func (s *Server) routes() []route {
	return slices.Concat(s.apiRoutes(), s.webRoutes(), s.pageRoutes())
}

// webRoutes returns genuine's own pages for people and the files they
// load.
func (s *Server) webRoutes() []route {
	return []route{
		{Method: "GET", Pattern: "/{$}", Roles: anyone, Browser: true, Web: true, Handle: s.home},
		{Method: "POST", Pattern: "/lang", Roles: anyone, Browser: true, Web: true, Handle: s.switchLang},
		// The till: pages that ask for a merchant's session themselves.
		{Method: "GET", Pattern: "/till", Roles: anyone, Browser: true, Web: true, Handle: s.till},
		{Method: "GET", Pattern: "/till/checkouts/{id}/qr", Roles: anyone, Browser: true, Web: true, Handle: s.tillQR},
		{Method: "GET", Pattern: "/till/receipt/{id}", Roles: anyone, Browser: true, Web: true, Handle: s.tillReceipt},
		{Method: "GET", Pattern: "/till/shop-qr", Roles: anyone, Browser: true, Web: true, Handle: s.tillShopQR},
		{Method: "GET", Pattern: "/till/product-names", Roles: anyone, Browser: true, Web: true, Handle: s.tillProductNames},
		// Cheap, cached and loaded by every page: not counted against
		// the public rate limit.
		{Method: "GET", Pattern: "/static/{name...}", Roles: anyone, Web: true, Unlimited: true, Handle: s.serveStatic},

		// Self-checkout on a shopper's phone: the shop page and what its
		// script calls, each for the session of the genuine_shop cookie
		// alone (shop.go). Public, rate-limited per address, unsafe
		// cross-origin requests refused.
		{Method: "GET", Pattern: "/shop/{merchant}", Roles: anyone, Browser: true, Web: true, Handle: s.shopPage},
		{Method: "GET", Pattern: "/shop/{merchant}/cart", Roles: anyone, Browser: true, Web: true, Handle: s.shopCart},
		{Method: "POST", Pattern: "/shop/{merchant}/add", Roles: anyone, Browser: true, Web: true, Handle: s.shopAdd},
		{Method: "POST", Pattern: "/shop/{merchant}/remove", Roles: anyone, Browser: true, Web: true, Handle: s.shopRemove},
		{Method: "POST", Pattern: "/shop/{merchant}/pay", Roles: anyone, Browser: true, Web: true, Handle: s.shopPay},
	}
}

// apiRoutes returns the routes of the API, which the OpenAPI document
// describes.
func (s *Server) apiRoutes() []route {
	return []route{
		{Method: "POST", Pattern: "/v1/brands", Roles: byAdmin, Handle: s.createBrand},
		{Method: "GET", Pattern: "/v1/brands/{id}", Roles: byBrandSide, Handle: s.getBrand},
		{Method: "PATCH", Pattern: "/v1/brands/{id}", Roles: byAdmin, Handle: s.updateBrand},
		{Method: "PUT", Pattern: "/v1/brands/{id}/code-rule", Roles: byBrandOrAdmin, Handle: s.updateCodeRule},
		{Method: "POST", Pattern: "/v1/brands/{id}/signing-keys", Roles: byBrandOrAdmin, Handle: s.rotateSigningKey},
		{Method: "GET", Pattern: "/v1/brands/{id}/signing-keys", Roles: byBrandOrAdmin, Handle: s.listSigningKeys},
		{Method: "POST", Pattern: "/v1/brands/{id}/signing-keys/{key}/retire", Roles: byBrandOrAdmin, Handle: s.retireSigningKey},
		{Method: "POST", Pattern: "/v1/brands/{id}/signing-keys/{key}/revoke", Roles: byBrandOrAdmin, Handle: s.revokeSigningKey},

		{Method: "POST", Pattern: "/v1/merchants", Roles: byAdmin, Handle: s.createMerchant},
		{Method: "GET", Pattern: "/v1/merchants/{id}", Roles: byMerchantOrAdmin, Handle: s.getMerchant},
		{Method: "GET", Pattern: "/v1/merchants/{id}/providers", Roles: byMerchantOrAdmin, Handle: s.listProviderAccounts},
		{Method: "PUT", Pattern: "/v1/merchants/{id}/providers/{name}", Roles: byMerchantOrAdmin, Handle: s.putProviderAccount},
		{Method: "DELETE", Pattern: "/v1/merchants/{id}/providers/{name}", Roles: byMerchantOrAdmin, Handle: s.deleteProviderAccount},
		{Method: "GET", Pattern: "/v1/merchants/{id}/prices", Roles: byMerchantOrAdmin, Handle: s.getPrices},
		{Method: "PUT", Pattern: "/v1/merchants/{id}/prices", Roles: byMerchantOrAdmin, Handle: s.putPrices},
		{Method: "PUT", Pattern: "/v1/merchants/{id}/self-checkout", Roles: byMerchantOrAdmin, Handle: s.putSelfCheckout},

		{Method: "POST", Pattern: "/v1/keys", Roles: byAdmin, Handle: s.createAPIKey},
		{Method: "GET", Pattern: "/v1/keys", Roles: byKeyManager, Handle: s.listAPIKeys},
		{Method: "DELETE", Pattern: "/v1/keys/{id}", Roles: byKeyManager, Handle: s.revokeAPIKey},

		{Method: "POST", Pattern: "/v1/products", Roles: byBrandOrAdmin, Handle: s.createProduct},
		{Method: "GET", Pattern: "/v1/products/{gtin}", Roles: byBrandSide, Handle: s.getProduct},

		{Method: "POST", Pattern: "/v1/batches", Roles: byBrand, Handle: s.createBatch},
		{Method: "GET", Pattern: "/v1/batches", Roles: byBrandOrPartner, Handle: s.listBatches},
		{Method: "GET", Pattern: "/v1/batches/{id}", Roles: byBrandSide, Handle: s.getBatch},
		{Method: "GET", Pattern: "/v1/batches/{id}/codes", Roles: byBrandOrAdmin, Handle: s.exportCodes},
		{Method: "POST", Pattern: "/v1/batches/{id}/serials", Roles: byBrand, Handle: s.registerSerials},
		{Method: "POST", Pattern: "/v1/batches/{id}/events", Roles: byBrandOrPartner, Handle: s.recordBatchEvent},
		{Method: "GET", Pattern: "/v1/batches/{id}/events", Roles: byBrandSide, Handle: s.listEvents},
		{Method: "POST", Pattern: "/v1/units/events", Roles: byChain, Handle: s.recordUnitEvents},

		{Method: "PUT", Pattern: "/v1/policies/{scope}", Roles: byBrand, Handle: s.setPolicy},
		{Method: "GET", Pattern: "/v1/policies/{scope}", Roles: byBrand, Handle: s.getPolicy},

		{Method: "POST", Pattern: "/v1/checkouts", Roles: byMerchant, Handle: s.createCheckout},
		{Method: "GET", Pattern: "/v1/checkouts", Roles: byMerchantOrAdmin, Handle: s.listCheckouts},
		{Method: "POST", Pattern: "/v1/checkouts/preview", Roles: byMerchant, Handle: s.previewCheckout},
		{Method: "GET", Pattern: "/v1/checkouts/{id}", Roles: byMerchantOrAdmin, Handle: s.getCheckout},
		{Method: "GET", Pattern: "/v1/checkouts/{id}/events", Roles: byMerchantOrAdmin, Handle: s.checkoutEvents},
		{Method: "POST", Pattern: "/v1/checkouts/{id}/cancel", Roles: byMerchant, Handle: s.cancelCheckout},
		{Method: "POST", Pattern: "/v1/checkouts/{id}/refund", Roles: byMerchant, Handle: s.refundCheckout},
		// Providers call it server to server, authenticated by their
		// signature: no key, no CORS, no cross-origin protection.
		{Method: "POST", Pattern: "/v1/payments/{provider}/notify", Roles: anyone, Unlimited: true, Handle: s.notifyPayment},
		{Method: "POST", Pattern: "/v1/payments/{provider}/notify/{merchant}", Roles: anyone, Unlimited: true, Handle: s.notifyPayment},

		{Method: "GET", Pattern: "/v1/decisions", Roles: byBrand, Handle: s.listDecisions},
		{Method: "GET", Pattern: "/v1/alerts", Roles: byBrand, Handle: s.listAlerts},
		{Method: "GET", Pattern: "/v1/audit", Roles: byBrandOrAdmin, Handle: s.listAudit},

		{Method: "POST", Pattern: "/v1/verify", Roles: anyone, CORS: true, Handle: s.verify},
		{Method: "OPTIONS", Pattern: "/v1/verify", Roles: anyone, CORS: true, Handle: preflight("POST, OPTIONS")},
		// A shopper's report of a suspected fake: public and rate-limited
		// per address as verification is; the resolver page posts it from
		// its own origin, so no CORS.
		{Method: "POST", Pattern: "/v1/reports", Roles: anyone, Handle: s.report},
		{Method: "GET", Pattern: "/01/{rest...}", Roles: anyone, CORS: true, Browser: true, Handle: s.resolve},
		{Method: "HEAD", Pattern: "/01/{rest...}", Roles: anyone, CORS: true, Browser: true, Handle: s.resolve},
		{Method: "OPTIONS", Pattern: "/01/{rest...}", Roles: anyone, CORS: true, Browser: true, Handle: preflight("GET, HEAD, OPTIONS")},

		// Browser sessions: public forms, rate-limited per address and
		// protected against cross-origin posts as every browser route.
		{Method: "GET", Pattern: "/login", Roles: anyone, Browser: true, Handle: s.loginForm},
		{Method: "POST", Pattern: "/login", Roles: anyone, Browser: true, Handle: s.login},
		{Method: "POST", Pattern: "/logout", Roles: anyone, Browser: true, Handle: s.logout},

		{Method: "GET", Pattern: "/healthz", Roles: anyone, Unlimited: true, Handle: s.health},
		{Method: "GET", Pattern: "/metrics", Roles: byAdmin, Handle: s.serveMetrics},
		{Method: "GET", Pattern: "/openapi.json", Roles: anyone, CORS: true, Handle: s.openAPI},
	}
}

// pageRoutes returns the pages of Config.Pages, by prefix. They are public
// browser routes, every method each.
func (s *Server) pageRoutes() []route {
	var rts []route
	for _, prefix := range slices.Sorted(maps.Keys(s.cfg.Pages)) {
		rts = append(rts, route{Pattern: prefix, Roles: anyone, Browser: true, Mount: s.cfg.Pages[prefix]})
	}
	return rts
}

// wrap returns the http.Handler of a route: CORS, rate limit, cross-origin
// protection and authentication as the route says, then its handler, with
// any error going to the one error writer.
func (s *Server) wrap(rt route) http.Handler {
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := info(r)
		if rt.Mount != nil {
			rt.Mount.ServeHTTP(w, r)
			return
		}
		var p *genuine.Principal
		if !rt.Public() {
			var ok bool
			if p, ok = s.authenticateLimited(w, r, rt.Browser); !ok {
				return
			}
			if p != nil {
				ri.keyID = p.KeyID
			}
		}
		if err := rt.Handle(w, r, p); err != nil {
			s.writeError(w, r, err, rt.Browser)
		}
	})
	if !rt.Public() || rt.Browser {
		// Keyed API calls and pages are never meant to be made from another
		// site's page; unsafe cross-origin browser requests are refused.
		h = s.csrf.Handler(h)
	}
	if rt.Public() && !rt.Unlimited && s.limiter != nil {
		h = s.rateLimit(h, rt.Browser)
	}
	if rt.CORS {
		h = allowAnyOrigin(h)
	}
	if rt.Browser {
		h = varyAccept(h)
	}
	return routed(h, rt.muxPattern())
}

// routed tells the request log and metrics the route of every request h
// answers, refused ones included.
func routed(next http.Handler, pattern string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info(r).route = pattern
		next.ServeHTTP(w, r)
	})
}

// authenticateLimited returns the caller of a request as authenticate
// does, within the rate limits: a client that failed to authenticate too
// often is refused before its key is looked up, each failure spends one of
// its tokens, and a key that has made too many requests is refused. It
// writes the error and returns false if the request goes no further.
func (s *Server) authenticateLimited(w http.ResponseWriter, r *http.Request, browser bool) (*genuine.Principal, bool) {
	var client netip.Prefix
	if s.authLimiter != nil {
		client = s.clientOf(r)
		if empty, wait := s.authLimiter.empty(client); empty {
			s.tooMany(w, r, wait, "too many failed authentications from your address", browser)
			return nil, false
		}
	}
	p, err := s.authenticate(r)
	if err != nil {
		if genuine.ErrorCode(err) == genuine.EUnauthorized {
			s.authLimiter.allow(client)
		}
		s.writeError(w, r, err, browser)
		return nil, false
	}
	if p != nil {
		if ok, wait := s.keyLimiter.allow(p.KeyID); !ok {
			s.tooMany(w, r, wait, "too many requests with this API key", browser)
			return nil, false
		}
	}
	return p, true
}

// authenticate returns the caller of a request from its Authorization
// header, or, without one, from its browser session's cookie, so that the
// pages' scripts call the API as the person signed in: nil with neither,
// an EUnauthorized error for a malformed header, an invalid key or a
// session that no longer works. A cookie is sent only with requests this
// server's own pages start (SameSite=Strict), and unsafe cross-origin
// requests are refused before they get here (Server.csrf), so a session
// cannot be used from another site.
func (s *Server) authenticate(r *http.Request) (*genuine.Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if _, err := r.Cookie(sessionCookie); err != nil {
			return nil, nil
		}
		return s.sessionPrincipal(r)
	}
	scheme, key, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, genuine.Errorf(genuine.EUnauthorized, `the Authorization header must be "Bearer <API key>"`)
	}
	return s.app.Authenticate(r.Context(), strings.TrimSpace(key))
}

// allowAnyOrigin lets pages of any origin read the route's responses,
// errors included.
func allowAnyOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Expose-Headers", "Retry-After")
		next.ServeHTTP(w, r)
	})
}

// varyAccept tells caches that the response depends on the Accept header.
func varyAccept(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		next.ServeHTTP(w, r)
	})
}

// preflight returns the handler of OPTIONS for a public path whose routes
// have the given methods: 204 with what a CORS preflight asks.
func preflight(methods string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
		h := w.Header()
		h.Set("Allow", methods)
		h.Set("Access-Control-Allow-Methods", methods)
		h.Set("Access-Control-Allow-Headers", "Content-Type, Accept")
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// health answers a liveness probe.
//
// health answers 200 when the store answers, 503 otherwise.
func (s *Server) health(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	if err := s.app.Health(r.Context()); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
