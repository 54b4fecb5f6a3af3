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
