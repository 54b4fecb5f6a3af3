// Command genuine lets only genuine goods be paid for: it reads the codes
// printed on goods, checks them against their brand's policies, and serves
// the API that tills, brands and consumers use.
//
// Run "genuine help" for the list of commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	os.Exit(m.Run(ctx, os.Args[1:]))
}

// Main holds the standard streams the program uses, so that tests can run it
// in-process as well as through the binary.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// usageError is an error in how the program was called: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

const usage = `genuine: pay only for genuine goods.

Usage:
  genuine <command> [arguments]

Commands:
  serve        serve the API and the Digital Link resolver on the embedded store
  init         create the embedded store and print its first admin key
  admin-key    make another admin key in the store (break glass)
  audit verify check the store's hash-chained audit trail: who changed what
  keys rotate-master  re-seal the store's secrets under a new master key
  demo         tell genuine's story on a fresh store, step by step
  mint         create a batch through the server and write its codes
  codes        write a batch's codes
  verify       ask the server whether a code is genuine
  events       record or list supply-chain events
  checkout     sell units at a till: authenticate, reserve, pay; or cancel, refund
  policy check check a policy document
  bench        measure genuine under load on this machine: checkout, verify, forged, export
  gs1 parse    parse GS1 data in any form a scanner or person delivers
  gs1 format   print GS1 data in each form: Digital Link, bracketed, element string, scan data, HRI, EPC URN
  help         show this help, or "genuine help <command>" for a command's

Run "genuine <command> -h" for a command's flags.
`

// Run runs the command named by args and returns the exit status: 0 on
// success, 1 when the command failed, 2 when it was called wrongly.
func (m *Main) Run(ctx context.Context, args []string) int {
	err := m.run(ctx, args)
	var ue *usageError
	var se *silentError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		return 0
	case errors.As(err, &se):
		return 1
	case errors.As(err, &ue):
		fmt.Fprintf(m.Stderr, "genuine: %v\n", err)
		return 2
	default:
		fmt.Fprintf(m.Stderr, "genuine: %v\n", err)
		return 1
	}
}

// errHelp reports that help was asked for and shown.
var errHelp = errors.New("help shown")

func (m *Main) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return usagef("no command given")
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			return m.run(ctx, append(args[1:], "-h"))
		}
		fmt.Fprint(m.Stdout, usage)
		return nil
	case "gs1":
		return m.runGS1(ctx, args[1:])
	case "serve":
		return m.runServe(ctx, args[1:])
	case "init":
		return m.runInit(ctx, args[1:])
	case "admin-key":
		return m.runAdminKey(ctx, args[1:])
	case "audit":
		return m.runAudit(ctx, args[1:])
	case "keys":
		return m.runKeys(ctx, args[1:])
	case "mint":
		return m.runMint(ctx, args[1:])
	case "codes":
		return m.runCodes(ctx, args[1:])
	case "verify":
		return m.runVerify(ctx, args[1:])
	case "events":
		return m.runEvents(ctx, args[1:])
	case "demo":
		return m.runDemo(ctx, args[1:])
	case "checkout":
		return m.runCheckout(ctx, args[1:])
	case "policy":
		return m.runPolicy(ctx, args[1:])
	case "bench":
		return m.runBench(ctx, args[1:])
	}
	fmt.Fprint(m.Stderr, usage)
	return usagef("unknown command %q", args[0])
}
