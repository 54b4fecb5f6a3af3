package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"genuine"
)

//go:embed templates
var templateFS embed.FS

// pages holds the HTML pages, parsed once from the embedded templates.
type pages struct {
	tmpl *template.Template
	// csp is the Content-Security-Policy of every page: nothing may load
	// but the page's own inline style, named by its hash. formCSP is the
	// same for a page with a form, which it lets post to this server only.
	csp, formCSP string
}

// mustParsePages parses the embedded templates.
func mustParsePages() *pages {
	css, err := templateFS.ReadFile("templates/page.css")
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(css)
	funcs := template.FuncMap{
		"css":          func() template.CSS { return template.CSS(css) },
		"stateWords":   stateWords,
		"stateWarns":   stateWarns,
		"reasonWords":  reasonWords,
		"eventWords":   eventWords,
		"when":         func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") },
		"day":          func(d genuine.Date) string { return d.Time().Format("2 January 2006") },
		"plural":       plural,
		"statusNumber": strconv.Itoa,
	}
	tmpl := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))
	csp := func(formAction string) string {
		return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
			"img-src data:; base-uri 'none'; form-action " + formAction + "; frame-ancestors 'none'"
	}
	return &pages{tmpl: tmpl, csp: csp("'none'"), formCSP: csp("'self'")}
}

// render writes the page named name with data. The page is rendered in
// full before anything is written, so a template error is a clean 500.
func (p *pages) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	p.write(w, status, name, data, p.csp)
}

// renderForm writes a page with a form, as render does, under formCSP.
func (p *pages) renderForm(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	p.write(w, status, name, data, p.formCSP)
}

// write renders the page named name with data and writes it under the
// Content-Security-Policy csp.
func (p *pages) write(w http.ResponseWriter, status int, name string, data any, csp string) {
	var buf bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "internal error: the page cannot be shown", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// stateWords says what a unit's state means to someone holding it.
func stateWords(s genuine.UnitState) string {
	switch s {
	case genuine.StateCommissioned:
		return "Not released for sale by the brand yet"
	case genuine.StateInChannel:
		return "Released for sale"
	case genuine.StateReserved:
		return "Being paid for at a till"
	case genuine.StateSold:
		return "Sold to a customer"
	case genuine.StateConsumed:
		return "Already opened or used"
	case genuine.StateStolen:
		return "Reported stolen"
	case genuine.StateDestroyed:
		return "Reported destroyed"
	case genuine.StateLocked:
		return "Under investigation by the brand"
	case genuine.StateReturned:
		return "Returned by a customer"
	case genuine.StateRecalled:
		return "Recalled by the brand: do not use it"
	case genuine.StateWithdrawn:
		return "Withdrawn from sale by the brand"
	}
	return string(s)
}

// stateWarns reports whether a state should alarm someone about to buy or
// use the unit, so that the page shows it as a warning.
func stateWarns(s genuine.UnitState) bool {
	switch s {
	case genuine.StateInChannel, genuine.StateReserved, genuine.StateSold, genuine.StateReturned:
		return false
	}
	return true
}

// reasonWords explains why a code is not authentic.
func reasonWords(reason string) string {
	switch reason {
	case genuine.ReasonInvalidCode:
		return "This code does not name a product and a serial number."
	case genuine.ReasonUnknownProduct:
		return "No brand here makes a product with this number."
	case genuine.ReasonCounterfeit:
		return "The brand did not issue this code. The product may be counterfeit."
	case genuine.ReasonBatchMismatch:
		return "The lot or expiry date in this code does not match the brand's records. The label may be forged."
	case genuine.ReasonKeyRevoked:
		return "The brand withdrew the key this code was made with, after it leaked. The code cannot be trusted."
	}
	return "This code could not be confirmed."
}

// eventWords names a step of a unit's journey.
func eventWords(t genuine.EventType) string {
	switch t {
	case genuine.EventCommission:
		return "Made and labelled"
	case genuine.EventRelease:
		return "Released for sale"
	case genuine.EventShip:
		return "Shipped"
	case genuine.EventReceive:
		return "Received"
	case genuine.EventRecall:
		return "Recalled"
	case genuine.EventWithdraw:
		return "Withdrawn from sale"
	case genuine.EventDestroy:
		return "Destroyed"
	case genuine.EventStolen:
		return "Reported stolen"
	case genuine.EventConsume:
		return "Opened or used"
	case genuine.EventLock:
		return "Put under investigation"
	case genuine.EventUnlock:
		return "Investigation closed"
	case genuine.EventReturn:
		return "Returned"
	case genuine.EventRestock:
		return "Back on sale"
	case genuine.EventReserve:
		return "Reserved at a till"
	case genuine.EventUnreserve:
		return "Released by a till"
	case genuine.EventSell:
		return "Sold"
	case genuine.EventRefund:
		return "Refunded"
	}
	return string(t)
}

// plural returns "1 time" or "n times".
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}
