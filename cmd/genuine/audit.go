package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"genuine"
)

const auditUsage = `Usage:
  genuine audit verify [--db FILE|postgres://…] [--json]

Walks the store's audit trail, the hash-chained record of who changed what,
and checks every record against the chain. Exit 0 when it is whole, printing
how many records it holds and the hash at its head (keep it elsewhere: a
trail cut short later no longer ends with it); exit 1 naming the first
broken record and why: edited, deleted, or added outside the chain. Records
written in the last minute that no server has chained yet are counted as
pending, not broken. With --json it prints {"whole", "records", "head",
"pending", "broken"?: {"seq", "record", "reason"}}.
Environment: GENUINE_DB.
`

func (m *Main) runAudit(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, auditUsage)
		return usagef("audit: no subcommand given")
	}
	switch args[0] {
	case "verify":
		return m.runAuditVerify(ctx, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(m.Stdout, auditUsage)
		return nil
	}
	fmt.Fprint(m.Stderr, auditUsage)
	return usagef("audit: unknown subcommand %q", args[0])
}

// auditReport is what audit verify prints with --json.
type auditReport struct {
	Whole   bool        `json:"whole"`
	Records int64       `json:"records"`
	Head    string      `json:"head"`
	Pending int         `json:"pending"`
	Broken  *auditBreak `json:"broken,omitempty"`
}

// auditBreak is the first broken record: its place in the chain (0 if
// outside it), its id and why.
type auditBreak struct {
	Seq    int64  `json:"seq"`
	Record int64  `json:"record"`
	Reason string `json:"reason"`
}

func (m *Main) runAuditVerify(ctx context.Context, args []string) error {
	fs := m.newFlagSet("audit verify", auditUsage)
	path := fs.String("db", envOr("GENUINE_DB", "genuine.db"), "embedded store file, or a postgres:// DSN")
	asJSON := fs.Bool("json", false, "print JSON")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usagef("audit verify takes no arguments")
	}
	if !strings.Contains(*path, "://") {
		if _, err := os.Stat(*path); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no store at %s", *path)
		}
	}
	db, err := openStore(ctx, *path)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	app := genuine.NewApp(db, genuine.Config{})
	defer app.Close()
	rep, err := app.VerifyAudit(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", redact(*path), err)
	}
	out := auditReport{Whole: rep.Broken == nil, Records: rep.Chained, Head: hex.EncodeToString(rep.Head), Pending: rep.Pending}
	if b := rep.Broken; b != nil {
		out.Broken = &auditBreak{b.Seq, b.RecordID, b.Reason}
	}
	if *asJSON {
		if err := json.NewEncoder(m.Stdout).Encode(out); err != nil {
			return err
		}
	} else if rep.Broken == nil {
		fmt.Fprintf(m.Stdout, "The audit trail of %s is whole: %d records, head %s; %d pending.\n",
			redact(*path), out.Records, out.Head, out.Pending)
	} else {
		fmt.Fprintf(m.Stdout, "The audit trail of %s is broken at record %d: %s.\n%d records before it are intact.\n",
			redact(*path), rep.Broken.RecordID, rep.Broken.Reason, out.Records)
	}
	if rep.Broken != nil {
		return &silentError{"audit trail broken"}
	}
	return nil
}
