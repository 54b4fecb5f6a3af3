// Package gs1 reads and writes the GS1 data carried by the codes on goods:
// Application Identifiers (AIs) and their values, in every form a scanner
// or a person delivers them.
//
// Its rules are not copied by hand: the AI table — lengths, character sets,
// check digits and other GS1 Barcode Syntax Tests ("linters"), FNC1
// separators, which AIs require or exclude which, Digital Link primary keys,
// qualifiers and data attributes — is loaded from the GS1 Barcode Syntax
// Dictionary embedded in the package, and behaves as GS1's reference
// implementation, the gs1-syntax-engine.
//
// Parse reads any form and returns a [Message], a value that has passed
// every check and is then trusted, like [net/netip.Addr]:
//
//	m, err := gs1.Parse("https://brand.example.com/01/09520123456788/21/12345?17=271231")
//	m.GTIN()   // "09520123456788"
//	m.Serial() // "12345"
//
// The forms are GS1 Digital Link URIs ([Parser.ParseDigitalLink]), scanner
// data with an AIM symbology identifier ([Parser.ParseScanData]), bracketed
// data ([Parser.ParseBracketed]), element strings with FNC1 as "^" or the
// GS character ([Parser.ParseElementString]) and EPC URNs
// ([Parser.ParseEPC]). A Message writes itself back in each:
// [Message.DigitalLink], [Message.ScanData], [Message.Bracketed],
// [Message.ElementString], [Message.HRI] and [Message.EPC].
//
// Every error is an [*Error] naming the AI at fault and the problem, in the
// vocabulary of the GS1 linters: "AI (17): month 13 is not a month".
//
// The package stands alone: it imports only the standard library.
package gs1
