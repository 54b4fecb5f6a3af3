package gs1

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
)

// epcVectors is the shape of testdata/epc_urn_dl_normalisation.json.
type epcVectors struct {
	Cases []struct {
		Input  string  `json:"input"`
		Group  string  `json:"group"`
		Expect *string `json:"expect"`
		Valid  bool    `json:"valid"`
	} `json:"cases"`
}

// epcDLElements returns the elements named by the path of a constrained
// Digital Link URI, /AI/value/AI/value…, with the values percent-decoded.
func epcDLElements(t *testing.T, uri string) []Element {
	t.Helper()
	const host = "https://id.gs1.org/"
	if !strings.HasPrefix(uri, host) {
		t.Fatalf("expectation %q is not on %s", uri, host)
	}
	segs := strings.Split(uri[len(host):], "/")
	if len(segs)%2 != 0 {
		t.Fatalf("expectation %q has an odd number of path segments", uri)
	}
	var elems []Element
	for i := 0; i < len(segs); i += 2 {
		v, err := url.PathUnescape(segs[i+1])
		if err != nil {
			t.Fatalf("expectation %q: %v", uri, err)
		}
		elems = append(elems, Element{AI: segs[i], Value: v})
	}
	return elems
}

// epcGCPLen returns the length of the company prefix component of an EPC
// URN that parseEPC accepted.
func epcGCPLen(urn string) int {
	rest := urn[len("urn:epc:"):]
	rest = rest[strings.IndexByte(rest, ':')+1:]
	rest = rest[strings.IndexByte(rest, ':')+1:]
	return strings.IndexByte(rest, '.')
}

