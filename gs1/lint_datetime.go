package gs1

// Linters of dates and times: yymmd0, yymmdd, yyyymmd0, yyyymmdd, hhmi, hh,
// mi and ss.

// dateHorizonYear is the reference's CURRENT_YEAR (20YY): a two-digit year YY
// is taken as 19YY if YY is at least 51 years after it, as 21YY if it is at
// least 50 years before it, and as 20YY otherwise. Only leap years depend on
// it, and with 21 the year 00 is 2000, a leap year.
const dateHorizonYear = 21

// daysInMonth holds the longest month lengths, February in a leap year.
var daysInMonth = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// twoDigits returns the value of the two digits at v[i:i+2].
func twoDigits(v string, i int) int {
	return int(v[i]-'0')*10 + int(v[i+1]-'0')
}

// isLeapYear reports whether year is a leap year of the Gregorian calendar.
func isLeapYear(year int) bool {
	return year%4 == 0 && year%100 != 0 || year%400 == 0
}

// checkMonthDay checks the month MM at v[i:i+2] and the day DD that follows
// it, in the given year; the digits are known to be digits. Day 00 passes.
func checkMonthDay(v string, i, year int) *Error {
	mm := twoDigits(v, i)
	if mm < 1 || mm > 12 {
		return lintError(LintIllegalMonth, i, 2, "month "+v[i:i+2]+" is not a month")
	}
	maxDay := daysInMonth[mm]
	if mm == 2 && !isLeapYear(year) {
		maxDay = 28
	}
	if twoDigits(v, i+2) > maxDay {
		return lintError(LintIllegalDay, i+2, 2,
			"day "+v[i+2:i+4]+" is not a day of month "+v[i:i+2]+" in "+itoa(year))
	}
	return nil
}

// dateLengthError reports a date of the wrong length; format is "YYMMDD" or
// "YYYYMMDD".
func dateLengthError(v string, format string) *Error {
	code := LintDateTooLong
	if len(v) < len(format) {
		code = LintDateTooShort
	}
	return lintError(code, 0, len(v),
		"date of "+itoa(len(v))+" digits does not have the "+itoa(len(format))+" digits of "+format)
}

// lintYYMMD0 checks a date in YYMMDD form, where DD may be 00 for a date that
// names only its month.
func lintYYMMD0(v string) *Error {
	// As the reference does, the digits are checked before the length.
	for i := 0; i < len(v) && i < 6; i++ {
		if !isDigit(v[i]) {
			return nonDigitError(v, i)
		}
	}
	if len(v) != 6 {
		return dateLengthError(v, "YYMMDD")
	}
	yy := twoDigits(v, 0)
	year := 2000 + yy
	switch d := yy - dateHorizonYear; {
	case d >= 51:
		year = 1900 + yy
	case d <= -50:
		year = 2100 + yy
	}
	return checkMonthDay(v, 2, year)
}

// lintYYMMDD checks a date in YYMMDD form.
func lintYYMMDD(v string) *Error {
	if err := lintYYMMD0(v); err != nil {
		return err
	}
	if v[4] == '0' && v[5] == '0' {
		return lintError(LintIllegalDay, 4, 2, "day 00 is not a day")
	}
	return nil
}

// lintYYYYMMD0 checks a date in YYYYMMDD form, where DD may be 00 for a date
// that names only its month.
func lintYYYYMMD0(v string) *Error {
	if len(v) != 8 {
		return dateLengthError(v, "YYYYMMDD")
	}
	if i := firstNonDigit(v); i >= 0 {
		return nonDigitError(v, i)
	}
	return checkMonthDay(v, 4, twoDigits(v, 0)*100+twoDigits(v, 2))
}

// lintYYYYMMDD checks a date in YYYYMMDD form.
func lintYYYYMMDD(v string) *Error {
	if err := lintYYYYMMD0(v); err != nil {
		return err
	}
	if v[6] == '0' && v[7] == '0' {
		return lintError(LintIllegalDay, 6, 2, "day 00 is not a day")
	}
	return nil
}

// A timeField describes a two-digit time field for lintTimeField.
type timeField struct {
	name             string // "hour", "minute" or "second"
	max              int    // its largest value
	short, long, bad ErrorCode
}

var (
	hourField   = timeField{"hour", 23, LintHourTooShort, LintHourTooLong, LintIllegalHour}
	minuteField = timeField{"minute", 59, LintMinuteTooShort, LintMinuteTooLong, LintIllegalMinute}
	secondField = timeField{"second", 59, LintSecondTooShort, LintSecondTooLong, LintIllegalSecond}
)

// lintTimeField checks that v is exactly two digits whose value is at most
// f.max.
func lintTimeField(v string, f *timeField) *Error {
	if len(v) != 2 {
		code := f.long
		if len(v) < 2 {
			code = f.short
		}
		return lintError(code, 0, len(v), f.name+" of "+itoa(len(v))+" digits does not have 2 digits")
	}
	if i := firstNonDigit(v); i >= 0 {
		return nonDigitError(v, i)
	}
	if twoDigits(v, 0) > f.max {
		return lintError(f.bad, 0, 2, f.name+" "+v+" is not a valid "+f.name+", 00 to "+itoa(f.max))
	}
	return nil
}

// lintHH checks an hour of the day, HH: 00 to 23.
func lintHH(v string) *Error { return lintTimeField(v, &hourField) }

// lintMI checks a minute of the hour, MI: 00 to 59.
func lintMI(v string) *Error { return lintTimeField(v, &minuteField) }

// lintSS checks a second of the minute, SS: 00 to 59.
func lintSS(v string) *Error { return lintTimeField(v, &secondField) }

// lintHHMI checks a time of day in HHMI form.
func lintHHMI(v string) *Error {
	if len(v) != 4 {
		code := LintHourWithMinuteTooLong
		if len(v) < 4 {
			code = LintHourWithMinuteTooShort
		}
		return lintError(code, 0, len(v), "time of "+itoa(len(v))+" digits does not have the 4 digits of HHMI")
	}
	if err := lintHH(v[:2]); err != nil {
		return err
	}
	if err := lintMI(v[2:]); err != nil {
		err.Pos += 2
		return err
	}
	return nil
}
