package browsertest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// phoneWidth is the width below which Page emulates a phone; at or above it,
// a desktop screen such as a till's.
const phoneWidth = 768

// Page opens a new tab that speaks lang ("en", "zh-CN": the Accept-Language
// header of its requests, navigator.language and the locale of Intl) with a
// viewport width CSS pixels wide. A width under 768 is a phone: 915 px high,
// with mobile and touch emulation (412 is a common phone); a wider one is a
// desktop 800 px high (1280 for a till). As on a real phone, a page without
// <meta name="viewport" content="width=device-width"> is laid out 980 px
// wide. It returns the tab's context for
// chromedp.Run and chromedp.Do, and closes the tab at t.Cleanup.
//
// The tab records console.error calls, uncaught exceptions, unhandled promise
// rejections and the browser's own error messages (a script or style that
// the CSP blocks, say); at cleanup the test fails listing them, unless the
// test called AllowConsoleErrors with the context. Failed requests are not
// counted: a page that handles an API's 4xx answer has not erred.
func (b *Browser) Page(t testing.TB, lang string, width int) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("browsertest: open tab: %v", err)
	}
	log := &consoleLog{}
	done := log.record(ctx)
	t.Cleanup(func() {
		log.flush(t, ctx)
		cancel()
		<-done
		log.check(t)
	})
	if err := chromedp.Do(ctx, emulate(b.userAgent, lang, width)); err != nil {
		t.Fatalf("browsertest: emulate %s at %d px: %v", lang, width, err)
	}
	return context.WithValue(ctx, consoleKey{}, log)
}

// emulate sets the tab's language and viewport as Page describes.
func emulate(userAgent, lang string, width int) chromedp.Action[chromedp.Void] {
	viewport := chromedp.EmulateViewport(int64(width), 800)
	if width < phoneWidth {
		viewport = chromedp.EmulateViewport(int64(width), 915,
			chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := viewport(ctx, t); err != nil {
			return err
		}
		// The user agent override is what sets both the header and
		// navigator.language; the locale override makes Intl agree.
		if _, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
			UserAgent:      userAgent,
			AcceptLanguage: lang,
		}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{
			Locale: strings.ReplaceAll(lang, "-", "_"),
		})
		return err
	})
}

// AllowConsoleErrors lets the page of ctx, a context from Page, log errors
// and throw without failing the test: for tests of how a page fails. It
// panics when ctx did not come from Page, since it would otherwise allow
// nothing without saying so.
func AllowConsoleErrors(ctx context.Context) {
	log, ok := ctx.Value(consoleKey{}).(*consoleLog)
	if !ok {
		panic("browsertest: AllowConsoleErrors needs a context from Browser.Page")
	}
	log.mu.Lock()
	log.allowed = true
	log.mu.Unlock()
}

// consoleKey is the context key of a tab's consoleLog.
type consoleKey struct{}

// flushTimeout bounds the wait for the console messages still in flight
// at cleanup.
const flushTimeout = 10 * time.Second

// consoleLog holds the errors a tab reported on its console.
type consoleLog struct {
	mu      sync.Mutex
	errors  []string
	allowed bool
	marks   map[string]bool // the flush marks seen
}

// record collects the tab's console errors until ctx ends; the channel it
// returns closes then.
func (l *consoleLog) record(ctx context.Context) <-chan struct{} {
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			l.add(m)
		}
	}()
	return done
}

// flushPrefix starts the console.debug message that flush writes.
const flushPrefix = "browsertest-flush-"

// add keeps m if it is an error.
func (l *consoleLog) add(m chromedp.ConsoleMessage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case m.Type == chromedp.ConsoleDebug && strings.HasPrefix(m.Text, flushPrefix):
		if l.marks == nil {
			l.marks = map[string]bool{}
		}
		l.marks[m.Text] = true
	case m.Source == "network":
		// A failed request; the page's own reaction is what counts.
	case m.Type == chromedp.ConsoleError, m.Type == chromedp.ConsoleException, m.Type == "assert":
		e := m.String()
		if m.URL != "" {
			e += fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
		}
		l.errors = append(l.errors, e)
	}
}

// flush waits until every message the tab wrote before it has been added:
// it writes a mark to the console and waits for the mark, since messages
// arrive in order.
func (l *consoleLog) flush(t testing.TB, ctx context.Context) {
	mark := fmt.Sprintf("%s%d", flushPrefix, time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(ctx, flushTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("console.debug(%q)", mark))); err != nil {
		t.Logf("browsertest: console not flushed, the errors listed may be incomplete: %v", err)
		return
	}
	for {
		l.mu.Lock()
		seen := l.marks[mark]
		l.mu.Unlock()
		if seen {
			return
		}
		select {
		case <-ctx.Done():
			t.Logf("browsertest: console not flushed within %v, the errors listed may be incomplete", flushTimeout)
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// check fails the test listing the console errors, unless they were allowed.
func (l *consoleLog) check(t testing.TB) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.allowed || len(l.errors) == 0 {
		return
	}
	t.Errorf("browsertest: the page logged %d console error(s) (call AllowConsoleErrors if the test expects them):\n\t%s",
		len(l.errors), strings.Join(l.errors, "\n\t"))
}
