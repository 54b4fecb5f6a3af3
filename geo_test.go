package genuine

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestHaversine(t *testing.T) {
	tests := []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		km                     float64 // expected, within 1%
	}{
		{"Beijing–Shenzhen", 39.9042, 116.4074, 22.5431, 114.0579, 1943},
		{"London–Paris", 51.5074, -0.1278, 48.8566, 2.3522, 343.5},
		{"Shanghai–New York", 31.2304, 121.4737, 40.7128, -74.0060, 11880},
		{"one degree along the equator", 0, 0, 0, 1, 111.2},
		{"across the antimeridian", 0, 179.5, 0, -179.5, 111.2},
		{"antipodes", 0, 0, 0, 180, math.Pi * earthRadiusKM},
		{"pole to pole", 90, 0, -90, 0, math.Pi * earthRadiusKM},
	}
	for _, tt := range tests {
		got := haversineKM(tt.lat1, tt.lon1, tt.lat2, tt.lon2)
		if math.Abs(got-tt.km) > tt.km/100 {
			t.Errorf("%s: haversineKM = %.1f km, want %.1f ± 1%%", tt.name, got, tt.km)
		}
		if back := haversineKM(tt.lat2, tt.lon2, tt.lat1, tt.lon1); math.Abs(back-got) > 1e-9 {
			t.Errorf("%s: distance is not symmetric: %f and %f", tt.name, got, back)
		}
	}
	if got := haversineKM(22.5431, 114.0579, 22.5431, 114.0579); got != 0 {
		t.Errorf("distance of a point to itself = %g, want 0", got)
	}
}

// square returns a closed ring around the box, counter-clockwise.
func square(lon0, lat0, lon1, lat1 float64) [][]float64 {
	return [][]float64{{lon0, lat0}, {lon1, lat0}, {lon1, lat1}, {lon0, lat1}, {lon0, lat0}}
}

func mustGeofence(t *testing.T, v any) *geofence {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	g, err := parseGeofence(raw)
	if err != nil {
		t.Fatalf("parseGeofence(%s): %v", raw, err)
	}
	return g
}

func polygon(rings ...[][]float64) map[string]any {
	return map[string]any{"type": "Polygon", "coordinates": rings}
}

func TestGeofenceContains(t *testing.T) {
	// A 10°×10° square with a 2°×2° hole in the middle.
	withHole := mustGeofence(t, polygon(square(0, 0, 10, 10), square(4, 4, 6, 6)))
	// An L: the square without its upper right quarter.
	ell := mustGeofence(t, polygon([][]float64{{0, 0}, {10, 0}, {10, 5}, {5, 5}, {5, 10}, {0, 10}, {0, 0}}))
	// Two islands, one clockwise.
	islands := mustGeofence(t, map[string]any{"type": "MultiPolygon", "coordinates": [][][][]float64{
		{square(0, 0, 1, 1)},
		{{{20, 20}, {20, 21}, {21, 21}, {21, 20}, {20, 20}}},
	}})
	// Meant to span the antimeridian from 170°E to 170°W, but read in the
	// plane as the band from 170°W to 170°E across the prime meridian.
	naive := mustGeofence(t, polygon([][]float64{{170, -10}, {-170, -10}, {-170, 10}, {170, 10}, {170, -10}}))
	// The same area split at the antimeridian, as RFC 7946 asks.
	split := mustGeofence(t, map[string]any{"type": "MultiPolygon", "coordinates": [][][][]float64{
		{square(170, -10, 180, 10)}, {square(-180, -10, -170, 10)},
	}})
	tests := []struct {
		name     string
		g        *geofence
		lon, lat float64
		want     bool
	}{
		{"inside, off the hole", withHole, 2, 2, true},
		{"in the hole", withHole, 5, 5, false},
		{"outside", withHole, 11, 5, false},
		{"outside, below", withHole, 5, -0.5, false},
		{"on the outer edge", withHole, 10, 5, true},
		{"on the lower edge", withHole, 5, 0, true},
		{"on a vertex", withHole, 0, 0, true},
		{"on the hole's edge", withHole, 4, 5, true},
		{"on the hole's corner", withHole, 6, 6, true},
		{"just inside the hole", withHole, 4.001, 5, false},
		{"just outside the outer ring", withHole, 10.001, 5, false},
		{"in the L's foot", ell, 8, 2, true},
		{"in the L's notch", ell, 8, 8, false},
		{"on the L's inner corner", ell, 5, 5, true},
		{"on the first island", islands, 0.5, 0.5, true},
		{"on the clockwise island", islands, 20.5, 20.5, true},
		{"between the islands", islands, 10, 10, false},
		{"antimeridian, naive: near 180° is outside", naive, 179.9, 0, false},
		{"antimeridian, naive: the prime meridian is inside", naive, 0, 0, true},
		{"antimeridian, split: east side", split, 179.9, 0, true},
		{"antimeridian, split: west side", split, -179.9, 0, true},
		{"antimeridian, split: on 180°", split, 180, 0, true},
		{"antimeridian, split: the prime meridian", split, 0, 0, false},
	}
	for _, tt := range tests {
		got, ok := containsRaw(tt.g.canonical(), tt.lon, tt.lat)
		if !ok || got != tt.want {
			t.Errorf("%s: containsRaw(%s, %g, %g) = %v, %v; want %v, true", tt.name, tt.g.canonical(), tt.lon, tt.lat, got, ok, tt.want)
		}
	}
}

