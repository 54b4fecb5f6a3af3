package gs1

// The coupon linters: couponcode for the North American Coupon Code of AI
// (8110) and couponposoffer for the positive offer file coupon of AI (8112).
//
// Both read the value, all digits, as a sequence of fields. A field that is
// absent because the value ends before it is "missing" and marks the whole
// value; a field that starts but ends early is "truncated" and marks what is
// there (or the whole value when nothing is); a bad single-digit code or
// length indicator ("VLI") marks that digit.

// Codes of failed coupon linters.
const (
	LintCouponMissingFormatCode                   ErrorCode = "COUPON_MISSING_FORMAT_CODE"
	LintCouponInvalidFormatCode                   ErrorCode = "COUPON_INVALID_FORMAT_CODE"
	LintCouponMissingFunderVLI                    ErrorCode = "COUPON_MISSING_FUNDER_VLI"
	LintCouponInvalidFunderLength                 ErrorCode = "COUPON_INVALID_FUNDER_LENGTH"
	LintCouponTruncatedFunder                     ErrorCode = "COUPON_TRUNCATED_FUNDER"
	LintCouponTruncatedOfferCode                  ErrorCode = "COUPON_TRUNCATED_OFFER_CODE"
	LintCouponMissingSerialNumberVLI              ErrorCode = "COUPON_MISSING_SERIAL_NUMBER_VLI"
	LintCouponTruncatedSerialNumber               ErrorCode = "COUPON_TRUNCATED_SERIAL_NUMBER"
	LintCouponMissingGCPVLI                       ErrorCode = "COUPON_MISSING_GCP_VLI"
	LintCouponInvalidGCPLength                    ErrorCode = "COUPON_INVALID_GCP_LENGTH"
	LintCouponTruncatedGCP                        ErrorCode = "COUPON_TRUNCATED_GCP"
	LintCouponMissingSaveValueVLI                 ErrorCode = "COUPON_MISSING_SAVE_VALUE_VLI"
	LintCouponInvalidSaveValueLength              ErrorCode = "COUPON_INVALID_SAVE_VALUE_LENGTH"
	LintCouponTruncatedSaveValue                  ErrorCode = "COUPON_TRUNCATED_SAVE_VALUE"
	LintCouponMissing1stPurchaseRequirementVLI    ErrorCode = "COUPON_MISSING_1ST_PURCHASE_REQUIREMENT_VLI"
	LintCouponInvalid1stPurchaseRequirementLength ErrorCode = "COUPON_INVALID_1ST_PURCHASE_REQUIREMENT_LENGTH"
	LintCouponTruncated1stPurchaseRequirement     ErrorCode = "COUPON_TRUNCATED_1ST_PURCHASE_REQUIREMENT"
	LintCouponMissing1stPurchaseRequirementCode   ErrorCode = "COUPON_MISSING_1ST_PURCHASE_REQUIREMENT_CODE"
	LintCouponInvalid1stPurchaseRequirementCode   ErrorCode = "COUPON_INVALID_1ST_PURCHASE_REQUIREMENT_CODE"
	LintCouponTruncated1stPurchaseFamilyCode      ErrorCode = "COUPON_TRUNCATED_1ST_PURCHASE_FAMILY_CODE"
	LintCouponMissingAdditionalPurchaseRulesCode  ErrorCode = "COUPON_MISSING_ADDITIONAL_PURCHASE_RULES_CODE"
	LintCouponInvalidAdditionalPurchaseRulesCode  ErrorCode = "COUPON_INVALID_ADDITIONAL_PURCHASE_RULES_CODE"
	LintCouponMissing2ndPurchaseRequirementVLI    ErrorCode = "COUPON_MISSING_2ND_PURCHASE_REQUIREMENT_VLI"
	LintCouponInvalid2ndPurchaseRequirementLength ErrorCode = "COUPON_INVALID_2ND_PURCHASE_REQUIREMENT_LENGTH"
	LintCouponTruncated2ndPurchaseRequirement     ErrorCode = "COUPON_TRUNCATED_2ND_PURCHASE_REQUIREMENT"
	LintCouponMissing2ndPurchaseRequirementCode   ErrorCode = "COUPON_MISSING_2ND_PURCHASE_REQUIREMENT_CODE"
	LintCouponInvalid2ndPurchaseRequirementCode   ErrorCode = "COUPON_INVALID_2ND_PURCHASE_REQUIREMENT_CODE"
	LintCouponTruncated2ndPurchaseFamilyCode      ErrorCode = "COUPON_TRUNCATED_2ND_PURCHASE_FAMILY_CODE"
	LintCouponMissing2ndPurchaseGCPVLI            ErrorCode = "COUPON_MISSING_2ND_PURCHASE_GCP_VLI"
	LintCouponInvalid2ndPurchaseGCPLength         ErrorCode = "COUPON_INVALID_2ND_PURCHASE_GCP_LENGTH"
	LintCouponTruncated2ndPurchaseGCP             ErrorCode = "COUPON_TRUNCATED_2ND_PURCHASE_GCP"
	LintCouponMissing3rdPurchaseRequirementVLI    ErrorCode = "COUPON_MISSING_3RD_PURCHASE_REQUIREMENT_VLI"
	LintCouponInvalid3rdPurchaseRequirementLength ErrorCode = "COUPON_INVALID_3RD_PURCHASE_REQUIREMENT_LENGTH"
	LintCouponTruncated3rdPurchaseRequirement     ErrorCode = "COUPON_TRUNCATED_3RD_PURCHASE_REQUIREMENT"
	LintCouponMissing3rdPurchaseRequirementCode   ErrorCode = "COUPON_MISSING_3RD_PURCHASE_REQUIREMENT_CODE"
	LintCouponInvalid3rdPurchaseRequirementCode   ErrorCode = "COUPON_INVALID_3RD_PURCHASE_REQUIREMENT_CODE"
	LintCouponTruncated3rdPurchaseFamilyCode      ErrorCode = "COUPON_TRUNCATED_3RD_PURCHASE_FAMILY_CODE"
	LintCouponMissing3rdPurchaseGCPVLI            ErrorCode = "COUPON_MISSING_3RD_PURCHASE_GCP_VLI"
	LintCouponInvalid3rdPurchaseGCPLength         ErrorCode = "COUPON_INVALID_3RD_PURCHASE_GCP_LENGTH"
	LintCouponTruncated3rdPurchaseGCP             ErrorCode = "COUPON_TRUNCATED_3RD_PURCHASE_GCP"
	LintCouponTooShortForExpirationDate           ErrorCode = "COUPON_TOO_SHORT_FOR_EXPIRATION_DATE"
	LintCouponInvalidExpirationDate               ErrorCode = "COUPON_INVALID_EXIPIRATION_DATE" // sic: the reference's spelling
	LintCouponTooShortForStartDate                ErrorCode = "COUPON_TOO_SHORT_FOR_START_DATE"
	LintCouponInvalidStartDate                    ErrorCode = "COUPON_INVALID_START_DATE"
	LintCouponExpirationBeforeStart               ErrorCode = "COUPON_EXPIRATION_BEFORE_START"
	LintCouponMissingRetailerGCPOrGLNVLI          ErrorCode = "COUPON_MISSING_RETAILER_GCP_OR_GLN_VLI"
	LintCouponInvalidRetailerGCPOrGLNLength       ErrorCode = "COUPON_INVALID_RETAILER_GCP_OR_GLN_LENGTH"
	LintCouponTruncatedRetailerGCPOrGLN           ErrorCode = "COUPON_TRUNCATED_RETAILER_GCP_OR_GLN"
	LintCouponMissingSaveValueCode                ErrorCode = "COUPON_MISSING_SAVE_VALUE_CODE"
	LintCouponInvalidSaveValueCode                ErrorCode = "COUPON_INVALID_SAVE_VALUE_CODE"
	LintCouponMissingSaveValueAppliesToItem       ErrorCode = "COUPON_MISSING_SAVE_VALUE_APPLIES_TO_ITEM"
	LintCouponInvalidSaveValueAppliesToItem       ErrorCode = "COUPON_INVALID_SAVE_VALUE_APPLIES_TO_ITEM"
	LintCouponMissingStoreCouponFlag              ErrorCode = "COUPON_MISSING_STORE_COUPON_FLAG"
	LintCouponMissingDontMultiplyFlag             ErrorCode = "COUPON_MISSING_DONT_MULTIPLY_FLAG"
	LintCouponInvalidDontMultiplyFlag             ErrorCode = "COUPON_INVALID_DONT_MULTIPLY_FLAG"
	LintCouponExcessData                          ErrorCode = "COUPON_EXCESS_DATA"
)

