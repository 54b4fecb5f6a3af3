package gs1

import (
	"fmt"
	"strconv"
	"strings"
)

// epcPart is the syntax of one dot-separated component of an EPC URN body,
// as the GS1 EPC Tag Data Standard (TDS) defines it.
type epcPart uint8

const (
	// epcNone marks a component the scheme does not have.
	epcNone epcPart = iota
	// epcGS3A3 is GS1 AI character set 82, with TDS %-escapes.
	epcGS3A3
	// epcCPRef is a CPI part reference: digits, A-Z, "-", %23 (#) and %2F (/).
	epcCPRef
	// epcNumeric is digits without a leading zero, or "0".
	epcNumeric
	// epcPadded is digits whose leading zeros are significant.
	epcPadded
)

// epcScheme describes how the URNs of one EPC scheme map onto GS1 element
// strings: urn:epc:id:NAME:CompanyPrefix.Reference[.Piece.Total][.Tail].
type epcScheme struct {
	name     string
	ai       string  // AI of the key
	refName  string  // what the second component is called, for messages
	digits   int     // company prefix + reference digits; 0 if the reference is not numeric
	shift    bool    // the reference's first digit leads the key (GTIN indicator, SSCC extension digit)
	lead     string  // fixed digits before the key proper (the "0" of a GRAI)
	ref      epcPart // syntax of the reference when digits is 0
	itip     bool    // two 2-digit components, piece and total, follow the reference
	tail     epcPart // syntax of the last component (serial, lot, extension), epcNone if absent
	tailAI   string  // AI of the last component; "" appends it to the key's value
	tailName string  // what the last component is called, for messages
	class    bool    // an EPC class URN (urn:epc:class:) rather than an EPC (urn:epc:id:)
}

// epcSchemes lists the EPC schemes that denote GS1 keys. Their order is the
// order in which formatEPC looks for a key in a set of elements; schemes
// after sgtin that share its key AI are chosen by their tail AI instead.
var epcSchemes = [...]epcScheme{
	{name: "sscc", ai: "00", refName: "serial reference", digits: 17, shift: true},
	{name: "sgtin", ai: "01", refName: "item reference", digits: 13, shift: true, tailName: "serial", tail: epcGS3A3, tailAI: "21"},
	{name: "itip", ai: "8006", refName: "item reference", digits: 13, shift: true, itip: true, tailName: "serial", tail: epcGS3A3, tailAI: "21"},
	{name: "sgln", ai: "414", refName: "location reference", digits: 12, tailName: "extension", tail: epcGS3A3, tailAI: "254"},
	{name: "pgln", ai: "417", refName: "party reference", digits: 12},
	{name: "grai", ai: "8003", refName: "asset type", digits: 12, lead: "0", tailName: "serial", tail: epcGS3A3},
	{name: "giai", ai: "8004", refName: "individual asset reference", ref: epcGS3A3},
	{name: "gsrnp", ai: "8017", refName: "service reference", digits: 17},
	{name: "gsrn", ai: "8018", refName: "service reference", digits: 17},
	{name: "gdti", ai: "253", refName: "document type", digits: 12, tailName: "serial", tail: epcGS3A3},
	{name: "sgcn", ai: "255", refName: "coupon reference", digits: 12, tailName: "serial", tail: epcPadded},
	{name: "cpi", ai: "8010", refName: "component/part reference", ref: epcCPRef, tailName: "serial", tail: epcNumeric, tailAI: "8011"},
	{name: "ginc", ai: "401", refName: "consignment reference", ref: epcGS3A3},
	{name: "gsin", ai: "402", refName: "shipper reference", digits: 16},
	{name: "upui", ai: "01", refName: "item reference", digits: 13, shift: true, tailName: "third-party serial", tail: epcGS3A3, tailAI: "235"},
	{name: "lgtin", ai: "01", refName: "item reference", digits: 13, shift: true, tailName: "lot", tail: epcGS3A3, tailAI: "10", class: true},
}

