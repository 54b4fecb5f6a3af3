package genuine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// earthRadiusKM is the mean radius of the Earth (IUGG), for great-circle
// distances.
const earthRadiusKM = 6371.0088

// maxGeofencePositions bounds the positions of all geofences of one rule,
// so that evaluating them stays cheap.
const maxGeofencePositions = 1000

// edgeTolerance is how close, in degrees (about 0.1 mm), a point must be to
// a ring to count as on it.
const edgeTolerance = 1e-9

// haversineKM returns the great-circle distance in kilometres between two
// points given as latitude and longitude in degrees.
func haversineKM(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	sinLat := math.Sin((lat2 - lat1) * rad / 2)
	sinLon := math.Sin((lon2 - lon1) * rad / 2)
	a := sinLat*sinLat + math.Cos(lat1*rad)*math.Cos(lat2*rad)*sinLon*sinLon
	return 2 * earthRadiusKM * math.Asin(math.Sqrt(math.Min(1, a)))
}

// geofence is a GeoJSON Polygon or MultiPolygon: polygons, each an outer
// ring followed by its holes, each ring a closed list of positions
// [lon, lat] or [lon, lat, altitude].
//
// The geometry is planar in degrees of longitude and latitude, as RFC 7946
// draws it: a ring that crosses the antimeridian is not understood as such
// and must be split into a MultiPolygon, one polygon on each side (RFC 7946
// §3.1.9). Winding order is not checked and does not matter.
type geofence struct {
	multi    bool
	polygons [][][][]float64
}

// geoJSON is a GeoJSON geometry object as written; bbox is allowed and
// dropped.
type geoJSON struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
	BBox        json.RawMessage `json:"bbox,omitempty"`
}

// parseGeofence decodes and checks one GeoJSON geometry. The error message
// says what is wrong, for a person, in a phrase that may follow "geofence 2: ".
func parseGeofence(raw []byte) (*geofence, error) {
	var g geoJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if !json.Valid(raw) || dec.Decode(&g) != nil {
		return nil, fmt.Errorf("not a GeoJSON geometry object with type and coordinates")
	}
	gf := &geofence{}
	var err error
	switch g.Type {
	case "Polygon":
		var poly [][][]float64
		err = json.Unmarshal(g.Coordinates, &poly)
		gf.polygons = [][][][]float64{poly}
	case "MultiPolygon":
		gf.multi = true
		err = json.Unmarshal(g.Coordinates, &gf.polygons)
	default:
		return nil, fmt.Errorf("type %.40q is not Polygon or MultiPolygon", g.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("coordinates of a %s must be nested arrays of numbers", g.Type)
	}
	if len(gf.polygons) == 0 {
		return nil, fmt.Errorf("a MultiPolygon needs a polygon")
	}
	for i, poly := range gf.polygons {
		if err := checkPolygon(poly); err != nil {
			if gf.multi {
				return nil, fmt.Errorf("polygon %d: %w", i+1, err)
			}
			return nil, err
		}
	}
	return gf, nil
}

// checkPolygon checks the rings of one polygon.
func checkPolygon(rings [][][]float64) error {
	if len(rings) == 0 {
		return fmt.Errorf("a polygon needs an outer ring")
	}
	for i, ring := range rings {
		if len(ring) < 4 {
			return fmt.Errorf("ring %d has %d positions; a closed ring needs at least 4", i+1, len(ring))
		}
		for j, pos := range ring {
			if len(pos) != 2 && len(pos) != 3 {
				return fmt.Errorf("ring %d, position %d has %d numbers; want [lon, lat]", i+1, j+1, len(pos))
			}
			if pos[0] < -180 || pos[0] > 180 || pos[1] < -90 || pos[1] > 90 {
				return fmt.Errorf("ring %d, position %d [%g, %g] is off the globe: lon within ±180, lat within ±90, in that order",
					i+1, j+1, pos[0], pos[1])
			}
		}
		first, last := ring[0], ring[len(ring)-1]
		if first[0] != last[0] || first[1] != last[1] {
			return fmt.Errorf("ring %d is not closed: its last position must repeat its first", i+1)
		}
	}
	return nil
}

// positions returns how many positions g has.
func (g *geofence) positions() int {
	n := 0
	for _, poly := range g.polygons {
		for _, ring := range poly {
			n += len(ring)
		}
	}
	return n
}

// canonical returns g as compact GeoJSON without bbox or foreign members:
// the same geometry always gives the same bytes.
func (g *geofence) canonical() json.RawMessage {
	var v any = geoJSON{Type: "Polygon", Coordinates: mustMarshal(g.polygons[0])}
	if g.multi {
		v = geoJSON{Type: "MultiPolygon", Coordinates: mustMarshal(g.polygons)}
	}
	return mustMarshal(v)
}

// mustMarshal marshals geometry, which always can be.
func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("genuine: marshal geometry: " + err.Error())
	}
	return b
}

