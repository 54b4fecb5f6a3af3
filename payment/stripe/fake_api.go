package stripe

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"genuine"
)

// apiVersion is the API version of the fake's answers and events: the SDK's.
const apiVersion = stripego.APIVersion

// idempotencyLife is how long Stripe keeps an idempotency key.
const idempotencyLife = 24 * time.Hour

// apiErr is an error as Stripe answers it.
type apiErr struct {
	status int
	Type   string `json:"type"`
	Code   string `json:"code,omitempty"`
	Param  string `json:"param,omitempty"`
	Msg    string `json:"message"`
}

func invalid(param, format string, args ...any) *apiErr {
	return &apiErr{status: http.StatusBadRequest, Type: "invalid_request_error", Param: param, Msg: fmt.Sprintf(format, args...)}
}

func missing(kind, param, id string) *apiErr {
	return &apiErr{status: http.StatusNotFound, Type: "invalid_request_error", Code: "resource_missing", Param: param,
		Msg: fmt.Sprintf("No such %s: '%s'", kind, id)}
}

// apiHandler answers one API call of an account, with f.mu held: the
// object to answer, or an error.
type apiHandler func(a *fakeAccount, params url.Values, id string) (any, *apiErr)

// routes returns the fake's API.
func (f *Fake) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/checkout/sessions", f.api(f.createSession))
	mux.Handle("GET /v1/checkout/sessions/{id}", f.api(f.getSession))
	mux.Handle("POST /v1/checkout/sessions/{id}/expire", f.api(f.expireSession))
	mux.Handle("POST /v1/refunds", f.api(f.createRefund))
	mux.Handle("GET /v1/refunds", f.api(f.listRefunds))
	mux.HandleFunc("GET /c/pay/{id}", f.payPage)
	mux.HandleFunc("POST /c/pay/{id}/{action}", f.payAction)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeAPI(w, 0, nil, invalid("", "Unrecognized request URL (%s: %s).", r.Method, r.URL.Path))
	})
	return mux
}

// api authenticates a call by its secret key, replays the first answer to
// a POST under an Idempotency-Key already used, and otherwise calls h.
func (f *Fake) api(h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		params := r.URL.Query()
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil {
				writeAPI(w, 0, nil, invalid("", "Invalid request body: %v", err))
				return
			}
			params = r.PostForm
		}
		key, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		f.mu.Lock()
		defer f.mu.Unlock()
		a := f.accounts[key]
		if a == nil {
			writeAPI(w, 0, nil, &apiErr{status: http.StatusUnauthorized, Type: "invalid_request_error",
				Msg: "Invalid API Key provided: " + genuine.MaskSecret(key)})
			return
		}
		idem := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost || idem == "" {
			obj, aerr := h(a, params, r.PathValue("id"))
			writeAPI(w, http.StatusOK, obj, aerr)
			return
		}
		now := f.Now().Unix()
		request := r.Method + " " + r.URL.Path + "?" + params.Encode()
		slot := a.id + "\x00" + idem
		if rp := f.replays[slot]; rp != nil && rp.expires > now {
			if rp.request != request {
				writeAPI(w, 0, nil, &apiErr{status: http.StatusBadRequest, Type: "idempotency_error",
					Msg: "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '" + idem + "' if you meant to execute a different request."})
				return
			}
			w.Header().Set("Idempotent-Replayed", "true")
			writeRaw(w, rp.status, rp.body, idem)
			return
		}
		obj, aerr := h(a, params, r.PathValue("id"))
		status, body := encodeAPI(http.StatusOK, obj, aerr)
		if status < 500 {
			f.replays[slot] = &fakeReplay{request: request, status: status, body: body, expires: now + int64(idempotencyLife/time.Second)}
		}
		writeRaw(w, status, body, idem)
	})
}

func encodeAPI(status int, obj any, aerr *apiErr) (int, []byte) {
	if aerr != nil {
		body, _ := json.Marshal(struct {
			Error *apiErr `json:"error"`
		}{aerr})
		return aerr.status, body
	}
	body, _ := json.Marshal(obj)
	return status, body
}

func writeAPI(w http.ResponseWriter, status int, obj any, aerr *apiErr) {
	status, body := encodeAPI(status, obj, aerr)
	writeRaw(w, status, body, "")
}

