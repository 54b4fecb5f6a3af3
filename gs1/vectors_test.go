package gs1

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The tests in this file are driven by the GS1 reference vectors in
// testdata/ (see testdata/README.md for their provenance). Where the README
// of the vectors says AI order is not normative, elements are compared as
// multisets.

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// vectorOptions are the non-default switches a vector may name.
type vectorOptions struct {
	PermitZeroSuppressedGTIN   *bool `json:"permitZeroSuppressedGTIN"`
	PermitConvenienceAlphas    *bool `json:"permitConvenienceAlphas"`
	PermitUnknownAIs           *bool `json:"permitUnknownAIs"`
	ValidateUnknownAINotDLAttr *bool `json:"validateUnknownAInotDLattr"`
}

func (o vectorOptions) parser() *Parser {
	p := &Parser{}
	is := func(b *bool) bool { return b != nil && *b }
	p.PermitZeroSuppressedGTIN = is(o.PermitZeroSuppressedGTIN)
	p.PermitConvenienceAlphas = is(o.PermitConvenienceAlphas)
	p.PermitUnknownAIs = is(o.PermitUnknownAIs)
	p.PermitUnknownAIsAsAttributes = o.ValidateUnknownAINotDLAttr != nil && !*o.ValidateUnknownAINotDLAttr
	return p
}

// sortedElements returns the elements of m as sorted "(AI)value" strings.
func sortedElements(m Message) []string {
	var s []string
	for _, e := range m.elems {
		s = append(s, "("+e.AI+")"+e.Value)
	}
	slices.Sort(s)
	return s
}

// splitURI returns a URI's part before the query, and its query parameters
// sorted.
func splitURI(uri string) (string, []string) {
	base, query, _ := strings.Cut(uri, "?")
	var params []string
	if query != "" {
		params = strings.Split(query, "&")
	}
	slices.Sort(params)
	return base, params
}

func TestCoreUseCaseVectors(t *testing.T) {
	var f struct {
		Cases []struct {
			Title              string
			BracketedInput     string   `json:"bracketed_input"`
			Valid              bool     `json:"valid"`
			CanonicalBracketed string   `json:"canonical_bracketed"`
			FNC1String         string   `json:"fnc1_string"`
			DLCanonical        string   `json:"dl_uri_canonical"`
			DLCustom           string   `json:"dl_uri_custom_stem"`
			HRI                []string `json:"hri"`
			ScanDM             string   `json:"scan_data_DM"`
			ScanQR             string   `json:"scan_data_QR"`
			DLRoundtrip        string   `json:"dl_roundtrip_bracketed"`
			Error              string   `json:"error"`
		}
	}
	loadJSON(t, "core_usecase_vectors.json", &f)
	aiInError := regexp.MustCompile(`AI \((\d+)\)`)
	for _, c := range f.Cases {
		t.Run(c.Title, func(t *testing.T) {
			m, err := ParseBracketed(c.BracketedInput)
			if !c.Valid {
				if err == nil {
					t.Fatalf("parse %q: no error, want %q", c.BracketedInput, c.Error)
				}
				want := aiInError.FindStringSubmatch(c.Error)[1]
				if got := err.(*Error).AI; got != want {
					t.Errorf("error %q names AI %q, want %q (reference: %q)", err, got, want, c.Error)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse %q: %v", c.BracketedInput, err)
			}
			check := func(form, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, want %q", form, got, want)
				}
			}
			check("Bracketed", m.Bracketed(), c.CanonicalBracketed)
			check("ElementString", m.ElementString(), c.FNC1String)
			dm, _ := m.ScanData(AIMGS1DataMatrix)
			check("ScanData ]d2", dm, c.ScanDM)
			qr, _ := m.ScanData(AIMGS1QR)
			check("ScanData ]Q3", qr, c.ScanQR)
			if !slices.Equal(m.HRI(), c.HRI) {
				t.Errorf("HRI = %q, want %q", m.HRI(), c.HRI)
			}
			for stem, want := range map[string]string{CanonicalStem: c.DLCanonical, "https://brand.example.com": c.DLCustom} {
				got, err := m.DigitalLink(stem)
				if err != nil {
					t.Fatalf("DigitalLink(%q): %v", stem, err)
				}
				gb, gq := splitURI(got)
				wb, wq := splitURI(want)
				if gb != wb || !slices.Equal(gq, wq) {
					t.Errorf("DigitalLink(%q) = %q, want %q", stem, got, want)
				}
			}
			// Every form the scanner or printer produces parses back to
			// the same elements.
			for _, in := range []string{c.FNC1String, c.ScanDM, c.ScanQR, c.DLCanonical, c.DLCustom, c.CanonicalBracketed, AIMQR + c.DLCustom} {
				back, err := Parse(in)
				if err != nil {
					t.Errorf("Parse(%q): %v", in, err)
					continue
				}
				if !slices.Equal(sortedElements(back), sortedElements(m)) {
					t.Errorf("Parse(%q) = %v, want %v", in, back, m)
				}
			}
			back, _ := ParseDigitalLink(c.DLCanonical)
			check("bracketed from Digital Link", back.Bracketed(), c.DLRoundtrip)
		})
	}
}

