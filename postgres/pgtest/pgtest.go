// Package pgtest gives tests of other packages a PostgreSQL store of their
// own, so that the App and HTTP suites run on PostgreSQL as they do on the
// embedded store.
//
// A test run uses PostgreSQL when GENUINE_TEST_STORE=postgres; the server
// is the one GENUINE_TEST_POSTGRES names (a DSN). Without that variable the
// test is skipped with a message, unless GENUINE_REQUIRE_POSTGRES is set, in
// which case it fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"genuine"
	"genuine/postgres"
)

// Wanted reports whether the tests are to run on PostgreSQL.
func Wanted() bool { return os.Getenv("GENUINE_TEST_STORE") == "postgres" }

// DSN returns the DSN of the server GENUINE_TEST_POSTGRES names. Without
// it the test is skipped, saying why it would run (why), or fails if
// GENUINE_REQUIRE_POSTGRES is set.
func DSN(tb testing.TB, why string) string {
	tb.Helper()
	dsn := os.Getenv("GENUINE_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("GENUINE_REQUIRE_POSTGRES") != "" {
			tb.Fatal("GENUINE_REQUIRE_POSTGRES is set but GENUINE_TEST_POSTGRES names no server")
		}
		tb.Skip("set GENUINE_TEST_POSTGRES to a PostgreSQL DSN " + why)
	}
	return dsn
}

// Database creates a database of its own for the test on the server that
// GENUINE_TEST_POSTGRES names (see DSN), drops it when the test ends, and
// returns its DSN.
func Database(tb testing.TB, why string) string {
	tb.Helper()
	dsn := DSN(tb, why)
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("GENUINE_TEST_POSTGRES: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect to %s: %v", u.Redacted(), err)
	}
	name := "genuine_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		tb.Fatalf("create database: %v", err)
	}
	// Registered first, the drop runs after the cleanups of what the test
	// opens on the database.
	tb.Cleanup(func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := conn.Exec(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
		conn.Close(dctx)
	})
	u.Path = "/" + name
	return u.String()
}

// Open opens a store on a database of its own for the test (see
// Database), closed when the test ends.
func Open(tb testing.TB) genuine.Store {
	tb.Helper()
	dsn := Database(tb, "to run these tests on PostgreSQL")
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("open the test database: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
