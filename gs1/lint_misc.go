package gs1

import "strconv"

// Linters of code lists and of simple value forms.

// lintISO3166 checks an ISO 3166-1 numeric country code.
func lintISO3166(v string) *Error {
	if isISO3166(v) {
		return nil
	}
	return lintError(LintNotISO3166, 0, len(v), quote(v)+" is not an ISO 3166-1 numeric country code")
}

// lintISO3166999 checks an ISO 3166-1 numeric country code, or "999".
func lintISO3166999(v string) *Error {
	if v == "999" || isISO3166(v) {
		return nil
	}
	return lintError(LintNotISO3166Or999, 0, len(v),
		quote(v)+" is neither an ISO 3166-1 numeric country code nor \"999\"")
}

// lintISO3166Alpha2 checks an ISO 3166-1 alpha-2 country code.
func lintISO3166Alpha2(v string) *Error {
	if isAlpha2(v) {
		return nil
	}
	return lintError(LintNotISO3166Alpha2, 0, len(v), quote(v)+" is not an ISO 3166-1 alpha-2 country code")
}

// lintISO4217 checks an ISO 4217 numeric currency code.
func lintISO4217(v string) *Error {
	if isISO4217(v) {
		return nil
	}
	return lintError(LintNotISO4217, 0, len(v), quote(v)+" is not an ISO 4217 numeric currency code")
}

// lintISO5218 checks an ISO/IEC 5218 biological sex code: "0" not known,
// "1" male, "2" female or "9" not applicable.
func lintISO5218(v string) *Error {
	switch v {
	case "0", "1", "2", "9":
		return nil
	}
	return lintError(LintInvalidBiologicalSexCode, 0, len(v),
		quote(v)+" is not an ISO/IEC 5218 biological sex code: 0, 1, 2 or 9")
}

// lintPackageType checks a PackageTypeCode.
func lintPackageType(v string) *Error {
	if packageTypes[v] {
		return nil
	}
	return lintError(LintInvalidPackageType, 0, len(v), quote(v)+" is not a PackageTypeCode")
}

// lintMediaType checks an AIDC media type.
func lintMediaType(v string) *Error {
	if isMediaType(v) {
		return nil
	}
	return lintError(LintInvalidMediaType, 0, len(v), quote(v)+" is not an AIDC media type")
}

// lintYesNo checks a boolean: "0" no or "1" yes.
func lintYesNo(v string) *Error {
	if v == "0" || v == "1" {
		return nil
	}
	return lintError(LintNotZeroOrOne, 0, len(v), quote(v)+" is neither \"0\" nor \"1\"")
}

// lintWinding checks a winding direction: "0" face out, "1" face in or "9"
// undefined.
func lintWinding(v string) *Error {
	if v == "0" || v == "1" || v == "9" {
		return nil
	}
	return lintError(LintInvalidWindingDirection, 0, len(v),
		quote(v)+" is not a winding direction: 0, 1 or 9")
}

// lintHyphen checks that v is one or more hyphens.
func lintHyphen(v string) *Error {
	if len(v) == 0 {
		return lintError(LintNotHyphen, 0, 0, "value is empty, not a hyphen")
	}
	for i := 0; i < len(v); i++ {
		if v[i] != '-' {
			return lintError(LintNotHyphen, 0, len(v), quote(v)+" is not only hyphens")
		}
	}
	return nil
}

// allZeros reports whether v is made of zeros only; "" is.
func allZeros(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] != '0' {
			return false
		}
	}
	return true
}

// lintZero checks that v is one or more zeros.
func lintZero(v string) *Error {
	if len(v) == 0 {
		return lintError(LintNotZero, 0, 0, "value is empty, not zero")
	}
	if !allZeros(v) {
		return lintError(LintNotZero, 0, len(v), quote(v)+" is not zero")
	}
	return nil
}

// lintNonZero checks that v is a number other than zero.
func lintNonZero(v string) *Error {
	if i := firstNonDigit(v); i >= 0 {
		return nonDigitError(v, i)
	}
	if allZeros(v) {
		return lintError(LintIllegalZeroValue, 0, len(v), "value "+quote(v)+" is zero, which is not allowed")
	}
	return nil
}

// lintNoZeroPrefix checks that v is a number that does not start with a zero.
func lintNoZeroPrefix(v string) *Error {
	if i := firstNonDigit(v); i >= 0 {
		return nonDigitError(v, i)
	}
	if len(v) > 0 && v[0] == '0' {
		return lintError(LintIllegalZeroPrefix, 0, 1, "number "+v+" starts with a zero, which is not allowed")
	}
	return nil
}

// lintHasNonDigit checks that v holds a character other than a digit.
func lintHasNonDigit(v string) *Error {
	if firstNonDigit(v) >= 0 {
		return nil
	}
	return lintError(LintRequiresNonDigitCharacter, 0, len(v),
		"value "+quote(v)+" must hold a character other than a digit")
}

// importerIdxChars are the characters allowed as an Importer Index.
var importerIdxChars = newByteSet("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")

