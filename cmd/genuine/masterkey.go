package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"genuine"
)

// masterKeySource says where the master key of a store comes from: the
// file --master-key-file names, GENUINE_MASTER_KEY (64 hex digits), or, for
// the embedded store, its default key file (defaultKeyFile).
type masterKeySource struct {
	file string
	// key, if set, is the key itself: a store the process made for itself
	// (bench on PostgreSQL).
	key []byte
}

// addMasterKeyFlag adds --master-key-file to fs.
func addMasterKeyFlag(fs *flag.FlagSet, src *masterKeySource) {
	fs.StringVar(&src.file, "master-key-file", "", "file holding the store's master key, 64 hex digits (default: GENUINE_MASTER_KEY, or FILE.key beside an embedded store)")
}

// defaultKeyFile is where the embedded store db keeps its master key when
// none is given: beside it, named as it is with ".key" (genuine.db:
// genuine.key).
func defaultKeyFile(db string) string {
	return strings.TrimSuffix(db, filepath.Ext(db)) + ".key"
}

// isPostgres reports whether a --db value names a PostgreSQL database.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// openedStore is a store opened with its master key.
type openedStore struct {
	db     genuine.Store
	sealer *genuine.Sealer
	// keyFile is the default key file the key was read from or written
	// to; "" if the key was given.
	keyFile string
	// newKey is set when the key file was made now, for a new store.
	newKey bool
}

// openSealedStore opens the store db names with its master key and checks
// the key against it (genuine.OpenStore). An embedded store given no key
// uses its default key file, made (mode 0600) if the store has no master
// key yet; a store that has one refuses to open without it.
func openSealedStore(ctx context.Context, db string, src masterKeySource) (*openedStore, error) {
	sealer, err := src.sealer()
	if err != nil {
		return nil, err
	}
	store, err := openStore(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	o := &openedStore{db: store, sealer: sealer}
	if o.sealer == nil {
		if err := o.defaultKey(ctx, db); err != nil {
			store.Close()
			return nil, err
		}
	}
	if err := genuine.OpenStore(ctx, store, o.sealer); err != nil {
		store.Close()
		return nil, fmt.Errorf("%s: %w", redact(db), err)
	}
	return o, nil
}

// sealer returns the Sealer of the key given, or nil if none was.
func (src masterKeySource) sealer() (*genuine.Sealer, error) {
	env, inEnv := os.LookupEnv("GENUINE_MASTER_KEY")
	var text string
	switch {
	case src.key != nil:
		return genuine.NewSealer(src.key)
	case src.file != "" && inEnv:
		return nil, usagef("give the master key by --master-key-file or GENUINE_MASTER_KEY, not both")
	case src.file != "":
		b, err := os.ReadFile(src.file)
		if err != nil {
			return nil, fmt.Errorf("read the master key: %w", err)
		}
		text = string(b)
	case inEnv:
		text = env
	default:
		return nil, nil
	}
	key, err := genuine.ParseMasterKey(text)
	if err != nil {
		return nil, fmt.Errorf("the master key given: %w", err)
	}
	return genuine.NewSealer(key)
}

// defaultKey finds the master key of an embedded store given none: its
// default key file, made now if the store has no master key yet.
func (o *openedStore) defaultKey(ctx context.Context, db string) error {
	if isPostgres(db) {
		return errors.New("a PostgreSQL store needs its master key: set GENUINE_MASTER_KEY or give --master-key-file")
	}
	o.keyFile = defaultKeyFile(db)
	text, err := os.ReadFile(o.keyFile)
	if errors.Is(err, os.ErrNotExist) {
		sealed, err := genuine.StoreSealed(ctx, o.db)
		if err != nil {
			return err
		}
		if sealed {
			return fmt.Errorf("%s is sealed under a master key, and none was given: %s is missing; give --master-key-file or GENUINE_MASTER_KEY", db, o.keyFile)
		}
		key := genuine.NewMasterKey()
		if err := writeKeyFile(o.keyFile, key); err == nil {
			o.sealer, o.newKey = mustSealer(key), true
			return nil
		} else if !errors.Is(err, os.ErrExist) {
			return err
		}
		// Another process made it meanwhile.
		text, err = os.ReadFile(o.keyFile)
	}
	if err != nil {
		return fmt.Errorf("read the master key: %w", err)
	}
	key, err := genuine.ParseMasterKey(string(text))
	if err != nil {
		return fmt.Errorf("the master key in %s: %w", o.keyFile, err)
	}
	o.sealer = mustSealer(key)
	return nil
}

// writeKeyFile writes a new master key to a file that must not exist,
// readable by its owner only, and syncs it before it is used.
func writeKeyFile(name string, key []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write the master key: %w", err)
	}
	_, err = io.WriteString(f, genuine.FormatMasterKey(key)+"\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("write the master key: %w", err)
	}
	return nil
}

// mustSealer returns the Sealer of a key known to be MasterKeySize bytes.
func mustSealer(key []byte) *genuine.Sealer {
	s, err := genuine.NewSealer(key)
	if err != nil {
		panic(err)
	}
	return s
}

// newKeyNote tells the operator where a new master key was written.
func newKeyNote(keyFile string) string {
	return fmt.Sprintf("Master key written to %s: back it up apart from the store; without it the store cannot be opened.\n", keyFile)
}