func TestDigitalLinkParseVectors(t *testing.T) {
	var f struct {
		Cases []struct {
			Valid   bool
			URI     string `json:"uri"`
			Expect  string `json:"expect_ai_data"`
			Options vectorOptions
			Note    string
		}
	}
	loadJSON(t, "dl_parse_uri.json", &f)
	for _, c := range f.Cases {
		p := c.Options.parser()
		m, err := p.ParseDigitalLink(c.URI)
		if !c.Valid {
			if err == nil {
				t.Errorf("ParseDigitalLink(%q) = %v, want error (%s)", c.URI, m, c.Note)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDigitalLink(%q): %v (%s)", c.URI, err, c.Note)
			continue
		}
		want, err := p.ParseElementString(c.Expect)
		if err != nil {
			t.Fatalf("expected data %q does not parse: %v", c.Expect, err)
		}
		if !slices.Equal(sortedElements(m), sortedElements(want)) {
			t.Errorf("ParseDigitalLink(%q) = %v, want %v", c.URI, m, want)
		}
		// The reference writes path AIs first, then the query's in order.
		if got := m.ElementString(); got != c.Expect {
			t.Logf("ParseDigitalLink(%q).ElementString() = %q, reference %q (order differs)", c.URI, got, c.Expect)
		}
	}
}

func TestDigitalLinkGenerateVectors(t *testing.T) {
	var f struct {
		Cases []struct {
			Valid       bool
			Stem        string
			AIData      string `json:"ai_data"`
			AIDataCaret string `json:"ai_data_caret"`
			DLInput     string `json:"dl_uri_input"`
			Expect      string `json:"expect_uri"`
			Options     vectorOptions
			Note        string
		}
	}
	loadJSON(t, "dl_generate_uri.json", &f)
	for _, c := range f.Cases {
		p := c.Options.parser()
		var m Message
		var err error
		switch {
		case c.AIData != "":
			m, err = p.ParseBracketed(c.AIData)
		case c.AIDataCaret != "":
			m, err = p.ParseElementString(c.AIDataCaret)
		default:
			m, err = p.ParseDigitalLink(c.DLInput)
		}
		in := c.AIData + c.AIDataCaret + c.DLInput
		if err != nil {
			if c.Valid {
				t.Errorf("parse %q: %v", in, err)
			}
			continue
		}
		uri, err := m.DigitalLink(c.Stem)
		if !c.Valid {
			if err == nil {
				t.Errorf("DigitalLink(%q) of %q = %q, want error (%s)", c.Stem, in, uri, c.Note)
			}
			continue
		}
		if err != nil {
			t.Errorf("DigitalLink(%q) of %q: %v", c.Stem, in, err)
			continue
		}
		gb, gq := splitURI(uri)
		wb, wq := splitURI(c.Expect)
		if gb != wb || !slices.Equal(gq, wq) {
			t.Errorf("DigitalLink(%q) of %q = %q, want %q", c.Stem, in, uri, c.Expect)
		}
		if uri != c.Expect {
			t.Logf("DigitalLink of %q = %q, reference %q (query order differs)", in, uri, c.Expect)
		}
	}
}

func TestDigitalLinkPathSequences(t *testing.T) {
	var f struct {
		Cases []struct {
			Valid   bool
			PathAIs []string `json:"path_ais"`
		}
	}
	loadJSON(t, "dl_valid_path_sequences.json", &f)
	for _, c := range f.Cases {
		var elems []Element
		for _, ai := range c.PathAIs {
			elems = append(elems, Element{AI: ai})
		}
		if got := validPath(elems); got != c.Valid {
			t.Errorf("validPath(%v) = %v, want %v", c.PathAIs, got, c.Valid)
		}
	}
	// Orders the dictionary does not allow.
	for _, bad := range [][]string{{"01", "10", "22"}, {"01", "21", "10"}, {"01", "22", "10", "235"}, {"21"}, {"01", "01"}, {"414", "254", "7040"}} {
		var elems []Element
		for _, ai := range bad {
			elems = append(elems, Element{AI: ai})
		}
		if validPath(elems) {
			t.Errorf("validPath(%v) = true, want false", bad)
		}
	}
}

func TestPercentEncodingVectors(t *testing.T) {
	var f struct {
		Cases struct {
			Unescape, Escape []struct {
				Input string
				Path  string `json:"expect_path_component"`
				Query string `json:"expect_query_component"`
			}
		}
	}
	loadJSON(t, "dl_percent_encoding.json", &f)
	// The vectors write each byte as the character of the same number.
	bytesOf := func(s string) string {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r))
		}
		return string(b)
	}
	for _, c := range f.Cases.Unescape {
		for query, want := range map[bool]string{false: bytesOf(c.Path), true: bytesOf(c.Query)} {
			got, ok := unescapeURI(c.Input, query)
			if !ok || got != want {
				t.Errorf("unescapeURI(%q, query=%v) = %q, %v; want %q", c.Input, query, got, ok, want)
			}
		}
	}
	if _, ok := unescapeURI("A%00B", false); ok {
		t.Error("unescapeURI accepted %00")
	}
	for _, c := range f.Cases.Escape {
		for query, want := range map[bool]string{false: c.Path, true: c.Query} {
			var b strings.Builder
			escapeURI(&b, c.Input, query)
			if b.String() != want {
				t.Errorf("escapeURI(%q, query=%v) = %q, want %q", c.Input, query, b.String(), want)
			}
		}
	}
}

