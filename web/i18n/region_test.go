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
