package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/batonbot/baton/internal/browsertest"
)

// readmeCommand returns the first command of the first ```sh block under
// the README's section heading.
func readmeCommand(t *testing.T, section string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n## "+section+"\n")
	if i < 0 {
		t.Fatalf("the README has no section %q", section)
	}
	m := regexp.MustCompile("(?s)```sh\n(.*?)\n").FindStringSubmatch(s[i:])
	if m == nil {
		t.Fatalf("the README's %q has no sh block", section)
	}
	return strings.TrimSpace(m[1])
}

// The README's test command is what CI runs: .ci/run runs its commands in
// order, each at the start of a line (CI adds flags after go test's
// packages and pipes its output to a checker).
func TestReadmeTestCommandIsCIs(t *testing.T) {
	cmd := readmeCommand(t, "Run the tests")
	b, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	at := 0
	for _, part := range strings.Split(cmd, " && ") {
		found := false
		for ; at < len(lines) && !found; at++ {
			line := strings.TrimSpace(lines[at])
			found = line == part || strings.HasPrefix(line, part+" ")
		}
		if !found {
			t.Errorf("the README's test command is %q; .ci/run does not run %q (after its earlier parts)", cmd, part)
			return
		}
	}
}

// The README's first command, as a new user runs it: `baton serve` on the
// example flow, then the page in a browser. A typed message, a menu shown
// as buttons, a tap, and a handoff whose ticket is captured and shown at
// /api/tickets. In business hours the flow hands off at once; outside
// them it offers to leave a message, which opens the ticket.
func TestReadmeFirstCommandInBrowser(t *testing.T) {
	cmd := readmeCommand(t, "Try it")
	const want = "go run ./cmd/baton serve examples/flows/support.yaml"
	if cmd != want {
		t.Fatalf("the README's first command is %q; this test runs %q: update one of them", cmd, want)
	}
	addr := freeAddr(t)
	base := "http://" + addr
	stderr := startServe(t, filepath.Join("..", "..", "examples/flows/support.yaml"), "--listen", addr)
	if !strings.Contains(stderr.String(), "open "+base+"/ in a browser") {
		t.Errorf("serve does not say what to open:\n%s", stderr)
	}
	if !strings.Contains(stderr.String(), "handoffs are captured at "+base+"/api/tickets and in the log") {
		t.Errorf("serve does not say where the captured handoffs are, as the README does:\n%s", stderr)
	}

	actx, cancel := chromedp.NewExecAllocator(context.Background(), browsertest.Options(browsertest.Chromium(t), t.TempDir())...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute) // only ends a hang
	defer cancel()
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	button := func(id string) chromedp.CSS {
		return chromedp.CSS(`#log li.bot:last-child .options button[data-id="` + id + `"]`)
	}
	run(chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("text")),
		chromedp.SendKeys(chromedp.ID("text"), "ciao"),
		chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(button("talk")))
	run(chromedp.Click(button("talk")))
	path, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
		const last = document.querySelector("#log li.bot:last-child");
		if (!last) return null;
		if (last.querySelector('button[data-id="leave_request"]')) return "after hours";
		return /colleg/.test(last.textContent) ? "in hours" : null;
	})()`, chromedp.WithPollingTimeout(time.Minute)))
	if err != nil {
		t.Fatalf("after tapping %q neither the handoff nor the after-hours offer came: %v", "Parla con noi", err)
	}
	t.Logf("the %s path", path)
	if path == "after hours" {
		run(chromedp.Click(button("leave_request")))
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => {
			const last = document.querySelector("#log li.bot:last-child");
			return !!last && /Scrivimi/.test(last.textContent);
		})()`,
			chromedp.WithPollingTimeout(time.Minute))); err != nil {
			t.Fatalf("the request is not asked for: %v", err)
		}
		run(chromedp.SendKeys(chromedp.ID("text"), "Il pacco A12345 è arrivato rotto"), chromedp.Click(chromedp.ID("send")))
	}
	var tickets struct {
		Tickets []struct {
			Handoff struct {
				ConversationID string `json:"conversation_id"`
				Reason         string
				Transcript     []struct{ Text, Choice string }
			}
		}
	}
	waitUntil(t, "the captured ticket at /api/tickets", func() bool {
		resp, err := http.Get(base + "/api/tickets")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&tickets) == nil && len(tickets.Tickets) == 1
	})
	h := tickets.Tickets[0].Handoff
	var said []string
	for _, m := range h.Transcript {
		said = append(said, m.Text+"/"+m.Choice)
	}
	if !strings.HasPrefix(h.ConversationID, "web:web:") || h.Reason == "" || len(said) == 0 || said[0] != "ciao/" || !strings.Contains(strings.Join(said, "|"), "|talk/Parla con noi|") {
		t.Errorf("the captured ticket: %+v", h)
	}
	if !strings.Contains(stderr.String(), "ticket captured") {
		t.Errorf("the log does not show the ticket:\n%s", stderr)
	}
}

