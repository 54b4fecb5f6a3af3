package genuine

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestFormatMoney(t *testing.T) {
	for _, tt := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{3500, "CNY", "35.00 CNY"},
		{1999, "USD", "19.99 USD"},
		{5, "EUR", "0.05 EUR"},
		{0, "CNY", "0.00 CNY"},
		{-3500, "CNY", "-35.00 CNY"},
		{-5, "CNY", "-0.05 CNY"},
		{3500, "JPY", "3500 JPY"},
		{1000, "KRW", "1000 KRW"},
		{0, "VND", "0 VND"},
		{1, "KWD", "0.001 KWD"},
		{-1, "KWD", "-0.001 KWD"},
		{123456, "BHD", "123.456 BHD"},
		{math.MaxInt64, "CNY", "92233720368547758.07 CNY"},
		{math.MinInt64, "CNY", "-92233720368547758.08 CNY"},
		{3500, "XXX", "3500 XXX"},
		{3500, "cny", "3500 cny"},
	} {
		if got := FormatMoney(tt.minor, tt.currency); got != tt.want {
			t.Errorf("FormatMoney(%d, %q) = %q, want %q", tt.minor, tt.currency, got, tt.want)
		}
	}
}

// Every currency ValidCurrency accepts is written with its own number of
// decimal places, and the amount reads back as the same minor units.
func TestFormatMoneyEveryCurrency(t *testing.T) {
	if len(currencyDigits) < 150 {
		t.Fatalf("%d currencies; the table lost some", len(currencyDigits))
	}
	for code, digits := range currencyDigits {
		if !ValidCurrency(code) || digits < 0 || digits > 3 {
			t.Errorf("%s: %d digits, valid %v", code, digits, ValidCurrency(code))
		}
		for _, minor := range []int64{0, 1, 7, 99, 100, 123456789, -42} {
			got := FormatMoney(minor, code)
			amount, cur, ok := strings.Cut(got, " ")
			if !ok || cur != code {
				t.Errorf("FormatMoney(%d, %s) = %q: no currency code", minor, code, got)
				continue
			}
			_, frac, hasPoint := strings.Cut(amount, ".")
			if hasPoint != (digits > 0) || len(frac) != digits {
				t.Errorf("FormatMoney(%d, %s) = %q, want %d decimal places", minor, code, got, digits)
			}
			back, err := strconv.ParseInt(strings.Replace(amount, ".", "", 1), 10, 64)
			if err != nil || back != minor {
				t.Errorf("FormatMoney(%d, %s) = %q reads back as %d (%v)", minor, code, got, back, err)
			}
		}
	}
}

func TestDefaultCurrency(t *testing.T) {
	for region, want := range map[string]string{
		"CN-GD-SZ": "CNY", "HK": "HKD", "jp-13": "JPY", "FR-75": "EUR", "US-CA": "USD", "ZZ": "CNY", "": "CNY",
	} {
		if got := DefaultCurrency(region); got != want {
			t.Errorf("DefaultCurrency(%q) = %s, want %s", region, got, want)
		}
	}
}
