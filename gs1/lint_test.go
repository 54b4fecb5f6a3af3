package gs1

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// markup renders v with the characters that err marks wrapped in "*", as the
// reference's unit tests write their expectations ("**" marks nothing).
func markup(v string, err *Error) string {
	return v[:err.Pos] + "*" + v[err.Pos:err.Pos+err.Len] + "*" + v[err.Pos+err.Len:]
}

// checkLint runs linter name on in and compares the outcome with the
// expectation: code "" for a pass, or the code and the reference's markup.
func checkLint(t *testing.T, name, in string, code ErrorCode, want string) {
	t.Helper()
	f := linters[name]
	if f == nil {
		t.Fatalf("no linter %q", name)
	}
	err := f(in)
	if code == "" {
		if err != nil {
			t.Errorf("%s(%q) = %s %q (%s), want pass", name, in, err.Code, err.Msg, markup(in, err))
		}
		return
	}
	if err == nil {
		t.Errorf("%s(%q) passed, want %s %q", name, in, code, want)
		return
	}
	if err.Pos < 0 || err.Len < 0 || err.Pos+err.Len > len(in) {
		t.Errorf("%s(%q): mark [%d,+%d] is outside the value", name, in, err.Pos, err.Len)
		return
	}
	if got := markup(in, err); err.Code != code || got != want {
		t.Errorf("%s(%q) = %s %q, want %s %q", name, in, err.Code, got, code, want)
	}
	if err.Msg == "" || err.AI != "" {
		t.Errorf("%s(%q): Msg %q, AI %q; want a message and no AI", name, in, err.Msg, err.AI)
	}
}

// latin1 turns each character of s, all below U+0100, into one byte. The
// vectors of lint_component_tests.json were written from the reference's C
// strings with each byte as the code point of the same value ("\x80" became
// U+0080); this restores the bytes the reference tested.
func latin1(t *testing.T, s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			t.Fatalf("vector %q has character %U beyond one byte", s, r)
		}
		b = append(b, byte(r))
	}
	return string(b)
}

