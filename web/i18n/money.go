package i18n

import (
	"strings"

	"genuine"
)

// symbols are the currencies written with a symbol before the amount, in
// each language; the rest are written with their code after it. Yen is
// "JP¥" in Chinese, where "¥" alone means yuan.
var symbols = map[string]Text{
	"CNY": {"¥", "¥"},
	"JPY": {"¥", "JP¥"},
	"USD": {"$", "$"},
	"EUR": {"€", "€"},
	"GBP": {"£", "£"},
	"HKD": {"HK$", "HK$"},
	"TWD": {"NT$", "NT$"},
}

// Money writes an amount in minor units of an ISO 4217 currency as people
// write it in language l, with the currency's decimal places
// (genuine.CurrencyDigits) and thousands separated by commas: "¥35.00" for
// 3500 CNY, "$1,234.50" for 123450 USD, "¥3,500" for 3500 JPY in English,
// "-¥35.00" for a refund; a currency without a symbol is written with its
// code after the amount, "35.000 KWD".
func Money(l Lang, minor int64, currency string) string {
	amount := genuine.FormatAmount(minor, currency)
	sign := ""
	if rest, ok := strings.CutPrefix(amount, "-"); ok {
		sign, amount = "-", rest
	}
	whole, frac, hasFrac := strings.Cut(amount, ".")
	amount = group(whole)
	if hasFrac {
		amount += "." + frac
	}
	if s, ok := symbols[currency]; ok {
		return sign + s.in(l) + amount
	}
	return sign + amount + " " + currency
}

// group separates the thousands of a string of digits with commas.
func group(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	first := len(digits) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(digits[:first])
	for i := first; i < len(digits); i += 3 {
		b.WriteByte(',')
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// Symbol returns the symbol Money writes before an amount of currency in
// language l ("¥" for CNY), and false for a currency written with its
// code after the amount.
func Symbol(l Lang, currency string) (string, bool) {
	s, ok := symbols[currency]
	return s.in(l), ok
}
