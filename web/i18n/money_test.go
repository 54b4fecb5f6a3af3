package i18n_test

import (
	"testing"

	"genuine/web/i18n"
)

func TestMoney(t *testing.T) {
	for _, c := range []struct {
		lang     i18n.Lang
		minor    int64
		currency string
		want     string
	}{
		{i18n.EN, 3500, "CNY", "¥35.00"},
		{i18n.ZH, 3500, "CNY", "¥35.00"},
		{i18n.EN, 3500, "USD", "$35.00"},
		{i18n.ZH, 3500, "USD", "$35.00"},
		{i18n.EN, 3500, "EUR", "€35.00"},
		{i18n.EN, 3500, "JPY", "¥3,500"},
		{i18n.ZH, 3500, "JPY", "JP¥3,500"}, // ¥ alone is yuan to a Chinese reader
		{i18n.EN, 35000, "KWD", "35.000 KWD"},
		{i18n.EN, 123456789, "CNY", "¥1,234,567.89"},
		{i18n.EN, 100000, "CNY", "¥1,000.00"},
		{i18n.EN, 99999, "CNY", "¥999.99"},
		{i18n.EN, 1, "CNY", "¥0.01"},
		{i18n.EN, 0, "USD", "$0.00"},
		{i18n.EN, -3500, "CNY", "-¥35.00"},
		{i18n.EN, -123456, "JPY", "-¥123,456"},
		{i18n.EN, 100000000, "KRW", "100,000,000 KRW"},
		{i18n.EN, 123456789, "CHF", "1,234,567.89 CHF"},
		{i18n.EN, 1234, "HKD", "HK$12.34"},
		{i18n.EN, 123450, "USD", "$1,234.50"},
	} {
		if got := i18n.Money(c.lang, c.minor, c.currency); got != c.want {
			t.Errorf("Money(%s, %d, %s) = %q, want %q", c.lang, c.minor, c.currency, got, c.want)
		}
	}
}
