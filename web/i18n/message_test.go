package i18n_test

import (
	"testing"

	"genuine/web/i18n"
)

func TestT(t *testing.T) {
	for _, c := range []struct {
		lang i18n.Lang
		key  i18n.Key
		args []any
		want string
	}{
		{i18n.EN, "pay", nil, "Pay"},
		{i18n.ZH, "pay", nil, "付款"},
		{i18n.EN, "verified_times", []any{3}, "Verified 3 times before"},
		{i18n.ZH, "verified_times", []any{3}, "此前已被验证 3 次"},
		{"fr", "pay", nil, "Pay"}, // a language the catalogue lacks reads English
		{i18n.ZH, "no_such_key", nil, "no_such_key"},
	} {
		if got := i18n.T(c.lang, c.key, c.args...); got != c.want {
			t.Errorf("T(%s, %s, %v) = %q, want %q", c.lang, c.key, c.args, got, c.want)
		}
	}
	if !i18n.Has("pay") || i18n.Has("no_such_key") {
		t.Error(`Has("pay") should be true and Has("no_such_key") false`)
	}
}

func TestReason(t *testing.T) {
	sold := map[string]string{"date": "3 Dec 2026", "shop": "Shop X"}
	for _, c := range []struct {
		lang   i18n.Lang
		code   string
		detail map[string]string
		want   string
	}{
		{i18n.EN, "already_sold", nil, "Already sold"},
		{i18n.ZH, "already_sold", nil, "已售出"},
		{i18n.EN, "already_sold", sold, "Already sold on 3 Dec 2026 at Shop X"},
		{i18n.ZH, "already_sold", map[string]string{"date": "2026年12月3日", "shop": "X店"}, "已于2026年12月3日在X店售出"},
		// A detail missing or empty gives the plain text, never a hole.
		{i18n.EN, "already_sold", map[string]string{"date": "3 Dec 2026"}, "Already sold"},
		{i18n.EN, "already_sold", map[string]string{"date": "3 Dec 2026", "shop": ""}, "Already sold"},
		{i18n.ZH, "outside_region", nil, "该批次不在本地区销售"},
		{i18n.EN, "outside_region", map[string]string{"regions": "Guangdong"}, "For sale only in Guangdong"},
		{i18n.ZH, "price_out_of_range", map[string]string{"min": "¥30.00", "max": "¥40.00"}, "售价不在品牌规定的 ¥30.00 至 ¥40.00 范围内"},
		{i18n.EN, "counterfeit_suspected", map[string]string{"shop": "ignored"}, "Not genuine: the brand never issued this code"},
		{i18n.EN, "no_such_code", nil, "Refused (no_such_code)"},
		{i18n.ZH, "no_such_code", nil, "不予通过（no_such_code）"},
	} {
		if got := i18n.Reason(c.lang, c.code, c.detail); got != c.want {
			t.Errorf("Reason(%s, %s, %v) = %q, want %q", c.lang, c.code, c.detail, got, c.want)
		}
	}
}
