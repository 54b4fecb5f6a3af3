package gs1

import "strings"

// gs is the ASCII group separator that scanners emit for FNC1 between AIs.
const gs = '\x1d'

// ParseElementString parses a GS1 element string with the strict default
// [Parser].
func ParseElementString(s string) (Message, error) {
	var p Parser
	return p.ParseElementString(s)
}

// ParseElementString parses a GS1 element string: AIs and values run
// together, "^" or the ASCII group separator (GS, 29) standing for FNC1 after
// a variable-length value, with or without a leading "^" for FNC1 in first
// position: "^0109520123456788215555^10ABC", as scanner data carries it
// after its symbology identifier.
func (p *Parser) ParseElementString(s string) (Message, error) {
	if len(s) > maxInput {
		return Message{}, errorf("", ESyntax, "input is too long")
	}
	if len(s) > 0 && (s[0] == '^' || s[0] == gs) {
		s = s[1:]
	}
	return p.parseElements(s)
}

// parseElements parses element string data that follows FNC1 in first
// position.
func (p *Parser) parseElements(data string) (Message, error) {
	if data == "" {
		return Message{}, errorf("", ESyntax, "no AI data")
	}
	var defsBuf [16]*aiDef
	defs := defsBuf[:0]
	elems := make([]Element, 0, 4)
	for i := 0; i < len(data); {
		if len(elems) == maxElements {
			return Message{}, errorf("", ESyntax, "too many AIs")
		}
		def := p.lookupPrefix(data[i:])
		if def == nil {
			return Message{}, errorf("", EUnknownAI, "no known AI at "+quotePrefix(data[i:]))
		}
		i += len(def.ai)
		end := i
		for end < len(data) && data[end] != gs && data[end] != '^' && data[end] != '|' {
			end++
		}
		if !def.fnc1 && i+def.maxLen < end {
			end = i + def.maxLen
		}
		v := data[i:end]
		if err := def.validate(v); err != nil {
			return Message{}, err
		}
		elems = append(elems, Element{AI: def.ai, Value: v})
		defs = append(defs, def)
		i = end
		if i < len(data) && (data[i] == gs || data[i] == '^') {
			i++
		}
		// "|" separates the linear and 2D components of composite data.
		if i < len(data) && data[i] == '|' {
			i++
			if i < len(data) && (data[i] == gs || data[i] == '^') {
				i++
			}
		}
	}
	return p.newMessage(elems, defs)
}

// quotePrefix quotes the start of s for an error message.
func quotePrefix(s string) string {
	if len(s) > 8 {
		s = s[:8] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}

// ParseBracketed parses bracketed GS1 data with the strict default [Parser].
func ParseBracketed(s string) (Message, error) {
	var p Parser
	return p.ParseBracketed(s)
}

// ParseBracketed parses the bracketed form in which people write GS1 data,
// "(01)09520123456788(21)12345"; a "(" within a value is written "\(".
func (p *Parser) ParseBracketed(s string) (Message, error) {
	if len(s) > maxInput {
		return Message{}, errorf("", ESyntax, "input is too long")
	}
	if s == "" {
		return Message{}, errorf("", ESyntax, "no AI data")
	}
	var defsBuf [16]*aiDef
	defs := defsBuf[:0]
	elems := make([]Element, 0, 4)
	for i := 0; i < len(s); {
		if len(elems) == maxElements {
			return Message{}, errorf("", ESyntax, "too many AIs")
		}
		if s[i] != '(' {
			return Message{}, errorf("", ESyntax, "bracketed data must start each AI with \"(\"")
		}
		close := strings.IndexByte(s[i:], ')')
		if close < 0 {
			return Message{}, errorf("", ESyntax, "AI not closed with \")\"")
		}
		ai := s[i+1 : i+close]
		def := p.lookupAI(ai)
		if def == nil {
			return Message{}, errorf(strings.ToValidUTF8(ai, "?"), EUnknownAI, "unknown AI")
		}
		i += close + 1
		if i == len(s) {
			return Message{}, errorf(def.ai, ETooShort, "value is empty")
		}
		v, next := bracketedValue(s[i:])
		i += next
		if err := def.validate(v); err != nil {
			return Message{}, err
		}
		elems = append(elems, Element{AI: def.ai, Value: v})
		defs = append(defs, def)
	}
	return p.newMessage(elems, defs)
}

// bracketedValue returns the value at the start of s, up to the next
// unescaped "(", with "\(" unescaped, and the number of bytes it took.
func bracketedValue(s string) (v string, n int) {
	end := 0
	escaped := false
	for {
		j := strings.IndexByte(s[end:], '(')
		if j < 0 {
			end = len(s)
			break
		}
		end += j
		if end > 0 && s[end-1] == '\\' {
			escaped = true
			end++
			continue
		}
		break
	}
	if !escaped {
		return s[:end], end
	}
	return strings.ReplaceAll(s[:end], `\(`, "("), end
}

// ElementString returns the message as a GS1 element string in caret
// notation: "^" for FNC1 in first position and for each FNC1 separator, as
// in "^0109520123456788215555^10ABC".
func (m Message) ElementString() string {
	return m.elementData("^", '^')
}

// elementData writes the elements after prefix, with sep after each value
// that needs an FNC1 separator before the next AI.
func (m Message) elementData(prefix string, sep byte) string {
	var b strings.Builder
	n := len(prefix)
	for _, e := range m.elems {
		n += len(e.AI) + len(e.Value) + 1
	}
	b.Grow(n)
	b.WriteString(prefix)
	for i, e := range m.elems {
		b.WriteString(e.AI)
		b.WriteString(e.Value)
		if i < len(m.elems)-1 && defOf(e.AI).fnc1 {
			b.WriteByte(sep)
		}
	}
	return b.String()
}

// defOf returns the definition of an AI of a valid message.
func defOf(ai string) *aiDef {
	if d := dict.lookup(ai); d != nil {
		return d
	}
	return unknownAI(ai)
}

// Bracketed returns the message in bracketed form, "(01)…(21)…", with each
// "(" in a value escaped as "\(".
func (m Message) Bracketed() string {
	var b strings.Builder
	for _, e := range m.elems {
		b.WriteByte('(')
		b.WriteString(e.AI)
		b.WriteByte(')')
		b.WriteString(strings.ReplaceAll(e.Value, "(", `\(`))
	}
	return b.String()
}

// HRI returns the human-readable interpretation printed under a barcode: one
// line per element, such as "(01) 09520123456788".
func (m Message) HRI() []string {
	lines := make([]string, len(m.elems))
	for i, e := range m.elems {
		lines[i] = "(" + e.AI + ") " + e.Value
	}
	return lines
}
