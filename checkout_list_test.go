package genuine_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"genuine"
)

// TestListCheckouts: a merchant reads its own checkouts newest first, a
// page at a time; another merchant's are not found, an admin names the
// merchant, and a cursor must be one of the merchant's checkouts.
func TestListCheckouts(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 5)
	var want []string
	for i, code := range codes {
		w.clock.add(time.Minute)
		c, err := w.app.Checkout(ctx, w.merchant, fmt.Sprint("list-", i), cart(1000, code))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, c.ID)
	}
	slices.Reverse(want)
	var got []string
	before := ""
	for pages := 0; ; pages++ {
		l, err := w.app.ListCheckouts(ctx, w.merchant, "", before, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range l.Checkouts {
			got = append(got, c.ID)
		}
		if l.Next == "" {
			break
		}
		if pages > 5 {
			t.Fatal("the pages do not end")
		}
		before = l.Next
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages of 2 give %v, want %v", got, want)
	}
	if l, err := w.app.ListCheckouts(ctx, w.admin, w.merchant.MerchantID, "", 0); err != nil || len(l.Checkouts) != 5 || l.Checkouts[0].ID != want[0] {
		t.Errorf("admin: %+v, %v", l, err)
	}
	other := w.newMerchant(t, "CN-GD-GZ")
	if l, err := w.app.ListCheckouts(ctx, other, "", "", 0); err != nil || len(l.Checkouts) != 0 || l.Next != "" {
		t.Errorf("another merchant's own list: %+v, %v", l, err)
	}
	for name, call := range map[string]func() error{
		"another merchant's":     func() error { _, err := w.app.ListCheckouts(ctx, other, w.merchant.MerchantID, "", 0); return err },
		"admin without merchant": func() error { _, err := w.app.ListCheckouts(ctx, w.admin, "", "", 0); return err },
		"another's cursor":       func() error { _, err := w.app.ListCheckouts(ctx, other, "", want[0], 0); return err },
		"a cursor of nothing":    func() error { _, err := w.app.ListCheckouts(ctx, w.merchant, "", "chk_nothing", 0); return err },
		"brand":                  func() error { _, err := w.app.ListCheckouts(ctx, w.brand, w.merchant.MerchantID, "", 0); return err },
	} {
		want := map[string]string{"another merchant's": genuine.ENotFound, "brand": genuine.EForbidden}[name]
		if want == "" {
			want = genuine.EInvalid
		}
		if err := call(); genuine.ErrorCode(err) != want {
			t.Errorf("%s: %v, want %s", name, err, want)
		}
	}
}