// Flags of epcChars, saying where a byte may appear in an EPC URN component.
const (
	// epcLit marks a character written literally in a GS3A3 component.
	epcLit = 1 << iota
	// epcCS82 marks a character of GS1 AI character set 82, literal or escaped.
	epcCS82
	// epcCPLit marks a character written literally in a CPI part reference.
	epcCPLit
	// epcCP marks a character of a CPI part reference, literal or escaped.
	epcCP
)

// epcChars holds the epcChar flags of every byte.
var epcChars = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case '0' <= c && c <= '9', 'A' <= c && c <= 'Z':
			t[c] = epcLit | epcCS82 | epcCPLit | epcCP
		case 'a' <= c && c <= 'z', strings.IndexByte("!'()*+,.:;=_", byte(c)) >= 0:
			t[c] = epcLit | epcCS82
		case c == '-':
			t[c] = epcLit | epcCS82 | epcCPLit | epcCP
		case strings.IndexByte(`"%&<>?`, byte(c)) >= 0:
			t[c] = epcCS82
		case c == '/':
			t[c] = epcCS82 | epcCP
		case c == '#':
			t[c] = epcCP
		}
	}
	return t
}()

// epcErrorf returns an ESyntax *Error whose message starts "EPC URN: ".
func epcErrorf(ai, format string, args ...any) error {
	return errorf(ai, ESyntax, "EPC URN: "+fmt.Sprintf(format, args...))
}

// epcQuote quotes s for an error message, shortened if it is long, so that
// huge inputs do not make huge messages.
func epcQuote(s string) string {
	if len(s) > 24 {
		return strconv.Quote(s[:24]) + "…"
	}
	return strconv.Quote(s)
}

// epcDigits reports whether s is all ASCII digits (true for "").
func epcDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// epcUnhex returns the value of the hex digit c, or -1.
func epcUnhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// epcUnescape checks component s (what names it for messages) against the
// syntax kind and returns its value with TDS %-escapes decoded.
func epcUnescape(scheme, what, s string, kind epcPart) (string, error) {
	if s == "" {
		return "", epcErrorf("", "%s %s is empty", scheme, what)
	}
	switch kind {
	case epcNumeric, epcPadded:
		if !epcDigits(s) {
			return "", epcErrorf("", "%s %s must be digits, have %s", scheme, what, epcQuote(s))
		}
		if kind == epcNumeric && len(s) > 1 && s[0] == '0' {
			return "", epcErrorf("", "%s %s must not start with 0, have %s", scheme, what, epcQuote(s))
		}
		return s, nil
	}
	lit, set := uint8(epcLit), uint8(epcCS82)
	if kind == epcCPRef {
		lit, set = epcCPLit, epcCP
	}
	escapes := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) || epcUnhex(s[i+1]) < 0 || epcUnhex(s[i+2]) < 0 {
				return "", epcErrorf("", "%s %s has a %% not followed by two hex digits", scheme, what)
			}
			// A redundant escape (%41 for "A") is accepted, but only of a
			// character the component may hold.
			if d := byte(epcUnhex(s[i+1])<<4 | epcUnhex(s[i+2])); epcChars[d]&set == 0 {
				return "", epcErrorf("", "%s %s has %s, an escape of a character it may not hold", scheme, what, s[i:i+3])
			}
			escapes++
			i += 2
			continue
		}
		if epcChars[c]&lit == 0 {
			if epcChars[c]&set != 0 {
				return "", epcErrorf("", "%s %s has %s, which must be %%-escaped", scheme, what, epcQuoteByte(c))
			}
			return "", epcErrorf("", "%s %s has %s, which it may not hold", scheme, what, epcQuoteByte(c))
		}
	}
	if escapes == 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s)-2*escapes)
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			b = append(b, byte(epcUnhex(s[i+1])<<4|epcUnhex(s[i+2])))
			i += 2
		} else {
			b = append(b, s[i])
		}
	}
	return string(b), nil
}

