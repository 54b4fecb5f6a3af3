package genuine

import (
	"strconv"
	"strings"
)

// currencies lists the active ISO 4217 alphabetic currency codes with the
// number of digits of their minor unit, "CNY2 JPY0 …".
const currencies = "AED2 AFN2 ALL2 AMD2 AOA2 ARS2 AUD2 AWG2 AZN2 BAM2 BBD2 BDT2 BHD3 BIF0 BMD2 BND2 BOB2 " +
	"BRL2 BSD2 BTN2 BWP2 BYN2 BZD2 CAD2 CDF2 CHF2 CLP0 CNY2 COP2 CRC2 CUP2 CVE2 CZK2 DJF0 DKK2 DOP2 " +
	"DZD2 EGP2 ERN2 ETB2 EUR2 FJD2 FKP2 GBP2 GEL2 GHS2 GIP2 GMD2 GNF0 GTQ2 GYD2 HKD2 HNL2 HTG2 HUF2 " +
	"IDR2 ILS2 INR2 IQD3 IRR2 ISK0 JMD2 JOD3 JPY0 KES2 KGS2 KHR2 KMF0 KPW2 KRW0 KWD3 KYD2 KZT2 LAK2 " +
	"LBP2 LKR2 LRD2 LSL2 LYD3 MAD2 MDL2 MGA2 MKD2 MMK2 MNT2 MOP2 MRU2 MUR2 MVR2 MWK2 MXN2 MYR2 MZN2 " +
	"NAD2 NGN2 NIO2 NOK2 NPR2 NZD2 OMR3 PAB2 PEN2 PGK2 PHP2 PKR2 PLN2 PYG0 QAR2 RON2 RSD2 RUB2 RWF0 " +
	"SAR2 SBD2 SCR2 SDG2 SEK2 SGD2 SHP2 SLE2 SOS2 SRD2 SSP2 STN2 SVC2 SYP2 SZL2 THB2 TJS2 TMT2 TND3 " +
	"TOP2 TRY2 TTD2 TWD2 TZS2 UAH2 UGX0 USD2 UYU2 UZS2 VES2 VND0 VUV0 WST2 XAF0 XCD2 XOF0 XPF0 YER2 " +
	"ZAR2 ZMW2 ZWG2"

// currencyDigits maps each currency code to its minor unit digits.
var currencyDigits = func() map[string]int {
	m := make(map[string]int)
	for _, c := range strings.Fields(currencies) {
		m[c[:3]] = int(c[3] - '0')
	}
	return m
}()

// ValidCurrency reports whether code is an active ISO 4217 currency code,
// such as "CNY".
func ValidCurrency(code string) bool {
	_, ok := currencyDigits[code]
	return ok
}

// FormatMoney writes an amount in minor units of an ISO 4217 currency as
// people write it, with the currency's decimal places and its code:
// FormatMoney(3500, "CNY") is "35.00 CNY", FormatMoney(3500, "JPY") is
// "3500 JPY", FormatMoney(-1, "KWD") is "-0.001 KWD".
func FormatMoney(minor int64, currency string) string {
	return FormatAmount(minor, currency) + " " + currency
}

// FormatAmount writes an amount in minor units of an ISO 4217 currency in
// its major unit, without the code: FormatAmount(3500, "CNY") is "35.00".
// A currency that ValidCurrency refuses has no known minor unit, so its
// amount is written in minor units: "3500".
func FormatAmount(minor int64, currency string) string {
	digits := currencyDigits[currency]
	sign, abs := "", uint64(minor)
	if minor < 0 {
		sign, abs = "-", -abs
	}
	s := strconv.FormatUint(abs, 10)
	if digits > 0 {
		if len(s) <= digits {
			s = strings.Repeat("0", digits-len(s)+1) + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	return sign + s
}

// CurrencyDigits returns the number of decimal places of the minor unit of
// an ISO 4217 currency: 2 for CNY, 0 for JPY, 3 for KWD; 0 for a currency
// that ValidCurrency refuses.
func CurrencyDigits(currency string) int { return currencyDigits[currency] }

// Currencies returns the ISO 4217 codes ValidCurrency accepts, in order.
func Currencies() []string {
	var out []string
	for _, c := range strings.Fields(currencies) {
		out = append(out, c[:3])
	}
	return out
}

// countryCurrencies are the currencies of the countries genuine knows
// outside mainland China, by ISO 3166-1 code.
var countryCurrencies = map[string]string{
	"HK": "HKD", "TW": "TWD", "MO": "MOP", "JP": "JPY", "SG": "SGD", "US": "USD", "GB": "GBP",
	"DE": "EUR", "FR": "EUR", "IT": "EUR", "ES": "EUR", "NL": "EUR", "BE": "EUR", "AT": "EUR", "IE": "EUR", "FI": "EUR", "PT": "EUR",
}

// DefaultCurrency returns the currency a merchant in region (an ISO 3166
// code with finer levels after "-") usually sells in, by its country:
// CNY for mainland China and for a country genuine does not know.
func DefaultCurrency(region string) string {
	country, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(region)), "-")
	if c, ok := countryCurrencies[country]; ok {
		return c
	}
	return "CNY"
}
