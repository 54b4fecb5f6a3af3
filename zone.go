package genuine

import (
	"strings"
	"time"
	_ "time/tzdata" // time zones on machines without a tz database
)

// countryZones is the time zone of each country with one zone that
// genuine's merchants are likely to be in, by ISO 3166-1 alpha-2 code.
// Countries with several zones (the United States, Canada, Australia,
// Russia, Brazil, Mexico, Indonesia …) are not here: no one zone is right
// for most of their shops, so they get UTC until the merchant sets its own.
var countryZones = map[string]string{
	"CN": "Asia/Shanghai",
	"HK": "Asia/Hong_Kong",
	"MO": "Asia/Macau",
	"TW": "Asia/Taipei",
	"SG": "Asia/Singapore",
	"MY": "Asia/Kuala_Lumpur",
	"TH": "Asia/Bangkok",
	"VN": "Asia/Ho_Chi_Minh",
	"PH": "Asia/Manila",
	"JP": "Asia/Tokyo",
	"KR": "Asia/Seoul",
	"IN": "Asia/Kolkata",
	"AE": "Asia/Dubai",
	"GB": "Europe/London",
	"IE": "Europe/Dublin",
	"FR": "Europe/Paris",
	"DE": "Europe/Berlin",
	"IT": "Europe/Rome",
	"ES": "Europe/Madrid",
	"NL": "Europe/Amsterdam",
	"CH": "Europe/Zurich",
	"NZ": "Pacific/Auckland",
}

// DefaultTimeZone returns the IANA name of the time zone a merchant in
// region has unless it names its own: its country's one zone for those
// listed in countryZones ("CN-GD-SZ" is "Asia/Shanghai"), "UTC" for any
// other country or none.
func DefaultTimeZone(region string) string {
	country, _, _ := strings.Cut(region, "-")
	if name, ok := countryZones[strings.ToUpper(strings.TrimSpace(country))]; ok {
		return name
	}
	return "UTC"
}

// validTimeZone checks an IANA time zone name, such as "Asia/Shanghai".
func validTimeZone(name string) error {
	if name == "" || len(name) > 64 || name == "Local" {
		return Errorf(EInvalid, "time_zone must be an IANA time zone such as Asia/Shanghai")
	}
	if _, err := time.LoadLocation(name); err != nil {
		return Errorf(EInvalid, "time_zone %.64q is not an IANA time zone such as Asia/Shanghai", name)
	}
	return nil
}
