package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// liveCLI runs baton in the background with stdin a pipe the test writes.
type liveCLI struct {
	t      *testing.T
	in     *io.PipeWriter
	stdout *lockedBuffer
	stderr *lockedBuffer
	done   chan int
}

func startCLI(t *testing.T, args ...string) *liveCLI {
	t.Helper()
	pr, pw := io.Pipe()
	c := &liveCLI{t: t, in: pw, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan int, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{stdin: pr, stdout: c.stdout, stderr: c.stderr, getenv: func(string) string { return "" }}
	go func() { c.done <- run(ctx, e, args) }()
	t.Cleanup(func() {
		cancel()
		pw.Close()
		select {
		case <-c.done:
		case <-time.After(time.Minute):
			t.Error("the command did not stop")
		}
	})
	return c
}

func (c *liveCLI) send(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		c.t.Fatal(err)
	}
}

// waitFor waits until stdout has want n times. The bound only ends a
// hang: the first answer waits for the NLU prior, seconds of training
// under the race detector on a busy machine.
func (c *liveCLI) waitFor(want string, n int) {
	c.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for strings.Count(c.stdout.String(), want) < n {
		if time.Now().After(deadline) {
			c.t.Fatalf("stdout never had %q %d times:\n%s\nstderr:\n%s", want, n, c.stdout, c.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *liveCLI) end() int {
	c.t.Helper()
	c.in.Close()
	select {
	case code := <-c.done:
		c.done <- code // for the cleanup
		return code
	case <-time.After(time.Minute):
		c.t.Fatal("the command did not end at the end of input")
	}
	return -1
}

const watchFlow = `flow: watched
languages: [en]
start: welcome
states:
  welcome:
    say: "Hello VERSION"
    menu:
      options:
        - {id: order, label: Order, goto: ask}
  ask:
    say: "Your order number, VERSION?"
    ask: {save_as: order_id}
    next: done
  done:
    say: "Thanks VERSION: {{ order_id }}"
    end: true
`

func writeWatchFlow(t *testing.T, path, version string) {
	t.Helper()
	writeFile(t, path, strings.ReplaceAll(watchFlow, "VERSION", version))
}

// TestChatWatch: saving the flow reloads it in the chat, which replays the
// conversation on the new flow and goes on from where it was; a save with
// errors shows them and the chat goes on with the flow it had; the
// recording is made again from the new flow.
func TestChatWatch(t *testing.T) {
	dir := t.TempDir()
	flow, rec := filepath.Join(dir, "bot.yaml"), filepath.Join(dir, "recorded.yaml")
	writeWatchFlow(t, flow, "v1")
	c := startCLI(t, "chat", "--json", "--watch", "--record", rec, "--now", "2026-03-03T10:30:00+01:00", flow)
	c.send("hi")
	c.waitFor(`"text":"Hello v1"`, 1)
	c.send("1")
	c.waitFor(`"text":"Your order number, v1?"`, 1)

	writeWatchFlow(t, flow, "v2")
	c.waitFor(`{"type":"reload"`, 1)
	if out := c.stdout.String(); !strings.Contains(out, `"ok":true,`) || !strings.Contains(out, `"replayed":2,"state":"ask"}`) {
		t.Fatalf("the reload did not replay the conversation:\n%s", c.stdout)
	}
	if strings.Contains(c.stdout.String(), "Hello v2") {
		t.Errorf("the replay was shown:\n%s", c.stdout)
	}

	// A broken save: the errors, and the chat keeps the flow it had.
	writeFile(t, flow, strings.Replace(strings.ReplaceAll(watchFlow, "VERSION", "v3"), "next: done", "next: dnoe", 1))
	c.waitFor(`{"type":"reload"`, 2)
	out := c.stdout.String()
	if !strings.Contains(out, `"ok":false`) || !strings.Contains(out, flow+`:13:11: error:`) {
		t.Fatalf("the broken flow's diagnostics are not shown:\n%s", out)
	}
	c.send("A12345")
	c.waitFor(`"text":"Thanks v2: A12345"`, 1)
	if code := c.end(); code != exitOK {
		t.Fatalf("exit %d\n%s", code, c.stderr)
	}
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bot: Hello v2", "bot: Your order number, v2?", "bot: 'Thanks v2: A12345'"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the recording lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), "v1") {
		t.Errorf("the recording keeps the old flow's replies:\n%s", b)
	}
	writeWatchFlow(t, flow, "v2") // as it was when the recording was made
	code, stdout, stderr := runCLI(t, "", "test", rec)
	wantCode(t, code, exitOK, stdout, stderr)
}

// TestChatWatchText: the text chat says what a reload did, and shows a
// broken flow's diagnostics inline.
func TestChatWatchText(t *testing.T) {
	dir := t.TempDir()
	flow := filepath.Join(dir, "bot.yaml")
	writeWatchFlow(t, flow, "v1")
	c := startCLI(t, "chat", "--watch", "--now", "2026-03-03T10:30:00+01:00", flow)
	c.send("hi")
	c.waitFor("bot: Hello v1", 1)
	writeWatchFlow(t, flow, "v2")
	c.waitFor("reloaded "+flow+": the conversation's 1 step replayed on it, still in state welcome", 1)
	writeFile(t, flow, "flow: broken\nstates: [\n")
	c.waitFor("changed and has 1 error: the chat goes on with the flow as it was; save again once fixed", 1)
	if !strings.Contains(c.stdout.String(), "  ! "+flow+":") {
		t.Errorf("the diagnostic is not shown inline:\n%s", c.stdout)
	}
	c.send("1")
	c.waitFor("bot: Your order number, v2?", 1)
	if code := c.end(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
}

func TestChatWatchRefusesLive(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "chat", "--watch", "--live", "--config", "../../examples/baton.yaml", "testdata/flows/shop.yaml")
	wantCode(t, code, exitUsage, stdout, stderr)
}
