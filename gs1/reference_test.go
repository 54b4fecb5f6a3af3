package gs1

import (
	"slices"
	"strings"
	"testing"
)

// These cases come from the GS1 reference implementation's own unit tests
// (gs1/gs1-syntax-engine, src/c-lib/dl.c and scandata.c) beyond the subset
// in testdata/, and from the GS1 Digital Link standard's examples.

func TestDigitalLinkReference(t *testing.T) {
	short := Parser{PermitZeroSuppressedGTIN: true}
	alphas := Parser{PermitConvenienceAlphas: true}
	strict := Parser{}
	tests := []struct {
		p    *Parser
		uri  string
		want string // element string; "" means the URI must be refused
	}{
		{&strict, "ftp://a/01/12312312312333", ""},
		{&strict, "http://", ""},
		{&strict, "http://a", ""},
		{&strict, "http://a/", ""},
		{&strict, "http://a/b/", ""},
		{&strict, "https://00/006141411234567890", ""},
		{&strict, "http://a/00/006141411234567890", "^00006141411234567890"},
		{&strict, "HTTPS://a/00/006141411234567890", "^00006141411234567890"},
		{&strict, "https://a./01/12312312312333", "^0112312312312333"},
		{&strict, "https://a:65535/01/12312312312333", "^0112312312312333"},
		{&strict, "https://3232235777/01/12312312312333", "^0112312312312333"},
		{&strict, "https://0300.0250.01.01/01/12312312312333", "^0112312312312333"},
		{&strict, "https://[2001:db8::1]/01/12312312312333", "^0112312312312333"},
		{&strict, "https://[fe80::1%25lo]/01/12312312312333", ""},
		{&strict, "https://a$/006141411234567890", ""},
		{&strict, "https://a/more/stem/00/006141411234567890", "^00006141411234567890"},
		{&strict, "https://a/00/faux/00/006141411234567890", "^00006141411234567890"},
		{&alphas, "https://a/gtin/12312312312333", "^0112312312312333"},
		{&alphas, "https://a/gtin/12312312312333/ser/ABC123", "^011231231231233321ABC123"},
		{&short, "https://a/01/416000336108", "^0100416000336108"},
		{&short, "https://a/01/02345673", "^0100000002345673"},
		{&strict, "https://a/01/02345673", ""},
		{&strict, "https://a/01/12312312312333/22/TEST/10/ABC/21/XYZ", "^011231231231233322TEST^10ABC^21XYZ"},
		{&strict, "https://a/253/1231231231232", "^2531231231231232"},
		{&strict, "https://a/253/1231231231232TEST5678901234567", "^2531231231231232TEST5678901234567"},
		{&strict, "https://a/8018/123456789012345675/8019/123", "^8018123456789012345675^8019123"},
		{&strict, "https://a/stem/00/006141411234567890/", ""},
		{&strict, "https://a/stem/00/006141411234567890?99=ABC", "^0000614141123456789099ABC"},
		{&strict, "https://a/stem/401/12345678?99=ABC", "^40112345678^99ABC"},
		{&strict, "https://a/01/12312312312333?99=", ""},
		{&strict, "https://a/01/12312312312333?99=ABC&999=faux", ""},
		{&strict, "https://a/01/12312312312333?unknown=666&99=ABC&98=XYZ", "^011231231231233399ABC^98XYZ"},
		{&strict, "https://a/01/12312312312333/22/ABC%2d123?99=ABC&98=XYZ%2f987", "^011231231231233322ABC-123^99ABC^98XYZ/987"},
		{&strict, "https://a/01/12312312312333/22/ABC+123?99=ABC&98=XYZ%2f987", "^011231231231233322ABC+123^99ABC^98XYZ/987"},
		{&strict, "https://a/01/12312312312333/22/test/10/abc/21/xyz#", "^011231231231233322test^10abc^21xyz"},
		{&strict, "https://a/01/12312312312333/22/test/10/abc/21/xyz#fragment", "^011231231231233322test^10abc^21xyz"},
		{&strict, "https://a/stem/00/006141411234567890?99=ABC#fragment", "^0000614141123456789099ABC"},
		{&strict, "https://id.gs1.org/01/09520123456788/22/2A", "^0109520123456788222A"},
		{&strict, "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426", "^010952012345678810ABC1^2112345^17180426"},
		{&short, "https://brand.example.com/some-extra/pathinfo/01/9520123456788", "^0109520123456788"},
		{&strict, "https://id.gs1.org/01/09520123456788?17=201225&3103=000195&3922=0299", "^010952012345678817201225310300019539220299"},
		{&strict, "https://id.gs1.org/00/952012345678912345?02=09520123456788&37=25&10=ABC123", "^0095201234567891234502095201234567883725^10ABC123"},
		{&strict, "https://id.gs1.org/414/9520123456788", "^4149520123456788"},
		{&short, "https://example.com/8004/9520614141234567?01=9520123456788", "^80049520614141234567^0109520123456788"},
		{&strict, "https://example.com/01/09520123456788?10=ABC123", ""},
		{&strict, "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&01=09520123456788", ""},
		{&strict, "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&10=ABC123", ""},
		{&strict, "https://example.com/01/09520123456788/89/ABC123?99=XYZ", ""},
		{&strict, "https://example.com/01/09520123456788/21/A%00B", ""},
		{&strict, "https://example.com/01/09520123456788/21/", ""},
		{&strict, "https://example.com/01/09520123456788//21/X", ""},
		{&strict, "https://example.com/01/09520123456789/21/X", ""},
	}
	for _, tt := range tests {
		m, err := tt.p.ParseDigitalLink(tt.uri)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseDigitalLink(%q) = %v, want error", tt.uri, m)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDigitalLink(%q): %v", tt.uri, err)
			continue
		}
		if got := m.ElementString(); got != tt.want {
			t.Errorf("ParseDigitalLink(%q) = %q, want %q", tt.uri, got, tt.want)
		}
	}
}

