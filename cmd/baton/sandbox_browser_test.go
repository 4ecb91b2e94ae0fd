package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/batonbot/baton/internal/browsertest"
	"github.com/batonbot/baton/internal/flowtest"
)

// The web sandbox (`baton sandbox`) driven in headless Chromium, as a
// designer uses it. The tests share one browser (a tab each), fail when
// Chromium is missing (.ci/run installs it) and keep a screenshot each
// under $BATON_TEST_ARTIFACTS, else testdata/out.

var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	dir    string
	err    error
}

// stopBrowser ends the shared browser (TestMain).
func stopBrowser() {
	if browser.cancel != nil {
		browser.cancel()
	}
	if browser.dir != "" {
		os.RemoveAll(browser.dir)
	}
}

// tab opens a tab in the shared browser; console errors fail the test.
func tab(t *testing.T) context.Context {
	t.Helper()
	bin := browsertest.Chromium(t)
	b := &browser
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "baton-chromium-"); b.err != nil {
			return
		}
		actx, acancel := chromedp.NewExecAllocator(context.Background(), browsertest.Options(bin, b.dir)...)
		bctx, bcancel := chromedp.NewContext(actx)
		b.ctx, b.cancel = bctx, func() { bcancel(); acancel() }
		if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
			b.err = fmt.Errorf("starting %s: %w", bin, err)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	var mu sync.Mutex
	var problems []string
	listen, stop := context.WithCancel(ctx)
	// Console attaches the tab here, before the test navigates: in the
	// goroutine it would race with the first action over the new target.
	console := chromedp.Console(listen)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				problems = append(problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		stop()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("the page reported: %s", p)
		}
	})
	return ctx
}

// artifact is where a test keeps its screenshot.
func artifact(t *testing.T, name string) string {
	dir := os.Getenv("BATON_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "out")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// screenshot keeps the page as the test left it (also when it failed).
func screenshot(t *testing.T, ctx context.Context) {
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	p := artifact(t, t.Name()+".png")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Error(err)
		return
	}
	t.Logf("screenshot: %s", p)
}

var sandboxURLRE = regexp.MustCompile(`open (http://\S+/) in a browser`)

// startSandbox runs `baton sandbox ARGS --listen 127.0.0.1:0` until the
// test ends and returns the page's URL.
func startSandbox(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &lockedBuffer{}
	e := &env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: stderr, getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, append([]string{"sandbox", "--listen", "127.0.0.1:0"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("baton sandbox did not stop")
		}
	})
	// Generous: under the race detector on a busy machine the NLU prior alone
	// takes several seconds to train.
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		if m := sandboxURLRE.FindStringSubmatch(stderr.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("baton sandbox exited with %d:\n%s", code, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("baton sandbox did not start:\n%s", stderr.String())
	return ""
}

const (
	supportYAML    = "../../examples/flows/support.yaml"
	helpdeskCfg    = "../../examples/tests/configs/helpdesk.yaml"
	sandboxMorning = "2026-03-03T10:30:00+01:00" // a Tuesday, in business hours
)

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitJS waits until js is true.
func waitJS(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("waiting for %s: %v", js, err)
	}
}

// setInput sets a field's value as typing would (an input event).
func setInput(t *testing.T, ctx context.Context, id, value string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const el = document.getElementById(%q); el.value = %q; el.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`, id, value)
	eval[bool](t, ctx, js)
}

// say types a customer's message into the chat and sends it.
func say(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	n := eval[int](t, ctx, `document.querySelectorAll("#chat .msg.user").length`)
	do(t, ctx, chromedp.SendKeys(chromedp.ID("composer-text"), text), chromedp.Click(chromedp.ID("composer-send")))
	waitJS(t, ctx, fmt.Sprintf(`document.querySelectorAll("#chat .msg.user").length > %d && document.querySelector("main.panes").dataset.busy === "false"`, n))
}

func open(t *testing.T, url string) context.Context {
	t.Helper()
	ctx := tab(t)
	t.Cleanup(func() { screenshot(t, ctx) })
	do(t, ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("composer-text")))
	return ctx
}

// A menu's reply buttons look as WhatsApp draws them, at most three, and a
// tap sends the option's id: the flow moves on as the button says.
func TestSandboxMenuButtonInBrowser(t *testing.T) {
	ctx := open(t, startSandbox(t, "--now", sandboxMorning, supportYAML))
	say(t, ctx, "ciao")
	waitJS(t, ctx, `document.querySelectorAll('#chat .wa-buttons button').length === 3`)
	buttons := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#chat .wa-buttons button")).map(b => b.dataset.id + "=" + b.textContent)`)
	if strings.Join(buttons, ",") != "order=↩ Stato ordine,faq=↩ Domande frequenti,talk=↩ Parla con noi" {
		t.Errorf("the menu's buttons are %q", buttons)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`#chat .wa-buttons button[data-id="order"]`)))
	waitJS(t, ctx, `Array.from(document.querySelectorAll("#chat .msg.bot")).some(m => m.innerText.includes("numero dell'ordine"))`)
	tapped := eval[string](t, ctx, `document.querySelector('#chat .msg.user[data-kind="button"]').innerText`)
	if !strings.Contains(tapped, "Stato ordine") {
		t.Errorf("the tap shows as %q", tapped)
	}
	// The inspector shows the step: a button, the menu check that took it.
	waitJS(t, ctx, `document.querySelector('#inspector .step-detail .state').textContent === "ask_order"`)
	check := eval[string](t, ctx, `document.querySelector('#inspector table.checks tr.fired').innerText`)
	if !strings.Contains(check, "menu") || !strings.Contains(check, "order") || !strings.Contains(check, "button") {
		t.Errorf("the fired check reads %q", check)
	}
	// The FAQ's list: WhatsApp's list picker, rows and Send.
	say(t, ctx, "menu")
	do(t, ctx, chromedp.Click(chromedp.CSS(`#chat .msg.bot:last-of-type .wa-buttons button[data-id="faq"]`)))
	waitJS(t, ctx, `!!document.querySelector('#chat .msg.bot:last-of-type .wa-list-open')`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`#chat .msg.bot:last-of-type .wa-list-open`)),
		chromedp.Click(chromedp.CSS(`.wa-sheet .wa-list-row[data-id="payments"]`)),
		chromedp.Click(chromedp.CSS(`.wa-sheet .wa-list-send`)))
	waitJS(t, ctx, `Array.from(document.querySelectorAll("#chat .msg.bot")).some(m => m.innerText.includes("PayPal"))`)
}