// lintImporterIdx checks the Importer Index of an EU 2018/574 Facility ID or
// Machine ID: one character of importerIdxChars.
func lintImporterIdx(v string) *Error {
	if len(v) != 1 {
		return lintError(LintImporterIdxMustBeOneCharacter, 0, len(v),
			"importer index "+quote(v)+" is not one character")
	}
	if !importerIdxChars[v[0]] {
		return lintError(LintInvalidImportIdxCharacter, 0, 1,
			describeChar(v[0])+" is not an importer index: a letter, a digit, '-' or '_'")
	}
	return nil
}

// isHexDigit reports whether c is a hexadecimal digit of either case.
func isHexDigit(c byte) bool {
	return isDigit(c) || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f'
}

// lintPcenc checks that every "%" of v starts a percent-encoded byte "%hh".
func lintPcenc(v string) *Error {
	for i := 0; i < len(v); i++ {
		if v[i] != '%' {
			continue
		}
		if len(v)-i < 3 {
			return lintError(LintInvalidPercentSequence, i, len(v)-i,
				"percent sequence "+quote(v[i:])+" is cut short, \"%\" needs two hex digits")
		}
		if !isHexDigit(v[i+1]) || !isHexDigit(v[i+2]) {
			return lintError(LintInvalidPercentSequence, i, 3,
				"percent sequence "+quote(v[i:i+3])+" is not \"%\" and two hex digits")
		}
		i += 2
	}
	return nil
}

// lintCoordinate checks a 10-digit WGS84 coordinate whose value is at most
// maxValue.
func lintCoordinate(v string, maxValue uint64, name string, lengthCode, rangeCode ErrorCode) *Error {
	if len(v) != 10 {
		return lintError(lengthCode, 0, len(v), name+" of "+itoa(len(v))+" digits does not have 10 digits")
	}
	var n uint64
	for i := 0; i < len(v); i++ {
		if !isDigit(v[i]) {
			return nonDigitError(v, i)
		}
		n = n*10 + uint64(v[i]-'0')
	}
	if n > maxValue {
		return lintError(rangeCode, 0, 10, name+" "+v+" is out of range, 0000000000 to "+strconv.FormatUint(maxValue, 10))
	}
	return nil
}

// lintLatitude checks the latitude of a WGS84 coordinate as 10 digits,
// 0000000000 to 1800000000.
func lintLatitude(v string) *Error {
	return lintCoordinate(v, 1800000000, "latitude", LintLatitudeInvalidLength, LintInvalidLatitude)
}

// lintLongitude checks the longitude of a WGS84 coordinate as 10 digits,
// 0000000000 to 3600000000.
func lintLongitude(v string) *Error {
	return lintCoordinate(v, 3600000000, "longitude", LintLongitudeInvalidLength, LintInvalidLongitude)
}

// lintPieceOfTotal checks a piece number followed by the total number of
// pieces, of equal widths, neither zero and the piece not above the total.
func lintPieceOfTotal(v string) *Error {
	n := len(v)
	if n == 0 || n%2 != 0 {
		return lintError(LintInvalidLengthForPieceOfTotal, 0, n,
			"piece and total of "+itoa(n)+" digits cannot split into two numbers of equal width")
	}
	if i := firstNonDigit(v); i >= 0 {
		return nonDigitError(v, i)
	}
	half := n / 2
	piece, total := v[:half], v[half:]
	if allZeros(piece) {
		return lintError(LintZeroPieceNumber, 0, half, "piece number "+piece+" is zero")
	}
	if allZeros(total) {
		return lintError(LintZeroTotalPieces, half, half, "total number of pieces "+total+" is zero")
	}
	// Equal widths, so the numbers compare as strings.
	if piece > total {
		return lintError(LintPieceNumberExceedsTotal, 0, n, "piece number "+piece+" exceeds the total "+total)
	}
	return nil
}

// lintPosInSeqSlash checks a position in a sequence written "<pos>/<end>":
// two numbers without a leading zero, pos not above end.
func lintPosInSeqSlash(v string) *Error {
	slash := 0
	for slash < len(v) && isDigit(v[slash]) {
		slash++
	}
	malformed := slash == 0 || slash >= len(v)-1 || v[slash] != '/'
	if !malformed {
		malformed = firstNonDigit(v[slash+1:]) >= 0
	}
	if malformed {
		return lintError(LintPositionInSequenceMalformed, 0, len(v),
			quote(v)+" is not a position and an end number in the form <pos>/<end>")
	}
	pos, end := v[:slash], v[slash+1:]
	if pos[0] == '0' {
		return lintError(LintIllegalZeroPrefix, 0, len(pos), "position "+pos+" starts with a zero")
	}
	if end[0] == '0' {
		return lintError(LintIllegalZeroPrefix, slash+1, len(end), "end number "+end+" starts with a zero")
	}
	// Without leading zeros, a longer number is the larger.
	if len(pos) > len(end) || len(pos) == len(end) && pos > end {
		return lintError(LintPositionExceedsEnd, 0, len(v), "position "+pos+" exceeds the end number "+end)
	}
	return nil
}
