package main

import (
	"context"
	"encoding/json"
	"fmt"

	"genuine"
)

const initUsage = `Usage:
  genuine init [--db FILE] [--json]

Creates the embedded store FILE (default ./genuine.db), or migrates the
PostgreSQL database a postgres:// DSN names, and prints the first admin key,
which is shown only now. It refuses a store that has one already.
With --json it prints {"admin_key": "…"}.
`

func (m *Main) runInit(ctx context.Context, args []string) error {
	fs := m.newFlagSet("init", initUsage)
	path := fs.String("db", envOr("GENUINE_DB", "genuine.db"), "embedded store file, or a postgres:// DSN")
	asJSON := fs.Bool("json", false, "print JSON")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usagef("init takes no arguments")
	}
	db, err := openStore(ctx, *path)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	key, err := genuine.NewApp(db, genuine.Config{}).Bootstrap(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", redact(*path), err)
	}
	if *asJSON {
		return json.NewEncoder(m.Stdout).Encode(map[string]string{"admin_key": key})
	}
	fmt.Fprintf(m.Stdout, "Created %s.\nAdmin key (shown once; keep it safe):\n%s\nLost it? \"genuine admin-key --db %s\" makes another.\n",
		redact(*path), key, redact(*path))
	return nil
}