// Free text that escalates: the handoff pane shows the routing decision
// and the request Zendesk would get, as `chat --config` shows it.
func TestSandboxHandoffRequestInBrowser(t *testing.T) {
	ctx := open(t, startSandbox(t, "--now", sandboxMorning, "--config", helpdeskCfg, supportYAML))
	say(t, ctx, "ciao")
	say(t, ctx, "vorrei un rimborso per l'ordine A12345")
	waitJS(t, ctx, `document.querySelector('#tab-handoffs .count') && document.querySelector('#tab-handoffs .count').textContent === "1"`)
	do(t, ctx, chromedp.Click(chromedp.ID("tab-handoffs")), chromedp.WaitVisible(chromedp.CSS(`#handoffs .handoff`)))
	summary := eval[string](t, ctx, `document.querySelector('#handoffs .handoff .summary').innerText`)
	if !strings.Contains(summary, "team billing") || !strings.Contains(summary, "priority high") {
		t.Errorf("the handoff reads %q", summary)
	}
	route := eval[string](t, ctx, `document.querySelector('#handoffs .route').innerText`)
	if !strings.Contains(route, "zendesk") || !strings.Contains(route, "anna@acme.example") {
		t.Errorf("the routing decision reads %q", route)
	}
	line := eval[string](t, ctx, `document.querySelector('#handoffs .request[data-op="open"] .request-line').textContent`)
	if line != "POST https://acme.zendesk.com/api/v2/tickets" {
		t.Errorf("the ticket request is %q", line)
	}
	body := eval[string](t, ctx, `document.querySelector('#handoffs .request[data-op="open"] pre').textContent`)
	for _, want := range []string{"Idempotency-Key: test-1-2-1", "Authorization: Basic [redacted]", `"group_id": 360001111111`, `"priority": "high"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the ticket request lacks %q:\n%s", want, body)
		}
	}
	// The chat says so too.
	waitJS(t, ctx, `Array.from(document.querySelectorAll("#chat .msg.bot")).some(m => m.innerText.includes("team Billing"))`)
}

// The graph lights the current state and marks the path taken; clicking a
// state shows its YAML with its position.
func TestSandboxGraphHighlightsCurrentStateInBrowser(t *testing.T) {
	ctx := open(t, startSandbox(t, "--now", sandboxMorning, supportYAML))
	current := func() []string {
		return eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#graph g.node.current")).map(n => n.dataset.id)`)
	}
	if c := current(); len(c) != 0 {
		t.Errorf("before the first message the current state is %q", c)
	}
	say(t, ctx, "ciao")
	waitJS(t, ctx, `!!document.querySelector('#graph g.node.current[data-id="main_menu"]')`)
	say(t, ctx, "1")
	waitJS(t, ctx, `!!document.querySelector('#graph g.node.current[data-id="ask_order"]')`)
	if c := current(); len(c) != 1 || c[0] != "ask_order" {
		t.Errorf("the current states are %q, want ask_order alone", c)
	}
	visited := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#graph g.node.visited")).map(n => n.dataset.id).sort()`)
	if strings.Join(visited, ",") != "ask_order,main_menu,welcome" {
		t.Errorf("visited %q", visited)
	}
	taken := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#graph g.edge.taken")).map(e => e.dataset.from + ">" + e.dataset.to).sort()`)
	if strings.Join(taken, ",") != "main_menu>ask_order,welcome>main_menu" {
		t.Errorf("the path drawn is %q", taken)
	}
	fill := eval[string](t, ctx, `getComputedStyle(document.querySelector('#graph g.node.current rect')).fill`)
	if fill != "rgb(232, 89, 12)" {
		t.Errorf("the current state is filled %s, not the accent", fill)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`#graph g.node[data-id="ask_order"]`)), chromedp.WaitVisible(chromedp.ID("source-pos")))
	pos := eval[string](t, ctx, `document.getElementById("source-pos").textContent`)
	if !regexp.MustCompile(`examples/flows/support\.yaml:\d+:3$`).MatchString(pos) {
		t.Errorf("the state's position reads %q", pos)
	}
	yaml := eval[string](t, ctx, `document.querySelector('#source pre').textContent`)
	if !strings.Contains(yaml, "ask_order:") || !strings.Contains(yaml, "save_as: order_id") || strings.Contains(yaml, "  lookup:") {
		t.Errorf("the state's YAML:\n%s", yaml)
	}
}

