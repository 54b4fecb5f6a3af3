package gs1

import "strings"

// Symbology identifiers (ISO/IEC 15424 AIM identifiers) that a scanner puts
// before the data it read.
const (
	AIMGS1DataMatrix = "]d2" // GS1 DataMatrix: element string
	AIMGS1QR         = "]Q3" // GS1 QR Code: element string
	AIMGS1128        = "]C1" // GS1-128: element string
	AIMGS1DataBar    = "]e0" // GS1 DataBar and composites: element string
	AIMGS1DotCode    = "]J1" // GS1 DotCode: element string
	AIMDataMatrix    = "]d1" // plain DataMatrix: a GS1 Digital Link URI
	AIMQR            = "]Q1" // plain QR Code: a GS1 Digital Link URI
	AIMEAN13         = "]E0" // EAN-13 or UPC-A: a GTIN-13
	AIMEAN8          = "]E4" // EAN-8: a GTIN-8
)

// ParseScanData parses what a scanner delivers with the strict default
// [Parser].
func ParseScanData(s string) (Message, error) {
	var p Parser
	return p.ParseScanData(s)
}

// ParseScanData parses what a barcode scanner delivers: a symbology
// identifier followed by the data. GS1 symbologies (]d2, ]Q3, ]C1, ]e0, ]J1)
// carry an element string with GS separators; plain QR Code and DataMatrix
// (]Q1, ]d1) carry a GS1 Digital Link URI; EAN/UPC (]E0, ]E4) carry a GTIN,
// optionally followed by a composite component "|]e0…".
func (p *Parser) ParseScanData(s string) (Message, error) {
	if len(s) > maxInput {
		return Message{}, errorf("", ESyntax, "input is too long")
	}
	if len(s) < 3 || s[0] != ']' {
		return Message{}, errorf("", ESyntax, "scan data must start with a symbology identifier such as ]d2 or ]Q1")
	}
	aim, data := s[:3], s[3:]
	switch aim {
	case AIMGS1DataMatrix, AIMGS1QR, AIMGS1128, AIMGS1DataBar, AIMGS1DotCode:
		if strings.IndexByte(data, '^') >= 0 {
			return Message{}, errorf("", ESyntax, "scan data contains an illegal ^ character")
		}
		return p.parseElements(data)
	case AIMDataMatrix, AIMQR, "]J0":
		if isHTTP(data) {
			return p.ParseDigitalLink(data)
		}
		return Message{}, errorf("", ESyntax, "plain "+aim+" data is not GS1 data unless it is a GS1 Digital Link URI")
	case AIMEAN13, AIMEAN8:
		return p.parseEANUPC(aim, data)
	}
	return Message{}, errorf("", ESyntax, "unsupported symbology identifier "+strings.ToValidUTF8(aim, "?"))
}

// parseEANUPC parses the data of an EAN-13, UPC-A or EAN-8 scan as AI (01),
// with its composite component if any.
func (p *Parser) parseEANUPC(aim, data string) (Message, error) {
	n := 13
	if aim == AIMEAN8 {
		n = 8
	}
	primary, cc, hasCC := strings.Cut(data, "|")
	if len(primary) != n {
		return Message{}, errorf("", ESyntax, aim+" data must be "+itoa(n)+" digits")
	}
	gtin := strings.Repeat("0", 14-n) + primary
	var b strings.Builder
	b.WriteString("01")
	b.WriteString(gtin)
	if hasCC {
		rest, ok := strings.CutPrefix(cc, AIMGS1DataBar)
		if !ok || strings.IndexByte(rest, '^') >= 0 {
			return Message{}, errorf("", ESyntax, "composite component must follow as |]e0 data")
		}
		b.WriteString(rest)
	}
	return p.parseElements(b.String())
}

// ScanData returns the message as a scanner reading a GS1 symbol of the given
// symbology would deliver it: the identifier, then the element string with GS
// separators. For ]E0 and ]E4 the message must be a lone GTIN that fits
// EAN-13 or EAN-8.
func (m Message) ScanData(aim string) (string, error) {
	switch aim {
	case AIMGS1DataMatrix, AIMGS1QR, AIMGS1128, AIMGS1DataBar, AIMGS1DotCode:
		if !m.IsValid() {
			return "", errorf("", ESyntax, "no AI data")
		}
		return m.elementData(aim, gs), nil
	case AIMEAN13, AIMEAN8:
		n := 13
		if aim == AIMEAN8 {
			n = 8
		}
		g := m.GTIN()
		if m.Len() != 1 || g == "" || strings.TrimLeft(g[:14-n], "0") != "" {
			return "", errorf("", ESyntax, "only a lone GTIN-"+itoa(n)+" can be carried by "+aim)
		}
		return aim + g[14-n:], nil
	}
	return "", errorf("", ESyntax, "symbology identifier "+aim+" does not carry GS1 element strings")
}

// isHTTP reports whether s starts with a scheme a Digital Link URI may have.
func isHTTP(s string) bool {
	for _, prefix := range []string{"https://", "HTTPS://", "http://", "HTTP://"} {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// Parse parses GS1 data in any form that a scanner or a person delivers, with
// the strict default [Parser].
func Parse(s string) (Message, error) {
	var p Parser
	return p.Parse(s)
}

// MustParse is like [Parse] but panics on error; for tests and constants.
func MustParse(s string) Message {
	m, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return m
}

// Parse parses GS1 data in any form that a scanner or a person delivers,
// telling them apart by how they begin: scan data with a symbology identifier
// ("]d2…", "]Q1https://…"), a GS1 Digital Link URI ("https://…/01/…"), an EPC
// URN ("urn:epc:id:sgtin:…"), bracketed data ("(01)…"), or an element string
// ("^01…", "01…" with GS separators).
func (p *Parser) Parse(s string) (Message, error) {
	switch {
	case s == "":
		return Message{}, errorf("", ESyntax, "no data")
	case s[0] == ']':
		return p.ParseScanData(s)
	case s[0] == '(':
		return p.ParseBracketed(s)
	case s[0] == '^' || s[0] == gs || (s[0] >= '0' && s[0] <= '9'):
		return p.ParseElementString(s)
	case len(s) >= 4 && strings.EqualFold(s[:4], "urn:"):
		return p.ParseEPC(s)
	case len(s) >= 5 && strings.EqualFold(s[:4], "http"):
		return p.ParseDigitalLink(s)
	}
	return Message{}, errorf("", ESyntax, "not GS1 data: expected a Digital Link URI, scan data, bracketed data, an element string or an EPC URN")
}
