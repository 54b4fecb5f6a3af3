package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"genuine"
)

const keysUsage = `Usage:
  genuine keys rotate-master [--db FILE|postgres://…] [--master-key-file FILE]
                             [--new-key-file FILE]

Re-seals every secret of the store (brands' signing keys, providers'
notification keys) under a new master key, in one transaction: after it,
only the new key opens the store, and codes minted before verify as they
did. Stop every server on the store first, and start them with the new key.

The current key is found as serve finds it (--master-key-file,
GENUINE_MASTER_KEY, or the key file beside the embedded store). The new key
is read from --new-key-file if that file exists, or made and written there
(mode 0600) first. Without --new-key-file, an embedded store whose key is in
its default key file gets the new key in that file: it is written to
FILE.key.new first and replaces FILE.key once the store is re-sealed.
Environment: GENUINE_DB, GENUINE_MASTER_KEY.
`

func (m *Main) runKeys(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "rotate-master" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprint(m.Stderr, keysUsage)
			return errHelp
		}
		fmt.Fprint(m.Stderr, keysUsage)
		return usagef("keys: want the subcommand rotate-master")
	}
	fs := m.newFlagSet("keys rotate-master", keysUsage)
	path := fs.String("db", envOr("GENUINE_DB", "genuine.db"), "embedded store file, or a postgres:// DSN")
	var src masterKeySource
	addMasterKeyFlag(fs, &src)
	newFile := fs.String("new-key-file", "", "file to read the new master key from, or to write it to if missing")
	rest, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("keys rotate-master takes no arguments")
	}
	if !isPostgres(*path) {
		if _, err := os.Stat(*path); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no store at %s", *path)
		}
	}
	opened, err := openSealedStore(ctx, *path, src)
	if err != nil {
		return err
	}
	defer opened.db.Close()
	// replace, if set, is the default key file the new key replaces.
	replace := ""
	if *newFile == "" {
		if opened.keyFile == "" {
			return usagef("the master key was given: give --new-key-file for the new one")
		}
		replace, *newFile = opened.keyFile, opened.keyFile+".new"
	}
	next, err := newMasterKey(*newFile)
	if err != nil {
		return err
	}
	if next.ID() == opened.sealer.ID() {
		return fmt.Errorf("the new master key is the current one")
	}
	if err := genuine.RotateMasterKey(ctx, opened.db, opened.sealer, next); err != nil {
		return fmt.Errorf("%s: %w (nothing was changed; the new key is in %s)", redact(*path), err, *newFile)
	}
	where := *newFile
	if replace != "" {
		if err := os.Rename(*newFile, replace); err != nil {
			return fmt.Errorf("the store is sealed under the key in %s, but it could not replace %s: %w", *newFile, replace, err)
		}
		where = replace
	}
	fmt.Fprintf(m.Stdout, "Re-sealed %s under master key %s, which is in %s. The old key no longer opens it.\n", redact(*path), next.ID(), where)
	return nil
}

// newMasterKey returns the Sealer of the key in file, made and written
// there first if the file does not exist.
func newMasterKey(file string) (*genuine.Sealer, error) {
	text, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		key := genuine.NewMasterKey()
		if err := writeKeyFile(file, key); err != nil {
			return nil, err
		}
		return mustSealer(key), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the new master key: %w", err)
	}
	key, err := genuine.ParseMasterKey(string(text))
	if err != nil {
		return nil, fmt.Errorf("the new master key in %s: %w", file, err)
	}
	return mustSealer(key), nil
}
