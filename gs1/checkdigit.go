package gs1

// checkDigit returns the GS1 mod-10 check digit, as an ASCII digit, for the
// given digits (the data without its check digit): weights 3 and 1
// alternate from the right. It returns 0 if digits holds a non-digit.
func checkDigit(digits string) byte {
	sum := 0
	weight := 3
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * weight
		weight = 4 - weight
	}
	return byte('0' + (10-sum%10)%10)
}
