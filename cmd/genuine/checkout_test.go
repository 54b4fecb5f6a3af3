package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestPolicyCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(good, []byte(`{"rules":[{"rule":"state"},{"rule":"region"},{"rule":"price","currency":"CNY","min":100,"max":100000,"action":"flag"}]}`), 0o600)
	os.WriteFile(bad, []byte(`{"rules":[{"rule":"state"},{"rule":"price","currency":"CNY","min":500,"max":100}]}`), 0o600)
	stdout, stderr, code := run(t, "", "policy", "check", good)
	if code != 0 || !strings.Contains(stdout, "valid") || !strings.Contains(stdout, "price (flag)") {
		t.Errorf("good policy: exit %d, %q %q", code, stdout, stderr)
	}
	_, stderr, code = run(t, "", "policy", "check", bad)
	if code != 1 || !strings.Contains(stderr, "rule") || !strings.Contains(stderr, "price") {
		t.Errorf("bad policy: exit %d, %q", code, stderr)
	}
	if _, _, code := run(t, `{"rules":[{"rule":"teleport"}]}`, "policy", "check", "-"); code != 1 {
		t.Errorf("unknown rule from stdin: exit %d", code)
	}
}

func TestCheckoutCommand(t *testing.T) {
	w := newCrashWorld(t)
	s := startServer(t, w.db)
	env := []string{"GENUINE_SERVER=" + s.url, "GENUINE_KEY=" + w.merchantKey}
	stdout, stderr, code := runEnv(t, env, "", "checkout", "--price", "3500", w.codes[0])
	if code != 0 || !strings.Contains(stdout, "awaiting payment") || !strings.Contains(stdout, "/pay/simulated/") {
		t.Fatalf("checkout: exit %d\n%s%s", code, stdout, stderr)
	}
	id := regexp.MustCompile(`chk_\w+`).FindString(stdout)
	stdout, _, code = runEnv(t, env, "", "checkout", "--price", "3500", w.codes[0])
	if code != 1 || !strings.Contains(stdout, "in_checkout") {
		t.Errorf("the same unit again: exit %d\n%s", code, stdout)
	}
	if stdout, _, code := runEnv(t, env, "", "checkout", "cancel", id); code != 0 || !strings.Contains(stdout, "canceled") {
		t.Errorf("cancel: exit %d\n%s", code, stdout)
	}
	if _, stderr, code := runEnv(t, env, "", "checkout", "refund", id); code != 1 || !strings.Contains(stderr, "conflict") {
		t.Errorf("refund of a canceled checkout: exit %d, %s", code, stderr)
	}
}

// A checkout without --price is a usage error, not a sale at 0.
func TestCheckoutNeedsPrice(t *testing.T) {
	env := []string{"GENUINE_SERVER=http://127.0.0.1:1", "GENUINE_KEY=gk_unused"}
	stdout, stderr, code := runEnv(t, env, "", "checkout", "http://127.0.0.1:8080/01/09520123456788/21/X")
	if code != 2 || stdout != "" || !strings.Contains(stderr, "--price") {
		t.Errorf("checkout without --price: exit %d, stdout %q, stderr %q; want exit 2 naming --price", code, stdout, stderr)
	}
}

// The till's text shows money as people write it, and status --wait waits
// for the payment to land.
func TestCheckoutMoneyAndWait(t *testing.T) {
	w := newCrashWorld(t)
	s := startServer(t, w.db)
	env := []string{"GENUINE_SERVER=" + s.url, "GENUINE_KEY=" + w.merchantKey}
	stdout, stderr, code := runEnv(t, env, "", "checkout", "--price", "3500", w.codes[0])
	if code != 0 || !strings.Contains(stdout, "total 35.00 CNY") || !strings.Contains(stdout, "pending, 35.00 CNY") || strings.Contains(stdout, "3500 CNY") {
		t.Fatalf("checkout: exit %d; want 35.00 CNY and no minor units\n%s%s", code, stdout, stderr)
	}
	id := regexp.MustCompile(`chk_\w+`).FindString(stdout)
	payURL := regexp.MustCompile(`pay at (\S+)`).FindStringSubmatch(stdout)
	if payURL == nil {
		t.Fatalf("no pay URL in\n%s", stdout)
	}
	req, _ := http.NewRequest("POST", payURL[1]+"/pay", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("pay: %v %v", resp, err)
	}
	resp.Body.Close()
	stdout, _, code = runEnv(t, env, "", "checkout", "status", "--wait", "20s", id)
	if code != 0 || !strings.Contains(stdout, id+": paid, total 35.00 CNY") {
		t.Errorf("status --wait: exit %d\n%s", code, stdout)
	}
	stdout, _, code = runEnv(t, env, "", "checkout", "refund", id, w.codes[2])
	if code != 1 {
		t.Errorf("refund of a unit the checkout did not sell: exit %d", code)
	}
	stdout, _, code = runEnv(t, env, "", "checkout", "refund", id, w.codes[0])
	if code != 0 || !strings.Contains(stdout, id+": refunded") || !strings.Contains(stdout, ", refunded") {
		t.Errorf("refund of its unit: exit %d\n%s", code, stdout)
	}
	stdout, _, code = runEnv(t, env, "", "checkout", "--price", "9999999", "--currency", "JPY", w.codes[1])
	if code != 0 || !strings.Contains(stdout, "total 9999999 JPY") || !strings.Contains(stdout, "pending, 9999999 JPY") {
		t.Errorf("checkout in JPY: exit %d\n%s", code, stdout)
	}
}
