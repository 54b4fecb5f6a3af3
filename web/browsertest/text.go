package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// waitTimeout bounds how long Text and WaitText wait for the page.
const waitTimeout = 15 * time.Second

// Text waits until the first element matching the CSS selector sel is
// visible on the page of ctx and returns its text as rendered (innerText).
// It fails the test if no such element is visible within 15 seconds.
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, waitTimeout)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("browsertest: text of %s: %v", sel, err)
	}
	return text
}

// textProbe is what WaitText reads of the page at each poll.
type textProbe struct {
	Found bool   `json:"found"`
	Text  string `json:"text"`
}

// WaitText returns an action that waits until the textContent of the first
// element matching the CSS selector sel contains substring, polling every
// 50 ms. After 15 seconds, or when ctx ends, it returns an error that says
// whether the element exists and what its text was.
func WaitText(sel, substring string) chromedp.Action[chromedp.Void] {
	quoted, _ := json.Marshal(sel)
	probe := chromedp.Evaluate[textProbe](fmt.Sprintf(
		`(() => { const e = document.querySelector(%s); return {found: !!e, text: e ? e.textContent : ""}; })()`, quoted))
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		ctx, cancel := context.WithTimeout(ctx, waitTimeout)
		defer cancel()
		var last textProbe
		var lastErr error
		for {
			p, err := probe(ctx, t)
			if err == nil && p.Found && strings.Contains(p.Text, substring) {
				return nil
			}
			if err == nil {
				last = p
			}
			lastErr = err
			if err := sleep(ctx, 50*time.Millisecond); err != nil {
				switch {
				case last.Found:
					return fmt.Errorf("wait for %q in %s: its text is still %q: %w", substring, sel, last.Text, err)
				case lastErr != nil:
					return fmt.Errorf("wait for %q in %s: %w (last evaluation: %v)", substring, sel, err, lastErr)
				default:
					return fmt.Errorf("wait for %q in %s: no element matches: %w", substring, sel, err)
				}
			}
		}
	})
}
