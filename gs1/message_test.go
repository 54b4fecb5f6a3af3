package gs1

import (
	"errors"
	"testing"
	"time"
)

func TestMessageAccessors(t *testing.T) {
	m := MustParse("https://brand.example.com/01/09520123456788/10/LOT-7/21/SN0001?17=261100")
	if m.GTIN() != "09520123456788" || m.Lot() != "LOT-7" || m.Serial() != "SN0001" {
		t.Errorf("GTIN %q, Lot %q, Serial %q", m.GTIN(), m.Lot(), m.Serial())
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	exp, ok := m.Expiry(now)
	if want := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC); !ok || !exp.Equal(want) {
		t.Errorf("Expiry = %v, %v; want %v (day 00 is the month's last day)", exp, ok, want)
	}
	if _, ok := MustParse("(01)09520123456788(21)1").Expiry(now); ok {
		t.Error("Expiry of a message without (17) reported ok")
	}
	if v, ok := m.Get("17"); !ok || v != "261100" {
		t.Errorf(`Get("17") = %q, %v`, v, ok)
	}
	if _, ok := m.Get("8030"); ok {
		t.Error(`Get("8030") found an AI the message lacks`)
	}
	// Elements is a copy: changing it does not change the message.
	e := m.Elements()
	e[0].Value = "x"
	if m.GTIN() != "09520123456788" {
		t.Error("Elements returned the message's own storage")
	}
	if m.String() != "(01)09520123456788(10)LOT-7(21)SN0001(17)261100" {
		t.Errorf("String() = %q", m.String())
	}
}

func TestDate(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"251231": "2025-12-31",
		"261100": "2026-11-30",
		"280200": "2028-02-29", // leap year, day 00
		"270200": "2027-02-28",
		"761231": "2076-12-31", // 50 years ahead is still ahead
		"770101": "1977-01-01", // 51 years ahead is read as the past
		"000229": "2000-02-29",
	} {
		if got := Date(in, now).Format("2006-01-02"); got != want {
			t.Errorf("Date(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestZeroMessage(t *testing.T) {
	var m Message
	if m.IsValid() || m.Len() != 0 || m.GTIN() != "" {
		t.Error("zero Message claims content")
	}
	if _, err := m.DigitalLink(CanonicalStem); err == nil {
		t.Error("DigitalLink of the zero Message succeeded")
	}
	if _, err := m.ScanData(AIMGS1QR); err == nil {
		t.Error("ScanData of the zero Message succeeded")
	}
	if _, err := m.EPC(7); err == nil {
		t.Error("EPC of the zero Message succeeded")
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		in   string
		ai   string
		code ErrorCode
		msg  string
	}{
		{"(01)09520123456788(17)251301(21)1", "17", LintIllegalMonth, "AI (17): month 13 is not a month"},
		{"(01)09520123456789(21)1", "01", LintIncorrectCheckDigit, "AI (01): check digit 9 is incorrect, expected 8"},
		{"(01)09520123456788(21)AB C", "21", LintInvalidCSET82Character, "AI (21): character ' ' is not in CSET 82"},
		{"(01)09520123456788(21)123456789012345678901", "21", ETooLong, "AI (21): value is too long: 21 characters, at most 20 allowed"},
		{"(21)12345", "21", ERequiredAI, "AI (21): needs AI (01), (03) or (8006) alongside it, and the data has none"},
		{"(01)09520123456788(01)09520123456780", "01", LintIncorrectCheckDigit, ""},
		{"(01)09520123456788(255)0811625999996", "01", EInvalidPair, "AI (01): must not be used together with AI (255)"},
		{"(1A)1", "1A", EUnknownAI, "AI (1A): unknown AI"},
		{"https://id.gs1.org/01/09520123456788?10=A", "10", EDigitalLink, ""},
		{"https://id.gs1.org/01/9520123456788", "01", EOption, ""},
		{"https://id.gs1.org/01/09520123456788?99=A&99=A", "99", EDuplicateAI, ""},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q): err = %v, want *Error", tt.in, err)
			continue
		}
		if e.AI != tt.ai || e.Code != tt.code || tt.msg != "" && e.Error() != tt.msg {
			t.Errorf("Parse(%q): AI %q code %s %q; want AI %q code %s %q", tt.in, e.AI, e.Code, e.Error(), tt.ai, tt.code, tt.msg)
		}
	}
	// A linter's marked characters are located within the whole value.
	_, err := Parse("(8003)112345678901281234567890123456")
	if e, ok := err.(*Error); !ok || e.Code != LintNotZero || e.Pos != 0 {
		t.Errorf("(8003) not zero: %v", err)
	}
	_, err = Parse("(8003)01234567890129ABC")
	if e, ok := err.(*Error); !ok || e.Code != LintIncorrectCheckDigit || e.Pos != 13 || e.Len != 1 {
		t.Errorf("(8003) check digit: %#v, want position 13", err)
	}
}

func TestCheckValue(t *testing.T) {
	for _, tt := range []struct {
		ai, v string
		ok    bool
	}{
		{"10", "LOT-7", true}, {"10", "", false}, {"10", "A B", false}, {"10", "123456789012345678901", false},
		{"01", "09520123456788", true}, {"01", "09520123456789", false}, {"21", "ÄB", false}, {"89", "X", false},
	} {
		if err := CheckValue(tt.ai, tt.v); (err == nil) != tt.ok {
			t.Errorf("CheckValue(%s, %q) = %v, want ok %v", tt.ai, tt.v, err, tt.ok)
		}
	}
}
