package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered file of migrations/. Its number is that of the
// file of package sqlite that makes the same change.
type migration struct {
	version int
	name    string
	sql     string
}

// errSchemaNewer is returned by Open for a database migrated by a newer
// genuine, which this binary must not write to.
var errSchemaNewer = errors.New("the database was migrated by a newer genuine; use that version or newer")

// migrationLock is the key of the transaction-level advisory lock that
// Open holds while it migrates ("genuine" in ASCII), so that servers
// starting at once take turns. It is the only advisory lock genuine takes.
const migrationLock int64 = 0x67656e75696e65

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

// migrate applies the embedded migrations the database lacks, in order,
// each in a transaction of its own that records it in schema_migrations.
// Migrations only move forward: a database that records a version this
// binary does not know gives errSchemaNewer, and nothing is changed. The
// tables are made in the first schema of the connection's search_path.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migrations(migrationFS)
	if err != nil {
		return err
	}
	for {
		done, err := migrateOne(ctx, pool, ms)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the first of ms the database lacks and reports
// whether there was none left.
//
// The transaction first takes migrationLock, which the server releases at
// its end, and only then reads the schema version: at READ COMMITTED each
// statement sees what the transactions before it committed, so a server
// that waited for the lock sees the migration the holder applied and does
// not apply it again.
func migrateOne(ctx context.Context, pool *pgxpool.Pool, ms []migration) (done bool, err error) {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return false, storeError(err, "begin migration")
	}
	defer rollback(ctx, tx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
		return false, storeError(err, "lock for migration")
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		applied_at timestamptz NOT NULL
	)`); err != nil {
		return false, fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRow(ctx,
		`SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	last := ms[len(ms)-1].version
	if current > last {
		return false, fmt.Errorf("schema version %d, this binary knows up to %d: %w", current, last, errSchemaNewer)
	}
	if current < last {
		i := slices.IndexFunc(ms, func(m migration) bool { return m.version > current })
		m := ms[i]
		// Without arguments, Exec sends the file as one simple query,
		// which may hold many statements.
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return false, fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx,
			`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())`, m.version); err != nil {
			return false, fmt.Errorf("record migration %s: %w", m.name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return false, storeError(err, "commit migration")
	}
	return current == last, nil
}
