package genuine_test

import (
	"context"
	"strings"
	"testing"

	"genuine"
)

// TestForeignHost: a code whose Digital Link host is neither its brand's
// link host nor this server's verifies as authentic with the warning
// foreign_host, and a checkout decides on it as the brand's host rule says.
func TestForeignHost(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 4)
	foreign := func(code, host string) string {
		return strings.Replace(code, "https://genuine.test/", "https://"+host+"/", 1)
	}
	warned := func(v *genuine.Verification) bool {
		return len(v.Warnings) == 1 && v.Warnings[0].Code == genuine.WarningForeignHost && strings.Contains(v.Warnings[0].Message, "phish.example")
	}
	for _, code := range []string{codes[0], foreign(codes[0], "GENUINE.test:443"), "(01)" + w.gtin + "(21)" + codes[0][strings.LastIndex(codes[0], "/")+1:]} {
		if v := w.verify(t, code); !v.Authentic || len(v.Warnings) != 0 {
			t.Errorf("%s: %+v, want authentic without warnings", code, v)
		}
	}
	if v := w.verify(t, foreign(codes[0], "phish.example")); !v.Authentic || !warned(v) {
		t.Errorf("code under another host: %+v, want authentic with warning %s", v, genuine.WarningForeignHost)
	}
	if v := w.verify(t, foreign(forgedCode(codes[0]), "phish.example")); v.Authentic || len(v.Warnings) != 0 {
		t.Errorf("forged code under another host: %+v, want not authentic, no warning", v)
	}

	// A brand's own link host and this server's are the brand's.
	if _, err := w.app.UpdateCodeRule(ctx, w.brand, w.brandID, genuine.CodeRule{LinkStem: "https://id.acme.example/p", Serials: genuine.SerialsMinted}); err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"id.acme.example", "genuine.test"} {
		if v := w.verify(t, foreign(codes[0], host)); !v.Authentic || len(v.Warnings) != 0 {
			t.Errorf("code under %s: %+v, want no warning", host, v)
		}
	}

	// At a till: the default policy has no host rule; a host rule refuses
	// or flags as it says.
	c, err := w.app.Checkout(ctx, w.merchant, "default", cart(100, foreign(codes[1], "phish.example")))
	if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Errorf("checkout under the default policy: %+v, %v", c, err)
	}
	if _, err := w.app.SetPolicy(ctx, w.brand, "brand", []byte(`{"rules": [{"rule": "state"}, {"rule": "host"}]}`)); err != nil {
		t.Fatal(err)
	}
	c, err = w.app.Checkout(ctx, w.merchant, "refuse", cart(100, foreign(codes[2], "phish.example")))
	if err != nil || c.Status != genuine.CheckoutRefused || !hasReason(c, genuine.WarningForeignHost) {
		t.Errorf("checkout under a host rule: %+v, %v; want refused for %s", c, err, genuine.WarningForeignHost)
	}
	c, err = w.app.Checkout(ctx, w.merchant, "own-host", cart(100, codes[2]))
	if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Errorf("checkout of a code under the server's host: %+v, %v", c, err)
	}
	if _, err := w.app.SetPolicy(ctx, w.brand, "brand", []byte(`{"rules": [{"rule": "state"}, {"rule": "host", "action": "flag"}]}`)); err != nil {
		t.Fatal(err)
	}
	c, err = w.app.Checkout(ctx, w.merchant, "flag", cart(100, foreign(codes[3], "phish.example")))
	if err != nil || c.Status != genuine.CheckoutAwaitingPayment || !hasReason(c, genuine.WarningForeignHost) {
		t.Errorf("checkout under a flagging host rule: %+v, %v; want awaiting payment, flagged", c, err)
	}
}

// forgedCode changes the last character of a code's serial to another of
// the serial alphabet.
func forgedCode(code string) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	last := code[len(code)-1]
	return code[:len(code)-1] + string(alphabet[(strings.IndexByte(alphabet, last)+1)%32])
}
