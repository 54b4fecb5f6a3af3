package i18n_test

import (
	"testing"
	"time"

	"genuine/web/i18n"
)

func TestZoneForRegion(t *testing.T) {
	for region, want := range map[string]string{
		"CN":       "Asia/Shanghai",
		"CN-GD-SZ": "Asia/Shanghai",
		"cn-gd":    "Asia/Shanghai",
		"HK":       "Asia/Hong_Kong",
		"TW":       "Asia/Taipei",
		"JP-13":    "Asia/Tokyo",
		"GB":       "Europe/London",
		"US":       "UTC", // several zones: no default is right for most shops
		"US-CA":    "UTC",
		"AU":       "UTC",
		"ZZ":       "UTC",
		"":         "UTC",
	} {
		if got := i18n.ZoneForRegion(region).String(); got != want {
			t.Errorf("ZoneForRegion(%q) = %s, want %s", region, got, want)
		}
	}
}

func TestFormatTime(t *testing.T) {
	at := time.Date(2026, 12, 3, 6, 5, 59, 0, time.UTC)
	shanghai := i18n.ZoneForRegion("CN")
	for _, c := range []struct {
		lang       i18n.Lang
		t          time.Time
		loc        *time.Location
		time, date string
	}{
		{i18n.EN, at, shanghai, "3 Dec 2026 14:05", "3 Dec 2026"},
		{i18n.ZH, at, shanghai, "2026年12月3日 14:05", "2026年12月3日"},
		{i18n.EN, at, nil, "3 Dec 2026 06:05", "3 Dec 2026"},
		{i18n.ZH, at, time.UTC, "2026年12月3日 06:05", "2026年12月3日"},
		// The day is the zone's: 20:30 UTC on 31 Dec is New Year's Day in Shanghai.
		{i18n.EN, time.Date(2026, 12, 31, 20, 30, 0, 0, time.UTC), shanghai, "1 Jan 2027 04:30", "1 Jan 2027"},
		{i18n.ZH, time.Date(2026, 12, 31, 20, 30, 0, 0, time.UTC), shanghai, "2027年1月1日 04:30", "2027年1月1日"},
		// London keeps summer time; Shanghai does not.
		{i18n.EN, time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC), i18n.ZoneForRegion("GB"), "1 Jul 2026 13:00", "1 Jul 2026"},
	} {
		if got := i18n.FormatTime(c.lang, c.t, c.loc); got != c.time {
			t.Errorf("FormatTime(%s, %s, %v) = %q, want %q", c.lang, c.t, c.loc, got, c.time)
		}
		if got := i18n.FormatDate(c.lang, c.t, c.loc); got != c.date {
			t.Errorf("FormatDate(%s, %s, %v) = %q, want %q", c.lang, c.t, c.loc, got, c.date)
		}
	}
}