func TestScanDataReference(t *testing.T) {
	tests := []struct {
		in   string
		want string // element string; "" means refused
	}{
		{"", ""},
		{"ABC", ""},
		{"]", ""},
		{"]X", ""},
		{"]XX", ""},
		{"]e0", ""},
		{"]Q3", ""},
		{"]d2", ""},
		{"]C1", ""},
		{"]Q1TESTING", ""},
		{"]Q1", ""},
		{"]Q3011231231231233310ABC123\x1d99TESTING", "^011231231231233310ABC123^99TESTING"},
		{"]Q1https://example.com/01/12312312312333?99=TEST", "^011231231231233399TEST"},
		{"]Q1HTTPS://example.com/01/12312312312333?99=TEST", "^011231231231233399TEST"},
		{"]Q1HtTps://example.com/01/12312312312333?99=TEST", ""},
		{"]d2011231231231233310ABC123\x1d99TESTING", "^011231231231233310ABC123^99TESTING"},
		{"]d1https://example.com/01/12312312312333?99=TEST", "^011231231231233399TEST"},
		{"]e0011231231231233310ABC123\x1d99TESTING\x1d98XYZ", "^011231231231233310ABC123^99TESTING^98XYZ"},
		{"]e0011231231231233310ABC123\x1d1199122598TESTING\x1d97XYZ", "^011231231231233310ABC123^1199122598TESTING^97XYZ"},
		{"]C1011231231231233310ABC123\x1d99TESTING", "^011231231231233310ABC123^99TESTING"},
		{"]J1011231231231233310ABC123\x1d99TESTING", "^011231231231233310ABC123^99TESTING"},
		{"]d2011231231231233310ABC^123", ""},
		{"]E0", ""},
		{"]E0123456789012", ""},
		{"]E012345678901234", ""},
		{"]E01234ABC890123", ""},
		{"]E02112345678901", ""},
		{"]E02112345678900", "^0102112345678900"},
		{"]E02112345678900|]e099COMPOSITE\x1d98XYZ", "^010211234567890099COMPOSITE^98XYZ"},
		{"]E4", ""},
		{"]E41234567", ""},
		{"]E402345674", ""},
		{"]E402345673", "^0100000002345673"},
	}
	for _, tt := range tests {
		m, err := ParseScanData(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseScanData(%q) = %v, want error", tt.in, m)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseScanData(%q): %v", tt.in, err)
			continue
		}
		if got := m.ElementString(); got != tt.want {
			t.Errorf("ParseScanData(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScanDataFormat(t *testing.T) {
	m := MustParse("^011231231231233310ABC123^99TESTING")
	for aim, want := range map[string]string{
		AIMGS1QR:         "]Q3011231231231233310ABC123\x1d99TESTING",
		AIMGS1DataMatrix: "]d2011231231231233310ABC123\x1d99TESTING",
		AIMGS1DataBar:    "]e0011231231231233310ABC123\x1d99TESTING",
		AIMGS1128:        "]C1011231231231233310ABC123\x1d99TESTING",
	} {
		if got, err := m.ScanData(aim); err != nil || got != want {
			t.Errorf("ScanData(%s) = %q, %v; want %q", aim, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"(01)02112345678900": "]E02112345678900",
		"(01)00000002345673": "]E402345673",
	} {
		aim := want[:3]
		if got, err := MustParse(in).ScanData(aim); err != nil || got != want {
			t.Errorf("ScanData(%s) of %s = %q, %v; want %q", aim, in, got, err, want)
		}
	}
	if _, err := m.ScanData(AIMEAN13); err == nil {
		t.Error("ScanData(]E0) of a message with more than a GTIN succeeded")
	}
	if _, err := m.ScanData(AIMQR); err == nil {
		t.Error("ScanData(]Q1) succeeded; plain QR carries a URI, not an element string")
	}
}

func TestElementStringForms(t *testing.T) {
	want := []Element{{"01", "09520123456788"}, {"17", "251231"}, {"10", "ABC123"}, {"21", "A1"}}
	for _, in := range []string{
		"^01095201234567881725123110ABC123^21A1",
		"01095201234567881725123110ABC123\x1d21A1",
		"\x1d01095201234567881725123110ABC123\x1d21A1",
		"^0109520123456788^17251231^10ABC123^21A1^", // separators after fixed-length AIs and at the end are tolerated
	} {
		m, err := ParseElementString(in)
		if err != nil {
			t.Errorf("ParseElementString(%q): %v", in, err)
			continue
		}
		if !slices.Equal(m.Elements(), want) {
			t.Errorf("ParseElementString(%q) = %v, want %v", in, m.Elements(), want)
		}
	}
	for _, in := range []string{
		"", "^", "^^0109520123456788", "^0109520123456788^^21A1", "^01095201234567", "^0109520123456788ZZ",
		"^10ABC123", // (10) requires (01)
		"^0109520123456788^21" + strings.Repeat("A", 21),
	} {
		if m, err := ParseElementString(in); err == nil {
			t.Errorf("ParseElementString(%q) = %v, want error", in, m)
		}
	}
}

func TestElementStringReference(t *testing.T) {
	valid := []string{
		"^991234", "^0112345678901231", "^0112345678901231^", "^0112345678901231991234", "^0112345678901231^991234",
		"^2421", "^242123456", "^242123456^10ABC123", "^242123456^", "^81111234", "^81111234^10ABC123",
		"^800112341234512398", "^800112341234512398^0112345678901231", "^7007211225211231", "^7007211225",
		"^800302112345678900ABC", "^800302112345678900", "^800302112345678900^10ABC123", "^800302112345678900ABCDEFGHIJKLMNOP",
		"^7230121234567890123456789012345678", "^7230123", "^423528", "^423528528", "^423528528528528528",
	}
	invalid := []string{
		"^", "^891234", "^99~ABC", "^99ABC~", "^01A2345678901231", "^011234567890123A", "^0112345678901234",
		"^011234567890123", "^01123456789012312", "^011234567890123^", "^01123456789012345^", "^01123456789012345^991234",
		"^2421234567", "^8111123", "^811112345", "^80011234123451239", "^8001123412345123981",
		"^80011234123451239^0112345678901231", "^70072112252", "^700721122521", "^7007211225211", "^70072112252112",
		"^700721122521123", "^70072112252212311", "^800302112345678901ABC", "^800302112345678900ABCDEFGHIJKLMNOPQ",
		"^72301212345678901234567890123456789", "^723012", "^423", "^4235", "^42352", "^4235285", "^4235285285285285285",
	}
	p := Parser{SkipRequisites: true}
	for _, in := range valid {
		if _, err := p.ParseElementString(in); err != nil {
			t.Errorf("ParseElementString(%q): %v", in, err)
		}
	}
	for _, in := range invalid {
		if m, err := p.ParseElementString(in); err == nil {
			t.Errorf("ParseElementString(%q) = %v, want error", in, m)
		}
	}
	// Unknown AIs cannot be told apart from their values in an element
	// string unless their prefix fixes their length.
	unknown := Parser{PermitUnknownAIs: true}
	if _, err := unknown.ParseElementString("^891234"); err == nil {
		t.Error("ParseElementString(^891234) with unknown AIs permitted: want error")
	}
}

func TestAssociationReference(t *testing.T) {
	unknown := Parser{PermitUnknownAIs: true}
	tests := []struct {
		in    string
		valid bool
	}{
		{"(400)ABC(400)ABC", true},
		{"(400)ABC(99)DEF(400)ABC", true},
		{"(400)ABC(400)AB", false},
		{"(400)ABC(400)ABC(400)XYZ", false},
		{"(99)ABC(400)ABC(400)XYZ", false},
		{"(89)ABC(89)ABC(89)ABC", true},
		{"(89)ABC(89)XYZ(89)ABC", false},
		{"(01)12345678901231(02)12345678901231", false},
		{"(01)12345678901231(255)5412345000150", false},
		{"(01)12345678901231(37)123", false},
		{"(21)ABC123(235)XYZ(01)12345678901231", false},
		{"(3940)1234(3941)9999(255)5412345000150", false},
		{"(3955)123456(3929)123", false},
		{"(02)12345678901231(37)123", false},
		{"(02)12345678901231(37)123(00)123456789012345675", true},
		{"(91)XXX(02)12345678901231(92)YYY(37)123(93)ZZZ(00)123456789012345675", true},
		{"(21)ABC123(01)12345678901231", true},
		{"(21)ABC123(8006)123456789012310510", true},
		{"(01)12345678901231(250)ABC123", false},
		{"(01)12345678901231(21)XYZ999(250)ABC123", true},
		{"(01)12345678901231(3925)12599", false},
		{"(01)12345678901231(3925)12599(3100)654321", true},
		{"(01)12345678901231(3925)12599(3695)654321", true},
		{"(8030)DIGSIG", false},
		{"(8030)DIGSIG(01)12345678901231", false},
		{"(8030)DIGSIG(01)12345678901231(21)ABC123", true},
		{"(8030)DIGSIG(8006)123456789012310102", false},
		{"(8030)DIGSIG(8010)1234567890(8011)123456789012", true},
		{"(253)1234567890128(8030)ABC123", false},
		{"(253)1234567890128X(8030)ABC123", true},
	}
	for _, tt := range tests {
		m, err := unknown.ParseBracketed(tt.in)
		if tt.valid && err != nil {
			t.Errorf("ParseBracketed(%q): %v", tt.in, err)
		}
		if !tt.valid && err == nil {
			t.Errorf("ParseBracketed(%q) = %v, want error", tt.in, m)
		}
	}
}

func TestLookupAIReference(t *testing.T) {
	known := Parser{}
	for _, ai := range []string{"89", "236", "3999"} {
		if known.lookupAI(ai) != nil {
			t.Errorf("lookupAI(%s) without PermitUnknownAIs: want nil", ai)
		}
	}
	p := Parser{PermitUnknownAIs: true}
	for ai, fnc1 := range map[string]bool{"89": true, "236": true, "3999": true, "419": false} {
		d := p.lookupAI(ai)
		if d == nil || !d.unknown || d.fnc1 != fnc1 {
			t.Errorf("lookupAI(%s) = %+v, want an unknown AI with fnc1 %v", ai, d, fnc1)
		}
	}
	// A prefix of a known AI, or an AI of the wrong length for its prefix,
	// is a misreading rather than an unknown AI.
	for _, ai := range []string{"011", "800", "80", "399", "2367", "4199", "1A", "", "1", "12345"} {
		if d := p.lookupAI(ai); d != nil {
			t.Errorf("lookupAI(%q) = %s, want nil", ai, d.ai)
		}
	}
}