// A couponDigit describes a single-digit field: a code, a flag, or the
// length indicator (VLI) of the field that follows it.
type couponDigit struct {
	name             string
	valid            string    // the allowed digits; "" allows any
	missing, invalid ErrorCode // invalid is unused when valid is ""
}

// A couponVLIField is a field whose length is given by the digit before it:
// its VLI digit d gives a length of base+d, except that the digit zeroLen,
// if set, gives an empty field.
type couponVLIField struct {
	vli       couponDigit
	name      string
	base      int
	zeroLen   byte
	truncated ErrorCode
}

// A couponCursor reads the fields of an all-digit coupon value v from p.
type couponCursor struct {
	v string
	p int
}

// more reports whether any data is left.
func (c *couponCursor) more() bool { return c.p < len(c.v) }

// digit reads a single-digit field.
func (c *couponCursor) digit(f *couponDigit) (byte, *Error) {
	if c.p == len(c.v) {
		return 0, lintError(f.missing, 0, len(c.v), "coupon "+f.name+" is missing")
	}
	d := c.v[c.p]
	if f.valid != "" && !hasByte(f.valid, d) {
		return 0, lintError(f.invalid, c.p, 1,
			"coupon "+f.name+" "+string(rune(d))+" is invalid, must be "+listDigits(f.valid))
	}
	c.p++
	return d, nil
}