// containsRaw reads only the canonical form; inGeofences parses others.
func TestContainsRawNotCanonical(t *testing.T) {
	for _, raw := range []string{
		`{"type": "Polygon", "coordinates": [[[113,22],[115,22],[115,23],[113,23],[113,22]]]}`,
		`{"coordinates":[[[113,22],[115,22],[115,23],[113,23],[113,22]]],"type":"Polygon"}`,
		`{"type":"Polygon","coordinates":[[[113,22],[115,22],[115,23],[113,23],[113,22]]],"bbox":[113,22,115,23]}`,
		`{"type":"Polygon","coordinates":[[[[113,22]]]]}`,
		`{"type":"Polygon","coordinates":[[113,22]]}`,
		`{"type":"Polygon","coordinates":[[[113],[115,22],[115,23],[113,23],[113]]]}`,
		`{"type":"Polygon","coordinates":[[[113,22],[115,x],[115,23],[113,23],[113,22]]]}`,
		`{"type":"Polygon","coordinates":[[[113,22],[115,22],[115,23],[113,23],[113,22]]}`,
		`{"type":"Polygon","coordinates":[[[113,22],[115,22],[115,23],[113,23],[113,22]]]]}`,
		`{"type":"Polygon","coordinates":[[[113,22],[115,22],[115,23],[113,23],[113,22]]],[]}`,
		`{"type":"Polygon","coordinates":,[[[113,22],[115,22],[115,23],[113,23],[113,22]]]}`,
		`{"type":"Polygon","coordinates":5}`,
		`{"type":"Polygon","coordinates":}`,
		`{"type":"MultiPolygon","coordinates":[[[113,22],[115,22],[115,23],[113,23],[113,22]]]}`,
	} {
		if inside, ok := containsRaw([]byte(raw), 114, 22.5); ok {
			t.Errorf("containsRaw(%s) = %v, true; want not ok", raw, inside)
		}
	}
	if inside, ok := containsRaw([]byte(`{"type":"Polygon","coordinates":[[[113,22],[115,22],[115,23],[113,23],[113,22]]]}`), 114, 22.5); !ok || !inside {
		t.Errorf("containsRaw of the canonical form = %v, %v", inside, ok)
	}
}

func TestGeofenceParse(t *testing.T) {
	tests := []struct {
		raw  string
		want string // substring of the error; "" for valid
	}{
		{`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`, ""},
		{`{"type":"Polygon","coordinates":[[[0,0,5],[1,0,5],[1,1,5],[0,0,5]]]}`, ""},
		{`{"type":"Polygon","bbox":[0,0,1,1],"coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`, ""},
		{`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}`, ""},
		{`{"type":"Polygon","coordinates":[[[-180,-90],[180,-90],[180,90],[-180,-90]]]}`, ""},
		{`[]`, "not a GeoJSON geometry object"},
		{`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]],"properties":{}}`, "not a GeoJSON geometry object"},
		{`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}x`, "not a GeoJSON geometry object"},
		{`{"type":"Point","coordinates":[0,0]}`, `type "Point" is not Polygon or MultiPolygon`},
		{`{"type":"Feature","geometry":{}}`, "not a GeoJSON geometry object"},
		{`{"type":"Polygon"}`, "coordinates of a Polygon must be nested arrays of numbers"},
		{`{"type":"Polygon","coordinates":[[["0","0"]]]}`, "coordinates of a Polygon must be nested arrays of numbers"},
		{`{"type":"Polygon","coordinates":[]}`, "a polygon needs an outer ring"},
		{`{"type":"MultiPolygon","coordinates":[]}`, "a MultiPolygon needs a polygon"},
		{`{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`, "ring 1 has 3 positions; a closed ring needs at least 4"},
		{`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`, "ring 1 is not closed"},
		{`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],[[0,0],[1,0],[1,1]]]}`, "ring 2 has 3 positions"},
		{`{"type":"Polygon","coordinates":[[[0,0],[1],[1,1],[0,0]]]}`, "ring 1, position 2 has 1 numbers"},
		{`{"type":"Polygon","coordinates":[[[0,0],[1,0,0,0],[1,1],[0,0]]]}`, "ring 1, position 2 has 4 numbers"},
		{`{"type":"Polygon","coordinates":[[[0,0],[181,0],[1,1],[0,0]]]}`, "ring 1, position 2 [181, 0] is off the globe"},
		{`{"type":"Polygon","coordinates":[[[0,0],[1,-91],[1,1],[0,0]]]}`, "ring 1, position 2 [1, -91] is off the globe"},
		// Latitude first, as people often write it: 114°N is no latitude.
		{`{"type":"Polygon","coordinates":[[[22,114],[23,114],[23,115],[22,114]]]}`, "is off the globe"},
		{`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,6]]]]}`, "polygon 2: ring 1 is not closed"},
	}
	for _, tt := range tests {
		_, err := parseGeofence([]byte(tt.raw))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("parseGeofence(%s): %v", tt.raw, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("parseGeofence(%s) = %v, want an error containing %q", tt.raw, err, tt.want)
		}
	}
}

