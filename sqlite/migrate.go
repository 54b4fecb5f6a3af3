package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered file of migrations/.
type migration struct {
	version int
	name    string
	sql     string
}

// errSchemaNewer is returned by Open for a database migrated by a newer
// genuine, which this binary must not write to.
var errSchemaNewer = errors.New("the database was migrated by a newer genuine; use that version or newer")

// migrations returns the embedded migrations in order of version. Their
// names are NNNN_description.sql, numbered upwards from 1, each number
// once; a number may be skipped (one held for a change not yet merged).
func migrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || len(num) != 4 || err != nil {
			return nil, fmt.Errorf("migration %s: name is not NNNN_description.sql", base)
		}
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(text)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if i == 0 && m.version != 1 || i > 0 && m.version == ms[i-1].version {
			return nil, fmt.Errorf("migration %s: versions start at 1 and are used once", m.name)
		}
	}
	return ms, nil
}

// migrate applies the embedded migrations the database lacks, in order, in
// one transaction, recording each in schema_migrations. Migrations only move
// forward: a database that records a version this binary does not know
// gives errSchemaNewer, and nothing is changed.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrations(migrationFS)
	if err != nil {
		return err
	}
	// db's transactions begin IMMEDIATE, so two processes opening one new
	// file do not both apply the same migration.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return storeError(err, "begin migration")
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx,
		`SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	last := ms[len(ms)-1].version
	if current > last {
		return fmt.Errorf("schema version %d, this binary knows up to %d: %w", current, last, errSchemaNewer)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.version, timeValue(time.Now())); err != nil {
			return fmt.Errorf("record migration %s: %w", m.name, err)
		}
	}
	return tx.Commit()
}
