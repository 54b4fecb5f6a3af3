package web

import (
	"net/http"

	"genuine"
	"genuine/web/i18n"
)

// switchLang handles POST /lang, the language switch every page shows: a
// form with lang ("en", "zh-CN") and next, the page to go back to. It
// remembers the choice for a year in a cookie any page reads (pageLang)
// and answers 303 to next, a path of this server.
func (s *Server) switchLang(w http.ResponseWriter, r *http.Request, _ *genuine.Principal) error {
	form, err := s.form(w, r)
	if err != nil {
		return err
	}
	l, ok := i18n.ParseLang(form.Get("lang"))
	if !ok {
		return genuine.Errorf(genuine.EInvalid, "lang must be one of en, zh-CN")
	}
	http.SetCookie(w, &http.Cookie{
		Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteLaxMode,
	})
	seeOther(w, localPath(form.Get("next")))
	return nil
}
