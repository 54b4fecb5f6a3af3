package i18n_test

import (
	"testing"

	"genuine/web/i18n"
)

func TestNegotiate(t *testing.T) {
	for _, c := range []struct {
		accept, remembered string
		want               i18n.Lang
	}{
		{"", "", i18n.EN},
		{"zh-CN,zh;q=0.9,en;q=0.8", "", i18n.ZH},
		{"zh", "", i18n.ZH},
		{"zh-Hans", "", i18n.ZH},
		{"zh-TW", "", i18n.ZH},
		{"zh-Hant-HK", "", i18n.ZH},
		{"ZH-cn", "", i18n.ZH},
		{"en-GB,en;q=0.9", "", i18n.EN},
		{"en-US,en;q=0.9,zh-CN;q=0.8", "", i18n.EN},
		// Preference by q, not by order.
		{"en;q=0.5, zh;q=0.9", "", i18n.ZH},
		{"en;q=0.5,zh", "", i18n.ZH},
		// Ties keep the header's order.
		{"zh;q=0.7, en;q=0.7", "", i18n.ZH},
		{"en;q=0.7, zh;q=0.7", "", i18n.EN},
		// Languages the catalogue lacks are skipped.
		{"fr-FR, zh;q=0.5", "", i18n.ZH},
		{"fr, de", "", i18n.EN},
		// q=0 refuses a language; a malformed q drops its entry.
		{"zh;q=0, en;q=0.1", "", i18n.EN},
		{"zh;q=0", "", i18n.EN},
		{"zh;q=abc, en;q=0.1", "", i18n.EN},
		{"zh;q=2, en;q=0.1", "", i18n.EN},
		{"zh; q=0.8", "", i18n.ZH},
		{"*", "", i18n.EN},
		{"*;q=0.9, zh", "", i18n.ZH},
		{" , ;q=1, zh", "", i18n.ZH},
		// A remembered choice wins over the header, if it names a language.
		{"zh-CN", "en", i18n.EN},
		{"en", "zh-CN", i18n.ZH},
		{"", "zh", i18n.ZH},
		{"zh-CN", "fr", i18n.ZH},
		{"zh-CN", "nonsense", i18n.ZH},
	} {
		if got := i18n.Negotiate(c.accept, c.remembered); got != c.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", c.accept, c.remembered, got, c.want)
		}
	}
}

func TestLangName(t *testing.T) {
	if got := i18n.ZH.Name(); got != "简体中文" {
		t.Errorf("ZH.Name() = %q", got)
	}
	if got := i18n.EN.Name(); got != "English" {
		t.Errorf("EN.Name() = %q", got)
	}
	if got := i18n.Langs(); len(got) != 2 || got[0] != i18n.EN || got[1] != i18n.ZH {
		t.Errorf("Langs() = %q, want [en zh-CN]", got)
	}
}
