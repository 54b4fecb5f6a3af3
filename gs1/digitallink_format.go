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
	var pathBuf [maxElements]int
	path, err := m.dlPathIndexes(pathBuf[:0])
	if err != nil {
		return "", err
	}
	var inPath [maxElements]bool
	size := len(stem)
	for i, e := range m.elems {
		size += len(e.AI) + 2 + len(e.Value)
		for _, p := range path {
			inPath[i] = inPath[i] || m.elems[p].AI == e.AI
		}
	}
	var b strings.Builder
	b.Grow(size + size/4)
	b.WriteString(stem)
	for _, i := range path {
		b.WriteByte('/')
		b.WriteString(m.elems[i].AI)
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

// dlPathIndexes appends to path the indexes of the elements that form the
// URI path, in path order: those of the URI the message was parsed from, or
// else its first primary key and the qualifiers of the key's qualifier
// sequence that holds most of the message's AIs (the first in sorted order
// on a tie, as the GS1 reference chooses).
func (m Message) dlPathIndexes(path []int) ([]int, error) {
	if m.dlPath > 0 {
		for i := range m.dlPath {
			path = append(path, i)
		}
		return path, nil
	}
	key := -1
	for i, e := range m.elems {
		if defOf(e.AI).dlpkey {
			key = i
			break
		}
	}
	if key < 0 {
		return nil, errorf("", EDigitalLink, "a Digital Link URI needs a primary key such as AI (01), and the data has none")
	}
	path = append(path, key)
	var best []string
	most := 0
	for _, quals := range dict.dlQualifiers[m.elems[key].AI] {
		n := 0
		for _, q := range quals {
			for _, e := range m.elems {
				if e.AI == q {
					n++
				}
			}
		}
		if n > most {
			best, most = quals, n
		}
	}
	for _, q := range best {
		if i, ok := findAI(m.elems, q); ok {
			path = append(path, i)
		}
	}
	return path, nil
}
