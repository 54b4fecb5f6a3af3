package gs1

import (
	"slices"
	"strings"
	"testing"
)

// fuzzSeeds are inputs of every form, valid and not, for the fuzz targets.
var fuzzSeeds = []string{
	"https://id.gs1.org/01/09520123456788/10/ABC123/21/A1B2C3D4E5F6?17=251231",
	"https://brand.example.com/p/01/09520123456788/21/a%2Fb%25c?8030=MEUCIQDx-abc_123",
	"https://a/01/12312312312333?singleton&99=ABC&98=XYZ#frag",
	"https://id.gs1.org/414/9520123456788/254/32a%2Fb",
	"HTTP://a/00/006141411234567890",
	"(01)09520123456788(17)251231(10)ABC123(21)A1B2C3D4E5F6",
	"(10)12345\\(11)991225",
	"(8030)123=",
	"(8110)0123456123456111101233200010",
	"(01)12312312312326(235)TPX9526064(99)000001",
	"^01095201234567881725123110ABC123^21A1B2C3D4E5F6",
	"]d201095201234567881725123110ABC123\x1d21A1B2C3D4E5F6",
	"]Q1https://example.com/01/12312312312333?99=TEST",
	"]E02112345678900|]e099COMPOSITE\x1d98XYZ",
	"urn:epc:id:sgtin:4012345.011111.987",
	"urn:epc:class:lgtin:4012345.012345.Lot987",
	"(01)09520123456788(21)%00",
	"",
	"((((",
}

// sameElements reports whether two messages hold the same AIs and values,
// ignoring order and repeats.
func sameElements(a, b Message) bool {
	x, y := sortedElements(a), sortedElements(b)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// checkRoundTrips asserts that every form m can be written in parses back to
// the same message.
func checkRoundTrips(t *testing.T, p *Parser, m Message) {
	t.Helper()
	if !m.IsValid() {
		t.Fatal("parse succeeded with an invalid message")
	}
	if back, err := p.ParseBracketed(m.Bracketed()); err != nil || !slices.Equal(back.elems, m.elems) {
		t.Fatalf("bracketed %q: %v, %v; want %v", m.Bracketed(), back, err, m)
	}
	for _, e := range m.elems {
		if dict.lenByPrefix[aiIndex(e.AI[:2])] == 0 {
			// An unknown AI whose length its prefix does not tell cannot
			// be told from its value in an element string, by design.
			return
		}
	}
	if back, err := p.ParseElementString(m.ElementString()); err != nil || !slices.Equal(back.elems, m.elems) {
		t.Fatalf("element string %q: %v, %v; want %v", m.ElementString(), back, err, m)
	}
	dm, err := m.ScanData(AIMGS1DataMatrix)
	if err != nil {
		t.Fatalf("ScanData: %v", err)
	}
	if back, err := p.ParseScanData(dm); err != nil || !slices.Equal(back.elems, m.elems) {
		t.Fatalf("scan data %q: %v, %v; want %v", dm, back, err, m)
	}
	if uri, err := m.DigitalLink("https://example.com/x"); err == nil {
		back, err := p.ParseDigitalLink(uri)
		if err != nil || !sameElements(back, m) {
			t.Fatalf("Digital Link %q: %v, %v; want %v", uri, back, err, m)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Parse(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		checkRoundTrips(t, &Parser{}, m)
	})
}

func FuzzParseDigitalLink(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, lenient bool) {
		p := &Parser{}
		if lenient {
			p = &Parser{PermitZeroSuppressedGTIN: true, PermitConvenienceAlphas: true, PermitUnknownAIs: true, PermitUnknownAIsAsAttributes: true}
		}
		m, err := p.ParseDigitalLink(s)
		if err != nil {
			return
		}
		// The regenerated URI keeps the path and parses to the same data.
		uri, err := m.DigitalLink("https://example.com")
		if err != nil {
			t.Fatalf("DigitalLink of %v parsed from %q: %v", m, s, err)
		}
		back, err := p.ParseDigitalLink(uri)
		if err != nil || !sameElements(back, m) {
			t.Fatalf("%q regenerated as %q: %v, %v", s, uri, back, err)
		}
		checkRoundTrips(t, p, m)
	})
}

func FuzzParseBracketed(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := &Parser{SkipRequisites: true, PermitUnknownAIs: true}
		if m, err := p.ParseBracketed(s); err == nil {
			checkRoundTrips(t, p, m)
		}
	})
}

func FuzzParseElementString(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := &Parser{}
		if m, err := p.ParseElementString(s); err == nil {
			checkRoundTrips(t, p, m)
		}
	})
}

func TestHostileInput(t *testing.T) {
	huge := strings.Repeat("A", 1<<20)
	manyAIs := "^" + strings.Repeat("0109520123456788", 100)
	manyParams := "https://a/01/09520123456788?" + strings.Repeat("&", 5000) + "99=A"
	deepPath := "https://a" + strings.Repeat("/x", 4000) + "/01/09520123456788"
	for name, in := range map[string]string{
		"huge URI":        "https://a/01/09520123456788/21/" + huge,
		"huge bracketed":  "(99)" + huge,
		"huge elements":   "^99" + huge,
		"huge scan data":  "]d2" + huge,
		"huge URN":        "urn:epc:id:sgtin:" + huge,
		"too many AIs":    manyAIs,
		"bad UTF-8":       "(21)\xff\xfe",
		"NUL":             "(21)A\x00B",
		"only separators": "^^^^\x1d\x1d",
		"unclosed":        "(01",
		"empty AI":        "()1",
	} {
		if m, err := Parse(in); err == nil {
			t.Errorf("%s: parsed as %v, want error", name, m)
		} else if len(err.Error()) > 300 {
			t.Errorf("%s: error message of %d bytes; want one short line", name, len(err.Error()))
		}
	}
	// Long but legal inputs still parse.
	for _, in := range []string{manyParams, deepPath} {
		if _, err := Parse(in); err != nil {
			t.Errorf("Parse(%.40q…): %v", in, err)
		}
	}
}
