package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// binary is the genuine program, built once for the tests that run it as a
// user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "genuine-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "genuine")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run runs the binary with stdin and returns stdout, stderr and exit status.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return runEnv(t, nil, stdin, args...)
}

type parsed struct {
	AIs []struct {
		AI    string `json:"ai"`
		Value string `json:"value"`
	} `json:"ais"`
}

func TestGS1ParseEveryForm(t *testing.T) {
	const want = `{"ais":[{"ai":"01","value":"09520123456788"},{"ai":"10","value":"ABC123"},{"ai":"21","value":"A/B"},{"ai":"17","value":"251231"}]}`
	for _, in := range []string{
		"https://id.gs1.org/01/09520123456788/10/ABC123/21/A%2FB?17=251231",
		"https://brand.example.com/shop/01/09520123456788/10/ABC123/21/A%2FB?17=251231#x",
		"(01)09520123456788(10)ABC123(21)A/B(17)251231",
		"^010952012345678810ABC123^21A/B^17251231",
		"]Q1https://brand.example.com/01/09520123456788/10/ABC123/21/A%2FB?17=251231",
	} {
		stdout, stderr, code := run(t, "", "gs1", "parse", in)
		if code != 0 || strings.TrimSpace(stdout) != want {
			t.Errorf("gs1 parse %q: exit %d, stdout %q, stderr %q; want %s", in, code, stdout, stderr, want)
		}
	}
	// Scan data holds GS characters: it comes through standard input.
	stdout, stderr, code := run(t, "]d2010952012345678810ABC123\x1d21A/B\x1d17251231\n", "gs1", "parse", "-")
	if code != 0 || strings.TrimSpace(stdout) != want {
		t.Errorf("gs1 parse - (]d2 scan data): exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	var p parsed
	if err := json.Unmarshal([]byte(stdout), &p); err != nil || len(p.AIs) != 4 {
		t.Errorf("output is not the contract's JSON: %v", err)
	}
}

func TestGS1ParseRefusesWithOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"(01)09520123456788(17)251301(21)1":             "AI (17): month 13 is not a month",
		"(01)09520123456789(21)1":                       "AI (01): check digit 9 is incorrect",
		"(21)12345":                                     "AI (21): needs AI (01), (03) or (8006)",
		"https://id.gs1.org/01/09520123456788?21=1":     "AI (21)",
		"HtTp://id.gs1.org/01/09520123456788":           "scheme",
		"hello":                                         "not GS1 data",
		"https://id.gs1.org/01/9520123456788/21/1":      "GTIN-13 must be written as 14 digits",
		"(01)09520123456788(21)12345678901234567890123": "AI (21): value is too long",
	} {
		stdout, stderr, code := run(t, "", "gs1", "parse", in)
		if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, want) {
			t.Errorf("gs1 parse %q: exit %d, stdout %q, stderr %q; want exit 1 and one line with %q", in, code, stdout, stderr, want)
		}
	}
	// The lenient switches exist for data from older systems.
	if _, stderr, code := run(t, "", "gs1", "parse", "--permit-short-gtin", "https://id.gs1.org/01/9520123456788/21/1"); code != 0 {
		t.Errorf("--permit-short-gtin: exit %d, %s", code, stderr)
	}
}

func TestGS1Format(t *testing.T) {
	in := "(01)09520123456788(21)12345(10)ABC"
	stdout, stderr, code := run(t, "", "gs1", "format", "--form", "dl", "--stem", "https://brand.example.com", in)
	if code != 0 || stdout != "https://brand.example.com/01/09520123456788/10/ABC/21/12345\n" {
		t.Errorf("format --form dl: exit %d, %q, %q", code, stdout, stderr)
	}
	stdout, _, _ = run(t, "", "gs1", "format", "--form", "dm", in)
	if stdout != "]d201095201234567882112345\x1d10ABC\n" {
		t.Errorf("format --form dm = %q", stdout)
	}
	stdout, _, _ = run(t, "", "gs1", "format", "--form", "epc", "--gcp-length", "7", in)
	if stdout != "urn:epc:id:sgtin:9520123.045678.12345\n" {
		t.Errorf("format --form epc = %q", stdout)
	}
	stdout, _, code = run(t, "", "gs1", "format", in)
	for _, want := range []string{"dl ", "bracketed ", "(01)09520123456788(21)12345(10)ABC", "<GS>", "(21) 12345", "--gcp-length"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("format (every form) lacks %q:\n%s", want, stdout)
		}
	}
	stdout, _, code = run(t, "", "gs1", "format", "--json", "--gcp-length", "7", in)
	var forms map[string]any
	if err := json.Unmarshal([]byte(stdout), &forms); err != nil || code != 0 || forms["epc"] != "urn:epc:id:sgtin:9520123.045678.12345" {
		t.Errorf("format --json: %v, %q", err, stdout)
	}
	if _, _, code := run(t, "", "gs1", "format", "--form", "nope", in); code != 2 {
		t.Errorf("unknown --form: exit %d, want 2", code)
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		out  string // in stdout or stderr
	}{
		{nil, 2, "Commands:"},
		{[]string{"help"}, 0, "gs1 parse"},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{[]string{"gs1"}, 2, "no subcommand"},
		{[]string{"gs1", "parse"}, 2, "exactly one DATA"},
		{[]string{"gs1", "parse", "a", "b"}, 2, "exactly one DATA"},
		{[]string{"gs1", "parse", "-h"}, 0, "permit-short-gtin"},
		{[]string{"gs1", "parse", "--bogus", "x"}, 2, "bogus"},
		{[]string{"help", "gs1"}, 0, "genuine gs1 parse"},
	}
	for _, tt := range tests {
		stdout, stderr, code := run(t, "", tt.args...)
		if code != tt.code || !strings.Contains(stdout+stderr, tt.out) {
			t.Errorf("genuine %q: exit %d, output %q; want exit %d with %q", tt.args, code, stdout+stderr, tt.code, tt.out)
		}
	}
}