// skip passes over a field of n digits.
func (c *couponCursor) skip(n int, name string, truncated ErrorCode) *Error {
	if left := len(c.v) - c.p; left < n {
		msg := "coupon " + name + " is truncated: " + itoa(left) + " of " + itoa(n) + " digits present"
		if left == 0 {
			return lintError(truncated, 0, len(c.v), msg)
		}
		return lintError(truncated, c.p, left, msg)
	}
	c.p += n
	return nil
}

// vliField reads a length indicator and passes over the field it measures.
func (c *couponCursor) vliField(f *couponVLIField) *Error {
	d, err := c.digit(&f.vli)
	if err != nil {
		return err
	}
	n := f.base + int(d-'0')
	if f.zeroLen != 0 && d == f.zeroLen {
		n = 0
	}
	// A GS1 Company Prefix among these fields would be checked against a
	// GCP lookup service here; without one, as in the reference, its digits
	// need nothing more.
	return c.skip(n, f.name, f.truncated)
}

// date reads a YYMMDD date field; the caller has read its option digit.
func (c *couponCursor) date(name string, short, invalid ErrorCode) (string, *Error) {
	if err := c.skip(6, name, short); err != nil {
		return "", err
	}
	d := c.v[c.p-6 : c.p]
	if lintYYMMDD(d) != nil {
		return "", lintError(invalid, c.p-6, 6, "coupon "+name+" "+d+" is not a valid date")
	}
	return d, nil
}

// listDigits lists the digits of s for a message: "0, 1 or 2".
func listDigits(s string) string {
	list := s[:1]
	for i := 1; i < len(s); i++ {
		sep := ", "
		if i == len(s)-1 {
			sep = " or "
		}
		list += sep + s[i:i+1]
	}
	return list
}

// hasByte reports whether s contains c.
func hasByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// A couponPurchase describes the fields of one purchase requirement.
type couponPurchase struct {
	requirement couponVLIField
	code        couponDigit
	family      string
	truncFamily ErrorCode
	gcp         couponVLIField // unused for the first purchase
}

