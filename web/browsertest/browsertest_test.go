package browsertest

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// csp is the policy of every test page: as strict as genuine's own pages.
const csp = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'"

// serve starts a server for the test that answers each path of files with
// its content under csp, /page.css with an empty style sheet unless files
// has one, and 404 otherwise.
func serve(t *testing.T, files map[string]string) *httptest.Server {
	t.Helper()
	if _, ok := files["/page.css"]; !ok {
		files["/page.css"] = ""
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		ctype := "text/html; charset=utf-8"
		switch {
		case strings.HasSuffix(r.URL.Path, ".js"):
			ctype = "text/javascript; charset=utf-8"
		case strings.HasSuffix(r.URL.Path, ".css"):
			ctype = "text/css; charset=utf-8"
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Security-Policy", csp)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// page returns an HTML document with a language, a title, a viewport for
// phones and a main landmark around body, so that axe-core has nothing to say
// about the frame.
func page(body string) string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
		`<meta name="viewport" content="width=device-width, initial-scale=1">` +
		`<link rel="stylesheet" href="/page.css"><title>test</title></head><body><main><h1>Test</h1>` +
		body + `</main></body></html>`
}

// fakeTB records what the helpers report instead of failing the test. Its
// Fatal and Skip end only the goroutine of run, as the testing package's do,
// and its cleanups run when run ends.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	skipped  []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.record(&f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Error(args ...any)                 { f.record(&f.errors, fmt.Sprint(args...)) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.Errorf(format, args...); runtime.Goexit() }
func (f *fakeTB) Fatal(args ...any)                 { f.Error(args...); runtime.Goexit() }
func (f *fakeTB) FailNow()                          { f.Error("FailNow"); runtime.Goexit() }
func (f *fakeTB) Skip(args ...any)                  { f.record(&f.skipped, fmt.Sprint(args...)); runtime.Goexit() }
func (f *fakeTB) Skipf(format string, args ...any) {
	f.record(&f.skipped, fmt.Sprintf(format, args...))
	runtime.Goexit()
}
func (f *fakeTB) Cleanup(fn func()) { f.mu.Lock(); f.cleanups = append(f.cleanups, fn); f.mu.Unlock() }

func (f *fakeTB) record(to *[]string, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	*to = append(*to, msg)
}

// run calls fn with f on a goroutine of its own, then f's cleanups, last
// first, and returns what f recorded as errors.
func (f *fakeTB) run(fn func(tb testing.TB)) []string {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for _, c := range slices.Backward(f.cleanups) {
				c()
			}
		}()
		fn(f)
	}()
	<-done
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.errors)
}

// TestWedge types two scans, an element string with a GS separator and a
// Digital Link URL, and checks that the page saw each character as a trusted
// keydown, the GS as "\x1d", and Enter after each.
func TestWedge(t *testing.T) {
	srv := serve(t, map[string]string{
		"/": page(`<label>Scan <input id="scan" autofocus></label><script src="/keys.js"></script>`),
		"/keys.js": `window.keys = [];
document.getElementById("scan").addEventListener("keydown", e => window.keys.push((e.isTrusted ? "" : "untrusted:") + e.key));`,
	})
	ctx := New(t).Page(t, "en", 1280)
	scans := []string{
		"(01)09506000134352(17)271231\x1d(10)LOT-7a",
		"https://id.example.com/01/09506000134352/21/ABC123?17=271231",
	}
	var want []string
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	for _, s := range scans {
		if err := chromedp.Do(ctx, Wedge(s)); err != nil {
			t.Fatal(err)
		}
		for _, r := range s {
			want = append(want, string(r))
		}
		want = append(want, "Enter")
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string]("window.keys"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("keys the page saw:\n got %q\nwant %q", got, want)
	}
}

