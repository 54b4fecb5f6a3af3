package main

import (
	"context"
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
	return m.runKeyCommand(ctx, args, keyCommand{
		name: "init", usage: initUsage,
		make: (*genuine.App).Bootstrap,
		text: func(db, key string) string {
			return fmt.Sprintf("Created %s.\nAdmin key (shown once; keep it safe):\n%s\n", db, key) + lostKeyHint(db)
		},
	})
}