// Rules that end the conversation themselves (an option, a route, a next:
// rule, a trigger, a ladder step, a timeout) are drawn to an "end" node,
// as `baton graph` draws them.
func TestSandboxGraphDrawsRulesThatEndInBrowser(t *testing.T) {
	ctx := open(t, startSandbox(t, "--now", sandboxMorning, "../../graph/testdata/flows/ends.yaml"))
	waitJS(t, ctx, `!!document.querySelector('#graph g.node[data-id="/end"][data-shape="end_"]')`)
	ends := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#graph g.edge[data-to="/end"]')).map(e => e.dataset.from).sort()`)
	if got := strings.Join(ends, ","); got != "*,*,*,a,b,c,c" {
		t.Errorf("the edges to the end start at %q", got)
	}
	circles := eval[int](t, ctx, `document.querySelectorAll('#graph g.node[data-id="/end"] circle').length`)
	if circles != 2 {
		t.Errorf("the end node has %d circles, want a double circle", circles)
	}
	// Taken, the option's edge to the end is lit, as every move is.
	say(t, ctx, "hi")
	say(t, ctx, "X")
	waitJS(t, ctx, `Array.from(document.querySelectorAll("#chat .msg")).some(m => m.innerText.includes("ended"))`)
	taken := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#graph g.edge.taken")).map(e => e.dataset.from + ">" + e.dataset.to).sort()`)
	if got := strings.Join(taken, ","); got != "a>/end" {
		t.Errorf("the path drawn is %q, want the option's edge to the end", got)
	}
	// The flow's no-match ladder ends it: its edge is the one lit among
	// those that leave any state for the end.
	do(t, ctx, chromedp.Click(chromedp.ID("reset")))
	waitJS(t, ctx, `document.querySelectorAll("#chat .msg.user").length === 0`)
	say(t, ctx, "hi")
	say(t, ctx, "what?")
	say(t, ctx, "what?")
	waitJS(t, ctx, `!!document.querySelector('#graph g.edge.taken[data-from="*"][data-to="/end"]')`)
	lit := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#graph g.edge.taken[data-to="/end"] title')).map(e => e.textContent)`)
	if len(lit) != 1 || !strings.HasPrefix(lit[0], "no match 2") {
		t.Errorf("the edges to the end lit are %q, want the ladder's", lit)
	}
}