// Polygon prefixes of the canonical form, which containsRaw reads in place.
const (
	canonicalPolygon      = `{"type":"Polygon","coordinates":`
	canonicalMultiPolygon = `{"type":"MultiPolygon","coordinates":`
)

// inGeofences reports whether the point lies inside one of the GeoJSON
// geofences; a geofence that does not parse contains nothing.
func inGeofences(fences []json.RawMessage, lon, lat float64) bool {
	for _, raw := range fences {
		inside, ok := containsRaw(raw, lon, lat)
		if !ok {
			// Not in canonical form (a policy built in Go): parse it first.
			g, err := parseGeofence(raw)
			if err != nil {
				continue
			}
			inside, _ = containsRaw(g.canonical(), lon, lat)
		}
		if inside {
			return true
		}
	}
	return false
}

// containsRaw reports whether the point (lon, lat) lies inside the geofence
// raw, written in the canonical form, reading its coordinates in place
// rather than decoding them: ParsePolicy writes every geofence so, and a
// checkout evaluates them for every unit. ok is false if raw is not in
// that form.
//
// A point is inside a polygon by the even-odd rule over all its rings, so
// that a point in a hole is outside. A point on the boundary — on an outer
// ring or on a hole's ring, within edgeTolerance — is inside: a geofence is
// a closed set. A MultiPolygon contains the points of each of its polygons.
func containsRaw(raw []byte, lon, lat float64) (inside, ok bool) {
	s := string(raw)
	posDepth := 3 // brackets around a position: rings, ring, position
	rest, ok := strings.CutPrefix(s, canonicalPolygon)
	if !ok {
		posDepth = 4 // polygons, polygon, ring, position
		if rest, ok = strings.CutPrefix(s, canonicalMultiPolygon); !ok {
			return false, false
		}
	}
	if rest, ok = strings.CutSuffix(rest, "}"); !ok || rest == "" {
		return false, false
	}
	var (
		depth, n, start        int
		pos, prev              [2]float64
		hasPrev, odd, in, edge bool
	)
	start = -1
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if depth == 0 && (i > 0 || c != '[') {
			return false, false // anything but one array
		}
		if c != '[' && c != ']' && c != ',' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			v, err := strconv.ParseFloat(rest[start:i], 64)
			if err != nil || depth != posDepth {
				return false, false
			}
			if n < 2 {
				pos[n] = v
			}
			n, start = n+1, -1
		}
		switch {
		case c == '[':
			depth++
			switch depth {
			case posDepth:
				n = 0
			case posDepth - 1:
				hasPrev, odd = false, false
			case posDepth - 2:
				in = false
			}
			if depth > posDepth {
				return false, false
			}
		case c == ']':
			switch depth {
			case posDepth:
				if n < 2 {
					return false, false
				}
				if hasPrev {
					edge = edge || onSegment(prev, pos, lon, lat)
					odd = odd != crosses(prev, pos, lon, lat)
				}
				prev, hasPrev = pos, true
			case posDepth - 1:
				in = in != odd
			case posDepth - 2:
				inside = inside || in
			}
			depth--
		}
	}
	if depth != 0 || start >= 0 {
		return false, false
	}
	return inside || edge, true
}

// crosses reports whether a ray from (x, y) towards +x crosses the segment
// from a to b, counting each end on one side only, so that a ray through a
// vertex crosses once.
func crosses(a, b [2]float64, x, y float64) bool {
	return (a[1] > y) != (b[1] > y) && x < (b[0]-a[0])*(y-a[1])/(b[1]-a[1])+a[0]
}

// onSegment reports whether (x, y) lies on the segment from a to b, within
// edgeTolerance.
func onSegment(a, b [2]float64, x, y float64) bool {
	if x < math.Min(a[0], b[0])-edgeTolerance || x > math.Max(a[0], b[0])+edgeTolerance ||
		y < math.Min(a[1], b[1])-edgeTolerance || y > math.Max(a[1], b[1])+edgeTolerance {
		return false
	}
	cross := (b[0]-a[0])*(y-a[1]) - (b[1]-a[1])*(x-a[0])
	return math.Abs(cross) <= edgeTolerance*math.Hypot(b[0]-a[0], b[1]-a[1])
}