func TestBracketedVectors(t *testing.T) {
	var f struct {
		Cases []struct {
			Valid     bool
			Bracketed string
			Expect    string `json:"expect_ai_data"`
			Full      struct {
				Valid bool
				Error string
			} `json:"full_validation"`
			Note string
		}
	}
	loadJSON(t, "ai_parse_bracketed.json", &f)
	for _, c := range f.Cases {
		// "valid" is syntax only: the associations are not checked.
		syntaxOnly := Parser{SkipRequisites: true}
		m, err := syntaxOnly.ParseBracketed(c.Bracketed)
		if c.Valid != (err == nil) {
			t.Errorf("ParseBracketed(%q) syntax only: err = %v, want valid %v (%s)", c.Bracketed, err, c.Valid, c.Note)
		} else if err == nil && m.ElementString() != c.Expect {
			t.Errorf("ParseBracketed(%q).ElementString() = %q, want %q", c.Bracketed, m.ElementString(), c.Expect)
		}
		_, err = ParseBracketed(c.Bracketed)
		if c.Full.Valid != (err == nil) {
			t.Errorf("ParseBracketed(%q): err = %v, want valid %v (%s)", c.Bracketed, err, c.Full.Valid, c.Full.Error)
		}
	}
}

func TestLinterErrorVectors(t *testing.T) {
	var f struct {
		Cases []struct {
			AIData string `json:"ai_data"`
			Expect string `json:"expect_linter"`
			Valid  bool
		}
	}
	loadJSON(t, "ai_linter_errors.json", &f)
	p := Parser{SkipRequisites: true}
	for _, c := range f.Cases {
		_, err := p.ParseBracketed(c.AIData)
		if c.Expect == "GS1_LINTER_OK" {
			if err != nil {
				t.Errorf("ParseBracketed(%q): %v", c.AIData, err)
			}
			continue
		}
		want := ErrorCode(strings.TrimPrefix(c.Expect, "GS1_LINTER_"))
		if e, ok := err.(*Error); !ok || e.Code != want {
			t.Errorf("ParseBracketed(%q): err = %v, want code %s", c.AIData, err, want)
		}
	}
}

