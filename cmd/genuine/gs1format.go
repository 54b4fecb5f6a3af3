package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"genuine/gs1"
)

// A gs1Form is one output form of "genuine gs1 format".
type gs1Form struct {
	name string
	desc string
	fmt  func(m gs1.Message, o formatOptions) (string, error)
}

type formatOptions struct {
	stem      string
	gcpLength int
}

func scanForm(aim string) func(gs1.Message, formatOptions) (string, error) {
	return func(m gs1.Message, _ formatOptions) (string, error) { return m.ScanData(aim) }
}

var gs1Forms = []gs1Form{
	{"dl", "GS1 Digital Link URI under --stem", func(m gs1.Message, o formatOptions) (string, error) { return m.DigitalLink(o.stem) }},
	{"bracketed", "bracketed form (01)…(21)…", func(m gs1.Message, _ formatOptions) (string, error) { return m.Bracketed(), nil }},
	{"element", "element string, ^ for FNC1", func(m gs1.Message, _ formatOptions) (string, error) { return m.ElementString(), nil }},
	{"dm", "GS1 DataMatrix scan data (]d2, GS separators)", scanForm(gs1.AIMGS1DataMatrix)},
	{"qr", "GS1 QR Code scan data (]Q3, GS separators)", scanForm(gs1.AIMGS1QR)},
	{"gs1-128", "GS1-128 scan data (]C1, GS separators)", scanForm(gs1.AIMGS1128)},
	{"hri", "human-readable lines printed under a barcode", func(m gs1.Message, _ formatOptions) (string, error) {
		return strings.Join(m.HRI(), "\n"), nil
	}},
	{"epc", "EPC URN (needs --gcp-length)", func(m gs1.Message, o formatOptions) (string, error) {
		if o.gcpLength == 0 {
			return "", fmt.Errorf("the EPC URN needs --gcp-length, the length of the GS1 Company Prefix")
		}
		return m.EPC(o.gcpLength)
	}},
}

func formNames() string {
	var names []string
	for _, f := range gs1Forms {
		names = append(names, f.name)
	}
	return strings.Join(names, ", ")
}

func (m *Main) runGS1Format(args []string) error {
	fs := m.newFlagSet("gs1 format", gs1Usage)
	p := parserFlags(fs)
	form := fs.String("form", "", "print only this form: "+formNames()+" (default: every form)")
	var o formatOptions
	fs.StringVar(&o.stem, "stem", gs1.CanonicalStem, "host and path prefix of the Digital Link URI")
	fs.IntVar(&o.gcpLength, "gcp-length", 0, "length of the GS1 Company Prefix, 6 to 12, for the EPC URN")
	asJSON := fs.Bool("json", false, "print a JSON object of every form")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	data, err := m.readData(args)
	if err != nil {
		return err
	}
	msg, err := p.Parse(data)
	if err != nil {
		return err
	}
	if *form != "" {
		for _, f := range gs1Forms {
			if f.name == *form {
				s, err := f.fmt(msg, o)
				if err != nil {
					return err
				}
				fmt.Fprintln(m.Stdout, s)
				return nil
			}
		}
		return usagef("unknown --form %q; forms are %s", *form, formNames())
	}
	if *asJSON {
		out := make(map[string]any)
		for _, f := range gs1Forms {
			s, err := f.fmt(msg, o)
			switch {
			case err != nil:
				out[f.name] = nil
			case f.name == "hri":
				out[f.name] = msg.HRI()
			default:
				out[f.name] = s
			}
		}
		enc := json.NewEncoder(m.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for _, f := range gs1Forms {
		s, err := f.fmt(msg, o)
		if err != nil {
			s = "(" + err.Error() + ")"
		}
		// Show the invisible group separator of scan data.
		s = strings.ReplaceAll(s, "\x1d", "<GS>")
		s = strings.ReplaceAll(s, "\n", "\n"+strings.Repeat(" ", 11))
		fmt.Fprintf(m.Stdout, "%-10s %s\n", f.name, s)
	}
	return nil
}
