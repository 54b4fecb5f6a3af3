// Package payment holds what genuine's real payment providers share: the
// conversion of amounts between genuine's minor units and each provider's
// own unit, in one place, and the shape of the local fakes each provider
// package ships for tests, demos and benchmarks.
package payment

import (
	"strconv"
	"strings"

	"genuine"
)

// Genuine keeps every amount in the minor unit of its ISO 4217 currency
// (fen for CNY, cents for USD, yen for JPY, fils for KWD). The providers
// count otherwise, and the functions below convert both ways, refusing an
// amount the provider cannot take rather than rounding it: money is never
// changed by a conversion.

// stripeZeroDecimal are the currencies Stripe counts in whole units.
const stripeZeroDecimal = "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF"

// stripeWholeTwoDecimal are the currencies Stripe counts with two decimals
// but charges only in whole units (ISK: an amount of 100 is 1 króna).
const stripeWholeTwoDecimal = "ISK"

// stripeScale returns how many of genuine's minor units make one of
// Stripe's (up, false), or how many of Stripe's make one of genuine's
// (down, true), and the step a Stripe amount must be a multiple of.
func stripeScale(currency string) (factor int64, toStripeDivides bool, step int64) {
	digits := genuine.CurrencyDigits(currency)
	switch {
	case strings.Contains(stripeZeroDecimal, currency):
		return pow10(digits), true, 1
	case strings.Contains(stripeWholeTwoDecimal, currency):
		// Two decimals at Stripe, whole units only.
		return pow10(2 - digits), false, 100
	case digits == 3:
		// Stripe's three-decimal currencies take amounts ending in 0.
		return 1, false, 10
	}
	return pow10(2 - digits), false, 1
}

func pow10(n int) int64 {
	f := int64(1)
	for range n {
		f *= 10
	}
	return f
}

// ToStripe converts an amount in genuine's minor units to Stripe's integer
// amount in its currency, as Stripe reads it: the same for two-decimal
// currencies, whole units for its zero-decimal ones (MGA 12300 is 123),
// hundredths for ISK (ISK 5 is 500). It returns an *Error with EInvalid for
// a currency genuine does not know, a negative amount, or one Stripe cannot
// charge exactly (MGA 12345; KWD 1.235, since Stripe takes three-decimal
// amounts only in tens; ISK in fractions of a króna cannot occur).
func ToStripe(minor int64, currency string) (int64, error) {
	if err := check(minor, currency); err != nil {
		return 0, err
	}
	f, divide, step := stripeScale(currency)
	var out int64
	if divide {
		if minor%f != 0 {
			return 0, genuine.Errorf(genuine.EInvalid, "Stripe takes %s in whole units, not %s", currency, genuine.FormatMoney(minor, currency))
		}
		out = minor / f
	} else {
		out = minor * f
	}
	if out%step != 0 {
		return 0, genuine.Errorf(genuine.EInvalid, "Stripe cannot charge %s exactly", genuine.FormatMoney(minor, currency))
	}
	return out, nil
}

// FromStripe converts a Stripe amount in a currency (lower or upper case,
// as Stripe writes it) to genuine's minor units. It returns an *Error with
// EInvalid for a currency genuine does not know, a negative amount, or an
// amount finer than genuine's minor unit.
func FromStripe(amount int64, currency string) (int64, error) {
	currency = strings.ToUpper(currency)
	if err := check(amount, currency); err != nil {
		return 0, err
	}
	f, divide, _ := stripeScale(currency)
	if divide {
		return amount * f, nil
	}
	if amount%f != 0 {
		return 0, genuine.Errorf(genuine.EInvalid, "Stripe amount %d %s is finer than its minor unit", amount, currency)
	}
	return amount / f, nil
}

// maxCNY is the most Alipay and WeChat Pay take in one payment, in fen:
// 100 000 000 yuan.
const maxCNY = 100_000_000_00

// ToAlipay writes an amount of CNY in fen as Alipay reads it, in yuan with
// two decimals: 3500 is "35.00". Alipay takes CNY only, from 0.01 to
// 100 000 000 yuan; anything else is an *Error with EInvalid.
func ToAlipay(minor int64, currency string) (string, error) {
	if err := checkCNY("Alipay", minor, currency); err != nil {
		return "", err
	}
	return genuine.FormatAmount(minor, currency), nil
}

// FromAlipay reads an amount Alipay writes in yuan ("35.00", "35.5", "35")
// as fen. It returns an *Error with EInvalid for anything else: a sign,
// more than two decimals, or an amount beyond Alipay's.
func FromAlipay(yuan string) (int64, error) {
	whole, frac, dot := strings.Cut(yuan, ".")
	if whole == "" || len(whole) > 9 || len(frac) > 2 || (dot && frac == "") || !digits(whole) || !digits(frac) {
		return 0, genuine.Errorf(genuine.EInvalid, "Alipay amount %.20q is not yuan with at most two decimals", yuan)
	}
	frac += strings.Repeat("0", 2-len(frac))
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	fen := w*100 + f
	if fen > maxCNY {
		return 0, genuine.Errorf(genuine.EInvalid, "Alipay amount %s yuan is more than it takes", yuan)
	}
	return fen, nil
}

// ToWeChat converts an amount of CNY in fen to WeChat Pay's, also in fen.
// WeChat Pay takes CNY only, from 1 fen to 100 000 000 yuan; anything else
// is an *Error with EInvalid.
func ToWeChat(minor int64, currency string) (int64, error) {
	if err := checkCNY("WeChat Pay", minor, currency); err != nil {
		return 0, err
	}
	return minor, nil
}

// FromWeChat converts a WeChat Pay amount, in fen of a currency it names,
// to genuine's minor units: an *Error with EInvalid unless the currency is
// CNY and the amount is within what WeChat Pay takes.
func FromWeChat(fen int64, currency string) (int64, error) {
	if currency != "CNY" || fen < 0 || fen > maxCNY {
		return 0, genuine.Errorf(genuine.EInvalid, "WeChat Pay amount %d %.10q is not fen of CNY", fen, currency)
	}
	return fen, nil
}

func check(minor int64, currency string) error {
	if !genuine.ValidCurrency(currency) {
		return genuine.Errorf(genuine.EInvalid, "currency %.10q is not an ISO 4217 code", currency)
	}
	if minor < 0 {
		return genuine.Errorf(genuine.EInvalid, "amount %d is negative", minor)
	}
	return nil
}

func checkCNY(provider string, minor int64, currency string) error {
	if currency != "CNY" {
		return genuine.Errorf(genuine.EInvalid, "%s takes CNY only, not %.10q", provider, currency)
	}
	if minor < 1 || minor > maxCNY {
		return genuine.Errorf(genuine.EInvalid, "%s takes 0.01 to 100000000.00 CNY, not %s", provider, genuine.FormatAmount(minor, currency))
	}
	return nil
}

func digits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
