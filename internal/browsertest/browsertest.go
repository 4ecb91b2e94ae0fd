// Package browsertest starts the headless Chromium that Baton's pages are
// tested in (the web chat, the HTML report, the web sandbox): where to find
// it, and the flags every test runs it with. A test that needs a browser
// fails, never skips, when there is none: CI installs Debian's chromium
// (.ci/run).
package browsertest

import (
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// Chromium returns the browser to test in: $BATON_CHROMIUM, else the first
// of chromium, chromium-browser, google-chrome found. Its absence fails
// the test.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("BATON_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	t.Fatal("no Chromium to test the page in: install it (apt-get install chromium; .ci/run does) or set BATON_CHROMIUM")
	return ""
}

// Options are the allocator options of a headless, quiet browser at bin
// with the fresh profile directory dir: no sandbox (containers), no GPU, no
// QUIC, no first-run, background networking, component updates or sync,
// /dev/shm spared, a 1600×1000 window.
func Options(bin, dir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1600, 1000),
	}
}
