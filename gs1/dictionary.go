package gs1

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// syntaxDictionary is the GS1 Barcode Syntax Dictionary, release 2026-01-27,
// from gs1/gs1-syntax-engine (Apache-2.0). Every rule of the AI table is read
// from it when the package loads; nothing of it is copied by hand.
//
//go:embed syntax-dictionary.txt
var syntaxDictionary string

// A component is one part of an AI's value as the dictionary specifies it:
// "N13,csum,gcppos1" or the optional "[X..17]".
type component struct {
	cset     byte // 'N' digits, 'X' CSET 82, 'Y' CSET 39, 'Z' CSET 64 (base64url)
	min, max int
	optional bool
	linters  []linterFunc // the charset linter first, then the named ones
}

// An aiDef is one Application Identifier of the dictionary.
type aiDef struct {
	ai     string
	title  string
	fnc1   bool // needs an FNC1 separator when another AI follows
	dlAttr bool // permitted as a Digital Link data attribute
	comps  []component
	// minLen and maxLen bound the whole value: the sum of the mandatory
	// components' minimums and of every component's maximum.
	minLen, maxLen int
	// req lists the dictionary's req= attributes; each must be satisfied by
	// one of its groups, and a group by all of its AI patterns.
	req [][][]string
	// reqText keeps each req= attribute as written, for messages.
	reqText []string
	ex      []string // patterns of AIs that must not appear with this one
	dlpkey  bool     // a Digital Link primary key
	unknown bool     // not in the dictionary; admitted by PermitUnknownAIs
}

// dictionary is the parsed syntax dictionary.
type dictionary struct {
	// byIndex holds every AI by aiIndex: 2-, 3- and 4-digit AIs in turn.
	byIndex [11100]*aiDef
	// lenByPrefix is the AI length shared by every AI whose first two digits
	// are the index, or 0 where the dictionary has none.
	lenByPrefix [100]uint8
	// dlPaths holds every valid Digital Link path AI sequence, such as
	// "01 22 10", sorted.
	dlPaths   []string
	dlPathSet map[string]bool
	// dlQualifiers lists, for each primary key, the qualifier sequences of
	// its valid paths, in the sorted order of dlPaths.
	dlQualifiers map[string][][]string
}

// dict is the dictionary the package runs on, loaded once at start-up; it is
// never modified afterwards.
var dict = mustLoadDictionary(syntaxDictionary)

func mustLoadDictionary(text string) *dictionary {
	d, err := loadDictionary(text)
	if err != nil {
		panic("gs1: embedded syntax dictionary: " + err.Error())
	}
	return d
}

// aiIndex returns the position of a 2- to 4-digit AI in dictionary.byIndex,
// or -1 if ai is not 2 to 4 digits.
func aiIndex(ai string) int {
	n := 0
	for i := 0; i < len(ai); i++ {
		c := ai[i]
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	switch len(ai) {
	case 2:
		return n
	case 3:
		return 100 + n
	case 4:
		return 1100 + n
	}
	return -1
}

// lookup returns the dictionary entry of ai, or nil.
func (d *dictionary) lookup(ai string) *aiDef {
	i := aiIndex(ai)
	if i < 0 {
		return nil
	}
	return d.byIndex[i]
}

// loadDictionary parses the text of a GS1 Barcode Syntax Dictionary.
func loadDictionary(text string) (*dictionary, error) {
	d := &dictionary{dlPathSet: make(map[string]bool)}
	for n, line := range strings.Split(text, "\n") {
		if err := d.parseLine(line); err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
	}
	sort.Strings(d.dlPaths)
	d.dlQualifiers = make(map[string][][]string)
	for _, path := range d.dlPaths {
		ais := strings.Fields(path)
		if len(ais) > 1 {
			d.dlQualifiers[ais[0]] = append(d.dlQualifiers[ais[0]], ais[1:])
		}
	}
	return d, nil
}

// parseLine adds the AIs of one dictionary line, if it holds any.
func (d *dictionary) parseLine(line string) error {
	title := ""
	if i := strings.IndexByte(line, '#'); i >= 0 {
		title = strings.TrimSpace(line[i+1:])
		line = line[:i]
	}
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return nil
	}
	first, last, err := parseAIRange(fields[0])
	if err != nil {
		return err
	}
	fields = fields[1:]
	def := aiDef{title: title, fnc1: true}
	if len(fields) > 0 && isFlags(fields[0]) {
		def.fnc1 = !strings.Contains(fields[0], "*")
		def.dlAttr = strings.Contains(fields[0], "?")
		fields = fields[1:]
	}
	for len(fields) > 0 && isComponentSpec(fields[0]) {
		c, err := parseComponent(fields[0])
		if err != nil {
			return err
		}
		if c.optional {
			def.maxLen += c.max
		} else {
			def.minLen += c.min
			def.maxLen += c.max
		}
		def.comps = append(def.comps, c)
		fields = fields[1:]
	}
	if len(def.comps) == 0 {
		return fmt.Errorf("AI %s has no specification", first)
	}
	var qualifiers []string
	for _, attr := range fields {
		key, val, _ := strings.Cut(attr, "=")
		switch key {
		case "req":
			def.req = append(def.req, parseReq(val))
			def.reqText = append(def.reqText, val)
		case "ex":
			def.ex = append(def.ex, strings.Split(val, ",")...)
		case "dlpkey":
			def.dlpkey = true
			if val != "" {
				qualifiers = strings.Split(val, "|")
			}
		default:
			return fmt.Errorf("AI %s: unknown attribute %q", first, attr)
		}
	}
	lo, _ := strconv.Atoi(first)
	hi, _ := strconv.Atoi(last)
	for n := lo; n <= hi; n++ {
		e := def
		e.ai = fmt.Sprintf("%0*d", len(first), n)
		if err := d.add(&e, qualifiers); err != nil {
			return err
		}
	}
	return nil
}

