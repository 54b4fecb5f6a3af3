package i18n

import (
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // time zones on machines without a tz database

	"genuine"
)

// zones holds the locations of the zones ZoneForRegion has returned, by
// name.
var zones sync.Map

// ZoneForRegion returns the default time zone of a merchant in region, an
// ISO 3166 code with finer levels after "-" ("CN-GD-SZ" is in
// Asia/Shanghai), by its country (genuine.DefaultTimeZone).
func ZoneForRegion(region string) *time.Location {
	name := genuine.DefaultTimeZone(region)
	loc := Zone(name)
	if loc.String() != name {
		panic(fmt.Sprintf("i18n: time zone %s of %s is missing", name, region)) // time/tzdata has them all
	}
	return loc
}

// Zone returns the IANA time zone called name ("Asia/Shanghai"), loaded
// once; UTC for "" or a name the zone database lacks.
func Zone(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	zones.Store(name, loc)
	return loc
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
