package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"genuine"
)

const policyUsage = `Usage:
  genuine policy check [--json] FILE

Checks a policy document as PUT /v1/policies/{scope} would, without a
server: it prints the rules it would apply, or says which rule is wrong and
why and exits 1. FILE "-" reads standard input. With --json it prints the
policy as it would be stored (defaults filled in).
`

func (m *Main) runPolicy(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(m.Stderr, policyUsage)
		return usagef("policy needs the subcommand check")
	}
	fs := m.newFlagSet("policy check", policyUsage)
	asJSON := fs.Bool("json", false, "print the policy as JSON")
	args, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return usagef("policy check needs one FILE")
	}
	var r io.Reader = m.Stdin
	if args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	doc, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return err
	}
	p, err := genuine.ParsePolicy(doc)
	if err != nil {
		return fmt.Errorf("%s: %s", args[0], genuine.ErrorMessage(err))
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	var rules []string
	for _, r := range p.Rules {
		desc := r.Rule
		if r.Action == genuine.ActionFlag {
			desc += " (flag)"
		}
		if r.Shadow {
			desc += " (shadow)"
		}
		rules = append(rules, desc)
	}
	fmt.Fprintf(m.Stdout, "%s: valid; mode %s; rules: %s\n", args[0], p.Mode, strings.Join(rules, ", "))
	return nil
}
