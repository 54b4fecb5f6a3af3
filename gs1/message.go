package gs1

import (
	"strings"
	"time"
)

// Parser parses GS1 data with non-default options. The zero Parser is the
// strict default that the package-level functions use: it rejects unknown
// AIs, deprecated zero-suppressed GTINs and convenience alphas in Digital
// Link URIs, and checks the AIs' associations (req= and ex=).
type Parser struct {
	// PermitUnknownAIs accepts AIs that the syntax dictionary does not
	// define, with any CSET 82 value (or the predefined length of their
	// prefix). They are still not accepted as Digital Link data attributes
	// unless PermitUnknownAIsAsAttributes is also set.
	PermitUnknownAIs bool
	// PermitUnknownAIsAsAttributes accepts unknown AIs (with
	// PermitUnknownAIs) in a Digital Link URI's query.
	PermitUnknownAIsAsAttributes bool
	// PermitZeroSuppressedGTIN accepts a GTIN-8, -12 or -13 for AI (01) in a
	// Digital Link URI and pads it to 14 digits (deprecated form).
	PermitZeroSuppressedGTIN bool
	// PermitConvenienceAlphas accepts the deprecated path names of a Digital
	// Link URI, such as /gtin/ for /01/ and /ser/ for /21/.
	PermitConvenienceAlphas bool
	// SkipRequisites does not check that each AI comes with the AIs it
	// requires (the dictionary's req= attributes). Exclusive pairs (ex=),
	// repeated AIs and other rules are always checked.
	SkipRequisites bool
}

// Message is a parsed and validated GS1 message: a sequence of AIs and their
// values, as one scan of a code delivers them. Like [net/netip.Addr] it is a
// value, parsed once and then trusted: every Message returned without error
// by a parse function has passed every syntax check. The zero Message holds
// no elements and is not valid.
type Message struct {
	elems []Element
	// dlPath is the number of leading elements that formed the path of the
	// Digital Link URI the message was parsed from, 0 for other forms; the
	// URI regenerated from the message keeps that path.
	dlPath int
	// unknownAttrs records that the message was parsed with
	// PermitUnknownAIsAsAttributes, which its Digital Link URI honours.
	unknownAttrs bool
}

// Len returns the number of elements, in the order they appeared.
func (m Message) Len() int { return len(m.elems) }

// At returns the i-th element.
func (m Message) At(i int) Element { return m.elems[i] }

// Elements returns a copy of the elements, in the order they appeared.
func (m Message) Elements() []Element {
	return append([]Element(nil), m.elems...)
}

// IsValid reports whether m holds a parsed message rather than being the zero
// Message.
func (m Message) IsValid() bool { return len(m.elems) > 0 }

// Get returns the value of the first occurrence of ai.
func (m Message) Get(ai string) (string, bool) {
	for _, e := range m.elems {
		if e.AI == ai {
			return e.Value, true
		}
	}
	return "", false
}

// GTIN returns the 14-digit GTIN (AI 01), or "" if there is none.
func (m Message) GTIN() string { v, _ := m.Get("01"); return v }

// Serial returns the serial number (AI 21), or "" if there is none.
func (m Message) Serial() string { v, _ := m.Get("21"); return v }

// Lot returns the batch or lot number (AI 10), or "" if there is none.
func (m Message) Lot() string { v, _ := m.Get("10"); return v }

// Expiry returns the expiry date (AI 17) as midnight UTC at the start of that
// day. The two-digit year is resolved by the GS1 rule relative to now
// ([Date]); a day of 00 means the last day of the month. ok is false if the
// message has no expiry.
func (m Message) Expiry(now time.Time) (t time.Time, ok bool) {
	v, ok := m.Get("17")
	if !ok {
		return time.Time{}, false
	}
	return Date(v, now), true
}

