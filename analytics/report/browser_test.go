package report_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/batonbot/baton/analytics/analyticstest"
	"github.com/batonbot/baton/analytics/kpi"
	"github.com/batonbot/baton/analytics/report"
	"github.com/batonbot/baton/internal/browsertest"
)

// sampleResult is the KPIs of a generated week of conversations.
func sampleResult(t *testing.T) *kpi.Result {
	t.Helper()
	g := analyticstest.New(analyticstest.Options{Seed: 42})
	c := kpi.New(kpi.Options{})
	for range 60000 {
		ev := g.Next()
		c.Add(&ev)
	}
	c.Close()
	r := c.Result()
	if r.Conversations == 0 || len(r.Series) < 2 || r.CSAT.Responses == 0 || len(r.FirstResponse.ByTeam) == 0 {
		t.Fatalf("the generated events should fill every chart: %+v", r)
	}
	return r
}

func TestHTMLReportRendersInChromium(t *testing.T) {
	bin := browsertest.Chromium(t)
	if !report.ChartJSIntact() {
		t.Fatal("the embedded Chart.js is not the vendored file (see assets/README.md)")
	}
	out := filepath.Join("testoutput")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.HTML(f, sampleResult(t), report.HTMLOptions{Title: "Aurora Shop <support>", Sources: []string{"events.jsonl"}}); err != nil {
		t.Fatal(err)
	}
	f.Close()

	opts := browsertest.Options(bin, t.TempDir())
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}

	var mu sync.Mutex
	var problems, requests []string
	var wg sync.WaitGroup
	listen, stop := context.WithCancel(ctx)
	console := chromedp.Console(listen)
	sent := chromedp.Events(listen, network.RequestWillBeSent)
	wg.Go(func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				mu.Lock()
				problems = append(problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
				mu.Unlock()
			}
		}
	})
	wg.Go(func() {
		for ev, err := range sent {
			if err != nil {
				return
			}
			mu.Lock()
			requests = append(requests, ev.Request.URL)
			mu.Unlock()
		}
	})

	u := url.URL{Scheme: "file", Path: mustAbs(t, page)}
	if err := chromedp.Do(ctx, chromedp.Navigate(u.String()), chromedp.WaitVisible(chromedp.ID("surveys"))); err != nil {
		t.Fatalf("opening the report: %v", err)
	}
	charts, err := chromedp.Run(ctx, chromedp.Poll[int]("window.batonCharts", chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		t.Fatalf("the charts were not drawn: %v", err)
	}
	type canvas struct {
		ID            string
		Width, Height int
		Ink           int
	}
	canvases, err := chromedp.Run(ctx, chromedp.Evaluate[[]canvas](`Array.from(document.querySelectorAll("canvas")).map(c => {
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		let ink = 0;
		for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
		return {ID: c.id, Width: c.width, Height: c.height, Ink: ink};
	})`))
	if err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	stop()
	wg.Wait()
	if err := os.WriteFile(filepath.Join(out, "report.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", filepath.Join(out, "report.png"), len(shot))
	if charts != 7 {
		t.Errorf("%d charts drawn, want 7", charts)
	}
	want := map[string]bool{"hours": true, "weekdays": true, "overtime": true, "reasons": true, "funnel": true, "frt": true, "surveys": true}
	for _, c := range canvases {
		if c.Width < 100 || c.Height < 100 || c.Ink < 2000 {
			t.Errorf("canvas %s is %dx%d with %d drawn pixels: not rendered", c.ID, c.Width, c.Height, c.Ink)
		}
		delete(want, c.ID)
	}
	for id := range want {
		t.Errorf("no canvas %s", id)
	}
	if title != "Aurora Shop <support>" {
		t.Errorf("title %q", title)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("the page reported: %s", p)
	}
	for _, r := range requests {
		if !strings.HasPrefix(r, "file:") && !strings.HasPrefix(r, "data:") && r != "about:blank" {
			t.Errorf("the page fetched %s: a report must be self-contained", r)
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The funnel's bars split each state's entries: moved on, ended there,
// dropped. A handoff there is drawn beside them, not stacked on them: a
// conversation handed off in a state usually ends there too, and stacked
// the bar of a state entered 6 times was 9 long.
func TestHTMLFunnelBarsAreNoLongerThanEntered(t *testing.T) {
	bin := browsertest.Chromium(t)
	r := &kpi.Result{Funnel: []kpi.FunnelState{
		{Flow: "f", State: "welcome", Entered: 6, Left: 1, HandedOff: 4, Ended: 5},
		{Flow: "f", State: "ask", Entered: 3, Left: 1, Dropped: 2},
	}}
	page := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.HTML(f, r, report.HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	actx, cancel := chromedp.NewExecAllocator(context.Background(), browsertest.Options(bin, t.TempDir())...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	u := url.URL{Scheme: "file", Path: mustAbs(t, page)}
	if err := chromedp.Do(ctx, chromedp.Navigate(u.String()), chromedp.WaitVisible(chromedp.ID("funnel"))); err != nil {
		t.Fatalf("opening the report: %v", err)
	}
	// The longest bar of each state: the sum of the datasets of each stack.
	longest, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
		const c = Chart.getChart("funnel");
		return c.data.labels.map((_, i) => {
			const sums = {};
			for (const ds of c.data.datasets) sums[ds.stack || ""] = (sums[ds.stack || ""] || 0) + (ds.data[i] || 0);
			return Math.max(...Object.values(sums));
		});
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(longest) != 2 || longest[0] != 6 || longest[1] != 3 {
		t.Errorf("the funnel's longest bars: %v, want [6 3] (welcome and ask entered 6 and 3 times)", longest)
	}
}