// TestAxe checks that Axe fails a test on a button with no name, a critical
// violation, and names the rule and the element; and that it passes a page
// with nothing serious.
func TestAxe(t *testing.T) {
	srv := serve(t, map[string]string{
		"/bad":  page(`<button id="nameless"></button>`),
		"/good": page(`<p>Every product has a code.</p><button>Scan</button>`),
	})
	b := New(t)

	var violations []Violation
	errs := (&fakeTB{TB: t}).run(func(tb testing.TB) {
		ctx := b.Page(tb, "en", 1280)
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/bad")); err != nil {
			t.Error(err)
			return
		}
		violations = Axe(tb, ctx)
	})
	if len(errs) != 1 || !strings.Contains(errs[0], "button-name (critical)") || !strings.Contains(errs[0], "#nameless") {
		t.Errorf("Axe on a nameless button reported %q, want one error naming button-name (critical) and #nameless", errs)
	}
	i := slices.IndexFunc(violations, func(v Violation) bool { return v.ID == "button-name" })
	if i < 0 || !slices.Contains(violations[i].Targets, "#nameless") {
		t.Errorf("Axe returned %v, want button-name on #nameless", violations)
	}

	ctx := b.Page(t, "en", 1280)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/good")); err != nil {
		t.Fatal(err)
	}
	for _, v := range Axe(t, ctx) { // a serious one has already failed t
		t.Logf("minor violation on the clean page: %s", v)
	}
}

// TestScreenshot checks that Screenshot writes a PNG of the whole page, not
// only the viewport, into a folder it creates, and nothing when
// GENUINE_SCREENSHOTS is unset.
func TestScreenshot(t *testing.T) {
	srv := serve(t, map[string]string{
		"/":         page(`<div class="tall">tall</div>`),
		"/page.css": `.tall { height: 2000px }`,
	})
	ctx := New(t).Page(t, "en", 412)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}

	t.Setenv("GENUINE_SCREENSHOTS", "")
	Screenshot(t, ctx, "none")

	dir := filepath.Join(t.TempDir(), "shots")
	t.Setenv("GENUINE_SCREENSHOTS", dir)
	Screenshot(t, ctx, "tall-en-412")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "tall-en-412.png" {
		t.Fatalf("screenshot folder holds %v, want only tall-en-412.png", entries)
	}
	data, err := os.ReadFile(filepath.Join(dir, "tall-en-412.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot starts %q, not with the PNG signature", data[:min(8, len(data))])
	}
	img, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 412 || img.Height < 2000 {
		t.Errorf("screenshot is %dx%d, want 412 wide and the page's 2000+ px high", img.Width, img.Height)
	}
}

// scanJS is a page script that reads the camera with getUserMedia, draws
// frames to a canvas and decodes them with jsQR until one holds a QR code.
const scanJS = `const out = document.getElementById("result");
const video = document.createElement("video");
video.muted = true;
video.playsInline = true;
const canvas = document.createElement("canvas");
navigator.mediaDevices.getUserMedia({video: true}).then(stream => {
  video.srcObject = stream;
  return video.play();
}).then(() => {
  const timer = setInterval(() => {
    if (!video.videoWidth) return;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const g = canvas.getContext("2d", {willReadFrequently: true});
    g.drawImage(video, 0, 0);
    const img = g.getImageData(0, 0, canvas.width, canvas.height);
    const code = jsQR(img.data, img.width, img.height);
    if (code) {
      out.textContent = "decoded:" + code.data;
      clearInterval(timer);
    }
  }, 100);
}).catch(e => { out.textContent = "camera failed: " + e; });
`

// TestCamera checks that a page reads, through getUserMedia and jsQR, the QR
// code that QRVideo draws and WithFakeCamera plays.
func TestCamera(t *testing.T) {
	jsqr, err := os.ReadFile("../static/vendor/jsqr.js")
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, map[string]string{
		"/":        page(`<output id="result"></output><script src="/jsqr.js"></script><script src="/scan.js"></script>`),
		"/jsqr.js": string(jsqr),
		"/scan.js": scanJS,
	})
	const content = "https://id.example.com/01/09506000134352/21/ABC123"
	ctx := New(t, WithFakeCamera(QRVideo(t, content))).Page(t, "en", 412)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL), WaitText("#result", "decoded:")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS("#result")))
	if err != nil {
		t.Fatal(err)
	}
	if got != "decoded:"+content {
		t.Errorf("the page decoded %q, want %q", got, "decoded:"+content)
	}
}

