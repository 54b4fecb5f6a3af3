package gs1

import "strconv"

// The GS1 Barcode Syntax Tests ("linters") check the content of one component
// of an AI's value, as named in the GS1 Barcode Syntax Dictionary. They behave
// as the reference linters of gs1/gs1-syntax-engine (src/c-lib/syntax): the
// same checks in the same order, the same error codes and the same marked
// characters. Each is called on every scan, so on success none allocates.

// linterFunc runs one GS1 Barcode Syntax Test on one component's value.
// It returns nil when the value passes, or an *Error whose Code is the GS1
// linter name without the "GS1_LINTER_" prefix (e.g. "INCORRECT_CHECK_DIGIT"),
// whose Msg says the problem for a person in plain words that include the
// offending value where helpful, whose Pos and Len mark the offending
// characters within v (as the reference's error markup does), and whose AI is
// "" (the caller fills it in).
type linterFunc func(v string) *Error

// linters maps each linter name used in the syntax dictionary to its
// function, plus the character-set linters that the component types imply
// ("digits", "cset82", "cset39", "cset64") and "yyyymmd0", which the
// reference defines too.
var linters = map[string]linterFunc{
	"digits": lintDigits,
	"cset82": lintCset82,
	"cset39": lintCset39,
	"cset64": lintCset64,

	"csum":      lintCsum,
	"csumalpha": lintCsumAlpha,
	"gcppos1":   lintGCPPos1,
	"gcppos2":   lintGCPPos2,

	"yymmd0":   lintYYMMD0,
	"yymmdd":   lintYYMMDD,
	"yyyymmd0": lintYYYYMMD0,
	"yyyymmdd": lintYYYYMMDD,
	"hhmi":     lintHHMI,
	"hh":       lintHH,
	"mi":       lintMI,
	"ss":       lintSS,

	"iso4217":       lintISO4217,
	"iso3166":       lintISO3166,
	"iso3166999":    lintISO3166999,
	"iso3166alpha2": lintISO3166Alpha2,
	"iso5218":       lintISO5218,
	"iban":          lintIBAN,
	"packagetype":   lintPackageType,
	"mediatype":     lintMediaType,

	"pcenc":         lintPcenc,
	"latitude":      lintLatitude,
	"longitude":     lintLongitude,
	"yesno":         lintYesNo,
	"hyphen":        lintHyphen,
	"importeridx":   lintImporterIdx,
	"posinseqslash": lintPosInSeqSlash,
	"nonzero":       lintNonZero,
	"winding":       lintWinding,
	"zero":          lintZero,
	"pieceoftotal":  lintPieceOfTotal,
	"nozeroprefix":  lintNoZeroPrefix,
	"hasnondigit":   lintHasNonDigit,

	"couponcode":     lintCouponCode,
	"couponposoffer": lintCouponPosOffer,
}

// charsetLinter returns the linter implied by a component type letter: 'N'
// digits, 'X' CSET 82, 'Y' CSET 39 or 'Z' CSET 64. It returns nil for any
// other letter.
func charsetLinter(typ byte) linterFunc {
	switch typ {
	case 'N':
		return lintDigits
	case 'X':
		return lintCset82
	case 'Y':
		return lintCset39
	case 'Z':
		return lintCset64
	}
	return nil
}

