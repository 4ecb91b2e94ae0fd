package host

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

// reloadHost serves a copy of the shop flow from a file it may rewrite.
type reloadHost struct {
	*testHost
	path    string
	src     string
	metrics *Metrics
	logs    *syncBuffer
	mu      sync.Mutex
	events  []flows.Effect
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startReloadHost(t *testing.T) *reloadHost {
	t.Helper()
	src, err := os.ReadFile("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rh := &reloadHost{path: filepath.Join(t.TempDir(), "shop.yaml"), src: string(src), logs: &syncBuffer{}}
	rh.write(t, rh.src)
	st := memory.New()
	rh.metrics = NewMetrics(st.OutboxOf(), nil)
	h, err := New(st, WithSandboxHTTP(), WithPoll(10*time.Millisecond), WithMetrics(rh.metrics), WithLogger(NewLogger(rh.logs, 0, true)),
		WithEffects(func(_ string, e flows.Effect) {
			rh.mu.Lock()
			rh.events = append(rh.events, e)
			rh.mu.Unlock()
		}))
	if err != nil {
		t.Fatal(err)
	}
	ch := &fakeChannel{}
	if err := h.AddAccount(&Account{Channel: flows.ChannelWeb, Name: "site", Sender: ch, Path: rh.path}, loadFlow(t, rh.path)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rh.testHost = &testHost{Host: h, ch: ch, store: st, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(rh.done); _ = h.Run(ctx) }()
	t.Cleanup(rh.stop)
	return rh
}

// write replaces the flow file the way editors do: a new file renamed
// over the old one.
func (rh *reloadHost) write(t *testing.T, src string) {
	t.Helper()
	tmp := rh.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, rh.path); err != nil {
		t.Fatal(err)
	}
}

func (rh *reloadHost) from(t *testing.T, visitor, id, text, payload string) {
	t.Helper()
	err := rh.Receive(context.Background(), flows.Inbound{ID: id, Channel: flows.ChannelWeb, Account: "site",
		Contact: flows.Contact{ID: visitor, Name: "Anna"}, Input: flows.Input{Kind: flows.InputMessage, Text: text, Payload: payload}})
	if err != nil {
		t.Fatal(err)
	}
}

func (rh *reloadHost) sentTo(visitor string) []string {
	rh.ch.mu.Lock()
	defer rh.ch.mu.Unlock()
	var out []string
	for _, m := range rh.ch.sent {
		if m.To.ID == visitor {
			out = append(out, m.Reply.Text)
		}
	}
	return out
}

func (rh *reloadHost) reloaded() []flows.Reloaded {
	rh.mu.Lock()
	defer rh.mu.Unlock()
	return reloadsIn(rh.events)
}

// reloadsIn are the Reloaded effects among events, in order.
func reloadsIn(events []flows.Effect) []flows.Reloaded {
	var out []flows.Reloaded
	for _, e := range events {
		if r, ok := e.(flows.Reloaded); ok {
			out = append(out, r)
		}
	}
	return out
}

// v2 renames ask_order and greets differently; conversations that waited
// in ask_order go to a new on_reload state.
func v2(src string) string {
	src = strings.Replace(src, "start: welcome\n", "start: welcome\non_reload: sorry\n", 1)
	src = strings.ReplaceAll(src, "ask_order", "ask_number")
	src = strings.Replace(src, `en: "Hi {{ user.name }}! How can I help?"`, `en: "Hello again, {{ user.name }}! What can I do for you?"`, 1)
	return src + `
  sorry:
    say: {en: "We have just updated this assistant, sorry: let's start again.", it: "Abbiamo aggiornato l'assistente: ricominciamo."}
    next: welcome
`
}

// waitingThenReloaded takes the conversation "old" to the order question
// of the first version, then reloads the second, which no longer has it.
func (rh *reloadHost) waitingThenReloaded(t *testing.T) {
	t.Helper()
	rh.from(t, "old", "o1", "hello", "")
	rh.from(t, "old", "o2", "", "order")
	waitFor(t, "the order question", func() bool { return len(rh.sentTo("old")) == 2 })
	rh.write(t, v2(rh.src))
	if err := rh.Reload(); err != nil {
		t.Fatal(err)
	}
}

func TestReloadServesTheNewVersion(t *testing.T) {
	rh := startReloadHost(t)
	rh.waitingThenReloaded(t)
	if got := testutil.ToFloat64(rh.metrics.reloads.WithLabelValues("ok")); got != 1 {
		t.Errorf("reloads ok = %v", got)
	}
	// A new conversation runs the new version.
	rh.from(t, "new", "n1", "hello", "")
	waitFor(t, "the new greeting", func() bool { return len(rh.sentTo("new")) == 1 })
	if got := rh.sentTo("new")[0]; got != "Hello again, Anna! What can I do for you?" {
		t.Errorf("a new conversation got %q", got)
	}
	// The old one waited in ask_order, which is gone: it moves to sorry.
	rh.from(t, "old", "o3", "A12345", "")
	waitFor(t, "the apology", func() bool { return len(rh.sentTo("old")) >= 3 })
	if got := rh.sentTo("old")[2]; got != "We have just updated this assistant, sorry: let's start again." {
		t.Errorf("the waiting conversation got %q", got)
	}
	if r := rh.reloaded(); len(r) != 1 || r[0].From != "ask_order" || r[0].To != "sorry" {
		t.Errorf("reloaded events %+v", r)
	}
	s, _ := rh.store.Load(context.Background(), "web:site:old")
	if s.State != "welcome" {
		t.Errorf("the moved conversation is in %q, want welcome (sorry goes on to it)", s.State)
	}
	// Reloading an unchanged file changes nothing.
	if err := rh.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(rh.metrics.reloads.WithLabelValues("ok")); got != 1 {
		t.Errorf("an unchanged flow was reloaded: reloads ok = %v", got)
	}
}

// The conversation moved by a reload says so in its turn's log line:
// baton serve shows the reloaded event nowhere else.
func TestReloadMoveIsLogged(t *testing.T) {
	rh := startReloadHost(t)
	rh.waitingThenReloaded(t)
	rh.from(t, "old", "o3", "A12345", "")
	waitFor(t, "the apology", func() bool { return len(rh.sentTo("old")) >= 3 })
	var line string
	waitFor(t, "the turn's log line", func() bool {
		for _, l := range strings.Split(rh.logs.String(), "\n") {
			if strings.Contains(l, `"msg":"turn"`) && strings.Contains(l, `"message":"o3"`) {
				line = l
				return true
			}
		}
		return false
	})
	if !strings.Contains(line, `"reloaded_from":"ask_order","reloaded_to":"sorry"`) {
		t.Errorf("the moved conversation's turn line does not say it moved from ask_order to sorry:\n%s", line)
	}
}

func TestReloadRefusesABrokenFlow(t *testing.T) {
	rh := startReloadHost(t)
	rh.write(t, strings.Replace(rh.src, "goto: ask_order", "goto: ask_ordr", 1))
	err := rh.Reload()
	if err == nil || !strings.Contains(err.Error(), rh.path+":") || !strings.Contains(err.Error(), `unknown state "ask_ordr"`) {
		t.Fatalf("a broken flow: %v", err)
	}
	if got := testutil.ToFloat64(rh.metrics.reloads.WithLabelValues("refused")); got != 1 {
		t.Errorf("reloads refused = %v", got)
	}
	if logs := rh.logs.String(); !strings.Contains(logs, "does not validate") || !strings.Contains(logs, `unknown state \"ask_ordr\"`) {
		t.Errorf("the log lacks the diagnostics:\n%s", logs)
	}
	// The old version keeps serving.
	rh.from(t, "v", "m1", "hello", "")
	rh.from(t, "v", "m2", "", "order")
	waitFor(t, "the order question", func() bool { return len(rh.sentTo("v")) == 2 })
	if got := rh.sentTo("v")[1]; got != "What's your order number? (e.g. A12345)" {
		t.Errorf("after a refused reload: %q", got)
	}
}

func TestWatchReloadsOnSave(t *testing.T) {
	rh := startReloadHost(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rh.Watch(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "the watch set up", func() bool { return strings.Contains(rh.logs.String(), "watching the flow files for changes") })
	rh.write(t, strings.Replace(rh.src, "{ user.name }}! How can I help?", "{ user.name }}! Ask me anything.", 1))
	waitFor(t, "the reload", func() bool { return testutil.ToFloat64(rh.metrics.reloads.WithLabelValues("ok")) == 1 })
	rh.from(t, "w", "m1", "hello", "")
	waitFor(t, "a reply", func() bool { return len(rh.sentTo("w")) == 1 })
	if got := rh.sentTo("w")[0]; got != "Hi Anna! Ask me anything." {
		t.Errorf("after the edit: %q", got)
	}
	// A broken save is refused; the next good one is taken.
	rh.write(t, "flow: [")
	waitFor(t, "the refusal", func() bool { return testutil.ToFloat64(rh.metrics.reloads.WithLabelValues("refused")) == 1 })
	rh.write(t, rh.src)
	waitFor(t, "the second reload", func() bool { return testutil.ToFloat64(rh.metrics.reloads.WithLabelValues("ok")) == 2 })
}

// A reload refused for an error in a file the flow now includes watches
// that file too: the last good version does not include it, and saving
// the fix there must reload the flow.
func TestRefusedReloadWatchesTheFilesOfItsErrors(t *testing.T) {
	rh := startReloadHost(t)
	extra := filepath.Join(filepath.Dir(rh.path), "extra.yaml")
	if err := os.WriteFile(extra, []byte("states:\n  extra:\n    say: hi\n    sya: oops\n    next: welcome\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rh.write(t, strings.Replace(rh.src, "start: welcome\n", "start: welcome\ninclude: [extra.yaml]\n", 1))
	if err := rh.Reload(); err == nil || !strings.Contains(err.Error(), extra+":") {
		t.Fatalf("a broken include: %v", err)
	}
	if _, ok := rh.flowFiles()[extra]; !ok {
		t.Fatalf("%s is not watched after the refused reload: %v", extra, rh.flowFiles())
	}
	if err := os.WriteFile(extra, []byte("states:\n  extra:\n    say: hi\n    next: welcome\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rh.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := rh.flowFiles()[extra]; !ok {
		t.Errorf("%s is not watched once the flow includes it: %v", extra, rh.flowFiles())
	}
}

// The digest of a flow's files reads at most what the flow loader reads
// (dsl.MaxFileSize and one byte): a file grown huge is not read whole on
// every reload (the file here is sparse, 64 MiB).
func TestDigestReadsBounded(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	a := digest([]string{p})
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Fatalf("digest allocated %d MiB for a 64 MiB file", grew>>20)
	}
	// A file past the limit still changes the digest when its size does.
	if err := os.Truncate(p, 2<<20); err != nil {
		t.Fatal(err)
	}
	if digest([]string{p}) == a {
		t.Fatal("the digest did not change with the file's size")
	}
}
