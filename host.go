package genuine

import "strings"

// WarningForeignHost warns that a code is a Digital Link URI under a host
// that is neither its brand's link host nor this server's: a resolver that
// may show a genuine code to sell a fake. It is also the reason code of
// the host rule of policies.
const WarningForeignHost = "foreign_host"

// Warning is something a verification found that does not make a code
// less authentic but that its reader should know.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// foreignHostMessage says what a code under a foreign host means.
func foreignHostMessage(host string) string {
	return "the code points to " + host + ", which is not the brand's: the page it opens may not be the brand's"
}

// foreignHost returns the host of code if code is an http(s) URI whose
// host is neither the host of the brand's link stem nor that of this
// server's public URL (where codes of brands without a stem point, and
// which resolves every brand's codes); "" otherwise. Hosts compare without
// case, port or a trailing dot.
func (a *App) foreignHost(code string, rule CodeRule) string {
	host := uriHost(code)
	if host == "" || strings.EqualFold(host, uriHost(a.baseURL)) ||
		rule.LinkStem != "" && strings.EqualFold(host, uriHost(rule.LinkStem)) {
		return ""
	}
	return host
}

// uriHost returns the host of an http or https URI, without user
// information, port or trailing dot; "" if s is not such a URI.
func uriHost(s string) string {
	var rest string
	switch {
	case len(s) > 7 && strings.EqualFold(s[:7], "http://"):
		rest = s[7:]
	case len(s) > 8 && strings.EqualFold(s[:8], "https://"):
		rest = s[8:]
	default:
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.Contains(rest[i:], "]") {
		rest = rest[:i]
	}
	return strings.TrimSuffix(rest, ".")
}
