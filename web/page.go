package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"time"

	"genuine/web/i18n"
)

//go:embed templates
var templateFS embed.FS

// langCookie names the cookie that remembers the language a person chose
// with the switch every page shows.
const langCookie = i18n.Cookie

// pages holds the HTML pages, parsed once from the embedded templates for
// each language of the catalogue: a page's words come from template
// functions bound to its language ({{t "pay"}}, {{reason .Code nil}},
// {{money .Total .Currency}}).
type pages struct {
	tmpl map[i18n.Lang]*template.Template
	// csp is the Content-Security-Policy of every page: scripts, styles
	// and images from this server only, besides the shared inline style,
	// named by its hash, and data: images (QR codes); fetches, event
	// streams and forms to this server only; never framed.
	csp string
	// log hears of pages that fail to render; nil discards.
	log *slog.Logger
}

// page is what every page's template is given: the language it is
// written in, its title, its own path (for the language switch to come
// back to) and the page's own data, Data.
type page struct {
	Lang  i18n.Lang
	Title string
	Path  string
	Data  any
}

// Other returns the language the switch offers: the one not shown.
func (p page) Other() i18n.Lang {
	if p.Lang == i18n.ZH {
		return i18n.EN
	}
	return i18n.ZH
}

// mustParsePages parses the embedded templates.
func mustParsePages() *pages {
	css, err := templateFS.ReadFile("templates/page.css")
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(css)
	p := &pages{tmpl: map[i18n.Lang]*template.Template{}}
	for _, l := range i18n.Langs() {
		p.tmpl[l] = template.Must(template.New("").Funcs(pageFuncs(l, css)).ParseFS(templateFS, "templates/*.html"))
	}
	p.csp = "default-src 'none'; script-src 'self'; style-src 'self' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; " +
		"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	return p
}

// pageFuncs returns the template functions of the pages in language l.
func pageFuncs(l i18n.Lang, css []byte) template.FuncMap {
	funcs := template.FuncMap{
		"css":    func() template.CSS { return template.CSS(css) },
		"static": staticURL,
		// t is a page word of the catalogue, formatted with args.
		"t": func(key string, args ...any) string { return i18n.T(l, i18n.Key(key), args...) },
		// reason is what a reason, alert or error code means.
		"reason": func(code string, detail map[string]string) string { return i18n.Reason(l, code, detail) },
		// money is an amount in minor units as people write it: ¥35.00.
		"money": func(minor int64, currency string) string { return i18n.Money(l, minor, currency) },
		// when is a time in the time zone named by zone (UTC for ""),
		// date its day.
		"when": func(t time.Time, zone string) string { return i18n.FormatTime(l, t, i18n.Zone(zone)) },
		"date": func(t time.Time, zone string) string { return i18n.FormatDate(l, t, i18n.Zone(zone)) },
		// titled is the page with its title set to a page word.
		"titled": func(p page, key string) page { p.Title = i18n.T(l, i18n.Key(key)); return p },
	}
	maps.Copy(funcs, resolverFuncs(l))
	return funcs
}

// render writes the page named name with data, in the language the
// request asks for (pageLang). The page is rendered in full before
// anything is written, so a template error is a clean 500.
func (p *pages) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	pg := page{Lang: pageLang(r), Path: r.URL.RequestURI(), Data: data}
	var buf bytes.Buffer
	if err := p.tmpl[pg.Lang].ExecuteTemplate(&buf, name, pg); err != nil {
		if p.log != nil {
			p.log.ErrorContext(r.Context(), "page failed to render", "page", name, "lang", pg.Lang, "err", err)
		}
		http.Error(w, "internal error: the page cannot be shown", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", p.csp)
	h.Set("Content-Language", string(pg.Lang))
	h.Add("Vary", "Accept-Language, Cookie")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// pageLang returns the language of the page a request asks for: the one
// the person chose with the switch, else the best of Accept-Language.
func pageLang(r *http.Request) i18n.Lang {
	var remembered string
	if c, err := r.Cookie(langCookie); err == nil {
		remembered = c.Value
	}
	return i18n.Negotiate(r.Header.Get("Accept-Language"), remembered)
}
