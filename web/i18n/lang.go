// Package i18n holds what genuine's pages say to people, in English and
// Simplified Chinese: one catalogue of page words and of the refusal
// reasons, alerts and errors genuine produces, written as a cashier or a
// shopper understands them; the choice of language from Accept-Language and
// a remembered switch; money as people write it (¥35.00); and times in a
// merchant's time zone.
package i18n

import (
	"strconv"
	"strings"
)

// Lang is a language genuine's pages are written in: EN or ZH.
type Lang string

// The languages of the catalogue. EN is the default.
const (
	EN Lang = "en"    // English
	ZH Lang = "zh-CN" // Simplified Chinese, as written in mainland China
)

// Cookie names the cookie that remembers the language a person chose
// with the switch genuine's pages show.
const Cookie = "genuine_lang"

// Langs returns the languages of the catalogue, the default first.
func Langs() []Lang { return []Lang{EN, ZH} }

// Name returns the language's name written in that language, as a switch
// between languages shows it: "English", "简体中文".
func (l Lang) Name() string {
	if l == ZH {
		return "简体中文"
	}
	return "English"
}

// ParseLang returns the catalogue's language for a language tag such as
// "en-GB", "zh", "zh-Hans-CN" or "zh-TW" (compared without case), and false
// for a tag of a language the catalogue lacks. Every Chinese tag gives ZH,
// the only Chinese the catalogue has.
func ParseLang(tag string) (Lang, bool) {
	primary, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
	primary, _, _ = strings.Cut(primary, "_")
	switch strings.ToLower(primary) {
	case "en":
		return EN, true
	case "zh":
		return ZH, true
	}
	return "", false
}

// Negotiate returns the language to show: the remembered choice (a
// cookie set by the language switch) if it names a language of the
// catalogue; else the first language of the catalogue in Accept-Language
// by preference, ties in the header's order, "*" meaning EN and q=0 or a
// malformed q excluding its tag; else EN.
func Negotiate(acceptLanguage, remembered string) Lang {
	if l, ok := ParseLang(remembered); ok {
		return l
	}
	best, bestQ := EN, 0.0
	for part := range strings.SplitSeq(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.TrimSpace(tag)
		q, ok := quality(params)
		if !ok || q <= bestQ {
			continue
		}
		if tag == "*" {
			best, bestQ = EN, q
		} else if l, ok := ParseLang(tag); ok {
			best, bestQ = l, q
		}
	}
	return best
}

// quality returns the q-value of an Accept-Language entry's parameters
// ("q=0.8"; 1 if there is none), and false if it is malformed or outside
// 0 to 1.
func quality(params string) (float64, bool) {
	params = strings.TrimSpace(params)
	if params == "" {
		return 1, true
	}
	name, value, ok := strings.Cut(params, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
		return 0, false
	}
	q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || q < 0 || q > 1 {
		return 0, false
	}
	return q, true
}
