package gs1

// ParseEPC parses an EPC URN with the strict default [Parser].
func ParseEPC(urn string) (Message, error) {
	var p Parser
	return p.ParseEPC(urn)
}

// ParseEPC parses an EPC URN of the GS1 EPC Tag Data Standard — a pure
// identity such as "urn:epc:id:sgtin:9520123.045678.12345", the class
// "urn:epc:class:lgtin:…", or an "urn:epc:idpat:…" pattern — into the GS1
// message it denotes, key first, then checks it as any other GS1 data.
func (p *Parser) ParseEPC(urn string) (Message, error) {
	if len(urn) > maxInput {
		return Message{}, errorf("", ESyntax, "input is too long")
	}
	elems, err := parseEPC(urn)
	if err != nil {
		return Message{}, err
	}
	defs := make([]*aiDef, len(elems))
	for i, e := range elems {
		def := p.lookupAI(e.AI)
		if def == nil {
			return Message{}, errorf(e.AI, EUnknownAI, "unknown AI")
		}
		if err := def.validate(e.Value); err != nil {
			return Message{}, err
		}
		defs[i] = def
	}
	return p.newMessage(elems, defs)
}

// EPC returns the EPC URN of the message's key (an SGTIN for a GTIN with a
// serial, an LGTIN class for a GTIN with a lot, an SSCC, an SGLN …). The GS1
// Company Prefix length, 6 to 12 digits, says where the company prefix ends,
// which the GS1 key alone does not reveal.
func (m Message) EPC(companyPrefixLen int) (string, error) {
	if !m.IsValid() {
		return "", errorf("", ESyntax, "no AI data")
	}
	return formatEPC(m.elems, companyPrefixLen)
}
