package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"genuine"
)

const adminKeyUsage = `Usage:
  genuine admin-key [--db FILE|postgres://…] [--json]

Makes a new admin key in the store and prints it, shown only now: the way
back in for an operator who can open the store and has lost every admin key
("break glass"). It works whether or not the store has admin keys, and
whether or not servers run on it; it stores only the key's hash. With
--json it prints {"admin_key": "…"}.
Environment: GENUINE_DB.
`

func (m *Main) runAdminKey(ctx context.Context, args []string) error {
	fs := m.newFlagSet("admin-key", adminKeyUsage)
	path := fs.String("db", envOr("GENUINE_DB", "genuine.db"), "embedded store file, or a postgres:// DSN")
	asJSON := fs.Bool("json", false, "print JSON")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usagef("admin-key takes no arguments")
	}
	if !strings.Contains(*path, "://") {
		// A mistyped file name must not become a new, empty store.
		if _, err := os.Stat(*path); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no store at %s (genuine init creates one)", *path)
		}
	}
	db, err := openStore(ctx, *path)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	app := genuine.NewApp(db, genuine.Config{})
	defer app.Close()
	key, err := app.BreakGlass(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", redact(*path), err)
	}
	if *asJSON {
		return json.NewEncoder(m.Stdout).Encode(map[string]string{"admin_key": key})
	}
	fmt.Fprintf(m.Stdout, "New admin key for %s (shown once; keep it safe):\n%s\n", redact(*path), key)
	return nil
}