// parseAIRange parses "01" or "3100-3105" into its first and last AI.
func parseAIRange(s string) (first, last string, err error) {
	first, last, isRange := strings.Cut(s, "-")
	if !isRange {
		last = first
	}
	if len(first) != len(last) || aiIndex(first) < 0 || aiIndex(last) < 0 || first > last {
		return "", "", fmt.Errorf("bad AI %q", s)
	}
	return first, last, nil
}

// isFlags reports whether a field is the flags column: only characters from
// the dictionary's flag set.
func isFlags(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(`*!?"$%&'()+,-./:;<=>@[\]^_`+"`"+`{|}~`, rune(s[i])) {
			return false
		}
	}
	return true
}

// isComponentSpec reports whether a field is a component specification
// rather than an attribute.
func isComponentSpec(s string) bool {
	return s != "" && strings.ContainsRune("NXYZ[", rune(s[0]))
}

// parseComponent parses a component specification such as "N13,csum",
// "X..20" or "[N6],yymmdd".
func parseComponent(spec string) (component, error) {
	var c component
	typ, rest, _ := strings.Cut(spec, ",")
	if strings.HasPrefix(typ, "[") {
		if !strings.HasSuffix(typ, "]") {
			return c, fmt.Errorf("bad component %q", spec)
		}
		c.optional = true
		typ = typ[1 : len(typ)-1]
	}
	if typ == "" {
		return c, fmt.Errorf("bad component %q", spec)
	}
	c.cset = typ[0]
	cset := charsetLinter(c.cset)
	if cset == nil {
		return c, fmt.Errorf("unknown character set in component %q", spec)
	}
	c.linters = append(c.linters, cset)
	length := typ[1:]
	if l, ok := strings.CutPrefix(length, ".."); ok {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return c, fmt.Errorf("bad component length %q", spec)
		}
		c.min, c.max = 1, n
	} else {
		n, err := strconv.Atoi(length)
		if err != nil || n < 1 {
			return c, fmt.Errorf("bad component length %q", spec)
		}
		c.min, c.max = n, n
	}
	if rest != "" {
		for _, name := range strings.Split(rest, ",") {
			l, ok := linters[name]
			if !ok {
				return c, fmt.Errorf("unknown linter %q", name)
			}
			c.linters = append(c.linters, l)
		}
	}
	return c, nil
}

// parseReq parses the value of a req= attribute, "01+21,02,35nn", into its
// groups of AI patterns.
func parseReq(val string) [][]string {
	var groups [][]string
	for _, g := range strings.Split(val, ",") {
		groups = append(groups, strings.Split(g, "+"))
	}
	return groups
}

// add files an AI under its index, and its Digital Link paths if it is a
// primary key.
func (d *dictionary) add(e *aiDef, qualifiers []string) error {
	i := aiIndex(e.ai)
	if d.byIndex[i] != nil {
		return fmt.Errorf("AI %s defined twice", e.ai)
	}
	prefix := i
	switch len(e.ai) {
	case 3:
		prefix = (i - 100) / 10
	case 4:
		prefix = (i - 1100) / 100
	}
	if l := d.lenByPrefix[prefix]; l != 0 && int(l) != len(e.ai) {
		return fmt.Errorf("AIs beginning %s have different lengths", e.ai[:2])
	}
	d.lenByPrefix[prefix] = uint8(len(e.ai))
	d.byIndex[i] = e
	if !e.dlpkey {
		return nil
	}
	d.addPath(e.ai)
	for _, alt := range qualifiers {
		q := strings.Split(alt, ",")
		// Every ordered subset of the qualifiers may follow the key.
		for mask := 1; mask < 1<<len(q); mask++ {
			path := e.ai
			for j, ai := range q {
				if mask&(1<<j) != 0 {
					path += " " + ai
				}
			}
			d.addPath(path)
		}
	}
	return nil
}

func (d *dictionary) addPath(path string) {
	if !d.dlPathSet[path] {
		d.dlPathSet[path] = true
		d.dlPaths = append(d.dlPaths, path)
	}
}

// matchAIPattern reports whether ai matches a dictionary pattern such as
// "01" or "31nn", where n stands for any digit.
func matchAIPattern(pattern, ai string) bool {
	if len(pattern) != len(ai) {
		return false
	}
	for i := 0; i < len(ai); i++ {
		if pattern[i] != ai[i] && !(pattern[i] == 'n' && ai[i] >= '0' && ai[i] <= '9') {
			return false
		}
	}
	return true
}
