package host

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff/handofftest"
	"github.com/batonbot/baton/store/valkey"
	"github.com/batonbot/baton/store/valkey/valkeytest"
)

// rollingProc is one `baton serve` process of a rolling deploy: a host
// on its own connection to the shared Valkey, serving the flow file at
// path.
type rollingProc struct {
	*Host
	ch      *fakeChannel
	metrics *Metrics
	logs    *syncBuffer
	path    string
	mu      sync.Mutex
	events  []flows.Effect
	stop    func()
}

// startProc starts a process on the Valkey at url serving the flow file at
// path, on clock.
func startProc(t *testing.T, url, path string, clock *handofftest.Clock, opts ...Option) *rollingProc {
	t.Helper()
	st, err := valkey.NewStore(context.Background(), url, valkey.WithPrefix("rolling"), valkey.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	p := &rollingProc{ch: &fakeChannel{}, metrics: NewMetrics(st, nil), logs: &syncBuffer{}, path: path}
	opts = append([]Option{WithSharedStore(), WithSandboxHTTP(), WithClock(clock.Now), WithMetrics(p.metrics),
		WithLogger(NewLogger(p.logs, 0, true)), WithEffects(func(_ string, e flows.Effect) {
			p.mu.Lock()
			p.events = append(p.events, e)
			p.mu.Unlock()
		})}, opts...)
	h, err := New(st, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.AddAccount(&Account{Channel: flows.ChannelWeb, Name: "site", Sender: p.ch, Path: path}, loadFlow(t, path)); err != nil {
		t.Fatal(err)
	}
	p.Host = h
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	var once sync.Once
	p.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(p.stop)
	return p
}

func (p *rollingProc) from(t *testing.T, visitor, id, text, payload string) {
	t.Helper()
	err := p.Receive(context.Background(), flows.Inbound{ID: id, Channel: flows.ChannelWeb, Account: "site",
		Contact: flows.Contact{ID: visitor, Name: "Anna"}, Input: flows.Input{Kind: flows.InputMessage, Text: text, Payload: payload}})
	if err != nil {
		t.Fatal(err)
	}
}

func (p *rollingProc) deferred() float64 {
	return testutil.ToFloat64(p.metrics.turns.WithLabelValues(flows.ChannelWeb, "deferred"))
}

func (p *rollingProc) reloaded() []flows.Reloaded {
	p.mu.Lock()
	defer p.mu.Unlock()
	return reloadsIn(p.events)
}

// session loads visitor's conversation from p's store.
func (p *rollingProc) session(t *testing.T, visitor string) *flows.Session {
	t.Helper()
	s, err := p.store.Load(context.Background(), "web:site:"+visitor)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// botSaid is what the bot said in visitor's conversation, in order, as
// the transcript has it (whichever process sent it).
func (p *rollingProc) botSaid(t *testing.T, visitor string) []string {
	t.Helper()
	s, err := p.store.Load(context.Background(), "web:site:"+visitor)
	if err != nil {
		return nil // not yet
	}
	var out []string
	for _, m := range s.Transcript {
		if m.From == flows.RoleBot {
			out = append(out, m.Text)
		}
	}
	return out
}

// rollingFlows writes the shop flow's two versions to files of their own
// directories, as two releases would be: v1 has ask_order, v2 renamed it
// (and has on_reload: sorry).
func rollingFlows(t *testing.T) (v1, v2path string) {
	t.Helper()
	src, err := os.ReadFile("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v1 = filepath.Join(t.TempDir(), "shop.yaml")
	v2path = filepath.Join(t.TempDir(), "shop.yaml")
	if err := os.WriteFile(v1, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(v2path, []byte(v2(string(src))), 0o644); err != nil {
		t.Fatal(err)
	}
	return v1, v2path
}

const (
	orderQuestion = "What's your order number? (e.g. A12345)"
	orderShipped  = "Your order A12345 arrives on 2026-03-05."
	apology       = "We have just updated this assistant, sorry: let's start again."
)

// toOrderQuestion takes visitor to v1's ask_order on a process running v1.
func toOrderQuestion(t *testing.T, p *rollingProc, visitor string) {
	t.Helper()
	p.from(t, visitor, visitor+"-1", "hello", "")
	p.from(t, visitor, visitor+"-2", "", "order")
	waitFor(t, visitor+"'s order question", func() bool {
		said := p.botSaid(t, visitor)
		return len(said) > 0 && said[len(said)-1] == orderQuestion
	})
}

// During a rolling deploy a process on the new version, which lacks the
// state a conversation waits in, leaves its message to a process on the
// version that has it: the answer is taken there, in order with the
// conversation's next message, and nobody is sent back to the start.
func TestRollingDeployLeavesTheMessageToItsVersion(t *testing.T) {
	url := valkeytest.Start(t).URL
	clock := handofftest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	v1, v2 := rollingFlows(t)
	old := startProc(t, url, v1, clock, WithPoll(10*time.Millisecond))
	toOrderQuestion(t, old, "anna")
	old.stop() // its turns are over; it starts again below, after the new one took the answer

	// The new version's process claims only when it accepts a message
	// (its poll is an hour), so it takes the answer first.
	upd := startProc(t, url, v2, clock, WithPoll(time.Hour))
	upd.from(t, "anna", "anna-3", "A12345", "")
	upd.from(t, "anna", "anna-4", "", "no") // waits behind anna-3
	waitFor(t, "the new process to take the answer", func() bool { return upd.deferred() >= 1 || len(upd.reloaded()) > 0 })
	if s := upd.session(t, "anna"); s.State != "ask_order" || len(upd.reloaded()) != 0 {
		t.Fatalf("the new process moved the conversation: state %q, reloaded %+v", s.State, upd.reloaded())
	}

	// A process on the old version takes it once the deferral ends,
	// well within the grace.
	again := startProc(t, url, v1, clock, WithPoll(10*time.Millisecond))
	clock.Advance(time.Minute)
	waitFor(t, "both messages answered", func() bool {
		said := again.botSaid(t, "anna")
		return len(said) > 0 && said[len(said)-1] == "Thanks, bye!"
	})
	said := strings.Join(again.botSaid(t, "anna"), "\n")
	if !strings.Contains(said, orderQuestion+"\n"+orderShipped+"\nAnything else?\nThanks, bye!") || strings.Contains(said, apology) {
		t.Errorf("the bot said, in order:\n%s", said)
	}
	if r := append(upd.reloaded(), again.reloaded()...); len(r) != 0 {
		t.Errorf("the conversation was moved: %+v", r)
	}
	if n := upd.deferred(); n != 1 {
		t.Errorf("the new process left the message %v times, want 1", n)
	}
	if n := strings.Count(upd.logs.String(), "last handled by a flow version this process never ran"); n != 1 {
		t.Errorf("the new process warned %d times, want once:\n%s", n, upd.logs.String())
	}
}

// A process that announces the version the conversation's state is in
// but never takes its message (stuck, or its claims failing) holds it
// for the grace only: then the process that takes it moves the
// conversation to on_reload, as a reload does. The warning is logged
// once for the version, however many conversations wait.
func TestRollingDeployRelocatesAfterTheGrace(t *testing.T) {
	url := valkeytest.Start(t).URL
	clock := handofftest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	v1, v2 := rollingFlows(t)
	old := startProc(t, url, v1, clock, WithPoll(10*time.Millisecond))
	toOrderQuestion(t, old, "anna")
	toOrderQuestion(t, old, "ben")
	old.stop()
	// The stuck process: v1 announced as served for the next hour.
	board := old.store.(flows.FlowVersions)
	if err := board.AnnounceVersions(context.Background(), []string{flowDigest(loadFlow(t, v1))}, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	upd := startProc(t, url, v2, clock, WithPoll(10*time.Millisecond))
	upd.from(t, "anna", "anna-3", "A12345", "")
	upd.from(t, "ben", "ben-3", "A12345", "")
	waitFor(t, "both messages taken", func() bool { return upd.deferred() >= 2 || len(upd.reloaded()) > 0 })
	if r := upd.reloaded(); len(r) > 0 {
		t.Fatalf("moved within the grace: %+v", r)
	}
	clock.Advance(DefaultVersionGrace / 2)
	for _, v := range []string{"anna", "ben"} {
		if s := upd.session(t, v); s.State != "ask_order" {
			t.Fatalf("%s was moved within the grace, to %q", v, s.State)
		}
	}
	clock.Advance(DefaultVersionGrace / 2)
	waitFor(t, "both conversations moved", func() bool { return len(upd.reloaded()) == 2 })
	for _, v := range []string{"anna", "ben"} {
		said := upd.botSaid(t, v)
		if !strings.Contains(strings.Join(said, "\n"), orderQuestion+"\n"+apology) {
			t.Errorf("%s: the bot said %q", v, said)
		}
	}
	for _, r := range upd.reloaded() {
		if r.From != "ask_order" || r.To != "sorry" {
			t.Errorf("reloaded %+v, want from ask_order to sorry", r)
		}
	}
	if n := strings.Count(upd.logs.String(), "last handled by a flow version this process never ran"); n != 1 {
		t.Errorf("warned %d times, want once:\n%s", n, upd.logs.String())
	}
}

// Once no process announces the version the conversation's state is in
// (every process runs the new one, or the last old one stopped over
// versionsTTL ago), its message is not left for the grace: the process
// that takes it moves the conversation at once.
func TestRollingDeployMovesAtOnceWhenNoProcessServesTheVersion(t *testing.T) {
	url := valkeytest.Start(t).URL
	clock := handofftest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	v1, v2 := rollingFlows(t)
	old := startProc(t, url, v1, clock, WithPoll(10*time.Millisecond))
	toOrderQuestion(t, old, "anna")
	old.stop()
	clock.Advance(versionsTTL + time.Second) // its last announcement has ended

	upd := startProc(t, url, v2, clock, WithPoll(10*time.Millisecond))
	upd.from(t, "anna", "anna-3", "A12345", "")
	waitFor(t, "the conversation moved", func() bool { return len(upd.reloaded()) == 1 })
	if said := upd.botSaid(t, "anna"); !strings.Contains(strings.Join(said, "\n"), orderQuestion+"\n"+apology) {
		t.Errorf("the bot said %q", said)
	}
	if n := upd.deferred(); n != 0 {
		t.Errorf("the message was left %v times for a version no process serves", n)
	}
	// The new process announces its own version.
	ok, err := upd.store.(flows.FlowVersions).VersionServed(context.Background(), flowDigest(loadFlow(t, v2)), clock.Now())
	if err != nil || !ok {
		t.Errorf("v2 served: %v, %v; want the running process to announce it", ok, err)
	}
}

// A single process that hot-reloads on a shared store still moves a
// conversation whose state is gone at once: the version that had it is
// one it ran, and gone for good.
func TestRollingHotReloadRelocatesAtOnce(t *testing.T) {
	url := valkeytest.Start(t).URL
	clock := handofftest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	v1, v2 := rollingFlows(t)
	p := startProc(t, url, v1, clock, WithPoll(10*time.Millisecond))
	toOrderQuestion(t, p, "anna")
	src, err := os.ReadFile(v2)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Reload(); err != nil {
		t.Fatal(err)
	}
	p.from(t, "anna", "anna-3", "A12345", "")
	waitFor(t, "the conversation moved", func() bool { return len(p.reloaded()) == 1 })
	if said := p.botSaid(t, "anna"); !strings.Contains(strings.Join(said, "\n"), orderQuestion+"\n"+apology) {
		t.Errorf("the bot said %q", said)
	}
	if n := p.deferred(); n != 0 {
		t.Errorf("the message was left %v times after a hot reload", n)
	}
}

// A message left for another process is claimed again after half its
// age, from the poll interval up to the lease, never past the grace: a
// few claims while a process on its version comes, not one per poll.
func TestDeferredUntil(t *testing.T) {
	h := &Host{poll: 500 * time.Millisecond, lease: time.Minute, grace: 2 * time.Minute}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		age, want time.Duration // since at
	}{
		{0, 500 * time.Millisecond},
		{200 * time.Millisecond, 700 * time.Millisecond},
		{10 * time.Second, 15 * time.Second},
		{50 * time.Second, 75 * time.Second},
		{100 * time.Second, 2 * time.Minute}, // the grace ends first
		{119 * time.Second, 2 * time.Minute},
	} {
		if got := h.deferredUntil(at, at.Add(tc.age)).Sub(at); got != tc.want {
			t.Errorf("left at %v: claimed again at %v, want %v", tc.age, got, tc.want)
		}
	}
	h.grace = time.Hour
	if got := h.deferredUntil(at, at.Add(30*time.Minute)).Sub(at); got != 31*time.Minute {
		t.Errorf("an old message waits %v, want the lease (claimed again at 31m)", got-30*time.Minute)
	}
}

// A flow version's digest is its files' contents, wherever they are: two
// release directories holding the same files agree, an edit differs, and
// a flow whose files cannot be read has none.
func TestFlowDigest(t *testing.T) {
	v1, v2 := rollingFlows(t)
	same := filepath.Join(t.TempDir(), "support.yaml")
	src, err := os.ReadFile(v1)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(same, src, 0o644); err != nil {
		t.Fatal(err)
	}
	d1, d2, dSame := flowDigest(loadFlow(t, v1)), flowDigest(loadFlow(t, v2)), flowDigest(loadFlow(t, same))
	if d1 == "" || d1 != dSame || d1 == d2 {
		t.Errorf("digests v1 %q, the same files elsewhere %q, v2 %q", d1, dSame, d2)
	}
	if d := flowDigest(&flows.Flow{Files: []string{filepath.Join(t.TempDir(), "gone.yaml")}}); d != "" {
		t.Errorf("a flow whose file is gone: %q", d)
	}
	if d := flowDigest(&flows.Flow{}); d != "" {
		t.Errorf("a flow without files: %q", d)
	}
}
