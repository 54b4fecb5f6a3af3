package i18n

import "testing"

func TestRegionName(t *testing.T) {
	for _, tt := range []struct {
		l          Lang
		code, want string
	}{
		{EN, "CN-GD", "Guangdong"},
		{ZH, "CN-GD", "广东"},
		{ZH, "cn-bj", "北京"},
		{EN, "CN-GD-SZ", "CN-GD-SZ"}, // not listed: its code
		{ZH, "XX", "XX"},
	} {
		if got := RegionName(tt.l, tt.code); got != tt.want {
			t.Errorf("RegionName(%s, %s) = %q, want %q", tt.l, tt.code, got, tt.want)
		}
	}
	if n := RegionNames(ZH); n["CN-SH"] != "上海" || len(n) != len(regionNames) {
		t.Errorf("RegionNames: %d names, CN-SH %q", len(n), n["CN-SH"])
	}
	for code, name := range regionNames {
		if !hasHan(name.ZH) || hasHan(name.EN) {
			t.Errorf("%s: %q / %q", code, name.EN, name.ZH)
		}
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
