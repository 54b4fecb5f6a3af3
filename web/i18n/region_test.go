package i18n

import (
	"strings"
	"testing"
)

func TestPlace(t *testing.T) {
	for _, c := range []struct {
		l            Lang
		region, want string
	}{
		{EN, "CN", "China"},
		{ZH, "CN", "中国"},
		{EN, "CN-GD", "Guangdong, China"},
		{ZH, "CN-GD", "中国广东"},
		{EN, "CN-GD-SZ", "Shenzhen, Guangdong, China"},
		{ZH, "CN-GD-SZ", "中国广东深圳"},
		{ZH, "HK", "中国香港"},
		{EN, "CN-GD-XX", "CN-GD-XX"},
		{ZH, "US-CA", "US-CA"},
		{EN, "GLN 9520123456781", "GLN 9520123456781"},
		{EN, "", ""},
	} {
		if got := Place(c.l, c.region); got != c.want {
			t.Errorf("Place(%s, %q) = %q, want %q", c.l, c.region, got, c.want)
		}
	}
	for code, name := range places {
		if !hasHan(name.ZH) || hasHan(name.EN) || strings.TrimSpace(name.EN) == "" {
			t.Errorf("%s: %+v lacks a name in a language", code, name)
		}
	}
}

func TestRegionName(t *testing.T) {
	for _, tt := range []struct {
		l          Lang
		code, want string
	}{
		{EN, "CN-GD", "Guangdong"},
		{ZH, "CN-GD", "广东"},
		{ZH, "cn-bj", "北京"},
		{EN, "CN-GD-XX", "CN-GD-XX"}, // not listed: its code
		{ZH, "XX", "XX"},
	} {
		if got := RegionName(tt.l, tt.code); got != tt.want {
			t.Errorf("RegionName(%s, %s) = %q, want %q", tt.l, tt.code, got, tt.want)
		}
	}
	if n := RegionNames(ZH); n["CN-SH"] != "上海" || len(n) != len(places) {
		t.Errorf("RegionNames: %d names, CN-SH %q", len(n), n["CN-SH"])
	}
}

func TestSymbolAndMessages(t *testing.T) {
	if s, ok := Symbol(ZH, "JPY"); s != "JP¥" || !ok {
		t.Errorf("Symbol(zh-CN, JPY) = %q, %v", s, ok)
	}
	if _, ok := Symbol(EN, "KWD"); ok {
		t.Error("KWD has a symbol")
	}
	m := Messages(ZH, "reason.")
	if m["already_sold.detail"] != "已于{date}在{shop}售出" || m["unknown"] == "" {
		t.Errorf("Messages(zh-CN, reason.): %q", m["already_sold.detail"])
	}
	for k := range m {
		if !Has(Key("reason." + k)) {
			t.Errorf("Messages gives %q, not a key without its prefix", k)
		}
	}
}