// epcQuoteByte describes byte c for an error message.
func epcQuoteByte(c byte) string {
	if c > ' ' && c < 0x7f {
		return strconv.Quote(string(rune(c)))
	}
	return fmt.Sprintf("byte 0x%02X", c)
}

// epcLookup returns the scheme called name, or nil.
func epcLookup(name string) *epcScheme {
	for i := range epcSchemes {
		if epcSchemes[i].name == name {
			return &epcSchemes[i]
		}
	}
	return nil
}

// parseEPC parses an EPC URN (urn:epc:id:…, urn:epc:class:lgtin:…, urn:epc:idpat:…) into the
// elements it denotes, key first. Errors are *Error with Code ESyntax and a message that says what is wrong
// (e.g. "EPC URN: sgtin company prefix and item reference must total 13 digits, have 12").
// It validates the URN's own syntax only; the caller runs the GS1 AI checks (lengths, charsets, linters) on the result.
func parseEPC(s string) ([]Element, error) {
	// RFC 8141 makes "urn:" and the namespace ID case-insensitive; TDS
	// makes everything after them case-sensitive.
	if len(s) < 8 || !strings.EqualFold(s[:8], "urn:epc:") {
		return nil, epcErrorf("", "must begin with urn:epc:")
	}
	rest := s[8:]
	var kind string
	for _, k := range [...]string{"id", "idpat", "class"} {
		if len(rest) > len(k) && rest[len(k)] == ':' && rest[:len(k)] == k {
			kind, rest = k, rest[len(k)+1:]
			break
		}
	}
	if kind == "" {
		return nil, epcErrorf("", "only urn:epc:id:, urn:epc:idpat: and urn:epc:class: URNs denote GS1 keys")
	}
	colon := strings.IndexByte(rest, ':')
	if colon < 0 {
		return nil, epcErrorf("", "no scheme after urn:epc:%s:", kind)
	}
	name, body := rest[:colon], rest[colon+1:]
	sc := epcLookup(name)
	switch name {
	case "gid", "usdod", "adi", "bic", "imovn":
		return nil, epcErrorf("", "scheme %s has no GS1 element string equivalent", name)
	}
	switch {
	case sc == nil:
		return nil, epcErrorf("", "unknown EPC scheme %s", epcQuote(name))
	case sc.class != (kind == "class"):
		if sc.class {
			return nil, epcErrorf("", "%s is an EPC class, written urn:epc:class:%s:", name, name)
		}
		return nil, epcErrorf("", "%s is not an EPC class; urn:epc:class: is for lgtin only", name)
	}

	// Split into exactly n components. A GS3A3 last component may itself
	// hold dots, so it takes whatever follows the earlier ones.
	var parts [5]string
	n := 2
	if sc.itip {
		n += 2
	}
	if sc.tail != epcNone {
		n++
	}
	last := sc.tail
	if last == epcNone {
		last = sc.ref
	}
	for k := 0; k < n-1; k++ {
		dot := strings.IndexByte(body, '.')
		if dot < 0 {
			return nil, epcErrorf("", "%s needs %d parts separated by dots, have %d", name, n, k+1)
		}
		parts[k], body = body[:dot], body[dot+1:]
	}
	parts[n-1] = body
	if last != epcGS3A3 && strings.IndexByte(body, '.') >= 0 {
		return nil, epcErrorf("", "%s needs %d parts separated by dots, have %d", name, n, n+strings.Count(body, "."))
	}

	pattern := false
	if kind == "idpat" {
		pattern = parts[n-1] == "*"
		for k := 0; k < n-1; k++ {
			if parts[k] == "*" {
				return nil, epcErrorf("", "%s pattern with * before its last part denotes no single key", name)
			}
		}
		if pattern && sc.tail == epcNone {
			return nil, epcErrorf("", "%s pattern ending in * denotes no single key", name)
		}
	}

	cp, ref := parts[0], parts[1]
	if !epcDigits(cp) {
		return nil, epcErrorf("", "%s company prefix must be digits, have %s", name, epcQuote(cp))
	}
	if len(cp) < 6 || len(cp) > 12 {
		return nil, epcErrorf("", "%s company prefix must be 6 to 12 digits, have %d", name, len(cp))
	}

	var key string
	if sc.digits == 0 {
		r, err := epcUnescape(name, sc.refName, ref, sc.ref)
		if err != nil {
			return nil, err
		}
		key = cp + r
	} else {
		if !epcDigits(ref) {
			return nil, epcErrorf("", "%s %s must be digits, have %s", name, sc.refName, epcQuote(ref))
		}
		if len(cp)+len(ref) != sc.digits {
			return nil, epcErrorf("", "%s company prefix and %s must total %d digits, have %d", name, sc.refName, sc.digits, len(cp)+len(ref))
		}
		var tail string
		if sc.tail != epcNone && sc.tailAI == "" && !pattern {
			var err error
			if tail, err = epcUnescape(name, sc.tailName, parts[n-1], sc.tail); err != nil {
				return nil, err
			}
		}
		b := make([]byte, 0, len(sc.lead)+sc.digits+1+4+len(tail))
		b = append(b, sc.lead...)
		if sc.shift {
			b = append(b, ref[0])
			b = append(b, cp...)
			b = append(b, ref[1:]...)
		} else {
			b = append(b, cp...)
			b = append(b, ref...)
		}
		b = append(b, checkDigit(string(b)))
		if sc.itip {
			for _, p := range parts[2:4] {
				if len(p) != 2 || !epcDigits(p) {
					return nil, epcErrorf("", "itip piece and total must be 2 digits each, have %s", epcQuote(p))
				}
				b = append(b, p...)
			}
		}
		b = append(b, tail...)
		key = string(b)
	}

	elems := make([]Element, 1, 2)
	elems[0] = Element{AI: sc.ai, Value: key}
	if sc.tailAI != "" && !pattern {
		v, err := epcUnescape(name, sc.tailName, parts[n-1], sc.tail)
		if err != nil {
			return nil, err
		}
		// TDS reserves extension "0" for a GLN without an extension.
		if sc.tailAI != "254" || v != "0" {
			elems = append(elems, Element{AI: sc.tailAI, Value: v})
		}
	}
	return elems, nil
}

