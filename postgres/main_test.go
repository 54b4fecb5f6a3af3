package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The environment of the tests that need a server. CI sets both.
const (
	// envServer names a PostgreSQL database by DSN; each run of the tests
	// creates a database of its own on its server and drops it at the end.
	envServer = "GENUINE_TEST_POSTGRES"
	// envRequire set to 1 makes the tests fail, rather than skip, without
	// a server.
	envRequire = "GENUINE_REQUIRE_POSTGRES"
)

// howToRun says how to run the tests that need a server.
const howToRun = envServer + " is not set: to run the PostgreSQL tests, set it to a DSN such as " +
	"postgres://postgres@127.0.0.1:5432/test?sslmode=disable (each run creates and drops a database genuine_test_… there)"

// server is the database of this run of the tests, set up by TestMain; its
// zero value means there is none.
var server struct {
	config *pgxpool.Config // connects to the run's database
	admin  *pgxpool.Pool   // makes and drops a schema for each test
	name   string          // of the run's database
}

// schemas numbers the schemas the tests make.
var schemas atomic.Int64

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// runTests creates the run's database if envServer names a server, runs
// the tests, and drops the database.
func runTests(m *testing.M) int {
	dsn := os.Getenv(envServer)
	if dsn == "" {
		return m.Run()
	}
	drop, err := createDatabase(context.Background(), dsn)
	if err != nil {
		fmt.Fprintf(os.Stderr, "postgres tests: %s: %v\n", envServer, err)
		return 1
	}
	defer func() {
		if err := drop(); err != nil {
			fmt.Fprintf(os.Stderr, "postgres tests: dropping database %s: %v\n", server.name, err)
		}
	}()
	return m.Run()
}

// createDatabase creates a database named genuine_test_<random> on the
// server of dsn, sets server to it, and returns a function that drops it.
func createDatabase(ctx context.Context, dsn string) (drop func() error, err error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig.Copy())
	if err != nil {
		return nil, err
	}
	name := "genuine_test_" + strings.ToLower(rand.Text()[:12])
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	drop = func() error {
		if server.admin != nil {
			server.admin.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		defer conn.Close(ctx)
		_, err := conn.Exec(ctx, "DROP DATABASE "+ident+" WITH (FORCE)")
		return err
	}
	cfg.ConnConfig.Database = name
	admin, err := pgxpool.NewWithConfig(ctx, cfg.Copy())
	if err != nil {
		drop()
		return nil, err
	}
	server.config, server.admin, server.name = cfg, admin, name
	return drop, nil
}

// requireServer skips t if there is no server to test on, or fails it if
// envRequire is 1.
func requireServer(t testing.TB) {
	t.Helper()
	if server.config != nil {
		return
	}
	if os.Getenv(envRequire) == "1" {
		t.Fatal(howToRun + "; " + envRequire + "=1 requires them")
	}
	t.Skip(howToRun)
}

// testConfig returns the pool configuration of a new, empty schema of the
// run's database, which is dropped when t ends.
func testConfig(t testing.TB) *pgxpool.Config {
	t.Helper()
	requireServer(t)
	schema := "test_" + strconv.FormatInt(schemas.Add(1), 10)
	ident := pgx.Identifier{schema}.Sanitize()
	if _, err := server.admin.Exec(t.Context(), "CREATE SCHEMA "+ident); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := server.admin.Exec(context.Background(), "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	cfg := server.config.Copy()
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	return cfg
}

// openConfigTest opens a DB with cfg, closed when t ends.
func openConfigTest(t testing.TB, cfg *pgxpool.Config) *DB {
	t.Helper()
	db, err := openConfig(t.Context(), cfg.Copy())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openTest opens a DB on a new, empty schema, closed when t ends.
func openTest(t testing.TB) *DB {
	t.Helper()
	return openConfigTest(t, testConfig(t))
}