// Moving the clock past the no-reply timeout fires it: the reminder shows,
// then the next timeout is the one pending.
func TestSandboxClockFiresTimeoutInBrowser(t *testing.T) {
	ctx := open(t, startSandbox(t, "--now", sandboxMorning, supportYAML))
	say(t, ctx, "ciao")
	waitJS(t, ctx, `!!document.getElementById("clock-next")`)
	next := eval[string](t, ctx, `document.getElementById("clock-next").textContent`)
	if !strings.Contains(next, "10:40") || !strings.Contains(next, "in 10m") {
		t.Errorf("the next timeout reads %q", next)
	}
	// Set the clock to 10:45 with the date and time field.
	setInput(t, ctx, "clock-input", "2026-03-03T10:45")
	do(t, ctx, chromedp.Click(chromedp.ID("clock-set")))
	waitJS(t, ctx, `Array.from(document.querySelectorAll("#chat .msg.bot")).some(m => m.innerText.includes("Ci sei ancora?"))`)
	now := eval[string](t, ctx, `document.getElementById("clock-now").textContent`)
	if !strings.Contains(now, "Tue 3 Mar 2026, 10:45") {
		t.Errorf("the clock reads %q", now)
	}
	fired := eval[bool](t, ctx, `Array.from(document.querySelectorAll("#chat .msg.system.timer")).some(m => m.innerText.includes("10:40"))`)
	if !fired {
		t.Error("the chat does not say when the timeout fired")
	}
	waitJS(t, ctx, `document.getElementById("clock-next") && document.getElementById("clock-next").textContent.includes("10:30")`)
}

// "Save as test" writes a test file of the conversation that passes.
func TestSandboxSaveAsTestInBrowser(t *testing.T) {
	dir := t.TempDir()
	ctx := open(t, startSandbox(t, "--now", sandboxMorning, "--config", helpdeskCfg, "--tests", dir, "--channel", "telegram", supportYAML))
	say(t, ctx, "ciao")
	waitJS(t, ctx, `document.querySelectorAll('#chat .tg-keyboard button').length === 3`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`#chat .tg-keyboard button[data-id="order"]`)))
	waitJS(t, ctx, `document.querySelectorAll("#inspector .step").length === 2`)
	say(t, ctx, "il mio ordine è A12345")
	say(t, ctx, "voglio parlare con un operatore")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("agent-text"), "Ciao, sono Marco: vedo il tuo ordine."), chromedp.Click(chromedp.ID("agent-reply")))
	waitJS(t, ctx, `Array.from(document.querySelectorAll("#chat .msg.agent")).some(m => m.innerText.includes("sono Marco"))`)
	do(t, ctx, chromedp.Click(chromedp.ID("agent-solve")))
	waitJS(t, ctx, `document.querySelectorAll("#inspector .step").length === 6`)
	setInput(t, ctx, "test-name", "order then agent")
	// Download with a name the server refuses says why, as Save does,
	// instead of fetching the server's error as the file.
	do(t, ctx, chromedp.Click(chromedp.ID("download-test")))
	waitJS(t, ctx, `!!document.querySelector(".save .error")`)
	if u := eval[string](t, ctx, `location.href`); strings.Contains(u, "test.yaml") {
		t.Errorf("the page went to %s", u)
	}
	setInput(t, ctx, "test-name", "order_then_agent")
	waitJS(t, ctx, `!document.querySelector(".save .error")`)
	setInput(t, ctx, "test-name", "order then agent")
	do(t, ctx, chromedp.Click(chromedp.ID("save-test")))
	// A name with spaces is refused, with the reason.
	waitJS(t, ctx, `!!document.querySelector(".save .error")`)
	setInput(t, ctx, "test-name", "order_then_agent")
	do(t, ctx, chromedp.Click(chromedp.ID("save-test")), chromedp.WaitVisible(chromedp.ID("saved")))
	path := filepath.Join(dir, "order_then_agent.yaml")
	saved := eval[string](t, ctx, `document.querySelector("#saved code").textContent`)
	if saved != path {
		t.Errorf("the page says it saved %q, want %q", saved, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"channel: telegram", "- button: order", "- user: il mio ordine è A12345", "team: support", "- agent: 'Ciao, sono Marco: vedo il tuo ordine.'", "- ticket: solved", "config: "} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the saved test lacks %q:\n%s", want, b)
		}
	}
	code, stdout, stderr := runCLI(t, "", "test", path)
	if code != exitOK || !strings.HasSuffix(stdout, "1 passed, 0 failed\n") {
		t.Errorf("baton test %s: exit %d\n%s%s\nthe file:\n%s", path, code, stdout, stderr, b)
	}
}