func TestGeofenceCanonical(t *testing.T) {
	in := `{ "bbox": [0, 0, 1, 1], "coordinates": [[[0, 0], [1.50, 0], [1, 1e0], [0, 0]]], "type": "Polygon" }`
	g, err := parseGeofence([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"Polygon","coordinates":[[[0,0],[1.5,0],[1,1],[0,0]]]}`
	if got := string(g.canonical()); got != want {
		t.Fatalf("canonical = %s, want %s", got, want)
	}
	again, err := parseGeofence(g.canonical())
	if err != nil || string(again.canonical()) != want {
		t.Fatalf("canonical form is not stable: %v, %s", err, again.canonical())
	}
	if n := g.positions(); n != 4 {
		t.Errorf("positions = %d, want 4", n)
	}
	holes := mustGeofence(t, map[string]any{"type": "MultiPolygon", "coordinates": [][][][]float64{
		{square(0, 0, 10, 10), square(4, 4, 6, 6)}, {square(20, 20, 21, 21)},
	}})
	if n := holes.positions(); n != 15 {
		t.Errorf("positions of a MultiPolygon with a hole = %d, want 15", n)
	}
}

func TestInGeofences(t *testing.T) {
	fences := []json.RawMessage{
		json.RawMessage(`{"type":"Polygon","coordinates":[]}`), // invalid: contains nothing
		json.RawMessage(`{"type":"Polygon","coordinates":[[[113,22],[115,22],[115,23],[113,23],[113,22]]]}`),
		json.RawMessage(`{"coordinates": [[[-74.3, 40.4], [-73.7, 40.4], [-73.7, 41], [-74.3, 41], [-74.3, 40.4]]], "type": "Polygon"}`),
	}
	for _, tt := range []struct {
		name     string
		lon, lat float64
		want     bool
	}{
		{"Shenzhen, in a canonical geofence", 114.0579, 22.5431, true},
		{"New York, in a geofence written otherwise", -74.0060, 40.7128, true},
		{"Beijing", 116.4074, 39.9042, false},
	} {
		if got := inGeofences(fences, tt.lon, tt.lat); got != tt.want {
			t.Errorf("%s: inGeofences = %v, want %v", tt.name, got, tt.want)
		}
	}
	if inGeofences(nil, 0, 0) {
		t.Error("no geofences contain a point")
	}
}

// FuzzContainsRaw checks that reading a geofence in place never panics,
// and agrees with reading its canonical form.
func FuzzContainsRaw(f *testing.F) {
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[4,4],[6,4],[6,6],[4,6],[4,4]]]}`), 5.0, 5.0)
	f.Add([]byte(`{"type":"MultiPolygon","coordinates":[[[[0,0,1],[1,0,1],[1,1,1],[0,0,1]]],[[[5,5],[6,5],[6,6],[5,5]]]]}`), 0.5, 0.2)
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[0,0],[1.50,0],[1,1e0],[0,0]]]}`), 1.0, 0.5)
	f.Fuzz(func(t *testing.T, raw []byte, lon, lat float64) {
		inside, ok := containsRaw(raw, lon, lat)
		if !ok && inside {
			t.Fatalf("containsRaw(%s) = inside but not ok", raw)
		}
		g, err := parseGeofence(raw)
		if err != nil {
			return
		}
		want, cok := containsRaw(g.canonical(), lon, lat)
		if !cok {
			t.Fatalf("containsRaw cannot read the canonical form %s", g.canonical())
		}
		if ok && inside != want {
			t.Fatalf("containsRaw(%s, %g, %g) = %v, but %v for its canonical form %s", raw, lon, lat, inside, want, g.canonical())
		}
	})
}
