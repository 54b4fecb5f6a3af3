package gs1

import "testing"

// The checkout parses every scan: these measure the two forms a till sees
// most, a QR code's Digital Link URI and a DataMatrix's element string.

const (
	benchURI  = "https://brand.example.com/01/09520123456788/10/ABC123/21/A1B2C3D4E5F6?17=251231"
	benchScan = "]d201095201234567881725123110ABC123\x1d21A1B2C3D4E5F6"
)

func BenchmarkParseDigitalLink(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDigitalLink(benchURI); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseScanData(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseScanData(benchScan); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseAuto(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchURI); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDigitalLinkFormat(b *testing.B) {
	m := MustParse(benchScan)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.DigitalLink("https://brand.example.com"); err != nil {
			b.Fatal(err)
		}
	}
}