// TestLintComponentVectors runs the reference's unit-test vectors of
// testdata/lint_component_tests.json.
func TestLintComponentVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/lint_component_tests.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Linters map[string]struct {
			Cases []struct {
				Input       string `json:"input"`
				Valid       bool   `json:"valid"`
				ExpectError string `json:"expect_error"`
				ErrorMarkup string `json:"error_markup"`
				Line        int    `json:"line"`
			} `json:"cases"`
		} `json:"linters"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Linters) == 0 {
		t.Fatal("no vectors")
	}
	n := 0
	for name, l := range file.Linters {
		for _, c := range l.Cases {
			in := latin1(t, c.Input)
			if c.Valid {
				checkLint(t, name, in, "", "")
			} else {
				code := ErrorCode(strings.TrimPrefix(c.ExpectError, "GS1_LINTER_"))
				checkLint(t, name, in, code, latin1(t, c.ErrorMarkup))
			}
			n++
		}
	}
	t.Logf("%d vectors of %d linters", n, len(file.Linters))
}

// TestLintersCoverDictionary checks that every linter that the syntax
// dictionary names is implemented.
func TestLintersCoverDictionary(t *testing.T) {
	f, err := os.Open("syntax-dictionary.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	component := regexp.MustCompile(`^\[?[NXYZ](?:[0-9]+|\.\.[0-9]+)\]?((?:,[a-z0-9]+)+)$`)
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		for _, tok := range strings.Fields(line) {
			if m := component.FindStringSubmatch(tok); m != nil {
				for _, name := range strings.Split(m[1][1:], ",") {
					seen[name] = true
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) < 30 {
		t.Fatalf("found only %d linter names in the dictionary", len(seen))
	}
	for name := range seen {
		if linters[name] == nil {
			t.Errorf("linter %q of the dictionary is not implemented", name)
		}
	}
	for _, typ := range []byte("NXYZ") {
		if charsetLinter(typ) == nil {
			t.Errorf("no charset linter for %c", typ)
		}
	}
	if charsetLinter('A') != nil {
		t.Error("charsetLinter('A') is not nil")
	}
}

// TestLintMessages pins the wording of a few messages.
func TestLintMessages(t *testing.T) {
	for _, c := range []struct {
		name, in, msg string
	}{
		{"csum", "12345672", "check digit 2 is incorrect, expected 0"},
		{"yymmd0", "201310", "month 13 is not a month"},
		{"yymmdd", "210229", "day 29 is not a day of month 02 in 2021"},
		{"cset39", "AB_C", "character '_' is not in CSET 39"},
		{"cset82", "\x80", "byte 0x80 is not in CSET 82"},
		{"iso3166alpha2", "XX", `"XX" is not an ISO 3166-1 alpha-2 country code`},
		{"hh", "24", "hour 24 is not a valid hour, 00 to 23"},
	} {
		err := linters[c.name](c.in)
		if err == nil || err.Msg != c.msg {
			t.Errorf("%s(%q) = %v, want message %q", c.name, c.in, err, c.msg)
		}
	}
}

// sortedLinterNames returns the names of all linters, sorted.
func sortedLinterNames() []string {
	names := make([]string, 0, len(linters))
	for name := range linters {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// FuzzLinters runs every linter on arbitrary data: none may panic, and every
// error must mark characters within the value.
func FuzzLinters(f *testing.F) {
	for _, s := range []string{
		"", "0", "%", "%4", "1/2", "==", "AB=", "123456789012345675", "FR7630006000011234567890189",
		"012345612345611110123101101239", "01234561234561111012335006064500606", "061234567890121234569123456789012345",
		"200229", "20240229", "2359", "1800000000", "9/10", "\x80\xff\x00",
	} {
		f.Add(s)
	}
	names := sortedLinterNames()
	f.Fuzz(func(t *testing.T, v string) {
		for _, name := range names {
			err := linters[name](v)
			if err == nil {
				continue
			}
			if err.Pos < 0 || err.Len < 0 || err.Pos+err.Len > len(v) {
				t.Fatalf("%s(%q): mark [%d,+%d] is outside the value", name, v, err.Pos, err.Len)
			}
			if err.Code == "" || err.Msg == "" || err.AI != "" {
				t.Fatalf("%s(%q): incomplete error %+v", name, v, err)
			}
		}
	})
}

// TestLintersDoNotAllocate checks that the linters allocate nothing when the
// value passes.
func TestLintersDoNotAllocate(t *testing.T) {
	for name, in := range map[string]string{
		"digits": "0123456789", "cset82": "ABC_abc-123", "cset39": "AB#-/12", "cset64": "ab-_==",
		"csum": "123456789012345675", "csumalpha": "1987654Ad4X4bL5ttr2310c2K", "gcppos1": "9521234",
		"gcppos2": "09521234", "yymmd0": "240200", "yymmdd": "240229", "yyyymmd0": "20240200",
		"yyyymmdd": "20240229", "hhmi": "2359", "hh": "23", "mi": "59", "ss": "59", "iso4217": "978",
		"iso3166": "250", "iso3166999": "999", "iso3166alpha2": "FR", "iso5218": "9",
		"iban": "GB98MIDL07009312345678", "packagetype": "BGE", "mediatype": "80", "pcenc": "A%20B",
		"latitude": "1800000000", "longitude": "3600000000", "yesno": "1", "hyphen": "--",
		"importeridx": "_", "posinseqslash": "9/10", "nonzero": "0001", "winding": "9", "zero": "00",
		"pieceoftotal": "0103", "nozeroprefix": "10", "hasnondigit": "1A",
		"couponcode":     "106141410222223100110222111101231023456721104561045678991201",
		"couponposoffer": "061234567890121234569123456789012345",
	} {
		f := linters[name]
		if err := f(in); err != nil {
			t.Fatalf("%s(%q) = %s %q, want pass", name, in, err.Code, err.Msg)
		}
		if n := testing.AllocsPerRun(100, func() { _ = f(in) }); n != 0 {
			t.Errorf("%s(%q) allocates %.1f times", name, in, n)
		}
	}
}

// BenchmarkLintCsum measures the check digit test of an SSCC.
func BenchmarkLintCsum(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if lintCsum("123456789012345675") != nil {
			b.Fatal("fail")
		}
	}
}

// BenchmarkLintCset82 measures the CSET 82 test of a 20-character batch.
func BenchmarkLintCset82(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if lintCset82("ABCdef-123_456/789.X") != nil {
			b.Fatal("fail")
		}
	}
}
