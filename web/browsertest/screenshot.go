package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// screenshotsEnv names the folder Screenshot writes to.
const screenshotsEnv = "GENUINE_SCREENSHOTS"

// screenshotTimeout bounds the capture of one screenshot.
const screenshotTimeout = 30 * time.Second

// Screenshot writes a full-page PNG of the page of ctx, a context from Page,
// to $GENUINE_SCREENSHOTS/<name>.png and logs the path, creating the folder
// if missing. It does nothing when $GENUINE_SCREENSHOTS is unset or empty.
// name says what the picture shows, such as "till-paid-zh-CN-1280"; a name
// with a path separator fails the test.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		return
	}
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		t.Fatalf("browsertest: screenshot name %q is not a file name", name)
	}
	ctx, cancel := context.WithTimeout(ctx, screenshotTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: screenshot: %v", err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("browsertest: screenshot: %v", err)
	}
	t.Logf("browsertest: screenshot %s", path)
}
