package i18n

import (
	"fmt"
	"strings"
	"sync"
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

// zones holds countryZones' locations, loaded once.
var zones = sync.OnceValue(func() map[string]*time.Location {
	m := make(map[string]*time.Location, len(countryZones))
	for country, name := range countryZones {
		loc, err := time.LoadLocation(name)
		if err != nil {
			panic(fmt.Sprintf("i18n: time zone %s of %s: %v", name, country, err)) // time/tzdata has them all
		}
		m[country] = loc
	}
	return m
})

// ZoneForRegion returns the default time zone of a merchant in region, an
// ISO 3166 code with finer levels after "-" ("CN-GD-SZ" is in
// Asia/Shanghai), by its country: the country's one time zone for those
// listed in countryZones, UTC for any other country or none.
func ZoneForRegion(region string) *time.Location {
	country, _, _ := strings.Cut(region, "-")
	if loc, ok := zones()[strings.ToUpper(strings.TrimSpace(country))]; ok {
		return loc
	}
	return time.UTC
}

// FormatTime writes t in loc (UTC if nil) to the minute, as people write
// it in language l: "3 Dec 2026 14:05", "2026年12月3日 14:05".
func FormatTime(l Lang, t time.Time, loc *time.Location) string {
	t = inZone(t, loc)
	return FormatDate(l, t, loc) + " " + t.Format("15:04")
}

// FormatDate writes the day of t in loc (UTC if nil) as people write it in
// language l: "3 Dec 2026", "2026年12月3日".
func FormatDate(l Lang, t time.Time, loc *time.Location) string {
	t = inZone(t, loc)
	if l == ZH {
		return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
	}
	return t.Format("2 Jan 2006")
}

// inZone returns t in loc, or in UTC if loc is nil.
func inZone(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc)
}
