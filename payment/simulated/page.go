package simulated

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"genuine"
	"genuine/web/i18n"
)

//go:embed page
var pageFS embed.FS

// parsePage parses the pay page once for each language of the catalogue,
// its words bound to it ({{t "pay"}}, {{money .Amount .Currency}}), and
// returns it with the page's Content-Security-Policy: nothing loads, the
// one inline style is allowed by its hash, and forms post only to this
// server.
func parsePage() (map[i18n.Lang]*template.Template, string) {
	css, err := pageFS.ReadFile("page/page.css")
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(css)
	pages := map[i18n.Lang]*template.Template{}
	for _, l := range i18n.Langs() {
		funcs := template.FuncMap{
			"css":   func() template.CSS { return template.CSS(css) },
			"t":     func(key string, args ...any) string { return i18n.T(l, i18n.Key(key), args...) },
			"money": func(minor int64, currency string) string { return i18n.Money(l, minor, currency) },
			"when":  func(t time.Time, zone string) string { return i18n.FormatTime(l, t, i18n.Zone(zone)) },
		}
		pages[l] = template.Must(template.New("page.html").Funcs(funcs).ParseFS(pageFS, "page/page.html"))
	}
	csp := "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	return pages, csp
}

// pageLang returns the language a request asks for: the one its person
// chose with the switch of genuine's pages (the cookie i18n.Cookie, sent
// here too, since the provider's pages are on genuine's server), else
// the best of Accept-Language.
func pageLang(r *http.Request) i18n.Lang {
	var remembered string
	if c, err := r.Cookie(i18n.Cookie); err == nil {
		remembered = c.Value
	}
	return i18n.Negotiate(r.Header.Get("Accept-Language"), remembered)
}

// Handler returns the pay pages, to be mounted at "/pay/simulated/"
// without stripping the prefix:
//
//	GET  /pay/simulated/{reference}          the pay page; 404 page for an unknown payment
//	POST /pay/simulated/{reference}/pay      Pay, then 303 back to the page
//	POST /pay/simulated/{reference}/decline  Decline, then 303 back to the page
//
// A POST with "Accept: application/json" is answered 200 {"reference",
// "status"} instead of the redirect, and its errors as problem+json (404,
// 409). Pages set their own Content-Security-Policy.
func (p *Provider) Handler() http.Handler { return p.handler }

func (p *Provider) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pay/simulated/{reference}", p.servePage)
	mux.HandleFunc("POST /pay/simulated/{reference}/pay", p.press(genuine.PaymentPaid))
	mux.HandleFunc("POST /pay/simulated/{reference}/decline", p.press(genuine.PaymentFailed))
	return mux
}

// pageData is what the pay page shows.
type pageData struct {
	Lang        i18n.Lang
	Found       bool
	Reference   string
	Amount      int64 // minor units
	Currency    string
	Description string
	Shop        string
	Lines       []genuine.PaymentLine
	State       string // the payment's status, or "expired" for a pending one past its expiry
	Open        bool   // payable: show the buttons
	ExpiresAt   time.Time
	Zone        string // the time zone of the shop, for ExpiresAt
	Message     string // why the last press failed
	QR          template.HTML
}

func (p *Provider) servePage(w http.ResponseWriter, r *http.Request) {
	p.renderPage(w, r, http.StatusOK, r.PathValue("reference"), "")
}

// press returns the handler of a button that settles a payment as to.
func (p *Provider) press(to genuine.PaymentStatus) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ref := r.PathValue("reference")
		err := p.settle(r.Context(), ref, to)
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			if err != nil {
				p.writeProblem(w, err)
				return
			}
			writeJSON(w, http.StatusOK, map[string]string{"reference": ref, "status": string(to)})
			return
		}
		if err != nil {
			p.renderPage(w, r, errorStatus(err), ref, genuine.ErrorMessage(err))
			return
		}
		// Relative to …/{reference}/pay, so it holds wherever the server is mounted.
		w.Header().Set("Location", "../"+ref)
		w.WriteHeader(http.StatusSeeOther)
	}
}