func writeRaw(w http.ResponseWriter, status int, body []byte, idem string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Request-Id", "req_"+token(14))
	h.Set("Stripe-Version", apiVersion)
	if idem != "" {
		h.Set("Idempotency-Key", idem)
	}
	w.WriteHeader(status)
	w.Write(body)
}

// createSession makes a Checkout Session in payment mode from line items
// with price_data, as Stripe checks them.
func (f *Fake) createSession(a *fakeAccount, p url.Values, _ string) (any, *apiErr) {
	if m := p.Get("mode"); m != "payment" {
		return nil, invalid("mode", "The fake supports mode payment only, not %q.", m)
	}
	now := f.Now().Unix()
	s := &fakeSession{
		id: "cs_test_" + token(58), account: a, status: "open", paymentStatus: "unpaid",
		clientReferenceID: p.Get("client_reference_id"), metadata: metadata(p, "metadata"),
		created: now, expiresAt: now + int64(maxSessionLife/time.Second),
	}
	for i := 0; ; i++ {
		item := fmt.Sprintf("line_items[%d]", i)
		if !hasParam(p, item) {
			if i == 0 {
				return nil, invalid("line_items", "Missing required param: line_items.")
			}
			break
		}
		pd := item + "[price_data]"
		cur := p.Get(pd + "[currency]")
		unit, err1 := strconv.ParseInt(p.Get(pd+"[unit_amount]"), 10, 64)
		qty, err2 := strconv.ParseInt(p.Get(item+"[quantity]"), 10, 64)
		switch {
		case cur != strings.ToLower(cur) || !genuine.ValidCurrency(strings.ToUpper(cur)):
			return nil, invalid(pd+"[currency]", "Invalid currency: %s.", cur)
		case s.currency != "" && cur != s.currency:
			return nil, invalid(pd+"[currency]", "All line items must be in the same currency.")
		case err1 != nil || unit < 0:
			return nil, invalid(pd+"[unit_amount]", "Invalid integer: %s.", p.Get(pd+"[unit_amount]"))
		case err2 != nil || qty < 1:
			return nil, invalid(item+"[quantity]", "Invalid integer: %s.", p.Get(item+"[quantity]"))
		case p.Get(pd+"[product_data][name]") == "":
			return nil, invalid(pd+"[product_data][name]", "Missing required param: %s[product_data][name].", pd)
		}
		s.currency = cur
		s.amount += unit * qty
	}
	if e := p.Get("expires_at"); e != "" {
		t, err := strconv.ParseInt(e, 10, 64)
		switch {
		case err != nil:
			return nil, invalid("expires_at", "Invalid integer: %s.", e)
		case t < now+int64(minSessionLife/time.Second):
			return nil, invalid("expires_at", "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.")
		case t > now+int64(maxSessionLife/time.Second):
			return nil, invalid("expires_at", "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.")
		}
		s.expiresAt = t
	}
	s.payURL = f.URL() + "/c/pay/" + s.id
	f.sessions[s.id] = s
	return sessionObject(s, false, false), nil
}

// getSession retrieves a session of the account, expanding its payment
// intent and the intent's latest charge when asked.
func (f *Fake) getSession(a *fakeAccount, p url.Values, id string) (any, *apiErr) {
	s, ok := f.sessions[id]
	if !ok || s.account != a {
		return nil, missing("checkout.session", "session", id)
	}
	f.refresh(s, f.Now().Unix())
	ex := expansions(p)
	return sessionObject(s, ex["payment_intent"] || ex["payment_intent.latest_charge"], ex["payment_intent.latest_charge"]), nil
}

// expireSession expires an open session of the account.
func (f *Fake) expireSession(a *fakeAccount, _ url.Values, id string) (any, *apiErr) {
	s, ok := f.sessions[id]
	if !ok || s.account != a {
		return nil, missing("checkout.session", "session", id)
	}
	now := f.Now().Unix()
	f.refresh(s, now)
	if s.status != "open" {
		return nil, invalid("", "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of `%s`.", s.status)
	}
	f.expire(s, now)
	return sessionObject(s, false, false), nil
}