// formatEPC returns the EPC URN for the key in elems (elements as a parsed GS1 message holds them,
// in any order), given the length of the GS1 Company Prefix (6..12).
func formatEPC(elems []Element, gcpLen int) (string, error) {
	get := func(ai string) (string, bool) {
		for _, e := range elems {
			if e.AI == ai {
				return e.Value, true
			}
		}
		return "", false
	}
	var sc *epcScheme
	var key string
	for i := range epcSchemes {
		if v, ok := get(epcSchemes[i].ai); ok {
			sc, key = &epcSchemes[i], v
			break
		}
	}
	if sc == nil {
		return "", epcErrorf("", "no GS1 key that an EPC URN can express")
	}
	if gcpLen < 6 || gcpLen > 12 {
		return "", epcErrorf(sc.ai, "GS1 Company Prefix length must be 6 to 12, have %d", gcpLen)
	}

	// Which tail the key has decides among the schemes of a GTIN, and
	// whether an EPC or a pattern (the key alone) is written.
	tail, hasTail := "", false
	switch sc.ai {
	case "01":
		for _, alt := range [...]string{"sgtin", "upui", "lgtin"} {
			s := epcLookup(alt)
			if tail, hasTail = get(s.tailAI); hasTail {
				sc = s
				break
			}
		}
	case "414":
		tail, hasTail = get("254")
		if !hasTail {
			tail, hasTail = "0", true
		}
	default:
		if sc.tailAI != "" {
			tail, hasTail = get(sc.tailAI)
		}
	}

	var cp, ref, pieces string
	if sc.digits == 0 {
		if len(key) <= gcpLen || !epcDigits(key[:gcpLen]) {
			return "", epcErrorf(sc.ai, "%s value must be a %d-digit company prefix followed by the %s", sc.name, gcpLen, sc.refName)
		}
		cp, ref = key[:gcpLen], key[gcpLen:]
	} else {
		n := len(sc.lead) + sc.digits + 1
		if len(key) < n || !epcDigits(key[:n]) {
			return "", epcErrorf(sc.ai, "%s key must start with %d digits", sc.name, n)
		}
		if key[:len(sc.lead)] != sc.lead {
			return "", epcErrorf(sc.ai, "%s key must start with %s", sc.name, sc.lead)
		}
		if checkDigit(key[:n-1]) != key[n-1] {
			return "", epcErrorf(sc.ai, "%s key has an incorrect check digit", sc.name)
		}
		rest := key[n:]
		switch {
		case sc.itip:
			if len(rest) != 4 || !epcDigits(rest) {
				return "", epcErrorf(sc.ai, "itip must end in 4 digits of piece and total")
			}
			pieces = "." + rest[:2] + "." + rest[2:]
		case sc.tail != epcNone && sc.tailAI == "":
			tail, hasTail = rest, rest != ""
		case rest != "":
			return "", epcErrorf(sc.ai, "%s key must be %d digits, have %d characters", sc.name, n, len(key))
		}
		d := key[len(sc.lead) : n-1]
		if sc.shift {
			cp, ref = d[1:1+gcpLen], d[:1]+d[1+gcpLen:]
		} else {
			cp, ref = d[:gcpLen], d[gcpLen:]
		}
	}

	kind := "id"
	switch {
	case sc.class:
		kind = "class"
	case sc.tail != epcNone && !hasTail:
		kind = "idpat"
	}
	var b strings.Builder
	b.Grow(len("urn:epc:idpat::...") + len(sc.name) + len(key) + len(pieces) + 3*len(tail) + 8)
	b.WriteString("urn:epc:")
	b.WriteString(kind)
	b.WriteByte(':')
	b.WriteString(sc.name)
	b.WriteByte(':')
	b.WriteString(cp)
	b.WriteByte('.')
	if sc.digits == 0 {
		if err := epcEscape(&b, sc.ai, sc.name, sc.refName, ref, sc.ref); err != nil {
			return "", err
		}
	} else {
		b.WriteString(ref)
	}
	b.WriteString(pieces)
	if sc.tail != epcNone {
		b.WriteByte('.')
		if !hasTail {
			b.WriteByte('*')
		} else if err := epcEscape(&b, sc.ai, sc.name, sc.tailName, tail, sc.tail); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// epcEscape writes value v as a URN component of the given syntax kind,
// %-escaping the characters TDS requires to be escaped.
func epcEscape(b *strings.Builder, ai, scheme, what, v string, kind epcPart) error {
	if v == "" {
		return epcErrorf(ai, "%s %s is empty", scheme, what)
	}
	switch kind {
	case epcNumeric, epcPadded:
		if _, err := epcUnescape(scheme, what, v, kind); err != nil {
			err.(*Error).AI = ai
			return err
		}
		b.WriteString(v)
		return nil
	}
	lit, set := uint8(epcLit), uint8(epcCS82)
	if kind == epcCPRef {
		lit, set = epcCPLit, epcCP
	}
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case epcChars[c]&lit != 0:
			b.WriteByte(c)
		case epcChars[c]&set != 0:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			return epcErrorf(ai, "%s %s has %s, which an EPC URN cannot hold", scheme, what, epcQuoteByte(c))
		}
	}
	return nil
}
