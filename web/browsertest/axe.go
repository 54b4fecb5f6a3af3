package browsertest

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, vendored in axe/ with its licence.
//
//go:embed axe/axe.min.js
var axeSource string

// axeTimeout bounds one axe-core run.
const axeTimeout = 60 * time.Second

// Violation is one axe-core rule that the page breaks.
type Violation struct {
	ID      string   `json:"id"`      // the rule, such as "image-alt"
	Impact  string   `json:"impact"`  // "minor", "moderate", "serious" or "critical"
	Help    string   `json:"help"`    // what the rule asks, in a sentence
	Targets []string `json:"targets"` // a CSS selector for each element that breaks it
}

// String returns the violation as one line: id, impact, help and targets.
func (v Violation) String() string {
	return fmt.Sprintf("%s (%s): %s: %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
}

// axeRun runs axe-core on the document and returns its violations as
// Violations. An element inside iframes or shadow roots has the selectors of
// its path joined by " >>> ".
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
	id: v.id,
	impact: v.impact || "",
	help: v.help,
	targets: v.nodes.map(n => n.target.flat(Infinity).join(" >>> ")),
})))`

// Axe runs axe-core on the page of ctx, a context from Page, and returns
// every violation it finds. It fails the test listing each violation whose
// impact is "serious" or "critical". axe-core is injected through the
// DevTools protocol, which the page's Content-Security-Policy does not
// govern, so pages keep their strict CSP.
func Axe(t testing.TB, ctx context.Context) []Violation {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, axeTimeout)
	defer cancel()
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		t.Fatalf("browsertest: axe: %v", err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			t.Fatalf("browsertest: inject axe-core: %v", err)
		}
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("browsertest: run axe-core: %v", err)
	}
	var bad []string
	for _, v := range violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, v.String())
		}
	}
	if len(bad) > 0 {
		t.Errorf("browsertest: axe-core found %d serious or critical violation(s):\n\t%s",
			len(bad), strings.Join(bad, "\n\t"))
	}
	return violations
}
