package i18n

import (
	"fmt"
	"strings"
)

// Key names a message of the catalogue. Page words have plain keys
// ("pay"); the text for a reason, alert or error code is "reason." and the
// code, and its variant with details "reason." code ".detail".
type Key string

// Text is one message in each language of the catalogue.
type Text struct {
	EN, ZH string
}

// in returns the text in language l, English for a language the catalogue
// lacks.
func (t Text) in(l Lang) string {
	if l == ZH {
		return t.ZH
	}
	return t.EN
}

// Has reports whether the catalogue has a message for key.
func Has(key Key) bool {
	_, ok := catalogue[key]
	return ok
}

// T returns the message key in language l, formatted with args by
// fmt.Sprintf if there are any (messages with arguments use explicit
// indexes, "%[1]d", so that each language may order them as it needs).
// A key the catalogue lacks gives the key itself, so that a page shows the
// mistake rather than nothing; TestCatalogue keeps every key in both
// languages.
func T(l Lang, key Key, args ...any) string {
	t, ok := catalogue[key]
	if !ok {
		return string(key)
	}
	if len(args) == 0 {
		return t.in(l)
	}
	return fmt.Sprintf(t.in(l), args...)
}

// Reason returns what a reason, alert or error code of genuine
// ("already_sold", "outside_region", "payment_mismatch" …) means, in
// language l, as a cashier or shopper understands it. If the code has a
// variant with details and detail gives every one it names ({date},
// {shop}, {regions} …, already formatted for l), that variant is
// returned: "Already sold on 3 Dec 2026 at Shop X"; otherwise the plain
// text: "Already sold". A code the catalogue lacks gives a general refusal
// that names the code.
func Reason(l Lang, code string, detail map[string]string) string {
	if t, ok := catalogue[Key("reason."+code+".detail")]; ok {
		if s, ok := fill(t.in(l), detail); ok {
			return s
		}
	}
	if t, ok := catalogue[Key("reason."+code)]; ok {
		return t.in(l)
	}
	s, _ := fill(catalogue["reason.unknown"].in(l), map[string]string{"code": code})
	return s
}

// fill replaces each {name} in s by detail[name], and reports false if a
// name has no value or an empty one.
func fill(s string, detail map[string]string) (string, bool) {
	var b strings.Builder
	for {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		n := strings.IndexByte(s[open:], '}')
		if n < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		v := detail[s[open+1:open+n]]
		if v == "" {
			return "", false
		}
		b.WriteString(s[:open])
		b.WriteString(v)
		s = s[open+n+1:]
	}
}

// Messages returns every message of the catalogue whose key starts with
// prefix, in language l, by key without the prefix: Messages(ZH,
// "reason.") gives a page's script the words of every reason, to fill
// with Fill as Reason does.
func Messages(l Lang, prefix string) map[string]string {
	out := make(map[string]string)
	for k, t := range catalogue {
		if rest, ok := strings.CutPrefix(string(k), prefix); ok {
			out[rest] = t.in(l)
		}
	}
	return out
}
