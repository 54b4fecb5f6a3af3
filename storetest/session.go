package storetest

import (
	"testing"

	"genuine"
)

// testSessions checks that CreateSession stores a session under its hash,
// once, and only for a key that exists; that SessionByHash reads it back
// and DeleteSession deletes it, ENotFound after; and that PruneSessions
// deletes expired sessions a page at a time, oldest first, and keeps the
// live ones.
func testSessions(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	key := &genuine.APIKey{ID: id("key", 1), Role: genuine.RoleAdmin, Hash: genuine.HashAPIKey("a1"), CreatedAt: at(0)}
	update(t, s, func(tx genuine.Tx) error { return tx.CreateAPIKey(ctx, key) })
	session := func(n, expires int) *genuine.Session {
		hash := make([]byte, 32)
		hash[0], hash[31] = byte(n), 0xff
		return &genuine.Session{Hash: hash, KeyID: key.ID, CreatedAt: at(n), ExpiresAt: at(expires)}
	}
	all := []*genuine.Session{session(1, 10), session(2, 20), session(3, 30), session(4, 100), session(5, 200)}
	update(t, s, func(tx genuine.Tx) error {
		for _, ses := range all {
			if err := tx.CreateSession(ctx, ses); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(tx genuine.Tx) error {
		for _, want := range all {
			got, err := tx.SessionByHash(ctx, want.Hash)
			if err != nil {
				return err
			}
			same(t, "SessionByHash", got, want)
		}
		_, err := tx.SessionByHash(ctx, session(9, 10).Hash)
		wantCode(t, "SessionByHash of no session", err, genuine.ENotFound)
		return nil
	})
	err := s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateSession(ctx, session(1, 50)) })
	wantCode(t, "CreateSession of a hash that exists", err, genuine.EConflict)
	orphan := session(8, 50)
	orphan.KeyID = id("key", 8)
	if err := s.Update(ctx, func(tx genuine.Tx) error { return tx.CreateSession(ctx, orphan) }); err == nil {
		t.Error("CreateSession for a key that does not exist succeeded")
	}

	update(t, s, func(tx genuine.Tx) error { return tx.DeleteSession(ctx, all[4].Hash) })
	err = s.View(ctx, func(tx genuine.Tx) error { _, err := tx.SessionByHash(ctx, all[4].Hash); return err })
	wantCode(t, "SessionByHash after DeleteSession", err, genuine.ENotFound)
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.DeleteSession(ctx, all[4].Hash) })
	wantCode(t, "DeleteSession of a deleted session", err, genuine.ENotFound)

	prune := func() int {
		t.Helper()
		var n int
		update(t, s, func(tx genuine.Tx) (err error) {
			n, err = tx.PruneSessions(ctx, at(30), 2)
			return err
		})
		return n
	}
	if n := prune(); n != 2 {
		t.Errorf("PruneSessions with limit 2 deleted %d, want 2", n)
	}
	if n := prune(); n != 0 {
		t.Errorf("PruneSessions again deleted %d, want 0: the session expiring at the time given has not expired before it", n)
	}
	view(t, s, func(tx genuine.Tx) error {
		for i, ses := range all[:4] {
			_, err := tx.SessionByHash(ctx, ses.Hash)
			if i < 2 {
				wantCode(t, "SessionByHash of a pruned session", err, genuine.ENotFound)
			} else if err != nil {
				t.Errorf("session %d, expiring at %v, after pruning before %v: %v", i+1, ses.ExpiresAt, at(30), err)
			}
		}
		return nil
	})
}
