// Package browsertest drives genuine's pages in headless Chromium for tests:
// one browser per test, tabs with a language and a phone or till viewport
// that fail the test when the page throws, axe-core accessibility checks,
// screenshots, a keyboard-wedge barcode scanner and a fake camera that shows
// a QR code.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// requiredEnv is the environment variable that, set to "required", makes New
// fail the test instead of skipping it when no Chromium is found, as CI does.
const requiredEnv = "GENUINE_TEST_BROWSER"

// chromiumEnv is the environment variable that names the Chromium to run, as a
// path or a program on PATH; it overrides the search for chromium,
// chromium-browser and google-chrome.
const chromiumEnv = "GENUINE_CHROMIUM"

// chromiumNames are the programs New looks for on PATH when chromiumEnv is
// unset, in order.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome"}

// startTimeout bounds the start of Chromium, so that a browser that hangs
// fails the test instead of stalling it until go test's own timeout.
const startTimeout = 60 * time.Second

// Browser is one headless Chromium process, started by New for one test.
// Its tabs come from Page.
type Browser struct {
	ctx       context.Context // the chromedp context of the browser
	userAgent string
}

// config is what the Options of New set.
type config struct {
	camera string // a .y4m file for the fake camera, or ""
}

// Option changes how New starts Chromium.
type Option func(*config)

// WithFakeCamera makes getUserMedia succeed without a prompt and deliver the
// .y4m file at y4mPath as the camera, looped (Chromium's
// --use-fake-ui-for-media-stream, --use-fake-device-for-media-stream and
// --use-file-for-fake-video-capture). QRVideo writes such a file.
func WithFakeCamera(y4mPath string) Option {
	return func(c *config) { c.camera = y4mPath }
}

// New starts one headless Chromium for the test and closes it at t.Cleanup.
// Chromium is $GENUINE_CHROMIUM when that is set, else the first of chromium,
// chromium-browser and google-chrome found on PATH. When there is none, New
// calls t.Skip saying how to install it, or t.Fatal when
// $GENUINE_TEST_BROWSER is "required". A Chromium that is found but does not
// start fails the test.
func New(t testing.TB, opts ...Option) *Browser {
	t.Helper()
	var c config
	for _, o := range opts {
		o(&c)
	}
	path, err := findChromium()
	if err != nil {
		msg := fmt.Sprintf("browsertest: %v; install it with `apt-get install -y chromium fonts-noto-cjk` or name it in %s", err, chromiumEnv)
		if os.Getenv(requiredEnv) == "required" {
			t.Fatal(msg + "; " + requiredEnv + "=required, so this fails")
		}
		t.Skip(msg + "; " + requiredEnv + "=required would make this fail")
	}
	if c.camera != "" {
		if _, err := os.Stat(c.camera); err != nil {
			t.Fatalf("browsertest: fake camera: %v", err)
		}
	}

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocatorOptions(path, c)...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := start(ctx, cancel); err != nil {
		t.Fatalf("browsertest: start %s: %v", path, err)
	}
	v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		t.Fatalf("browsertest: browser version: %v", err)
	}
	return &Browser{ctx: ctx, userAgent: v.UserAgent}
}

// findChromium returns the path of the Chromium to run, or an error saying
// where it looked.
func findChromium() (string, error) {
	if name := os.Getenv(chromiumEnv); name != "" {
		path, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("no Chromium (%s=%s: %w)", chromiumEnv, name, err)
		}
		return path, nil
	}
	for _, name := range chromiumNames {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("no Chromium (none of %s is on PATH)", strings.Join(chromiumNames, ", "))
}

// allocatorOptions are the flags Chromium runs with: headless, without a
// sandbox (tests run as root in containers), and without the background
// requests that stall it on a machine with no network. chromedp gives each
// browser a fresh temporary --user-data-dir and removes it afterwards.
func allocatorOptions(path string, c config) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
	)
	if c.camera != "" {
		opts = append(opts,
			chromedp.Flag("use-fake-ui-for-media-stream", true),
			chromedp.Flag("use-fake-device-for-media-stream", true),
			chromedp.Flag("use-file-for-fake-video-capture", c.camera),
		)
	}
	return opts
}

// start runs Chromium and attaches to its first tab, giving up after
// startTimeout. A timeout on the context of the first Run would bound the
// life of the whole browser, so the wait is a timer that cancels it instead.
func start(ctx context.Context, cancel context.CancelFunc) error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		cancel()
		<-done
		return errors.New("Chromium did not answer within " + startTimeout.String())
	}
}