// Codes of failed GS1 Barcode Syntax Tests, other than those of the coupon
// linters (in lint_coupon.go): the reference's GS1_LINTER_ names without
// that prefix.
const (
	LintNonDigitCharacter                 ErrorCode = "NON_DIGIT_CHARACTER"
	LintInvalidCSET82Character            ErrorCode = "INVALID_CSET82_CHARACTER"
	LintInvalidCSET39Character            ErrorCode = "INVALID_CSET39_CHARACTER"
	LintInvalidCSET64Character            ErrorCode = "INVALID_CSET64_CHARACTER"
	LintInvalidCSET64Padding              ErrorCode = "INVALID_CSET64_PADDING"
	LintIncorrectCheckDigit               ErrorCode = "INCORRECT_CHECK_DIGIT"
	LintTooShortForCheckDigit             ErrorCode = "TOO_SHORT_FOR_CHECK_DIGIT"
	LintIncorrectCheckPair                ErrorCode = "INCORRECT_CHECK_PAIR"
	LintTooShortForCheckPair              ErrorCode = "TOO_SHORT_FOR_CHECK_PAIR"
	LintTooLongForCheckPairImplementation ErrorCode = "TOO_LONG_FOR_CHECK_PAIR_IMPLEMENTATION"
	LintInvalidGCPPrefix                  ErrorCode = "INVALID_GCP_PREFIX"
	LintTooShortForGCP                    ErrorCode = "TOO_SHORT_FOR_GCP"
	LintImporterIdxMustBeOneCharacter     ErrorCode = "IMPORTER_IDX_MUST_BE_ONE_CHARACTER"
	LintInvalidImportIdxCharacter         ErrorCode = "INVALID_IMPORT_IDX_CHARACTER"
	LintIllegalZeroValue                  ErrorCode = "ILLEGAL_ZERO_VALUE"
	LintNotZero                           ErrorCode = "NOT_ZERO"
	LintIllegalZeroPrefix                 ErrorCode = "ILLEGAL_ZERO_PREFIX"
	LintNotZeroOrOne                      ErrorCode = "NOT_ZERO_OR_ONE"
	LintInvalidWindingDirection           ErrorCode = "INVALID_WINDING_DIRECTION"
	LintNotISO3166                        ErrorCode = "NOT_ISO3166"
	LintNotISO3166Or999                   ErrorCode = "NOT_ISO3166_OR_999"
	LintNotISO3166Alpha2                  ErrorCode = "NOT_ISO3166_ALPHA2"
	LintNotISO4217                        ErrorCode = "NOT_ISO4217"
	LintIBANTooShort                      ErrorCode = "IBAN_TOO_SHORT"
	LintIBANTooLong                       ErrorCode = "IBAN_TOO_LONG"
	LintInvalidIBANCharacter              ErrorCode = "INVALID_IBAN_CHARACTER"
	LintIllegalIBANCountryCode            ErrorCode = "ILLEGAL_IBAN_COUNTRY_CODE"
	LintIncorrectIBANChecksum             ErrorCode = "INCORRECT_IBAN_CHECKSUM"
	LintDateTooShort                      ErrorCode = "DATE_TOO_SHORT"
	LintDateTooLong                       ErrorCode = "DATE_TOO_LONG"
	LintHourWithMinuteTooShort            ErrorCode = "HOUR_WITH_MINUTE_TOO_SHORT"
	LintHourWithMinuteTooLong             ErrorCode = "HOUR_WITH_MINUTE_TOO_LONG"
	LintHourTooShort                      ErrorCode = "HOUR_TOO_SHORT"
	LintHourTooLong                       ErrorCode = "HOUR_TOO_LONG"
	LintMinuteTooShort                    ErrorCode = "MINUTE_TOO_SHORT"
	LintMinuteTooLong                     ErrorCode = "MINUTE_TOO_LONG"
	LintSecondTooShort                    ErrorCode = "SECOND_TOO_SHORT"
	LintSecondTooLong                     ErrorCode = "SECOND_TOO_LONG"
	LintIllegalMonth                      ErrorCode = "ILLEGAL_MONTH"
	LintIllegalDay                        ErrorCode = "ILLEGAL_DAY"
	LintIllegalHour                       ErrorCode = "ILLEGAL_HOUR"
	LintIllegalMinute                     ErrorCode = "ILLEGAL_MINUTE"
	LintIllegalSecond                     ErrorCode = "ILLEGAL_SECOND"
	LintInvalidLengthForPieceOfTotal      ErrorCode = "INVALID_LENGTH_FOR_PIECE_OF_TOTAL"
	LintZeroPieceNumber                   ErrorCode = "ZERO_PIECE_NUMBER"
	LintZeroTotalPieces                   ErrorCode = "ZERO_TOTAL_PIECES"
	LintPieceNumberExceedsTotal           ErrorCode = "PIECE_NUMBER_EXCEEDS_TOTAL"
	LintInvalidPercentSequence            ErrorCode = "INVALID_PERCENT_SEQUENCE"
	LintInvalidLatitude                   ErrorCode = "INVALID_LATITUDE"
	LintInvalidLongitude                  ErrorCode = "INVALID_LONGITUDE"
	LintLatitudeInvalidLength             ErrorCode = "LATITUDE_INVALID_LENGTH"
	LintLongitudeInvalidLength            ErrorCode = "LONGITUDE_INVALID_LENGTH"
	LintInvalidMediaType                  ErrorCode = "INVALID_MEDIA_TYPE"
	LintNotHyphen                         ErrorCode = "NOT_HYPHEN"
	LintInvalidBiologicalSexCode          ErrorCode = "INVALID_BIOLOGICAL_SEX_CODE"
	LintPositionInSequenceMalformed       ErrorCode = "POSITION_IN_SEQUENCE_MALFORMED"
	LintPositionExceedsEnd                ErrorCode = "POSITION_EXCEEDS_END"
	LintRequiresNonDigitCharacter         ErrorCode = "REQUIRES_NON_DIGIT_CHARACTER"
	LintInvalidPackageType                ErrorCode = "INVALID_PACKAGE_TYPE"
)

