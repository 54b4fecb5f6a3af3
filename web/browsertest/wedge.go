package browsertest

import (
	"context"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// wedgeGap is the time between two keys of Wedge, as a scanner leaves.
const wedgeGap = 4 * time.Millisecond

// Wedge returns an action that types code into the focused element as a
// keyboard-wedge barcode scanner does, then presses Enter. It first waits for
// the page to render a frame, so that the autofocus of a page just loaded has
// taken effect and the first key is not lost. Each character is a real key,
// 4 ms after the one before: a keyDown carrying the character as its text
// (with the US-layout code, key code and Shift of chromedp's kb table), then
// a keyUp. The GS separator U+001D is a keyDown whose key and text are both
// "\u001d", key code 29. Enter, after the code (and for a "\r" or "\n" in
// it), has key and code "Enter", key code 13 and text "\r". The page sees
// trusted keydown and keyup events and what typing brings (keypress, input),
// never Input.insertText.
func Wedge(code string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := nextFrame(ctx, t); err != nil {
			return err
		}
		for _, r := range code + "\r" {
			for _, ev := range keyEvents(r) {
				if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, ev); err != nil {
					return err
				}
			}
			if err := sleep(ctx, wedgeGap); err != nil {
				return err
			}
		}
		return nil
	})
}

// nextFrame waits for the page's next animation frame; browsers focus an
// autofocus element while rendering, before the frame's callbacks run.
var nextFrame = chromedp.Evaluate[chromedp.Void](
	`new Promise(resolve => requestAnimationFrame(() => resolve()))`, chromedp.EvalAwaitPromise)

// keyEvents returns the keyDown and keyUp events that type r.
func keyEvents(r rune) []input.DispatchKeyEventParams {
	down := input.DispatchKeyEventParams{Key: string(r), Text: string(r), UnmodifiedText: string(r)}
	switch r {
	case '\x1d':
		down.WindowsVirtualKeyCode, down.NativeVirtualKeyCode = 29, 29
	case '\r', '\n':
		down = input.DispatchKeyEventParams{Key: "Enter", Code: "Enter", Text: "\r", UnmodifiedText: "\r",
			WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}
	default:
		if k, ok := kb.Keys[r]; ok && k.Print {
			down.Code, down.UnmodifiedText = k.Code, k.Unmodified
			down.WindowsVirtualKeyCode, down.NativeVirtualKeyCode = k.Windows, k.Native
			if k.Shift {
				down.Modifiers = int64(kb.ModifierShift)
			}
		}
	}
	up := down
	up.Text, up.UnmodifiedText = "", ""
	down.Type, up.Type = input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp
	return []input.DispatchKeyEventParams{down, up}
}

// sleep waits for d or until ctx ends, and returns ctx's error then.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
