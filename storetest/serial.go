package storetest

import (
	"errors"
	"fmt"
	"testing"

	"genuine"
)

func testRegisteredSerials(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	b := w.batch(t, s, gtinA, 1, 8)
	b2 := w.batch(t, s, gtinA, 2, 8)
	serial := func(i int) string { return fmt.Sprintf("Ser-%d", i) }
	var all []string
	for i := range 8 {
		all = append(all, serial(i))
	}
	// The second half first: RegisteredSerials orders by sequence number.
	update(t, s, func(tx genuine.Tx) error { return tx.RegisterSerials(ctx, b, 5, all[5:]) })
	update(t, s, func(tx genuine.Tx) error { return tx.RegisterSerials(ctx, b, 0, all[:5]) })

	view(t, s, func(tx genuine.Tx) error {
		for _, tt := range []struct {
			batch *genuine.Batch
			want  int64
		}{{b, 8}, {b2, 0}} {
			if n, err := tx.RegisteredCount(ctx, tt.batch.ID); err != nil || n != tt.want {
				t.Errorf("RegisteredCount(%s) = %d, %v; want %d", tt.batch.ID, n, err, tt.want)
			}
		}
		seq, err := tx.RegisteredSerial(ctx, gtinA, serial(6))
		if err != nil {
			return err
		}
		if seq != b.FirstSeq+6 {
			t.Errorf("RegisteredSerial(%s) = %d, want %d", serial(6), seq, b.FirstSeq+6)
		}
		var i int64
		err = tx.RegisteredSerials(ctx, b.ID, func(seq int64, s string) error {
			if seq != b.FirstSeq+i || s != serial(int(i)) {
				t.Errorf("RegisteredSerials call %d = (%d, %s), want (%d, %s)", i, seq, s, b.FirstSeq+i, serial(int(i)))
			}
			i++
			return nil
		})
		if err != nil || i != 8 {
			t.Errorf("RegisteredSerials made %d calls and returned %v, want 8 calls and nil", i, err)
		}
		return nil
	})

	stop := errors.New("stop")
	var calls int
	err := s.View(ctx, func(tx genuine.Tx) error {
		return tx.RegisteredSerials(ctx, b.ID, func(int64, string) error {
			if calls++; calls == 3 {
				return stop
			}
			return nil
		})
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("RegisteredSerials with fn failing at call 3 made %d calls and returned %v", calls, err)
	}

	for _, tt := range []struct {
		what    string
		serial  string
		wantErr string
	}{
		{"RegisteredSerial of an unknown serial", "Ser-99", genuine.ENotFound},
		{"RegisteredSerial in another case", "SER-1", genuine.ENotFound}, // AI (21) is case-sensitive
	} {
		err := s.View(ctx, func(tx genuine.Tx) error {
			_, err := tx.RegisteredSerial(ctx, gtinA, tt.serial)
			return err
		})
		wantCode(t, tt.what, err, tt.wantErr)
	}
	err = s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.RegisteredSerial(ctx, gtinB, serial(1))
		return err
	})
	wantCode(t, "RegisteredSerial of another product", err, genuine.ENotFound)

	// A duplicate anywhere in the list fails the list; the Update rolls
	// back the serials before it.
	err = s.Update(ctx, func(tx genuine.Tx) error {
		return tx.RegisterSerials(ctx, b2, 0, []string{"Fresh-0", serial(3)})
	})
	wantCode(t, "RegisterSerials with a serial of the product registered already", err, genuine.EConflict)
	err = s.Update(ctx, func(tx genuine.Tx) error {
		return tx.RegisterSerials(ctx, b, 0, []string{"Fresh-1"})
	})
	wantCode(t, "RegisterSerials at a sequence number registered already", err, genuine.EConflict)
	err = s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.RegisteredSerial(ctx, gtinA, "Fresh-0")
		return err
	})
	wantCode(t, "RegisteredSerial of a serial in a rolled-back Update", err, genuine.ENotFound)

	// The same serial of another product is another unit.
	d := w.batch(t, s, gtinB, 3, 8)
	update(t, s, func(tx genuine.Tx) error { return tx.RegisterSerials(ctx, d, 0, all[:1]) })

	view(t, s, func(tx genuine.Tx) error {
		return tx.RegisteredSerials(ctx, b2.ID, func(seq int64, s string) error {
			t.Errorf("RegisteredSerials of a batch without serials called fn(%d, %s)", seq, s)
			return nil
		})
	})
}
