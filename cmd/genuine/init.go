package main

import (
	"context"
	"fmt"

	"genuine"
)

const initUsage = `Usage:
  genuine init [--db FILE] [--master-key-file FILE] [--json]

Creates the embedded store FILE (default ./genuine.db), or migrates the
PostgreSQL database a postgres:// DSN names, and prints the first admin key,
which is shown only now. It refuses a store that has one already.
With --json it prints {"admin_key": "…"}.

The store's secrets are sealed under a master key: the file
--master-key-file names, or GENUINE_MASTER_KEY (64 hex digits); given
neither, a new embedded store gets a new key in FILE.key beside it
(genuine.key), readable by its owner only. Back it up apart from the store.
`

func (m *Main) runInit(ctx context.Context, args []string) error {
	return m.runKeyCommand(ctx, args, keyCommand{
		name: "init", usage: initUsage,
		make: (*genuine.App).Bootstrap,
		text: func(db, key string) string {
			return fmt.Sprintf("Created %s.\nAdmin key (shown once; keep it safe):\n%s\n", db, key) + lostKeyHint(db)
		},
	})
}
