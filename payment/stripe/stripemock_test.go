package stripe

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"genuine"
)

// stripeMock starts stripe-mock (github.com/stripe/stripe-mock v0.203.0),
// which checks each request against Stripe's OpenAPI specification, on
// loopback ports of its choosing, and returns its HTTP URL. Without the
// binary the test is skipped, unless GENUINE_TEST_STRIPE_MOCK=required.
func stripeMock(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("stripe-mock")
	if err != nil {
		gopath, _ := exec.Command("go", "env", "GOPATH").Output()
		bin = filepath.Join(strings.TrimSpace(string(gopath)), "bin", "stripe-mock")
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("GENUINE_TEST_STRIPE_MOCK") == "required" {
				t.Fatal("stripe-mock is not in PATH nor in $(go env GOPATH)/bin, and GENUINE_TEST_STRIPE_MOCK=required")
			}
			t.Skip("stripe-mock is not installed (go install github.com/stripe/stripe-mock@v0.203.0)")
		}
	}
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:", "-https-addr", "127.0.0.1:")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "Listening for HTTP at address: "); ok {
				found <- "http://" + addr
			}
		}
	}()
	select {
	case url := <-found:
		return url
	case <-time.After(20 * time.Second):
		t.Fatal("stripe-mock did not say where it listens in 20 s")
		return ""
	}
}

// accepted fails the test if Stripe (stripe-mock) refused the request: an
// answer that is not Stripe's own object is fine, since its answers are
// fixtures, not states.
func accepted(t *testing.T, call string, err error) {
	t.Helper()
	var se *stripego.Error
	if errors.As(err, &se) || genuine.ErrorCode(err) == genuine.EInvalid && strings.HasPrefix(genuine.ErrorMessage(err), "Stripe:") ||
		genuine.ErrorCode(err) == genuine.EUnauthorized || genuine.ErrorCode(err) == genuine.ENotFound {
		t.Errorf("stripe-mock refused %s: %v", call, err)
	} else if err != nil {
		t.Logf("%s: accepted; its fixture answer gives %v", call, err)
	}
}

func TestStripeMock(t *testing.T) {
	url := stripeMock(t)
	conn := New(Config{URL: url})
	settings := []byte(`{"mode":"test","secret_key":"sk_test_123456789012","webhook_secret":"whsec_123456789012","account_id":"acct_123456789012"}`)
	as, err := conn.ParseAccount(settings)
	if err != nil {
		t.Fatal(err)
	}
	gp, err := conn.Connect(&genuine.ProviderAccount{Account: as.Account, Settings: as.Settings}, "")
	if err != nil {
		t.Fatal(err)
	}
	p := gp.(*Provider)
	ctx := context.Background()

	pay, err := p.Create(ctx, genuine.PaymentRequest{
		CheckoutID: "chk_1", MerchantID: "m1", Amount: 1250, Currency: "EUR", Description: "checkout chk_1",
		ExpiresAt: time.Now().Add(15 * time.Minute), IdempotencyKey: "chk_1",
	})
	accepted(t, "Create (POST /v1/checkout/sessions)", err)
	if err != nil {
		t.FailNow()
	}
	ref := pay.Reference
	_, err = p.Query(ctx, ref)
	accepted(t, "Query (GET /v1/checkout/sessions/{id}, expanded)", err)
	accepted(t, "Cancel (GET, then POST /v1/checkout/sessions/{id}/expire)", p.Cancel(ctx, ref))
	accepted(t, "Refund (GET /v1/checkout/sessions/{id})", p.Refund(ctx, genuine.RefundRequest{
		Reference: ref, Amount: 100, Currency: "EUR", PaymentAmount: 1250, IdempotencyKey: "rf_1",
	}))
	// stripe-mock's session is unpaid, so Refund stops before refunding:
	// send the refund's own requests.
	_, err = p.refunded(ctx, "pi_123456789012", "rf_1")
	accepted(t, "Refund (GET /v1/refunds?payment_intent=…)", err)
	accepted(t, "Refund (POST /v1/refunds)", p.createRefund(ctx, "pi_123456789012", 100, "rf_1", "chk_1"))
	_, err = p.client.V1CheckoutSessions.Expire(ctx, ref, nil)
	accepted(t, "POST /v1/checkout/sessions/{id}/expire", err)
}