func TestDictionarySubset(t *testing.T) {
	var f struct {
		AIs []struct {
			AI         string
			Fixed      bool     `json:"fixed_length_no_fnc1"`
			DLAttr     bool     `json:"dl_data_attribute_allowed"`
			Spec       []string `json:"spec"`
			Attributes []string
		}
	}
	loadJSON(t, "ai_table_subset.json", &f)
	for _, want := range f.AIs {
		want.AI, _, _ = strings.Cut(want.AI, "-") // the first AI of a range
		d := dict.lookup(want.AI)
		if d == nil {
			t.Errorf("AI %s missing from the dictionary", want.AI)
			continue
		}
		if d.fnc1 == want.Fixed || d.dlAttr != want.DLAttr || len(d.comps) != len(want.Spec) {
			t.Errorf("AI %s: fnc1 %v, dlAttr %v, %d components; want fixed %v, dlAttr %v, %v", want.AI, d.fnc1, d.dlAttr, len(d.comps), want.Fixed, want.DLAttr, want.Spec)
		}
		var dlpkey bool
		for _, a := range want.Attributes {
			dlpkey = dlpkey || strings.HasPrefix(a, "dlpkey")
		}
		if d.dlpkey != dlpkey {
			t.Errorf("AI %s: dlpkey %v, want %v", want.AI, d.dlpkey, dlpkey)
		}
	}
	// Ranges expand, and each AI's prefix determines its length.
	for _, ai := range []string{"3100", "3105", "91", "99", "7039", "3929"} {
		if dict.lookup(ai) == nil {
			t.Errorf("AI %s missing", ai)
		}
	}
	for _, ai := range []string{"3106", "9", "100", "23"} {
		if dict.lookup(ai) != nil {
			t.Errorf("AI %s should not exist", ai)
		}
	}
}

// TestEPCISNormalisationDigitalLinks runs the Digital Link inputs of the
// EPCIS event-hash normalisation vectors (the EPC URN inputs are
// TestEPCVectors'). Those vectors expect a constrained URI that keeps only
// the key and one qualifier, which is EPCIS's business, not this package's;
// here every element the constrained URI keeps must be among those parsed,
// with the deprecated forms the vectors use permitted.
func TestEPCISNormalisationDigitalLinks(t *testing.T) {
	var f struct {
		Cases []struct {
			Input  string
			Expect *string
			Valid  bool
		}
	}
	loadJSON(t, "epc_urn_dl_normalisation.json", &f)
	// We disagree with these vectors: the normaliser that produced them
	// checks neither check digits nor the dictionary's associations, while
	// the GS1 syntax engine (and so this package) refuses the inputs.
	disagree := map[string]string{
		"http://example.de/gtin-8/01/97803111":                             "GTIN-8 97803111 has check digit 1; it should be 9",
		"http://example.de/01/040123451234/cpv/344/lot/ABD":                "GTIN-12 040123451234 has check digit 4; it should be 5",
		"https://id.gs1.org/itip/123456789101100190/cpv/ABCD":              "AI (22) requires (01) in the dictionary, though (8006) lists it as a qualifier",
		"https://fashion-corp.com/8006/040123451234560102/22/AB/21/443322": "AI (22) requires (01)",
		"https://id.gs1.org/8006/040123451234560102/22/ABCD/10/XYZ":        "AI (22) requires (01)",
	}
	p := Parser{PermitZeroSuppressedGTIN: true, PermitConvenienceAlphas: true}
	for _, c := range f.Cases {
		if strings.HasPrefix(c.Input, "urn:") {
			continue
		}
		m, err := p.Parse(c.Input)
		if why, ok := disagree[c.Input]; ok {
			if err == nil {
				t.Errorf("Parse(%q) succeeded; want refused: %s", c.Input, why)
			}
			continue
		}
		if !c.Valid {
			if err == nil {
				t.Errorf("Parse(%q) = %v, want error", c.Input, m)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.Input, err)
			continue
		}
		want, err := ParseDigitalLink(*c.Expect)
		if err != nil {
			t.Fatalf("expected URI %q does not parse: %v", *c.Expect, err)
		}
		for _, e := range want.elems {
			if v, ok := m.Get(e.AI); !ok || v != e.Value {
				t.Errorf("Parse(%q) = %v, lacks (%s)%s of %q", c.Input, m, e.AI, e.Value, *c.Expect)
			}
		}
	}
}