// TestReadmeListsCommandsAndChannels: the README's command table has a row
// for every command, and the README says which channels exist.
func TestReadmeListsCommandsAndChannels(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for name := range commands {
		if !strings.Contains(s, "\n| `baton "+name) {
			t.Errorf("the README's command table has no row for baton %s", name)
		}
	}
	i := strings.Index(s, "\n## Channels\n")
	if i < 0 {
		t.Fatal("the README has no Channels section")
	}
	section := s[i:]
	section = section[:strings.Index(section[1:], "\n## ")+1]
	for _, want := range []string{"WhatsApp Cloud API", "Telegram", "web chat widget", "no other channel"} {
		if !strings.Contains(section, want) {
			t.Errorf("the README's Channels section does not say %q:\n%s", want, section)
		}
	}
	entries, err := os.ReadDir("../../channel")
	if err != nil {
		t.Fatal(err)
	}
	var adapters []string
	for _, e := range entries {
		if e.IsDir() {
			adapters = append(adapters, e.Name())
		}
	}
	if strings.Join(adapters, ",") != "telegram,web,whatsapp" {
		t.Errorf("the channel adapters are %v: say so in the README's Channels section and here", adapters)
	}
}

// DEVELOPERS.md's layout names every package of the module (test helpers,
// generators, examples and internal packages aside), and the packages it
// says import only flows do.
func TestDevelopersLayout(t *testing.T) {
	b, err := os.ReadFile("../../DEVELOPERS.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n## Layout\n")
	if i < 0 {
		t.Fatal("DEVELOPERS.md has no Layout section")
	}
	s = s[i:]
	if j := strings.Index(s[1:], "\n## "); j >= 0 {
		s = s[:j+1]
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \",\"}}", "../../...").Output()
	if err != nil {
		t.Fatal(err)
	}
	const module = "github.com/batonbot/baton/"
	imports := map[string][]string{} // package → the module's packages it imports
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, deps, _ := strings.Cut(line, " ")
		pkg := strings.TrimPrefix(path, module)
		imports[pkg] = []string{}
		for _, d := range strings.Split(deps, ",") {
			if strings.HasPrefix(d, module) {
				imports[pkg] = append(imports[pkg], strings.TrimPrefix(d, module))
			}
		}
		if strings.Contains(pkg, "internal") || strings.HasPrefix(pkg, "examples/") || strings.HasSuffix(pkg, "test") ||
			strings.Contains(pkg, "/gen") || strings.Contains(pkg, "test/") {
			continue
		}
		if !strings.Contains(s, "`"+pkg+"`") && !strings.Contains(s, "`"+pkg+"/`") {
			t.Errorf("DEVELOPERS.md's layout does not name package %s", pkg)
		}
	}
	for _, pkg := range []string{"dsl", "engine", "nlu", "nlu/llm", "entity", "handoff", "sla", "analytics",
		"channel/whatsapp", "channel/telegram", "channel/web", "store", "store/memory", "store/bolt", "store/valkey"} {
		deps, ok := imports[pkg]
		if !ok {
			t.Errorf("no package %s", pkg)
		}
		for _, d := range deps {
			if d != "flows" && !(strings.HasPrefix(pkg, "store/") && d == "store") {
				t.Errorf("%s imports %s; DEVELOPERS.md says it imports only flows", pkg, d)
			}
		}
	}
}
