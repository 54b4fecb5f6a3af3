package gs1

import "strconv"

// maxElements bounds the AIs of one message, as the GS1 reference
// implementation does; hostile input cannot make validation quadratic in
// anything but this constant.
const maxElements = 64

// maxInput bounds the length of any input, in bytes.
const maxInput = 8192

// fixedLengthByPrefix gives, for AI prefixes that the GS1 General
// Specifications predefine as fixed-length (no FNC1 separator), the length of
// their values; 0 means variable length. It decides how an AI that the
// dictionary does not know is read when PermitUnknownAIs is set.
var fixedLengthByPrefix = map[string]int{
	"00": 18, "01": 14, "02": 14, "03": 14, "04": 16,
	"11": 6, "12": 6, "13": 6, "14": 6, "15": 6, "16": 6, "17": 6, "18": 6, "19": 6, "20": 2,
	"31": 6, "32": 6, "33": 6, "34": 6, "35": 6, "36": 6, "41": 13,
}

// lookupAI returns the definition of an AI given in full, as in bracketed
// data or a Digital Link URI. Unless unknown AIs are permitted, an AI not in
// the dictionary gives nil.
func (p *Parser) lookupAI(ai string) *aiDef {
	if def := dict.lookup(ai); def != nil {
		return def
	}
	if !p.PermitUnknownAIs || aiIndex(ai) < 0 {
		return nil
	}
	n := dict.lenByPrefix[aiIndex(ai[:2])]
	if n != 0 && int(n) != len(ai) {
		return nil
	}
	// An AI that is a prefix of a known AI, or that a known AI is a prefix
	// of, is a misreading, not an unknown AI.
	for l := 2; l <= 4; l++ {
		if l != len(ai) && l <= len(ai) && dict.lookup(ai[:l]) != nil {
			return nil
		}
	}
	return unknownAI(ai)
}

// lookupPrefix returns the definition of the AI at the start of element
// string data. An unknown AI is admitted only when its length is known from
// its first two digits.
func (p *Parser) lookupPrefix(data string) *aiDef {
	if len(data) < 2 || aiIndex(data[:2]) < 0 {
		return nil
	}
	n := int(dict.lenByPrefix[aiIndex(data[:2])])
	if n == 0 || n > len(data) {
		return nil
	}
	if def := dict.lookup(data[:n]); def != nil {
		return def
	}
	if !p.PermitUnknownAIs || aiIndex(data[:n]) < 0 {
		return nil
	}
	return unknownAI(data[:n])
}

// unknownAI vivifies an AI that the dictionary does not define: any CSET 82
// value up to 90 characters, or the predefined fixed length of its prefix.
func unknownAI(ai string) *aiDef {
	c := component{cset: 'X', min: 1, max: 90, linters: []linterFunc{charsetLinter('X')}}
	def := &aiDef{ai: ai, title: "UNKNOWN", fnc1: true, unknown: true}
	if n := fixedLengthByPrefix[ai[:2]]; n != 0 {
		c.min, c.max = n, n
		def.fnc1 = false
	}
	def.comps = []component{c}
	def.minLen, def.maxLen = c.min, c.max
	return def
}

// checkLength reports a value that is too short or too long for the AI as a
// whole; it comes before the linters, whose findings would mislead then.
func (d *aiDef) checkLength(v string) *Error {
	switch {
	case len(v) < d.minLen:
		if len(v) == 0 {
			return errorf(d.ai, ETooShort, "value is empty")
		}
		return errorf(d.ai, ETooShort, "value is too short: "+strconv.Itoa(len(v))+" characters, at least "+strconv.Itoa(d.minLen)+" required")
	case len(v) > d.maxLen:
		return errorf(d.ai, ETooLong, "value is too long: "+strconv.Itoa(len(v))+" characters, at most "+strconv.Itoa(d.maxLen)+" allowed")
	}
	return nil
}

// validate checks a value against the AI's components and their linters.
func (d *aiDef) validate(v string) *Error {
	if err := d.checkLength(v); err != nil {
		return err
	}
	pos := 0
	for _, c := range d.comps {
		n := len(v) - pos
		if n > c.max {
			n = c.max
		}
		if n == 0 && c.optional {
			continue
		}
		if n < c.min {
			return errorf(d.ai, ETooShort, "value is too short for its components")
		}
		part := v[pos : pos+n]
		for _, lint := range c.linters {
			if err := lint(part); err != nil {
				e := *err
				e.AI = d.ai
				e.Pos += pos
				return &e
			}
		}
		pos += n
	}
	if pos < len(v) {
		return errorf(d.ai, ETooLong, "value is too long for its components")
	}
	return nil
}

// CheckValue checks one AI's value on its own — length, character set,
// check digits and the other linters — as when a brand gives a lot (10) or
// a serial (21) to be printed. The AI must be in the dictionary.
func CheckValue(ai, value string) error {
	def := dict.lookup(ai)
	if def == nil {
		return errorf(ai, EUnknownAI, "unknown AI")
	}
	if err := def.validate(value); err != nil {
		return err
	}
	return nil
}
