package main

import (
	"strings"
	"testing"
)

// The demo of the README runs on a fresh store and every step behaves.
func TestDemo(t *testing.T) {
	stdout, stderr, code := run(t, "", "demo")
	if code != 0 || !strings.Contains(stdout, "Every step behaved.") || strings.Contains(stdout, "✗") {
		t.Fatalf("demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"already_sold", "outside_region", "counterfeit_suspected", "recalled", "expired", "refunded", "HTTP 422", "paid 35.00 CNY"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the story never tells of %s", want)
		}
	}
}

// The story through each real provider's SDK and local fake: the shops
// connect their accounts, shown back masked, and every step behaves.
func TestDemoProviders(t *testing.T) {
	for _, provider := range realProviders {
		t.Run(provider, func(t *testing.T) {
			stdout, stderr, code := run(t, "", "demo", "--provider", provider)
			if code != 0 || !strings.Contains(stdout, "Every step behaved.") || strings.Contains(stdout, "✗") {
				t.Fatalf("demo --provider %s: exit %d\n%s\n%s", provider, code, stdout, stderr)
			}
			for _, want := range []string{"connect their", "test mode; shown back masked", "paid 35.00 CNY", "expired", "refunded"} {
				if !strings.Contains(stdout, want) {
					t.Errorf("the story through %s never tells of %q", provider, want)
				}
			}
		})
	}
	if _, stderr, code := run(t, "", "demo", "--provider", "paypal"); code != 2 || !strings.Contains(stderr, "unknown provider") {
		t.Errorf("demo --provider paypal: exit %d, %s", code, stderr)
	}
}