// createRefund refunds part or all of what is left of a succeeded payment
// intent of the account.
func (f *Fake) createRefund(a *fakeAccount, p url.Values, _ string) (any, *apiErr) {
	pi := p.Get("payment_intent")
	s, ok := f.intents[pi]
	if !ok || s.account != a {
		return nil, missing("payment_intent", "payment_intent", pi)
	}
	in := s.intent
	if in.status != "succeeded" {
		return nil, &apiErr{status: http.StatusBadRequest, Type: "invalid_request_error", Code: "charge_not_refundable",
			Msg: fmt.Sprintf("This PaymentIntent (%s) does not have a successful charge to refund.", pi)}
	}
	left := s.amount - in.amountRefunded
	amount := left
	if v := p.Get("amount"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return nil, invalid("amount", "Invalid positive integer: %s.", v)
		}
		amount = n
	}
	switch {
	case left == 0:
		return nil, &apiErr{status: http.StatusBadRequest, Type: "invalid_request_error", Code: "charge_already_refunded",
			Msg: fmt.Sprintf("Charge %s has already been refunded.", in.chargeID)}
	case amount > left:
		return nil, &apiErr{status: http.StatusBadRequest, Type: "invalid_request_error", Code: "amount_too_large", Param: "amount",
			Msg: fmt.Sprintf("Refund amount (%d) is greater than unrefunded amount on charge (%d).", amount, left)}
	}
	in.amountRefunded += amount
	rf := &fakeRefund{id: "re_" + token(24), intent: pi, charge: in.chargeID, amount: amount, currency: s.currency,
		metadata: metadata(p, "metadata"), created: f.Now().Unix()}
	f.refunds[pi] = append(f.refunds[pi], rf)
	return refundObject(rf), nil
}

// listRefunds lists the refunds of a payment intent of the account, the
// newest first, a page (limit, starting_after) at a time.
func (f *Fake) listRefunds(a *fakeAccount, p url.Values, _ string) (any, *apiErr) {
	pi := p.Get("payment_intent")
	s, ok := f.intents[pi]
	if pi == "" || !ok || s.account != a {
		return nil, missing("payment_intent", "payment_intent", pi)
	}
	limit := 10
	if v := p.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return nil, invalid("limit", "Invalid limit: %s.", v)
		}
		limit = n
	}
	all := f.refunds[pi]
	list := refundList{Object: "list", URL: "/v1/refunds", Data: []refundJSON{}}
	after := p.Get("starting_after")
	started := after == ""
	for i := len(all) - 1; i >= 0; i-- {
		if !started {
			started = all[i].id == after
			continue
		}
		if len(list.Data) == limit {
			list.HasMore = true
			break
		}
		list.Data = append(list.Data, refundObject(all[i]))
	}
	return list, nil
}

// hasParam reports whether any parameter is named prefix or under it.
func hasParam(p url.Values, prefix string) bool {
	for k := range p {
		if k == prefix || strings.HasPrefix(k, prefix+"[") {
			return true
		}
	}
	return false
}

// metadata returns the members of a hash parameter: metadata[k]=v.
func metadata(p url.Values, name string) map[string]string {
	m := map[string]string{}
	for k, v := range p {
		if key, ok := strings.CutPrefix(k, name+"["); ok && strings.HasSuffix(key, "]") {
			m[strings.TrimSuffix(key, "]")] = v[0]
		}
	}
	return m
}

// expansions returns the paths an expand[] parameter names.
func expansions(p url.Values) map[string]bool {
	ex := map[string]bool{}
	for k, v := range p {
		if k == "expand" || strings.HasPrefix(k, "expand[") {
			for _, path := range v {
				ex[path] = true
			}
		}
	}
	return ex
}

// payPage is the fake's stand-in for Stripe's hosted checkout page: the
// session's amount and state, and buttons that play the buyer.
func (f *Fake) payPage(w http.ResponseWriter, r *http.Request) {
	st, err := f.State(r.PathValue("id"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><title>Stripe test checkout</title><h1>TEST MODE: %s</h1><p>%s</p>
<form method=post action="%s/pay"><button>Pay</button></form><form method=post action="%s/decline"><button>Decline</button></form>`,
		html.EscapeString(genuine.FormatMoney(st.Amount, st.Currency)), st.Status, html.EscapeString(r.URL.Path), html.EscapeString(r.URL.Path))
}

// payAction presses a button of payPage: pay or decline.
func (f *Fake) payAction(w http.ResponseWriter, r *http.Request) {
	var err error
	switch r.PathValue("action") {
	case "pay":
		err = f.Pay(r.Context(), r.PathValue("id"))
	case "decline":
		err = f.Decline(r.Context(), r.PathValue("id"))
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, genuine.ErrorMessage(err), http.StatusConflict)
		return
	}
	http.Redirect(w, r, "/c/pay/"+r.PathValue("id"), http.StatusSeeOther)
}
