package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"genuine/gs1"
)

const gs1Usage = `Usage:
  genuine gs1 parse [flags] DATA
  genuine gs1 format [flags] DATA

DATA is GS1 data in any form a scanner or person delivers:
  a Digital Link URI      https://id.gs1.org/01/09520123456788/21/12345
  bracketed data          (01)09520123456788(21)12345
  an element string       ^01095201234567882112345   (^ or ASCII GS for FNC1)
  scan data               ]d201095201234567882112345 (]d2 ]Q3 ]C1 ]e0 ]J1; ]Q1 or ]d1 with a URI; ]E0 ]E4)
  an EPC URN              urn:epc:id:sgtin:9520123.045678.12345
Give "-" to read DATA from standard input (one trailing newline is dropped),
which is how to pass scan data holding GS characters.

parse prints {"ais":[{"ai":"01","value":"…"},…]} with the AIs in the order they
appear, and exits 0 for valid GS1 data; otherwise it prints one line saying
what is wrong on standard error and exits 1.

format prints the data in every form, or only the one --form names.
`

func (m *Main) runGS1(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, gs1Usage)
		return usagef("gs1: no subcommand given")
	}
	switch args[0] {
	case "parse":
		return m.runGS1Parse(args[1:])
	case "format":
		return m.runGS1Format(args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(m.Stdout, gs1Usage)
		return nil
	}
	fmt.Fprint(m.Stderr, gs1Usage)
	return usagef("gs1: unknown subcommand %q", args[0])
}

// parserFlags registers the flags that switch on non-default parsing.
func parserFlags(fs *flag.FlagSet) *gs1.Parser {
	p := &gs1.Parser{}
	fs.BoolVar(&p.PermitZeroSuppressedGTIN, "permit-short-gtin", false, "accept a GTIN-8, -12 or -13 for AI (01) in a Digital Link URI (deprecated)")
	fs.BoolVar(&p.PermitConvenienceAlphas, "permit-alphas", false, "accept /gtin/, /ser/ … in place of /01/, /21/ … in a Digital Link URI (deprecated)")
	fs.BoolVar(&p.PermitUnknownAIs, "permit-unknown-ais", false, "accept AIs that the GS1 syntax dictionary does not define")
	fs.BoolVar(&p.SkipRequisites, "skip-requisites", false, "do not check that each AI comes with the AIs it requires")
	return p
}

// parseFlags parses flags given before or after the positional arguments,
// and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usagef("%v", err)
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// newFlagSet returns a flag set whose help goes to stderr with the usage.
func (m *Main) newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprint(m.Stderr, usage)
		fmt.Fprintln(m.Stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// readData returns the one DATA argument, read from stdin for "-".
func (m *Main) readData(args []string) (string, error) {
	if len(args) != 1 {
		return "", usagef("want exactly one DATA argument, got %d", len(args))
	}
	if args[0] != "-" {
		return args[0], nil
	}
	b, err := io.ReadAll(io.LimitReader(m.Stdin, 1<<20))
	if err != nil {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

func (m *Main) runGS1Parse(args []string) error {
	fs := m.newFlagSet("gs1 parse", gs1Usage)
	p := parserFlags(fs)
	fs.Bool("json", true, "print JSON (the only output of parse; accepted for symmetry)")
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
	type ai struct {
		AI    string `json:"ai"`
		Value string `json:"value"`
	}
	out := struct {
		AIs []ai `json:"ais"`
	}{AIs: make([]ai, 0, msg.Len())}
	for i := 0; i < msg.Len(); i++ {
		e := msg.At(i)
		out.AIs = append(out.AIs, ai{e.AI, e.Value})
	}
	enc := json.NewEncoder(m.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