// While the flow on disk has errors, "Save as test" and "Download" write
// nothing and say why, next to the diagnostics.
func TestSandboxSaveAsTestRefusedWhileTheFlowHasErrorsInBrowser(t *testing.T) {
	dir := t.TempDir()
	flow := filepath.Join(flowtest.Copy(t, "../../examples/flows", "support.yaml", "common/escalation.yaml"), "support.yaml")
	ctx := open(t, startSandbox(t, "--now", sandboxMorning, "--tests", dir, flow))
	say(t, ctx, "ciao")
	flowtest.Edit(t, flow, "    next: lookup\n", "    next: lookupp\n")
	waitJS(t, ctx, `!!document.querySelector("#diagnostics.errors")`)
	do(t, ctx, chromedp.Click(chromedp.ID("save-test")))
	waitJS(t, ctx, `(document.querySelector(".save .error") || {}).textContent?.includes("has errors: a test saved now would not run")`)
	setInput(t, ctx, "test-name", "other") // a new name clears the error
	waitJS(t, ctx, `!document.querySelector(".save .error")`)
	do(t, ctx, chromedp.Click(chromedp.ID("download-test")))
	waitJS(t, ctx, `(document.querySelector(".save .error") || {}).textContent?.includes("has errors")`)
	if u := eval[string](t, ctx, `location.href`); strings.Contains(u, "test.yaml") {
		t.Errorf("the page went to %s", u)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("files written: %v", files)
	}
}

// The command line of `baton sandbox`: what it refuses, with which exit
// status.
func TestSandboxCommandLine(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "no flow file given"},
		{[]string{"nope.yaml"}, exitUsage, "nope.yaml: no such file or directory"},
		{[]string{"--config", "nope.yaml", supportYAML}, exitUsage, "--config nope.yaml: no such file or directory"},
		{[]string{"--channel", "sms", supportYAML}, exitUsage, `--channel "sms": use whatsapp, telegram, web`},
		{[]string{"--lang", "fr", supportYAML}, exitUsage, `--lang "fr": the flow speaks it, en`},
		{[]string{"--now", "tomorrow", supportYAML}, exitUsage, "is not an RFC 3339 time"},
		{[]string{"--now", "9999-12-31T23:50:00Z", supportYAML}, exitUsage, "set the clock between the years 1900 and 9000"},
		{[]string{"--var", "nope=1", supportYAML}, exitUsage, `unknown variable "nope"`},
		{[]string{"testdata/flows/broken.yaml"}, exitFailed, "testdata/flows/broken.yaml:"},
		{[]string{"--listen", "256.0.0.1:1", supportYAML}, exitRuntime, "pick another address with --listen"},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, "", append([]string{"sandbox"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("baton sandbox %q: exit %d, want %d with %q:\n%s", tt.args, code, tt.code, tt.want, stderr)
		}
	}
}