// Date resolves a valid GS1 YYMMDD date (AIs 11, 13, 15, 16, 17 …) relative
// to now, by the GS1 General Specifications' rule: the year is the one of the
// same last two digits closest to now's year within 49 years back and 50
// ahead. A day of 00 means the last day of the month. Date assumes yymmdd
// passed the yymmd0 linter, as every value of a Message has.
func Date(yymmdd string, now time.Time) time.Time {
	yy := int(yymmdd[0]-'0')*10 + int(yymmdd[1]-'0')
	mm := int(yymmdd[2]-'0')*10 + int(yymmdd[3]-'0')
	dd := int(yymmdd[4]-'0')*10 + int(yymmdd[5]-'0')
	cur := now.Year()
	diff := yy - cur%100
	switch {
	case diff >= 51:
		diff -= 100
	case diff <= -50:
		diff += 100
	}
	year := cur + diff
	if dd == 0 {
		return time.Date(year, time.Month(mm)+1, 0, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(year, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
}

// String returns the message in bracketed form, "(01)…(21)…".
func (m Message) String() string { return m.Bracketed() }

// newMessage validates parsed elements as a whole and returns them as a
// Message. Each element's value has already passed its AI's linters.
func (p *Parser) newMessage(elems []Element, defs []*aiDef) (Message, error) {
	if len(elems) == 0 {
		return Message{}, errorf("", ESyntax, "no AI data")
	}
	if err := p.checkAssociations(elems, defs); err != nil {
		return Message{}, err
	}
	return Message{elems: elems, unknownAttrs: p.PermitUnknownAIs && p.PermitUnknownAIsAsAttributes}, nil
}

// checkAssociations applies the rules that concern AIs together: exclusive
// pairs (ex=), repeated AIs with different values, requisites (req=), and a
// digital signature's need for a serialised key.
func (p *Parser) checkAssociations(elems []Element, defs []*aiDef) *Error {
	for i, d := range defs {
		for _, pat := range d.ex {
			for _, e := range elems {
				if e.AI != d.ai && matchAIPattern(pat, e.AI) {
					return errorf(d.ai, EInvalidPair, "must not be used together with AI ("+e.AI+")")
				}
			}
		}
		for _, e := range elems[:i] {
			if e.AI == d.ai && e.Value != elems[i].Value {
				return errorf(d.ai, EDuplicateAI, "appears more than once with different values")
			}
		}
	}
	if !p.SkipRequisites {
		for _, d := range defs {
			for k, groups := range d.req {
				if !satisfied(groups, d.ai, elems) {
					return errorf(d.ai, ERequiredAI, "needs "+describeReq(d.reqText[k])+" alongside it, and the data has none")
				}
			}
		}
	}
	if _, ok := findAI(elems, "8030"); ok {
		for i, d := range defs {
			if (d.ai == "253" || d.ai == "255" || d.ai == "8003") && len(elems[i].Value) == d.minLen {
				return errorf(d.ai, ERequiredAI, "must carry a serial component when used with a digital signature (8030)")
			}
		}
	}
	return nil
}

// satisfied reports whether one group of a req= attribute is wholly present.
func satisfied(groups [][]string, self string, elems []Element) bool {
	for _, group := range groups {
		all := true
		for _, pat := range group {
			found := false
			for _, e := range elems {
				if e.AI != self && matchAIPattern(pat, e.AI) {
					found = true
					break
				}
			}
			if !found {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// describeReq turns "01+21,02,35nn" into "AI (01)+(21), (02) or (35nn)".
func describeReq(req string) string {
	groups := strings.Split(req, ",")
	for i, g := range groups {
		groups[i] = "(" + strings.ReplaceAll(g, "+", ")+(") + ")"
	}
	if len(groups) == 1 {
		return "AI " + groups[0]
	}
	return "AI " + strings.Join(groups[:len(groups)-1], ", ") + " or " + groups[len(groups)-1]
}

func findAI(elems []Element, ai string) (int, bool) {
	for i, e := range elems {
		if e.AI == ai {
			return i, true
		}
	}
	return -1, false
}
