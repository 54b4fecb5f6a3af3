package gs1

// Element is one GS1 Application Identifier and its value, as carried in a
// code: AI "01" with value "09520123456788", say.
type Element struct {
	AI    string
	Value string
}
