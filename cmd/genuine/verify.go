package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"genuine"
)

const verifyUsage = `Usage:
  genuine verify [--json] [--server URL] CODE

Asks the server whether a code is genuine, as anyone may: CODE is any form
of GS1 data ("-" reads it from standard input). Exits 0 if the code is
authentic, 1 if it is not or cannot be checked.
`

func (m *Main) runVerify(ctx context.Context, args []string) error {
	fs := m.newFlagSet("verify", verifyUsage)
	c := clientFlags(fs)
	asJSON := fs.Bool("json", false, "print the verification as JSON")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	code, err := m.readData(args)
	if err != nil {
		return err
	}
	var v genuine.Verification
	if err := c.do(ctx, "POST", "/v1/verify", map[string]string{"code": code}, &v); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(v)
	} else {
		printVerification(m, &v)
	}
	if !v.Authentic {
		return errNotAuthentic
	}
	return nil
}

// errNotAuthentic makes verify exit 1 after printing its answer.
var errNotAuthentic = &silentError{"not authentic"}

// silentError fails a command whose output already said why.
type silentError struct{ msg string }

func (e *silentError) Error() string { return e.msg }

func printVerification(m *Main, v *genuine.Verification) {
	w := m.Stdout
	if !v.Authentic {
		fmt.Fprintf(w, "NOT GENUINE: %s (%s)\n", v.Message, v.Reason)
		return
	}
	fmt.Fprintf(w, "GENUINE: %s by %s\n", v.Product.Name, v.Product.Brand)
	fmt.Fprintf(w, "  GTIN %s, serial %s\n", v.GTIN, v.Serial)
	expired := ""
	if v.Batch.Expired {
		expired = " (expired)"
	}
	fmt.Fprintf(w, "  lot %s, expiry %s%s\n", v.Batch.Lot, v.Batch.Expiry, expired)
	fmt.Fprintf(w, "  state: %s; verified %d times before\n", strings.ReplaceAll(string(v.State), "_", " "), v.Verifications)
	for _, e := range v.Events {
		loc := ""
		if e.Location != "" {
			loc = " at " + e.Location
		}
		fmt.Fprintf(w, "  %s  %s%s\n", e.At.Format("2006-01-02 15:04"), e.Type, loc)
	}
}