// TestPageLanguageAndViewport checks that a zh-CN phone tab sends
// Accept-Language zh-CN, says zh-CN in navigator.language and Intl, and is
// 412×915 with touch; and that an en till tab is 1280×800 without touch.
func TestPageLanguageAndViewport(t *testing.T) {
	var mu sync.Mutex
	var acceptLanguage string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		if r.URL.Path == "/page.css" {
			w.Header().Set("Content-Type", "text/css")
			return
		}
		if r.URL.Path == "/" {
			mu.Lock()
			acceptLanguage = r.Header.Get("Accept-Language")
			mu.Unlock()
		}
		fmt.Fprint(w, page(""))
	}))
	defer srv.Close()
	b := New(t)

	type seen struct {
		Language string `json:"language"`
		Intl     string `json:"intl"`
		Width    int    `json:"width"`
		Height   int    `json:"height"`
		Touch    bool   `json:"touch"`
	}
	const probe = `({language: navigator.language, intl: Intl.NumberFormat().resolvedOptions().locale,
		width: window.innerWidth, height: window.innerHeight, touch: navigator.maxTouchPoints > 0})`
	for _, c := range []struct {
		lang  string
		width int
		want  seen
	}{
		{"zh-CN", 412, seen{"zh-CN", "zh-CN", 412, 915, true}},
		{"en", 1280, seen{"en", "en", 1280, 800, false}},
	} {
		ctx := b.Page(t, c.lang, c.width)
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[seen](probe))
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("Page(%s, %d) shows %+v, want %+v", c.lang, c.width, got, c.want)
		}
		mu.Lock()
		if acceptLanguage != c.lang {
			t.Errorf("Page(%s, %d) sent Accept-Language %q, want %q", c.lang, c.width, acceptLanguage, c.lang)
		}
		mu.Unlock()
	}
}

// TestConsoleErrors checks that a page that throws, rejects a promise, logs
// an error or has its inline script blocked by the CSP fails the test at
// cleanup, unless AllowConsoleErrors; and that a handled 404 does not.
func TestConsoleErrors(t *testing.T) {
	b := New(t)
	for _, c := range []struct {
		name, body, script string
		allow              bool
		want               string // in the error; "" for none
	}{
		{name: "throw", script: `throw new Error("boom at load")`, want: "boom at load"},
		{name: "throw allowed", script: `throw new Error("boom at load")`, allow: true},
		{name: "rejection", script: `Promise.reject(new Error("never caught"))`, want: "never caught"},
		{name: "console.error", script: `console.error("went wrong", 42)`, want: "went wrong 42"},
		{name: "inline script", body: `<script>document.title = "x"</script>`, want: "Content Security Policy"},
		{name: "handled 404", script: `fetch("/missing").then(r => { document.title = r.status })`},
		{name: "clean", script: `console.log("all is well")`},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := serve(t, map[string]string{
				"/":        page(c.body + `<script src="/page.js"></script>`),
				"/page.js": c.script,
			})
			errs := (&fakeTB{TB: t}).run(func(tb testing.TB) {
				ctx := b.Page(tb, "en", 1280)
				if c.allow {
					AllowConsoleErrors(ctx)
				}
				if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
					t.Error(err)
				}
			})
			switch {
			case c.want == "" && len(errs) > 0:
				t.Errorf("reported %q, want nothing", errs)
			case c.want != "" && (len(errs) != 1 || !strings.Contains(errs[0], c.want)):
				t.Errorf("reported %q, want one error containing %q", errs, c.want)
			}
		})
	}
}

// TestNoChromium checks that without Chromium New skips, saying how to
// install it, and fails instead when GENUINE_TEST_BROWSER=required.
func TestNoChromium(t *testing.T) {
	const install = "apt-get install -y chromium fonts-noto-cjk"
	t.Setenv("GENUINE_CHROMIUM", "/nonexistent/chromium")

	t.Setenv("GENUINE_TEST_BROWSER", "")
	f := &fakeTB{TB: t}
	errs := f.run(func(tb testing.TB) { New(tb) })
	if len(errs) != 0 || len(f.skipped) != 1 || !strings.Contains(f.skipped[0], install) {
		t.Errorf("New without Chromium: errors %q, skipped %q; want a skip saying %q", errs, f.skipped, install)
	}

	t.Setenv("GENUINE_TEST_BROWSER", "required")
	f = &fakeTB{TB: t}
	errs = f.run(func(tb testing.TB) { New(tb) })
	if len(errs) != 1 || len(f.skipped) != 0 || !strings.Contains(errs[0], install) {
		t.Errorf("New without Chromium, required: errors %q, skipped %q; want one failure saying %q", errs, f.skipped, install)
	}
}
