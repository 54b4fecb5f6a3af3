package genuine

import (
	"strings"

	"genuine/gs1"
)

// ValidRegion checks a region code: an ISO 3166-1 alpha-2 country ("CN"),
// optionally followed by finer levels joined with "-" ("CN-GD",
// "CN-GD-SZ"), each 1 to 8 upper-case letters or digits.
func ValidRegion(r string) error {
	if len(r) > 40 {
		return Errorf(EInvalid, "region code %.40q… is too long", r)
	}
	parts := strings.Split(r, "-")
	if !gs1.IsCountryCode(parts[0]) {
		return Errorf(EInvalid, "region %q must start with an ISO 3166-1 alpha-2 country code such as CN", r)
	}
	for _, p := range parts[1:] {
		if len(p) < 1 || len(p) > 8 {
			return Errorf(EInvalid, "region %q: each level after the country has 1 to 8 characters", r)
		}
		for i := 0; i < len(p); i++ {
			if c := p[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return Errorf(EInvalid, "region %q: levels are upper-case letters and digits joined by -", r)
			}
		}
	}
	return nil
}

// RegionWithin reports whether region lies inside area: the same code, or a
// finer level of it ("CN-GD-SZ" is within "CN-GD" and "CN", not "CN-G").
func RegionWithin(region, area string) bool {
	return region == area || strings.HasPrefix(region, area+"-")
}
