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
// names are NNNN_description.sql, each number used once. Numbers may leave
// gaps, so that changes made side by side can each take a number of their
// own; a database records each migration it applied, not only the last.
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
		if m.version < 1 || i > 0 && m.version == ms[i-1].version {
			return nil, fmt.Errorf("migration %s: version %d is not positive or is used twice", m.name, m.version)
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
	applied, err := appliedVersions(ctx, tx)
	if err != nil {
		return err
	}
	todo, err := pending(ms, applied)
	if err != nil {
		return err
	}
	for _, m := range todo {
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

// appliedVersions returns the versions schema_migrations records.
func appliedVersions(ctx context.Context, tx *sql.Tx) (map[int]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema versions: %w", err)
	}
	defer rows.Close()
	applied := make(map[int]bool)
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read schema versions: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema versions: %w", err)
	}
	return applied, nil
}

// pending returns the migrations of ms not in applied, in order; it fails
// with errSchemaNewer if applied holds a version ms lacks.
func pending(ms []migration, applied map[int]bool) ([]migration, error) {
	var todo []migration
	known := 0
	for _, m := range ms {
		if applied[m.version] {
			known++
		} else {
			todo = append(todo, m)
		}
	}
	if known < len(applied) {
		return nil, fmt.Errorf("the database records %d migrations this binary does not know: %w", len(applied)-known, errSchemaNewer)
	}
	return todo, nil
}
