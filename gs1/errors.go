package gs1

// ErrorCode is the machine-readable kind of an [Error]. Codes of failed
// GS1 Barcode Syntax Tests ("linters") are the GS1 linter names without their
// GS1_LINTER_ prefix, such as "INCORRECT_CHECK_DIGIT" or "ILLEGAL_MONTH";
// the other codes are declared below.
type ErrorCode string

// Codes of errors that are not the failure of a single linter.
const (
	// ESyntax: the input is not in the form it claims to be (bracketed,
	// element string, Digital Link URI, EPC URN, scanner data).
	ESyntax ErrorCode = "SYNTAX"
	// EUnknownAI: the AI is not in the GS1 Barcode Syntax Dictionary.
	EUnknownAI ErrorCode = "UNKNOWN_AI"
	// ETooShort and ETooLong: the AI's value is shorter or longer than its
	// specification allows.
	ETooShort ErrorCode = "VALUE_TOO_SHORT"
	ETooLong  ErrorCode = "VALUE_TOO_LONG"
	// EDuplicateAI: the same AI appears twice with different values.
	EDuplicateAI ErrorCode = "DUPLICATE_AI"
	// ERequiredAI: an AI appears without an AI it requires (req=).
	ERequiredAI ErrorCode = "REQUIRED_AI_MISSING"
	// EInvalidPair: two AIs that must not be used together appear together (ex=).
	EInvalidPair ErrorCode = "INVALID_AI_PAIR"
	// EDigitalLink: the data is GS1 data, but not valid in (or not
	// expressible as) a GS1 Digital Link URI.
	EDigitalLink ErrorCode = "DIGITAL_LINK"
	// EOption: the input uses a form that is off by default, such as a
	// zero-suppressed GTIN or a convenience alpha in a Digital Link URI.
	EOption ErrorCode = "NOT_PERMITTED"
)

// Error reports why data is not valid GS1 data. Its message names the AI at
// fault and the problem, such as "AI (17): month 13 is not a month".
type Error struct {
	AI   string    // the Application Identifier at fault, or "" when none is
	Code ErrorCode // the kind of problem
	Msg  string    // the problem, for people, without the AI

	// Pos and Len locate the offending characters within the AI's value,
	// for errors found by a linter; Len is 0 when no characters are marked.
	Pos, Len int
}

// Error returns the message prefixed by the AI at fault, if any.
func (e *Error) Error() string {
	if e.AI == "" {
		return e.Msg
	}
	return "AI (" + e.AI + "): " + e.Msg
}

// errorf returns an *Error with the given AI, code and message.
func errorf(ai string, code ErrorCode, msg string) *Error {
	return &Error{AI: ai, Code: code, Msg: msg}
}