// The fields of the coupon formats.
var (
	couponGCP = couponVLIField{
		vli:  couponDigit{"GS1 Company Prefix VLI", "0123456", LintCouponMissingGCPVLI, LintCouponInvalidGCPLength},
		name: "GS1 Company Prefix", base: 6, truncated: LintCouponTruncatedGCP,
	}
	couponSaveValue = couponVLIField{
		vli:  couponDigit{"save value VLI", "12345", LintCouponMissingSaveValueVLI, LintCouponInvalidSaveValueLength},
		name: "save value", base: 0, truncated: LintCouponTruncatedSaveValue,
	}
	couponPurchases = [3]couponPurchase{{
		requirement: couponVLIField{
			vli: couponDigit{"first purchase requirement VLI", "12345",
				LintCouponMissing1stPurchaseRequirementVLI, LintCouponInvalid1stPurchaseRequirementLength},
			name: "first purchase requirement", truncated: LintCouponTruncated1stPurchaseRequirement,
		},
		code: couponDigit{"first purchase requirement code", "012349",
			LintCouponMissing1stPurchaseRequirementCode, LintCouponInvalid1stPurchaseRequirementCode},
		family: "first purchase family code", truncFamily: LintCouponTruncated1stPurchaseFamilyCode,
	}, {
		requirement: couponVLIField{
			vli: couponDigit{"second purchase requirement VLI", "12345",
				LintCouponMissing2ndPurchaseRequirementVLI, LintCouponInvalid2ndPurchaseRequirementLength},
			name: "second purchase requirement", truncated: LintCouponTruncated2ndPurchaseRequirement,
		},
		code: couponDigit{"second purchase requirement code", "012349",
			LintCouponMissing2ndPurchaseRequirementCode, LintCouponInvalid2ndPurchaseRequirementCode},
		family: "second purchase family code", truncFamily: LintCouponTruncated2ndPurchaseFamilyCode,
		gcp: couponVLIField{
			vli: couponDigit{"second purchase GS1 Company Prefix VLI", "01234569",
				LintCouponMissing2ndPurchaseGCPVLI, LintCouponInvalid2ndPurchaseGCPLength},
			name: "second purchase GS1 Company Prefix", base: 6, zeroLen: '9',
			truncated: LintCouponTruncated2ndPurchaseGCP,
		},
	}, {
		requirement: couponVLIField{
			vli: couponDigit{"third purchase requirement VLI", "12345",
				LintCouponMissing3rdPurchaseRequirementVLI, LintCouponInvalid3rdPurchaseRequirementLength},
			name: "third purchase requirement", truncated: LintCouponTruncated3rdPurchaseRequirement,
		},
		code: couponDigit{"third purchase requirement code", "012349",
			LintCouponMissing3rdPurchaseRequirementCode, LintCouponInvalid3rdPurchaseRequirementCode},
		family: "third purchase family code", truncFamily: LintCouponTruncated3rdPurchaseFamilyCode,
		gcp: couponVLIField{
			vli: couponDigit{"third purchase GS1 Company Prefix VLI", "01234569",
				LintCouponMissing3rdPurchaseGCPVLI, LintCouponInvalid3rdPurchaseGCPLength},
			name: "third purchase GS1 Company Prefix", base: 6, zeroLen: '9',
			truncated: LintCouponTruncated3rdPurchaseGCP,
		},
	}}
	couponAdditionalRules = couponDigit{"additional purchase rules code", "0123",
		LintCouponMissingAdditionalPurchaseRulesCode, LintCouponInvalidAdditionalPurchaseRulesCode}
	couponSerial = couponVLIField{
		vli:  couponDigit{"serial number VLI", "", LintCouponMissingSerialNumberVLI, ""},
		name: "serial number", base: 6, truncated: LintCouponTruncatedSerialNumber,
	}
	couponRetailer = couponVLIField{
		vli: couponDigit{"retailer GS1 Company Prefix or GLN VLI", "1234567",
			LintCouponMissingRetailerGCPOrGLNVLI, LintCouponInvalidRetailerGCPOrGLNLength},
		name: "retailer GS1 Company Prefix or GLN", base: 6, truncated: LintCouponTruncatedRetailerGCPOrGLN,
	}
	couponMisc = [4]couponDigit{
		{"save value code", "01256", LintCouponMissingSaveValueCode, LintCouponInvalidSaveValueCode},
		{"save value applies to item", "012", LintCouponMissingSaveValueAppliesToItem, LintCouponInvalidSaveValueAppliesToItem},
		{"store coupon flag", "", LintCouponMissingStoreCouponFlag, ""},
		{"don't multiply flag", "01", LintCouponMissingDontMultiplyFlag, LintCouponInvalidDontMultiplyFlag},
	}
	couponFormat = couponDigit{"format code", "01", LintCouponMissingFormatCode, LintCouponInvalidFormatCode}
	couponFunder = couponVLIField{
		vli:  couponDigit{"funder VLI", "0123456", LintCouponMissingFunderVLI, LintCouponInvalidFunderLength},
		name: "funder", base: 6, truncated: LintCouponTruncatedFunder,
	}
)

