package gs1

import "strings"

// CanonicalStem is the stem of the canonical GS1 Digital Link URI, the GS1
// resolver's own host.
const CanonicalStem = "https://id.gs1.org"

// uriChars marks the characters that may appear in a URI at all (RFC 3986
// unreserved and reserved characters, and "%").
var uriChars = charSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%")

// badDomainChars marks URI characters that may not appear in a domain name.
var badDomainChars = charSet("_~?#@!$&'()*+,;=%")

func charSet(s string) (set [256]bool) {
	for i := 0; i < len(s); i++ {
		set[s[i]] = true
	}
	return set
}

// convenienceAlphas maps the deprecated path names of GS1 Digital Link 1.0
// to their AIs.
var convenienceAlphas = map[string]string{
	"cpid": "8010", "cpsn": "8011", "cpv": "22", "gcn": "255", "gdti": "253",
	"giai": "8004", "ginc": "401", "gln": "414", "glnx": "254", "gmn": "8013",
	"grai": "8003", "gsin": "402", "gsrn": "8018", "gsrnp": "8017", "gtin": "01",
	"itip": "8006", "lot": "10", "party": "417", "refno": "8020", "ser": "21",
	"srin": "8019", "sscc": "00",
}

// ParseDigitalLink parses a GS1 Digital Link URI with the strict default
// [Parser].
func ParseDigitalLink(uri string) (Message, error) {
	var p Parser
	return p.ParseDigitalLink(uri)
}

// ParseDigitalLink parses a GS1 Digital Link URI: any host and path prefix,
// then a primary key and its qualifiers in the path ("/01/{gtin}/10/{lot}/21/{serial}"),
// then data attributes in the query ("?17=271231"). Query parameters that are
// not numeric are ignored; numeric ones must be AIs that are permitted as
// data attributes and do not belong in the path. A fragment is ignored. The
// elements are returned path first, then the query's in order.
func (p *Parser) ParseDigitalLink(uri string) (Message, error) {
	if len(uri) > maxInput {
		return Message{}, errorf("", ESyntax, "input is too long")
	}
	for i := 0; i < len(uri); i++ {
		if !uriChars[uri[i]] {
			return Message{}, errorf("", EDigitalLink, "URI contains a character that a URI may not: "+quotePrefix(uri[i:i+1]))
		}
	}
	rest, ok := cutScheme(uri)
	if !ok {
		return Message{}, errorf("", EDigitalLink, "URI scheme must be http:// or https:// (all lower or all upper case)")
	}
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return Message{}, errorf("", EDigitalLink, "URI has no path")
	}
	if slash == 0 {
		return Message{}, errorf("", EDigitalLink, "URI has no domain")
	}
	for i := 0; i < slash; i++ {
		if badDomainChars[rest[i]] {
			return Message{}, errorf("", EDigitalLink, "URI domain contains an illegal character")
		}
	}
	path := rest[slash:]
	if i := strings.IndexByte(path, '#'); i >= 0 {
		path = path[:i]
	}
	query := ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	root := p.dlRoot(path)
	if root < 0 {
		return Message{}, errorf("", EDigitalLink, "URI path holds no GS1 primary key such as /01/{GTIN}")
	}
	var defsBuf [16]*aiDef
	defs := defsBuf[:0]
	elems := make([]Element, 0, 4)
	segs := path[root+1:]
	for segs != "" {
		name, after, _ := strings.Cut(segs, "/")
		raw, next, _ := strings.Cut(after, "/")
		segs = next
		def := p.pathAI(name)
		if raw == "" {
			return Message{}, errorf(def.ai, ETooShort, "value is empty in the URI path")
		}
		v, err := p.dlValue(def, raw, false)
		if err != nil {
			return Message{}, err
		}
		if len(elems) == maxElements {
			return Message{}, errorf("", ESyntax, "too many AIs")
		}
		elems = append(elems, Element{AI: def.ai, Value: v})
		defs = append(defs, def)
	}
	numPath := len(elems)
	if !validPath(elems) {
		return Message{}, errorf(elems[0].AI, EDigitalLink, "key qualifiers in the URI path are not a valid sequence for this primary key")
	}
	for query != "" {
		var param string
		param, query, _ = strings.Cut(query, "&")
		key, raw, hasValue := strings.Cut(param, "=")
		if !hasValue || !allDigits(key) {
			continue // empty, singleton or non-AI parameters carry no GS1 data
		}
		def := p.lookupAI(key)
		if def == nil {
			return Message{}, errorf(strings.ToValidUTF8(key, "?"), EUnknownAI, "unknown AI in the URI query")
		}
		if raw == "" {
			return Message{}, errorf(def.ai, ETooShort, "value is empty in the URI query")
		}
		v, err := p.dlValue(def, raw, true)
		if err != nil {
			return Message{}, err
		}
		if len(elems) == maxElements {
			return Message{}, errorf("", ESyntax, "too many AIs")
		}
		elems = append(elems, Element{AI: def.ai, Value: v})
		defs = append(defs, def)
	}
	for i := numPath; i < len(elems); i++ {
		if err := p.checkAttribute(elems, defs[i], i, numPath); err != nil {
			return Message{}, err
		}
	}
	m, err := p.newMessage(elems, defs)
	m.dlPath = numPath
	return m, err
}

