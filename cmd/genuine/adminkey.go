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
  genuine admin-key [--db FILE|postgres://…] [--master-key-file FILE] [--json]

Makes a new admin key in the store and prints it, shown only now: the way
back in for an operator who can open the store and has lost every admin key
("break glass"). It works whether or not the store has admin keys, and
whether or not servers run on it; it stores only the key's hash. Then
revoke the lost key with the new one (DELETE /v1/keys/{id}). With --json it
prints {"admin_key": "…"}. The store's master key is needed, as for serve.
Environment: GENUINE_DB, GENUINE_MASTER_KEY.
`

func (m *Main) runAdminKey(ctx context.Context, args []string) error {
	return m.runKeyCommand(ctx, args, keyCommand{
		name: "admin-key", usage: adminKeyUsage, existing: true,
		make: (*genuine.App).BreakGlass,
		text: func(db, key string) string {
			return fmt.Sprintf("New admin key for %s (shown once; keep it safe):\n%s\n", db, key)
		},
	})
}

// keyCommand is a command that opens the store --db names and makes an
// admin key in it: init and admin-key.
type keyCommand struct {
	name, usage string
	// existing refuses a store file that does not exist, so that a
	// mistyped name does not become a new, empty store.
	existing bool
	// make makes the key.
	make func(*genuine.App, context.Context) (string, error)
	// text is what the command prints of the key without --json.
	text func(db, key string) string
}

// runKeyCommand runs c: it opens the store, makes the key and prints it,
// as text or as {"admin_key": "…"} with --json.
func (m *Main) runKeyCommand(ctx context.Context, args []string, c keyCommand) error {
	fs := m.newFlagSet(c.name, c.usage)
	path := fs.String("db", envOr("GENUINE_DB", "genuine.db"), "embedded store file, or a postgres:// DSN")
	asJSON := fs.Bool("json", false, "print JSON")
	var src masterKeySource
	addMasterKeyFlag(fs, &src)
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usagef("%s takes no arguments", c.name)
	}
	if c.existing && !strings.Contains(*path, "://") {
		if _, err := os.Stat(*path); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no store at %s (genuine init creates one)", *path)
		}
	}
	opened, err := openSealedStore(ctx, *path, src)
	if err != nil {
		return err
	}
	db := opened.db
	defer db.Close()
	app := genuine.NewApp(db, genuine.Config{Sealer: opened.sealer})
	defer app.Close()
	key, err := c.make(app, ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", redact(*path), err)
	}
	if opened.newKey {
		// On stderr, so that --json prints JSON alone.
		fmt.Fprint(m.Stderr, newKeyNote(opened.keyFile))
	}
	if *asJSON {
		return json.NewEncoder(m.Stdout).Encode(map[string]string{"admin_key": key})
	}
	fmt.Fprint(m.Stdout, c.text(redact(*path), key))
	return nil
}

// lostKeyHint says how to make another admin key in the store db when the
// first one, printed with it, is lost.
func lostKeyHint(db string) string {
	return fmt.Sprintf("Lost it? \"genuine admin-key --db %s\" makes another.\n", db)
}
