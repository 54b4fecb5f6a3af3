package gs1

// The iban linter.
//
// As the reference (lint_iban.c) does, it checks the IBAN's leading ISO
// 3166-1 alpha-2 country code, its overall length (11 to 34 characters), its
// character set (digits and upper-case letters) and its ISO 7064 mod 97-10
// check digits; it does not check the national length of each country's
// IBAN, which the reference does not know either.

// IBAN length bounds: the standard's maximum, and the reference's minimum
// (longer than 10 characters) that leaves room for the check digits.
const (
	ibanMinLength = 11
	ibanMaxLength = 34
)

// ibanValue returns the value of an IBAN character, 0 to 35 for 0-9 and A-Z,
// or -1 for any other byte.
func ibanValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// lintIBAN checks an International Bank Account Number.
func lintIBAN(v string) *Error {
	n := len(v)
	// The order of the checks is the reference's: country code first, then
	// length, then characters as the checksum reaches them.
	if n < 4 {
		return ibanLengthError(v)
	}
	if !isAlpha2(v[:2]) {
		return lintError(LintIllegalIBANCountryCode, 0, 2,
			"IBAN country code "+quote(v[:2])+" is not an ISO 3166-1 alpha-2 country code")
	}
	if n > ibanMaxLength || n < ibanMinLength {
		return ibanLengthError(v)
	}
	// The check digits come from the number read from its fifth character
	// onwards, then its first four, each letter standing for two digits.
	sum := 0
	for k := 4; k < n+4; k++ {
		i := k
		if i >= n {
			i -= n
		}
		d := ibanValue(v[i])
		if d < 0 {
			return lintError(LintInvalidIBANCharacter, i, 1,
				describeChar(v[i])+" is not allowed in an IBAN, only digits and upper-case letters")
		}
		if d < 10 {
			sum = (sum*10 + d) % 97
		} else {
			sum = (sum*100 + d) % 97
		}
	}
	if sum != 1 {
		return lintError(LintIncorrectIBANChecksum, 2, 2, "IBAN check digits "+quote(v[2:4])+" are incorrect")
	}
	return nil
}

// ibanLengthError reports an IBAN that is too short or too long.
func ibanLengthError(v string) *Error {
	if len(v) > ibanMaxLength {
		return lintError(LintIBANTooLong, 0, len(v),
			"IBAN of "+itoa(len(v))+" characters is too long, at most "+itoa(ibanMaxLength))
	}
	return lintError(LintIBANTooShort, 0, len(v),
		"IBAN of "+itoa(len(v))+" characters is too short, at least "+itoa(ibanMinLength))
}
