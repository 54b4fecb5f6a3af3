package gs1

import "strings"

// DigitalLink returns the message as a GS1 Digital Link URI under stem, such
// as [CanonicalStem], "https://brand.example.com" or
// "https://example.com/prefix" (a trailing "/" is dropped). An empty stem
// gives the path alone, "/01/…", as a resolver routes it. The first AI that is a primary
// key goes first in the path, followed by those of its qualifiers that the
// message holds, choosing the qualifier sequence that holds most of them;
// every other AI goes in the query, fixed-length ones first, each once.
// It fails if the message holds no primary key or an AI that may not be a
// data attribute.
func (m Message) DigitalLink(stem string) (string, error) {
	stem = strings.TrimSuffix(stem, "/")
	if stem != "" && (!isHTTP(stem) || strings.ContainsAny(stem, "?#") || len(stem) > maxInput) {
		return "", errorf("", EDigitalLink, "stem must be an http:// or https:// URI without query or fragment")
	}
	path, err := m.dlPathAIs()
	if err != nil {
		return "", err
	}
	inPath := make([]bool, len(m.elems))
	var b strings.Builder
	b.WriteString(stem)
	for _, ai := range path {
		i, ok := findAI(m.elems, ai)
		if !ok {
			continue // a qualifier of the chosen sequence that the message lacks
		}
		for j, e := range m.elems {
			if e.AI == ai {
				inPath[j] = true
			}
		}
		b.WriteByte('/')
		b.WriteString(ai)
		b.WriteByte('/')
		escapeURI(&b, m.elems[i].Value, false)
	}
	sep := byte('?')
	for _, fixed := range []bool{true, false} {
		for i, e := range m.elems {
			def := defOf(e.AI)
			if inPath[i] || def.fnc1 == fixed {
				continue
			}
			if j, _ := findAI(m.elems, e.AI); j < i {
				continue // a repeat of an AI already written
			}
			if def.unknown && !m.unknownAttrs || !def.unknown && !def.dlAttr {
				return "", errorf(e.AI, EDigitalLink, "is not permitted as a Digital Link data attribute")
			}
			b.WriteByte(sep)
			sep = '&'
			b.WriteString(e.AI)
			b.WriteByte('=')
			escapeURI(&b, e.Value, true)
		}
	}
	return b.String(), nil
}

// dlPathAIs returns the AIs of the URI path: those of the URI the message
// was parsed from, or else the best path for its first primary key.
func (m Message) dlPathAIs() ([]string, error) {
	if m.dlPath > 0 {
		ais := make([]string, m.dlPath)
		for i, e := range m.elems[:m.dlPath] {
			ais[i] = e.AI
		}
		return ais, nil
	}
	for _, e := range m.elems {
		if defOf(e.AI).dlpkey {
			return strings.Fields(m.bestPath(e.AI)), nil
		}
	}
	return nil, errorf("", EDigitalLink, "a Digital Link URI needs a primary key such as AI (01), and the data has none")
}

// bestPath returns, among the valid paths that start with key, the one that
// holds most of the message's AIs (the first in sorted order on a tie), as a
// space-separated AI sequence.
func (m Message) bestPath(key string) string {
	best, most := key, 0
	for _, path := range dict.dlPaths {
		first, quals, _ := strings.Cut(path, " ")
		if first != key || quals == "" {
			continue
		}
		n := 0
		for _, q := range strings.Fields(quals) {
			for _, e := range m.elems {
				if e.AI == q {
					n++
				}
			}
		}
		if n > most {
			best, most = path, n
		}
	}
	return best
}
