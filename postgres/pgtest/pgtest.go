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

	"genuine/genuine"
	"genuine/postgres"
)

// Wanted reports whether the tests are to run on PostgreSQL.
func Wanted() bool { return os.Getenv("GENUINE_TEST_STORE") == "postgres" }

// Open creates a database of its own for the test on the server that
// GENUINE_TEST_POSTGRES names, opens the store on it, and drops both when
// the test ends.
func Open(tb testing.TB) genuine.Store {
	tb.Helper()
	dsn := os.Getenv("GENUINE_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("GENUINE_REQUIRE_POSTGRES") != "" {
			tb.Fatal("GENUINE_TEST_STORE=postgres but GENUINE_TEST_POSTGRES names no server")
		}
		tb.Skip("set GENUINE_TEST_POSTGRES to a PostgreSQL DSN to run these tests on PostgreSQL")
	}
	ctx := context.Background()
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("GENUINE_TEST_POSTGRES: %v", err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect to %s: %v", u.Redacted(), err)
	}
	name := "genuine_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		tb.Fatalf("create database: %v", err)
	}
	u.Path = "/" + name
	db, err := postgres.Open(ctx, u.String())
	if err != nil {
		tb.Fatalf("open %s: %v", name, err)
	}
	tb.Cleanup(func() {
		db.Close()
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn.Exec(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.Close(dctx)
	})
	return db
}