// purchase reads the requirement, code and family code of purchase i, and
// for the second and third purchases their GS1 Company Prefix.
func (c *couponCursor) purchase(i int) *Error {
	f := &couponPurchases[i]
	if err := c.vliField(&f.requirement); err != nil {
		return err
	}
	if _, err := c.digit(&f.code); err != nil {
		return err
	}
	if err := c.skip(3, f.family, f.truncFamily); err != nil {
		return err
	}
	if i > 0 {
		return c.vliField(&f.gcp)
	}
	return nil
}

// excess reports data left over after the last field.
func (c *couponCursor) excess() *Error {
	if c.more() {
		return lintError(LintCouponExcessData, c.p, len(c.v)-c.p,
			"coupon has excess data "+quote(c.v[c.p:])+" after its last field")
	}
	return nil
}

// lintCouponCode checks a North American Coupon Code, AI (8110): GS1
// Company Prefix, offer code, save value and first purchase requirement,
// then the optional fields 1 to 6 and 9, each at most once and in order.
func lintCouponCode(v string) *Error {
	if i := firstNonDigit(v); i >= 0 {
		return nonDigitError(v, i)
	}
	c := couponCursor{v: v}
	if err := c.vliField(&couponGCP); err != nil {
		return err
	}
	if err := c.skip(6, "offer code", LintCouponTruncatedOfferCode); err != nil {
		return err
	}
	if err := c.vliField(&couponSaveValue); err != nil {
		return err
	}
	if err := c.purchase(0); err != nil {
		return err
	}
	if c.more() && v[c.p] == '1' {
		c.p++
		if _, err := c.digit(&couponAdditionalRules); err != nil {
			return err
		}
		if err := c.purchase(1); err != nil {
			return err
		}
	}
	if c.more() && v[c.p] == '2' {
		c.p++
		if err := c.purchase(2); err != nil {
			return err
		}
	}
	expiry := ""
	if c.more() && v[c.p] == '3' {
		c.p++
		d, err := c.date("expiration date", LintCouponTooShortForExpirationDate, LintCouponInvalidExpirationDate)
		if err != nil {
			return err
		}
		expiry = d
	}
	if c.more() && v[c.p] == '4' {
		c.p++
		start, err := c.date("start date", LintCouponTooShortForStartDate, LintCouponInvalidStartDate)
		if err != nil {
			return err
		}
		// YYMMDD strings compare as their dates do, within a century.
		if expiry != "" && start > expiry {
			return lintError(LintCouponExpirationBeforeStart, c.p-14, 14,
				"coupon expiration date "+expiry+" is before its start date "+start)
		}
	}
	if c.more() && v[c.p] == '5' {
		c.p++
		if err := c.vliField(&couponSerial); err != nil {
			return err
		}
	}
	if c.more() && v[c.p] == '6' {
		c.p++
		if err := c.vliField(&couponRetailer); err != nil {
			return err
		}
	}
	if c.more() && v[c.p] == '9' {
		c.p++
		for i := range couponMisc {
			if _, err := c.digit(&couponMisc[i]); err != nil {
				return err
			}
		}
	}
	return c.excess()
}

// lintCouponPosOffer checks a positive offer file coupon code, AI (8112):
// format code, funder ID, offer code and serial number.
func lintCouponPosOffer(v string) *Error {
	if i := firstNonDigit(v); i >= 0 {
		return nonDigitError(v, i)
	}
	c := couponCursor{v: v}
	if _, err := c.digit(&couponFormat); err != nil {
		return err
	}
	if err := c.vliField(&couponFunder); err != nil {
		return err
	}
	if err := c.skip(6, "offer code", LintCouponTruncatedOfferCode); err != nil {
		return err
	}
	if err := c.vliField(&couponSerial); err != nil {
		return err
	}
	return c.excess()
}
