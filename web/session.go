package web

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"genuine"
)

// sessionCookie names the cookie that holds a browser session's token.
// Pages read it (sessionPrincipal), and the API takes it in place of an
// Authorization header (authenticate), so that a page's script calls the
// API as the person signed in.
const sessionCookie = "genuine_session"

// loginPage is what the sign-in page shows: a message after a failed
// attempt (a key of the catalogue), never the key tried.
type loginPage struct {
	Message string
}

// loginForm handles GET /login: the sign-in form.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	s.pages.render(w, r, http.StatusOK, "login.html", loginPage{})
	return nil
}

// login handles POST /login, a form with an API key: it opens a session,
// sets its cookie and sends the browser on to ?next=, a path of this
// server, or to /. A key that does not work shows the form again with 401.
// Failures count against the client's address as a bad Authorization
// header does, and a client that has failed too often is refused before
// its key is tried.
func (s *Server) login(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	key, err := s.formKey(w, r)
	if err != nil {
		return err
	}
	client := s.clientOf(r)
	if empty, wait := s.authLimiter.empty(client); empty {
		s.tooMany(w, r, wait, "too many failed sign-ins from your address", true)
		return nil
	}
	token, session, err := s.app.SignIn(r.Context(), key)
	if genuine.ErrorCode(err) == genuine.EUnauthorized {
		s.authLimiter.allow(client)
		// As for every 401 of the server; a browser shows no prompt for it.
		w.Header().Set("WWW-Authenticate", `Bearer realm="genuine"`)
		s.pages.render(w, r, http.StatusUnauthorized, "login.html",
			loginPage{Message: "key_did_not_work"})
		return nil
	}
	if err != nil {
		return err
	}
	info(r).keyID = session.KeyID
	http.SetCookie(w, s.sessionCookie(r, token, int(session.ExpiresAt.Sub(session.CreatedAt)/time.Second)))
	seeOther(w, localPath(r.URL.Query().Get("next")))
	return nil
}

// formKey returns the key field of a sign-in form (form). The key is
// read from the body only, never from the URL.
func (s *Server) formKey(w http.ResponseWriter, r *http.Request) (string, error) {
	form, err := s.form(w, r)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(form.Get("key")), nil
}

// form returns the fields of a form a page posts: an
// application/x-www-form-urlencoded body within the size limit, never the
// URL's query. A body that does not parse has no fields.
func (s *Server) form(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, httpError(http.StatusUnsupportedMediaType, genuine.EInvalid, "the form must be sent as application/x-www-form-urlencoded (got %.60q)", ct)
	}
	body, err := readBody(w, r, s.cfg.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return url.Values{}, nil
	}
	return form, nil
}

// logout handles POST /logout: it ends the browser's session, if any,
// clears its cookie and sends the browser to the sign-in page.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.app.SignOut(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, s.sessionCookie(r, "", -1))
	seeOther(w, "/login")
	return nil
}

// sessionPrincipal returns the caller of a page request from its session
// cookie, as genuine.App.SessionPrincipal does: EUnauthorized without a
// session that works.
func (s *Server) sessionPrincipal(r *http.Request) (*genuine.Principal, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, genuine.Errorf(genuine.EUnauthorized, "you are not signed in")
	}
	return s.app.SessionPrincipal(r.Context(), c.Value)
}

// sessionCookie returns the session cookie holding token for maxAge
// seconds; a negative maxAge deletes it. Strict SameSite keeps it off
// every request another site starts, links included; it is Secure when
// the browser reached the server over HTTPS.
func (s *Server) sessionCookie(r *http.Request, token string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteStrictMode,
	}
}

// https reports whether the browser reached the server over HTTPS: the
// request came over TLS, or from a trusted proxy (Config.TrustedProxies)
// whose X-Forwarded-Proto, the last value it set, says https. Anyone
// else's X-Forwarded-Proto is ignored.
func (s *Server) https(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !s.trusted(parseAddr(r.RemoteAddr)) {
		return false
	}
	protos := r.Header.Values("X-Forwarded-Proto")
	if len(protos) == 0 {
		return false
	}
	last := protos[len(protos)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.EqualFold(strings.TrimSpace(last), "https")
}

// localPath returns next if it is a path of this server — it begins with
// one "/" and is neither "//host" nor "/\host", which browsers read as
// another host — and "/" otherwise, so that a sign-in link cannot send
// the browser to another site.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\x00\t\r\n") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" {
		return "/"
	}
	return next
}

// seeOther answers 303 See Other to path, a path of this server.
func seeOther(w http.ResponseWriter, path string) {
	w.Header().Set("Location", path)
	w.WriteHeader(http.StatusSeeOther)
}