// cutScheme removes the scheme; mixed-case schemes are not accepted.
func cutScheme(uri string) (string, bool) {
	for _, scheme := range []string{"https://", "HTTPS://", "http://", "HTTP://"} {
		if rest, ok := strings.CutPrefix(uri, scheme); ok {
			return rest, true
		}
	}
	return "", false
}

// dlRoot finds, walking back from the end of the path in "/AI/value" pairs,
// the rightmost primary key; anything before it is the stem. It returns the
// index of the "/" before the key, or -1.
func (p *Parser) dlRoot(path string) int {
	end := len(path)
	for {
		v := strings.LastIndexByte(path[:end], '/')
		if v <= 0 {
			return -1
		}
		a := strings.LastIndexByte(path[:v], '/')
		if a < 0 {
			return -1
		}
		def := p.pathAI(path[a+1 : v])
		if def == nil {
			return -1
		}
		if def.dlpkey {
			return a
		}
		end = a
	}
}

// pathAI returns the AI named by a path segment: digits, or a convenience
// alpha when they are permitted.
func (p *Parser) pathAI(name string) *aiDef {
	if p.PermitConvenienceAlphas && len(name) >= 3 && len(name) <= 5 && !allDigits(name[:1]) {
		if ai, ok := convenienceAlphas[name]; ok {
			return dict.lookup(ai)
		}
	}
	return p.lookupAI(name)
}

// dlValue decodes and validates one value of a URI's path or query.
func (p *Parser) dlValue(def *aiDef, raw string, query bool) (string, error) {
	v, ok := unescapeURI(raw, query)
	if !ok {
		return "", errorf(def.ai, EDigitalLink, "value contains %00, a NUL character")
	}
	if def.ai == "01" && (len(v) == 8 || len(v) == 12 || len(v) == 13) {
		if !p.PermitZeroSuppressedGTIN {
			return "", errorf(def.ai, EOption, "GTIN-"+itoa(len(v))+" must be written as 14 digits in a Digital Link URI")
		}
		v = strings.Repeat("0", 14-len(v)) + v
	}
	if strings.IndexByte(v, '^') >= 0 {
		return "", errorf(def.ai, ESyntax, "value contains an illegal ^ character")
	}
	if err := def.validate(v); err != nil {
		return "", err
	}
	return v, nil
}

// checkAttribute checks the i-th element, from the URI's query: it must not
// repeat an AI, must be permitted as a data attribute, and must not be a key
// qualifier that belongs in the path.
func (p *Parser) checkAttribute(elems []Element, def *aiDef, i, numPath int) *Error {
	for _, e := range elems[:i] {
		if e.AI == def.ai {
			return errorf(def.ai, EDuplicateAI, "appears more than once in the URI")
		}
	}
	if def.unknown && !p.PermitUnknownAIsAsAttributes || !def.unknown && !def.dlAttr {
		return errorf(def.ai, EDigitalLink, "is not permitted as a Digital Link data attribute")
	}
	var buf [maxElements]Element
	for j := 1; j <= numPath; j++ {
		seq := append(append(append(buf[:0], elems[:j]...), Element{AI: def.ai}), elems[j:numPath]...)
		if validPath(seq) {
			return errorf(def.ai, EDigitalLink, "is a key qualifier and belongs in the URI path, not the query")
		}
	}
	return nil
}

// validPath reports whether the AIs of elems form a valid Digital Link path:
// a primary key and its qualifiers in order.
func validPath(elems []Element) bool {
	var buf [64]byte
	b := buf[:0]
	for i, e := range elems {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, e.AI...)
	}
	return dict.dlPathSet[string(b)]
}

// allDigits reports whether s is non-empty and only ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// unescapeURI reverses percent-encoding as the GS1 reference does: a "%"
// not followed by two hex digits stays literal; in a query "+" is a space.
// It reports false if the result would contain NUL. Without escapes it
// returns s itself.
func unescapeURI(s string, query bool) (string, bool) {
	i := 0
	for ; i < len(s); i++ {
		if s[i] == '%' || query && s[i] == '+' {
			break
		}
	}
	if i == len(s) {
		return s, true
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			if c == 0 {
				return "", false
			}
			i += 2
		case c == '+' && query:
			c = ' '
		}
		b = append(b, c)
	}
	return string(b), true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// escapeURI percent-encodes every byte but the unreserved characters
// A–Z a–z 0–9 - . _ ~; in a query a space becomes "+".
func escapeURI(b *strings.Builder, s string, query bool) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~':
			b.WriteByte(c)
		case c == ' ' && query:
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
}
