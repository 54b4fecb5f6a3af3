package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"genuine"
)

var (
	verbPattern        = regexp.MustCompile(`%(\[\d+\])?[a-z]`)
	placeholderPattern = regexp.MustCompile(`\{(\w+)\}`)
)

// TestCatalogue fails on a message missing in a language, an English text
// left in the Chinese column (or the reverse), and a language using
// arguments or details the other lacks.
func TestCatalogue(t *testing.T) {
	if len(catalogue) < 50 {
		t.Fatalf("the catalogue has %d messages; the test reads the wrong map", len(catalogue))
	}
	for key, text := range catalogue {
		for _, s := range []string{text.EN, text.ZH} {
			if strings.TrimSpace(s) == "" || strings.TrimSpace(s) != s {
				t.Errorf("%s: text %q is empty or has spaces around it", key, s)
			}
		}
		if !hasHan(text.ZH) {
			t.Errorf("%s: zh-CN text %q has no Chinese", key, text.ZH)
		}
		if hasHan(text.EN) {
			t.Errorf("%s: en text %q has Chinese", key, text.EN)
		}
		reason := strings.HasPrefix(string(key), "reason.")
		for _, p := range []*regexp.Regexp{verbPattern, placeholderPattern} {
			en, zh := matches(p, text.EN), matches(p, text.ZH)
			if !slices.Equal(en, zh) {
				t.Errorf("%s: en uses %q, zh-CN uses %q", key, en, zh)
			}
		}
		// T formats page words with fmt; Reason fills {names}.
		if reason && strings.Contains(text.EN+text.ZH, "%") {
			t.Errorf("%s: a reason's text has a %% verb, which Reason does not format", key)
		}
		if !reason && strings.ContainsAny(text.EN+text.ZH, "{}") {
			t.Errorf("%s: a page word has a {name}, which T does not fill", key)
		}
		if base, ok := strings.CutSuffix(string(key), ".detail"); ok && !Has(Key(base)) {
			t.Errorf("%s: a variant with details of %s, which has no plain text", key, base)
		}
	}
}

func hasHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// matches returns the distinct matches of p in s, sorted.
func matches(p *regexp.Regexp, s string) []string {
	m := p.FindAllString(s, -1)
	slices.Sort(m)
	return slices.Compact(m)
}

// codePattern names the root package's constants that are reason, alert,
// warning or error codes: ReasonExpired, AlertCustodyReport,
// WarningForeignHost, EAlreadySold, EPaymentMismatch ….
var codePattern = regexp.MustCompile(`^(Reason|Alert|Warning|E)[A-Z]\w*$`)

// rootCodes parses the root package's Go files (not its tests) and returns
// the value of every code constant, by the constant's name.
func rootCodes(t *testing.T) map[string]string {
	t.Helper()
	return rootConstants(t, func(name string, _ ast.Expr) bool { return codePattern.MatchString(name) })
}

// rootConstants parses the root package's Go files (not its tests) and
// returns the value of every string constant that keep accepts, given
// its name and declared type (nil if it has none), by the constant's name.
func rootConstants(t *testing.T, keep func(name string, typ ast.Expr) bool) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	codes := make(map[string]string)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name.Name != "genuine" {
			t.Fatalf("%s is package %s, not the root package genuine", name, f.Name.Name)
		}
		for _, decl := range f.Decls {
			d, ok := decl.(*ast.GenDecl)
			if !ok || d.Tok != token.CONST {
				continue
			}
			for _, spec := range d.Specs {
				v := spec.(*ast.ValueSpec)
				for i, id := range v.Names {
					lit, ok := valueAt(v, i).(*ast.BasicLit)
					if !keep(id.Name, v.Type) || !ok || lit.Kind != token.STRING {
						continue
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatalf("%s: %s: %v", name, id.Name, err)
					}
					codes[id.Name] = s
				}
			}
		}
	}
	return codes
}

func valueAt(v *ast.ValueSpec, i int) ast.Expr {
	if i < len(v.Values) {
		return v.Values[i]
	}
	return nil
}

// TestReasonCodes fails when the root package defines a reason, alert,
// warning or error code that the catalogue does not explain, so that no
// page ever shows a cashier a bare code.
func TestReasonCodes(t *testing.T) {
	codes := rootCodes(t)
	// The parse must find the codes of every kind, or it found nothing.
	for name, want := range map[string]string{
		"ReasonCounterfeit":   genuine.ReasonCounterfeit,
		"ReasonOutsideRegion": genuine.ReasonOutsideRegion,
		"EAlreadySold":        genuine.EAlreadySold,
		"EPaymentMismatch":    genuine.EPaymentMismatch,
		"EGTINPrefix":         genuine.EGTINPrefix,
		"AlertCustodyReport":  genuine.AlertCustodyReport,
		"WarningForeignHost":  genuine.WarningForeignHost,
		"ENotFound":           genuine.ENotFound,
	} {
		if codes[name] != want {
			t.Errorf("parsing the root package found %s = %q, want %q", name, codes[name], want)
		}
	}
	// Codes the root package makes at run time rather than in constants.
	for _, c := range genuine.TransitionCodes {
		codes["TransitionCodes "+c] = c
	}
	for _, s := range []genuine.UnitState{
		genuine.StateCommissioned, genuine.StateInChannel, genuine.StateReserved, genuine.StateSold,
		genuine.StateConsumed, genuine.StateStolen, genuine.StateDestroyed, genuine.StateLocked,
		genuine.StateReturned, genuine.StateRecalled, genuine.StateWithdrawn,
	} {
		codes["StateCode("+string(s)+")"] = genuine.StateCode(s)
	}
	for name, code := range codes {
		if !Has(Key("reason." + code)) {
			t.Errorf("genuine.%s = %q has no text in the catalogue (reason.%s)", name, code, code)
		}
	}
}

// TestStatesAndEvents fails when the root package defines a unit state or
// an event type that the catalogue does not name (state.<state>,
// event.<type>), so that a shopper's page never shows a bare code.
func TestStatesAndEvents(t *testing.T) {
	for typ, c := range map[string]struct {
		prefix string
		known  string // one constant the parse must find
	}{
		"UnitState": {"state.", string(genuine.StateSold)},
		"EventType": {"event.", string(genuine.EventShip)},
	} {
		values := rootConstants(t, func(_ string, e ast.Expr) bool {
			id, ok := e.(*ast.Ident)
			return ok && id.Name == typ
		})
		if !slices.Contains(slices.Collect(maps.Values(values)), c.known) || len(values) < 10 {
			t.Fatalf("parsing the root package found the %s constants %v, without %q", typ, values, c.known)
		}
		for name, v := range values {
			if !Has(Key(c.prefix + v)) {
				t.Errorf("genuine.%s = %q has no text in the catalogue (%s%s)", name, v, c.prefix, v)
			}
		}
	}
}