// renderPage writes the page of a payment, or the not-found page, with the
// given status.
func (p *Provider) renderPage(w http.ResponseWriter, r *http.Request, status int, ref, message string) {
	data := pageData{Message: message}
	pm, zone, err := p.paymentAndZone(r.Context(), ref)
	switch {
	case genuine.ErrorCode(err) == genuine.ENotFound:
		status = http.StatusNotFound
	case err != nil:
		p.log.ErrorContext(r.Context(), "simulated pay page", "reference", ref, "err", err)
		http.Error(w, "internal error: the page cannot be shown", http.StatusInternalServerError)
		return
	default:
		data = p.pageData(pm, zone, message)
	}
	data.Lang = pageLang(r)
	var buf bytes.Buffer
	if err := p.pages[data.Lang].Execute(&buf, data); err != nil {
		p.log.ErrorContext(r.Context(), "simulated pay page", "reference", ref, "err", err)
		http.Error(w, "internal error: the page cannot be shown", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", p.csp)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", string(data.Lang))
	h.Add("Vary", "Accept-Language, Cookie")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (p *Provider) pageData(pm *payment, zone, message string) pageData {
	d := pageData{
		Found:       true,
		Reference:   pm.Reference,
		Amount:      pm.Amount,
		Currency:    pm.Currency,
		Description: pm.Description,
		Shop:        pm.Shop,
		Lines:       pm.Lines,
		State:       string(pm.Status),
		ExpiresAt:   pm.ExpiresAt,
		Zone:        zone,
		Message:     message,
	}
	expired := pm.Status == genuine.PaymentPending && !p.now().Before(pm.ExpiresAt)
	d.Open = pm.Status == genuine.PaymentPending && !expired
	if expired {
		d.State = "expired"
	}
	svg, err := qrSVG(p.PayURL(pm.Reference))
	if err != nil {
		p.log.Error("simulated pay page QR code", "reference", pm.Reference, "err", err)
	}
	d.QR = svg
	return d
}

// paymentAndZone returns a stored payment and the time zone of its
// merchant ("" if it has none, or there is no such merchant), in which
// its page shows times.
func (p *Provider) paymentAndZone(ctx context.Context, reference string) (*payment, string, error) {
	pm, err := p.payment(ctx, reference)
	if err != nil || pm.MerchantID == "" {
		return pm, "", err
	}
	var zone string
	err = p.store.View(ctx, func(tx genuine.Tx) error {
		m, err := tx.Merchant(ctx, pm.MerchantID)
		if err == nil {
			zone = m.TimeZone
		} else if genuine.ErrorCode(err) == genuine.ENotFound {
			err = nil
		}
		return err
	})
	return pm, zone, err
}

// qrSVG returns a QR code of content as an inline SVG image: a white
// square with one black path of the dark modules, a row's runs as
// rectangles, quiet zone included.
func qrSVG(content string) (template.HTML, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return "", err
	}
	bits := q.Bitmap()
	n := strconv.Itoa(len(bits))
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + n + " " + n +
		`" width="240" height="240" shape-rendering="crispEdges" role="img" aria-label="QR code of this page">`)
	b.WriteString(`<rect width="` + n + `" height="` + n + `" fill="#fff"/><path fill="#000" d="`)
	for y, row := range bits {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			b.WriteString("M" + strconv.Itoa(x) + " " + strconv.Itoa(y) + "h" + strconv.Itoa(run) + "v1h-" + strconv.Itoa(run) + "z")
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	// The SVG holds only numbers and fixed text, so it is safe as HTML.
	return template.HTML(b.String()), nil
}

// errorStatus is the HTTP status of an error from Pay or Decline.
func errorStatus(err error) int {
	switch genuine.ErrorCode(err) {
	case genuine.ENotFound:
		return http.StatusNotFound
	case genuine.EConflict:
		return http.StatusConflict
	case genuine.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// writeProblem writes err as problem+json in the shape of genuine's API:
// type, title, status, detail and the stable code.
func (p *Provider) writeProblem(w http.ResponseWriter, err error) {
	status := errorStatus(err)
	code := genuine.ErrorCode(err)
	var e *genuine.Error
	if !errors.As(err, &e) {
		p.log.Error("simulated payment", "err", err)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	writeJSON(w, status, map[string]any{
		"type":   "urn:genuine:problem:" + code,
		"title":  http.StatusText(status),
		"status": status,
		"detail": genuine.ErrorMessage(err),
		"code":   code,
	})
}

// writeJSON writes v as JSON with the given status, keeping a
// Content-Type already set.
func writeJSON(w http.ResponseWriter, status int, v any) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