// lintError returns the *Error of a failed linter, marking n characters of the
// value from pos.
func lintError(code ErrorCode, pos, n int, msg string) *Error {
	return &Error{Code: code, Msg: msg, Pos: pos, Len: n}
}

// describeChar names byte c for a message: "character 'A'", or "byte 0x80"
// when c is not a printable ASCII character.
func describeChar(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "character '" + string(rune(c)) + "'"
	}
	const hex = "0123456789ABCDEF"
	return "byte 0x" + string([]byte{hex[c>>4], hex[c&15]})
}

// quote returns v in double quotes, with Go escapes for anything unprintable.
func quote(v string) string { return strconv.Quote(v) }

// itoa formats n in decimal.
func itoa(n int) string { return strconv.Itoa(n) }

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// A byteSet is a set of bytes, for character-set tests.
type byteSet [256]bool

// newByteSet returns the set of the bytes of chars.
func newByteSet(chars string) (s byteSet) {
	for i := 0; i < len(chars); i++ {
		s[chars[i]] = true
	}
	return s
}

// The GS1 AI encodable character sets.
var (
	cset82Chars = newByteSet("!\"%&'()*+,-./0123456789:;<=>?" +
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
	cset39Chars = newByteSet("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	cset64Chars = newByteSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
)

// lintSet reports the first byte of v that is not in set.
func lintSet(v string, set *byteSet, code ErrorCode, name string) *Error {
	for i := 0; i < len(v); i++ {
		if !set[v[i]] {
			return lintError(code, i, 1, describeChar(v[i])+" is not in "+name)
		}
	}
	return nil
}

// firstNonDigit returns the position of the first non-digit of v, or -1.
func firstNonDigit(v string) int {
	for i := 0; i < len(v); i++ {
		if !isDigit(v[i]) {
			return i
		}
	}
	return -1
}

// nonDigitError reports the non-digit at position i of v.
func nonDigitError(v string, i int) *Error {
	return lintError(LintNonDigitCharacter, i, 1, describeChar(v[i])+" is not a digit")
}

// lintDigits is the character-set test of type N: digits only.
func lintDigits(v string) *Error {
	if i := firstNonDigit(v); i >= 0 {
		return nonDigitError(v, i)
	}
	return nil
}

// lintCset82 is the character-set test of type X: GS1 AI encodable character
// set 82.
func lintCset82(v string) *Error {
	return lintSet(v, &cset82Chars, LintInvalidCSET82Character, "CSET 82")
}

// lintCset39 is the character-set test of type Y: GS1 AI encodable character
// set 39.
func lintCset39(v string) *Error {
	return lintSet(v, &cset39Chars, LintInvalidCSET39Character, "CSET 39")
}

// lintCset64 is the character-set test of type Z: the file- and URI-safe
// base64 alphabet of CSET 64, optionally padded with "=" to a multiple of
// three characters, with at most two pad characters.
func lintCset64(v string) *Error {
	n := len(v)
	for n > 0 && v[n-1] == '=' {
		n--
	}
	if pads := len(v) - n; pads > 2 || pads > 0 && len(v)%3 != 0 {
		return lintError(LintInvalidCSET64Padding, n, pads,
			itoa(pads)+" padding characters \"=\" do not fit a value of "+itoa(len(v))+" characters")
	}
	return lintSet(v[:n], &cset64Chars, LintInvalidCSET64Character, "CSET 64")
}

// lintCsum checks the GS1 mod-10 check digit that ends v.
func lintCsum(v string) *Error {
	if len(v) == 0 {
		return lintError(LintTooShortForCheckDigit, 0, 0, "value is empty, so has no check digit")
	}
	if i := firstNonDigit(v); i >= 0 {
		return nonDigitError(v, i)
	}
	last := len(v) - 1
	if want := checkDigit(v[:last]); v[last] != want {
		return lintError(LintIncorrectCheckDigit, last, 1,
			"check digit "+v[last:]+" is incorrect, expected "+string(rune(want)))
	}
	return nil
}

// csumAlphaPrimes are the weights of the alphanumeric check character pair,
// from the rightmost data character leftwards; as in the reference, enough for
// 97 data characters.
var csumAlphaPrimes = [...]uint16{
	2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67,
	71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149,
	151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227, 229,
	233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311, 313,
	317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397, 401, 409,
	419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499,
	503, 509,
}

// cset82Order lists CSET 82 in the order that gives each character its value
// (its index) in the check character pair calculation.
const cset82Order = "!\"%&'()*+,-./0123456789:;<=>?" +
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

// cset32Order lists CSET 32, the alphabet of the check character pair.
const cset32Order = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// cset82Value maps each byte to 1 + its CSET 82 value, or 0 outside CSET 82.
var cset82Value = func() (t [256]uint8) {
	for i := 0; i < len(cset82Order); i++ {
		t[cset82Order[i]] = uint8(i + 1)
	}
	return t
}()

// lintCsumAlpha checks the GS1 alphanumeric check character pair that ends v.
func lintCsumAlpha(v string) *Error {
	n := len(v)
	if n > len(csumAlphaPrimes)+2 {
		return lintError(LintTooLongForCheckPairImplementation, 0, n,
			"value of "+itoa(n)+" characters is too long for a check character pair, at most 99")
	}
	if n < 2 {
		return lintError(LintTooShortForCheckPair, 0, n, "value is too short to end with a check character pair")
	}
	sum := 0
	for i := 0; i < n-2; i++ {
		w := cset82Value[v[i]]
		if w == 0 {
			return lintError(LintInvalidCSET82Character, i, 1, describeChar(v[i])+" is not in CSET 82")
		}
		sum += int(w-1) * int(csumAlphaPrimes[n-3-i])
	}
	sum %= 1021
	c1, c2 := cset32Order[sum>>5], cset32Order[sum&31]
	if v[n-2] != c1 || v[n-1] != c2 {
		return lintError(LintIncorrectCheckPair, n-2, 2,
			"check characters "+quote(v[n-2:])+" are incorrect, expected \""+string([]byte{c1, c2})+"\"")
	}
	return nil
}

// gcpMinLength is the length of the shortest GS1 Company Prefix.
const gcpMinLength = 4

// lintGCPPos1 checks that v can start with a GS1 Company Prefix: it is at
// least as long as the shortest GCP, whose characters are all digits. Like
// the reference without a GCP lookup service, it checks no allocation list.
func lintGCPPos1(v string) *Error {
	if len(v) < gcpMinLength {
		return lintError(LintTooShortForGCP, 0, len(v),
			"value is too short to start with a GS1 Company Prefix of at least "+itoa(gcpMinLength)+" digits")
	}
	for i := 0; i < gcpMinLength; i++ {
		if !isDigit(v[i]) {
			return lintError(LintInvalidGCPPrefix, i, 1,
				describeChar(v[i])+" cannot be part of a GS1 Company Prefix, which is digits")
		}
	}
	return nil
}

// lintGCPPos2 checks that v can hold a GS1 Company Prefix from its second
// character, as lintGCPPos1 does from the first.
func lintGCPPos2(v string) *Error {
	if len(v) < 2 {
		return lintError(LintTooShortForGCP, 0, len(v),
			"value is too short to hold a GS1 Company Prefix from its second character")
	}
	if err := lintGCPPos1(v[1:]); err != nil {
		err.Pos++
		return err
	}
	return nil
}