// TestParseEPCVectors checks parseEPC against the URN cases of the EPCIS
// event-hash normalisation vectors.
func TestParseEPCVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/epc_urn_dl_normalisation.json")
	if err != nil {
		t.Fatal(err)
	}
	var vec epcVectors
	if err := json.Unmarshal(data, &vec); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range vec.Cases {
		// Inputs that are not URNs are Digital Link URIs (or junk) for the
		// Digital Link parser's tests, not for parseEPC.
		if !strings.HasPrefix(c.Input, "urn:") {
			continue
		}
		n++
		got, err := parseEPC(c.Input)
		if !c.Valid || c.Expect == nil {
			if err == nil {
				t.Errorf("parseEPC(%q) = %v, want an error", c.Input, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseEPC(%q): %v", c.Input, err)
			continue
		}
		if want := epcDLElements(t, *c.Expect); !reflect.DeepEqual(got, want) {
			t.Errorf("parseEPC(%q) = %v, want %v (%s)", c.Input, got, want, c.Group)
		}
	}
	if n < 20 {
		t.Errorf("only %d URN cases in the vectors", n)
	}
}

// TestParseEPCElements checks parseEPC on URNs beyond the vectors: dots in
// serials, case, redundant escapes, patterns and the SGLN "0" extension.
func TestParseEPCElements(t *testing.T) {
	tests := []struct {
		in   string
		want []Element
	}{
		{"urn:epc:id:sgtin:4012345.012345.1.2", []Element{{"01", "04012345123456"}, {"21", "1.2"}}},
		{"URN:Epc:id:sgtin:4012345.012345.%2f%41", []Element{{"01", "04012345123456"}, {"21", "/A"}}},
		{"urn:epc:id:sgtin:4012345.012345.*", []Element{{"01", "04012345123456"}, {"21", "*"}}},
		{"urn:epc:idpat:sgtin:4012345.012345.987", []Element{{"01", "04012345123456"}, {"21", "987"}}},
		{"urn:epc:idpat:sgln:4012345.00005.*", []Element{{"414", "4012345000054"}}},
		{"urn:epc:id:sgln:4012345.00005.%30", []Element{{"414", "4012345000054"}}},
		{"urn:epc:id:sgln:4012345.00005.00", []Element{{"414", "4012345000054"}, {"254", "00"}}},
		{"urn:epc:id:sgcn:4012345.67890.04711", []Element{{"255", "401234567890104711"}}},
		{"urn:epc:id:cpi:4012345.AB-1.0", []Element{{"8010", "4012345AB-1"}, {"8011", "0"}}},
		{"urn:epc:idpat:upui:4012345.012345.*", []Element{{"01", "04012345123456"}}},
		{"urn:epc:id:sscc:123456789012.01234", []Element{{"00", "012345678901212346"}}},
	}
	for _, tt := range tests {
		got, err := parseEPC(tt.in)
		if err != nil {
			t.Errorf("parseEPC(%q): %v", tt.in, err)
		} else if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseEPC(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// epcCanonical lists canonical URNs of every scheme: formatEPC gives them back.
var epcCanonical = []string{
	"urn:epc:id:sgtin:4012345.011111.98%22",
	"urn:epc:id:sgtin:415056789012.0.987654",
	"urn:epc:id:sgtin:0614141.812345.6789%2F%26%25%22!%3F()",
	"urn:epc:id:sgtin:614141.1234567.'*+,-.:;=_%3C%3Ez",
	"urn:epc:class:lgtin:4012345.012345.Lot987",
	"urn:epc:id:sscc:4012345.3111111111",
	"urn:epc:id:sscc:123456789012.01234",
	"urn:epc:id:sgln:4012345.00005.122",
	"urn:epc:id:sgln:4012345.00005.0",
	"urn:epc:id:sgln:999999999999..x%2Fy",
	"urn:epc:id:pgln:4000001.00000",
	"urn:epc:id:pgln:999999999999.",
	"urn:epc:id:grai:4012345.00022.334455",
	"urn:epc:id:giai:4012345.ABC345",
	"urn:epc:id:giai:401234567890.a.b%3F",
	"urn:epc:id:gsrn:4012345.0000006765",
	"urn:epc:id:gsrnp:4012345.0000000007",
	"urn:epc:id:gdti:4012345.00009.PO-4711",
	"urn:epc:id:gdti:987659999999..9",
	"urn:epc:id:sgcn:4012345.67890.04711",
	"urn:epc:id:cpi:0614141.11111111111111-A%23%2F.1234",
	"urn:epc:id:ginc:0614141.xyz47%2F11",
	"urn:epc:id:gsin:4012345.222333444",
	"urn:epc:id:itip:4012345.011111.01.02.987",
	"urn:epc:id:upui:1234567.098765.51qIgY)%3C%26Jp3*j7SDB",
	"urn:epc:idpat:sgtin:4012345.012345.*",
	"urn:epc:idpat:grai:4012345.99999.*",
	"urn:epc:idpat:gdti:4012345.11111.*",
	"urn:epc:idpat:sgcn:4012345.22222.*",
	"urn:epc:idpat:cpi:4012345.AB12.*",
	"urn:epc:idpat:itip:4012345.012345.01.02.*",
}

// TestFormatEPCRoundTrip checks that formatEPC gives back every canonical URN.
func TestFormatEPCRoundTrip(t *testing.T) {
	for _, urn := range epcCanonical {
		elems, err := parseEPC(urn)
		if err != nil {
			t.Errorf("parseEPC(%q): %v", urn, err)
			continue
		}
		got, err := formatEPC(elems, epcGCPLen(urn))
		if err != nil {
			t.Errorf("formatEPC(%v, %d): %v", elems, epcGCPLen(urn), err)
		} else if got != urn {
			t.Errorf("formatEPC(parseEPC(%q)) = %q", urn, got)
		}
	}
}

// TestFormatEPC checks formatEPC on element sets that do not come from a
// canonical URN, and its errors.
func TestFormatEPC(t *testing.T) {
	tests := []struct {
		elems  []Element
		gcpLen int
		want   string // "" for an error
	}{
		// Non-canonical inputs come out canonical; element order does not matter.
		{[]Element{{"21", "/A!"}, {"01", "04012345123456"}}, 7, "urn:epc:id:sgtin:4012345.012345.%2FA!"},
		{[]Element{{"01", "04012345123456"}, {"10", "L1"}, {"21", "S1"}}, 7, "urn:epc:id:sgtin:4012345.012345.S1"},
		{[]Element{{"01", "04012345123456"}, {"10", "L1"}, {"17", "291231"}}, 7, "urn:epc:class:lgtin:4012345.012345.L1"},
		{[]Element{{"01", "04012345123456"}}, 7, "urn:epc:idpat:sgtin:4012345.012345.*"},
		{[]Element{{"01", "04012345123456"}}, 12, "urn:epc:idpat:sgtin:401234512345.0.*"},
		{[]Element{{"414", "4012345000054"}}, 7, "urn:epc:id:sgln:4012345.00005.0"},
		{[]Element{{"8006", "040123451234560102"}}, 7, "urn:epc:idpat:itip:4012345.012345.01.02.*"},
		{[]Element{{"8010", "4012345AB12"}}, 7, "urn:epc:idpat:cpi:4012345.AB12.*"},
		{[]Element{{"8003", "04012345999990"}}, 7, "urn:epc:idpat:grai:4012345.99999.*"},
		// Errors.
		{nil, 7, ""},
		{[]Element{{"17", "291231"}, {"10", "L1"}}, 7, ""},
		{[]Element{{"01", "04012345123456"}}, 5, ""},
		{[]Element{{"01", "04012345123456"}}, 13, ""},
		{[]Element{{"01", "04012345123456"}}, -1, ""},
		{[]Element{{"01", "0401234512345"}}, 7, ""},
		{[]Element{{"01", "04012345123457"}}, 7, ""},
		{[]Element{{"01", "0401234512345X"}}, 7, ""},
		{[]Element{{"01", "04012345123456"}, {"21", "a#b"}}, 7, ""},
		{[]Element{{"01", "04012345123456"}, {"21", "a b"}}, 7, ""},
		{[]Element{{"01", "04012345123456"}, {"21", ""}}, 7, ""},
		{[]Element{{"00", "3401234511111111110"}}, 7, ""},
		{[]Element{{"8004", "4012345"}}, 7, ""},
		{[]Element{{"8004", "40123A5XYZ"}}, 7, ""},
		{[]Element{{"8010", "4012345ab"}}, 7, ""},
		{[]Element{{"8010", "4012345AB"}, {"8011", "012"}}, 7, ""},
		{[]Element{{"8006", "0401234512345601"}}, 7, ""},
		{[]Element{{"8003", "14012345999990"}}, 7, ""},
		{[]Element{{"255", "4012345222227A1"}}, 7, ""},
		{[]Element{{"414", "4012345000054"}, {"254", "é"}}, 7, ""},
	}
	for _, tt := range tests {
		got, err := formatEPC(tt.elems, tt.gcpLen)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("formatEPC(%v, %d) = %q, want an error", tt.elems, tt.gcpLen, got)
		case tt.want == "":
			var e *Error
			if !errors.As(err, &e) || e.Code != ESyntax || !strings.Contains(e.Msg, "EPC URN: ") {
				t.Errorf("formatEPC(%v, %d): error %#v is not an ESyntax *Error", tt.elems, tt.gcpLen, err)
			}
		case err != nil:
			t.Errorf("formatEPC(%v, %d): %v", tt.elems, tt.gcpLen, err)
		case got != tt.want:
			t.Errorf("formatEPC(%v, %d) = %q, want %q", tt.elems, tt.gcpLen, got, tt.want)
		}
	}
}

// TestParseEPCErrors checks that malformed URNs give ESyntax errors that
// say what is wrong.
func TestParseEPCErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"", "must begin with urn:epc:"},
		{"urn:epc", "must begin"},
		{"urn:isbn:0451450523", "must begin"},
		{"http://id.gs1.org/01/04012345123456", "must begin"},
		{"urn:epc:tag:sgtin-96:3.0614141.812345.6789", "only urn:epc:id:"},
		{"urn:epc:ID:sgtin:4012345.012345.1", "only urn:epc:id:"},
		{"urn:epc:id:", "no scheme"},
		{"urn:epc:id:sgtin", "no scheme"},
		{"urn:epc:id:SGTIN:4012345.012345.1", "unknown EPC scheme"},
		{"urn:epc:id:foo:4012345.012345.1", "unknown EPC scheme"},
		{"urn:epc:id:" + strings.Repeat("x", 1000) + ":1", "unknown EPC scheme"},
		{"urn:epc:id:gid:95100000.12345.400", "no GS1 element string"},
		{"urn:epc:id:usdod:CAGE1.5678", "no GS1 element string"},
		{"urn:epc:id:lgtin:4012345.012345.L", "EPC class"},
		{"urn:epc:class:sgtin:4012345.012345.1", "not an EPC class"},
		{"urn:epc:idpat:lgtin:4012345.012345.*", "EPC class"},
		// Number of parts.
		{"urn:epc:id:sgtin:4012345012345", "needs 3 parts"},
		{"urn:epc:id:sgtin:4012345.012345", "needs 3 parts separated by dots, have 2"},
		{"urn:epc:id:sscc:4012345.311.1111111", "needs 2 parts separated by dots, have 3"},
		{"urn:epc:id:gsrn:4012345.0000006765.", "needs 2 parts"},
		{"urn:epc:id:cpi:0614141.AB.1.2", "needs 3 parts separated by dots, have 4"},
		{"urn:epc:id:itip:4012345.011111.01.987", "needs 5 parts"},
		{"urn:epc:id:pgln:4000001", "needs 2 parts separated by dots, have 1"},
		// Company prefix and reference.
		{"urn:epc:id:sgtin:40123A5.012345.1", "company prefix must be digits"},
		{"urn:epc:id:sgtin:.4012345012345.1", "6 to 12 digits, have 0"},
		{"urn:epc:id:sgtin:40123.45012345.1", "6 to 12 digits, have 5"},
		{"urn:epc:id:sgtin:4012345012345..1", "6 to 12 digits, have 13"},
		{"urn:epc:id:sgtin:4012345.01234.1", "company prefix and item reference must total 13 digits, have 12"},
		{"urn:epc:id:sgtin:4012345.0123456.1", "must total 13 digits, have 14"},
		{"urn:epc:id:sgtin:4012345.01234X.1", "item reference must be digits"},
		{"urn:epc:id:sgtin:4012345.+12345.1", "item reference must be digits"},
		{"urn:epc:id:sscc:4012345.311111111", "must total 17 digits, have 16"},
		{"urn:epc:id:sgln:4012345.0005.1", "must total 12 digits, have 11"},
		{"urn:epc:id:pgln:4000001.000000", "must total 12 digits"},
		{"urn:epc:id:grai:4012345.0022.1", "must total 12 digits"},
		{"urn:epc:id:gsrn:4012345.000000676", "must total 17 digits"},
		{"urn:epc:id:gsin:4012345.22233344", "must total 16 digits"},
		{"urn:epc:id:gdti:4012345.0009.1", "must total 12 digits"},
		{"urn:epc:id:sgcn:4012345.6789.1", "must total 12 digits"},
		{"urn:epc:id:itip:4012345.01111.01.02.1", "must total 13 digits"},
		{"urn:epc:id:upui:4012345.01111.1", "must total 13 digits"},
		{"urn:epc:id:giai:4012345.", "individual asset reference is empty"},
		{"urn:epc:id:ginc:4012345.", "consignment reference is empty"},
		{"urn:epc:id:cpi:4012345..1", "part reference is empty"},
		{"urn:epc:id:cpi:4012345.ab.1", "may not hold"},
		{"urn:epc:id:cpi:4012345.A/B.1", "must be %-escaped"},
		{"urn:epc:id:cpi:4012345.A#B.1", "must be %-escaped"},
		{"urn:epc:id:cpi:4012345.A%26B.1", "escape of a character"},
		// Serials and other tails.
		{"urn:epc:id:sgtin:4012345.012345.", "serial is empty"},
		{"urn:epc:class:lgtin:4012345.012345.", "lot is empty"},
		{"urn:epc:id:sgtin:4012345.012345.a b", "byte 0x20"},
		{"urn:epc:id:sgtin:4012345.012345.a#b", `"#", which it may not hold`},
		{"urn:epc:id:sgtin:4012345.012345.a/b", "must be %-escaped"},
		{"urn:epc:id:sgtin:4012345.012345.a?b", "must be %-escaped"},
		{"urn:epc:id:sgtin:4012345.012345.a&b", "must be %-escaped"},
		{`urn:epc:id:sgtin:4012345.012345.a"b`, "must be %-escaped"},
		{"urn:epc:id:sgtin:4012345.012345.a%b", "two hex digits"},
		{"urn:epc:id:sgtin:4012345.012345.a%2", "two hex digits"},
		{"urn:epc:id:sgtin:4012345.012345.a%", "two hex digits"},
		{"urn:epc:id:sgtin:4012345.012345.a%G1", "two hex digits"},
		{"urn:epc:id:sgtin:4012345.012345.a%23", "escape of a character"},
		{"urn:epc:id:sgtin:4012345.012345.a%20", "escape of a character"},
		{"urn:epc:id:sgtin:4012345.012345.a%C3%A9", "escape of a character"},
		{"urn:epc:id:sgtin:4012345.012345.aé", "byte 0xC3"},
		{"urn:epc:id:sgtin:4012345.012345.a~", "may not hold"},
		{"urn:epc:id:sgtin:4012345.012345.a@", "may not hold"},
		{"urn:epc:id:sgtin:4012345.012345.a\x00", "byte 0x00"},
		{"urn:epc:id:sgln:4012345.00005.", "extension is empty"},
		{"urn:epc:id:grai:4012345.00022.", "serial is empty"},
		{"urn:epc:id:sgcn:4012345.67890.", "serial is empty"},
		{"urn:epc:id:sgcn:4012345.67890.12A", "serial must be digits"},
		{"urn:epc:id:cpi:4012345.AB.012", "must not start with 0"},
		{"urn:epc:id:cpi:4012345.AB.1A", "serial must be digits"},
		{"urn:epc:id:itip:4012345.011111.1.02.987", "2 digits each"},
		{"urn:epc:id:itip:4012345.011111.01.0X.987", "2 digits each"},
		{"urn:epc:id:upui:1234567.098765.", "third-party serial is empty"},
		// Patterns.
		{"urn:epc:idpat:sgtin:4012345.*.*", "before its last part"},
		{"urn:epc:idpat:sgtin:*.*.*", "before its last part"},
		{"urn:epc:idpat:sscc:4012345.*", "denotes no single key"},
		{"urn:epc:idpat:giai:4012345.*", "denotes no single key"},
		{"urn:epc:idpat:gsrn:4012345.*", "denotes no single key"},
		{"urn:epc:idpat:sgtin:4012345.01234.*", "must total 13 digits"},
	}
	for _, tt := range tests {
		got, err := parseEPC(tt.in)
		if err == nil {
			t.Errorf("parseEPC(%q) = %v, want an error containing %q", tt.in, got, tt.msg)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != ESyntax || e.AI != "" {
			t.Errorf("parseEPC(%q): error %#v is not an ESyntax *Error", tt.in, err)
			continue
		}
		if !strings.HasPrefix(e.Msg, "EPC URN: ") || !strings.Contains(e.Msg, tt.msg) {
			t.Errorf("parseEPC(%q): error %q, want one containing %q", tt.in, e.Msg, tt.msg)
		}
		if len(e.Msg) > 200 {
			t.Errorf("parseEPC(%q): error message of %d bytes", tt.in, len(e.Msg))
		}
	}
}

// TestParseEPCHuge checks that megabyte inputs are handled, and quickly.
func TestParseEPCHuge(t *testing.T) {
	long := strings.Repeat("a.%2F", 1<<18)
	elems, err := parseEPC("urn:epc:id:sgtin:4012345.012345." + long)
	if err != nil || len(elems) != 2 || len(elems[1].Value) != 3<<18 {
		t.Fatalf("huge serial: %d elements, %v", len(elems), err)
	}
	if _, err := parseEPC("urn:epc:id:sscc:4012345." + strings.Repeat(".", 1<<20)); err == nil {
		t.Fatal("huge sscc: no error")
	}
	if _, err := parseEPC("urn:epc:idpat:sgtin:" + strings.Repeat("*.", 1<<20)); err == nil {
		t.Fatal("huge pattern: no error")
	}
}

// FuzzParseEPC checks that parseEPC never panics and that what it accepts
// survives formatEPC and parseEPC again unchanged.
func FuzzParseEPC(f *testing.F) {
	for _, urn := range epcCanonical {
		f.Add(urn)
	}
	f.Add("urn:epc:id:sgln:4012345.00005.%30")
	f.Add("urn:epc:idpat:upui:4012345.012345.*")
	f.Add("urn:epc:id:sgtin:4012345.012345.a%2f%41")
	f.Fuzz(func(t *testing.T, s string) {
		elems, err := parseEPC(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("parseEPC(%q): error of type %T", s, err)
			}
			return
		}
		urn, err := formatEPC(elems, epcGCPLen(s))
		if err != nil {
			t.Fatalf("parseEPC(%q) = %v, which formatEPC rejects: %v", s, elems, err)
		}
		again, err := parseEPC(urn)
		if err != nil {
			t.Fatalf("parseEPC(%q) = %v, formatted as %q, which parseEPC rejects: %v", s, elems, urn, err)
		}
		if !reflect.DeepEqual(again, elems) {
			t.Fatalf("parseEPC(%q) = %v, formatted as %q, parsed as %v", s, elems, urn, again)
		}
	})
}

// BenchmarkParseSGTIN measures parsing an SGTIN URN with an escape in its serial.
func BenchmarkParseSGTIN(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseEPC("urn:epc:id:sgtin:4012345.011111.987%2F65"); err != nil {
			b.Fatal(err)
		}
	}
}
