package studio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/convtest"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/internal/flowtest"
)

const (
	supportFlow = "../examples/flows/support.yaml"
	helpdesk    = "../examples/tests/configs/helpdesk.yaml"
)

var morning = time.Date(2026, 3, 3, 10, 30, 0, 0, time.FixedZone("CET", 3600))

// page is a studio served for a test, with helpers to act as the page does.
type page struct {
	t   *testing.T
	s   *Studio
	srv *httptest.Server
}

func newPage(t *testing.T, o Options) *page {
	t.Helper()
	if o.Flow == "" {
		o.Flow = supportFlow
	}
	if o.Now.IsZero() {
		o.Now = morning
	}
	if o.Tests == "" {
		o.Tests = t.TempDir()
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &page{t: t, s: s, srv: srv}
}

// post acts and decodes the state; a non-200 answer fails the test.
func (p *page) post(path string, body any) *snapshot {
	p.t.Helper()
	st, code, msg := p.try(path, body)
	if code != http.StatusOK {
		p.t.Fatalf("POST %s: %d %s", path, code, msg)
	}
	return st
}

func (p *page) try(path string, body any) (*snapshot, int, string) {
	p.t.Helper()
	b, _ := json.Marshal(body)
	r, err := http.Post(p.srv.URL+"/api/"+path, "application/json", bytes.NewReader(b))
	if err != nil {
		p.t.Fatal(err)
	}
	defer r.Body.Close()
	data, _ := io.ReadAll(r.Body)
	if r.StatusCode != http.StatusOK {
		return nil, r.StatusCode, string(data)
	}
	var st snapshot
	if err := json.Unmarshal(data, &st); err != nil {
		p.t.Fatalf("%s: %v\n%s", path, err, data)
	}
	return &st, r.StatusCode, ""
}

// saveAndRun saves the conversation as the test name in dir, as the
// page's "Save as test" does, and runs the file with baton test's runner:
// it must pass.
func (p *page) saveAndRun(dir, name string) {
	p.t.Helper()
	b, _ := json.Marshal(map[string]string{"name": name})
	r, err := http.Post(p.srv.URL+"/api/test", "application/json", bytes.NewReader(b))
	if err != nil {
		p.t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		p.t.Fatalf("save as test: %d", r.StatusCode)
	}
	path := filepath.Join(dir, name+".yaml")
	var out bytes.Buffer
	res := convtest.NewRunner(convtest.Options{Out: &out}).Run(context.Background(), []string{path})
	if res.Failed != 0 || res.Passed != 1 {
		b, _ := os.ReadFile(path)
		p.t.Errorf("baton test of the saved file:\n%s\nthe file:\n%s", out.String(), b)
	}
}

func (p *page) get(path string) (int, []byte) {
	p.t.Helper()
	r, err := http.Get(p.srv.URL + path)
	if err != nil {
		p.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, b
}

func replies(st *snapshot) []string {
	var out []string
	for _, m := range st.Messages {
		if m.From == "bot" || m.From == "agent" {
			out = append(out, m.Text)
		}
	}
	return out
}

func TestStepsShowInTheState(t *testing.T) {
	p := newPage(t, Options{Config: helpdesk})
	st := p.post("message", map[string]string{"text": "ciao"})
	if st.State != "main_menu" || len(st.Steps) != 1 || st.Conversation != "test-1" {
		t.Fatalf("after ciao: state %q, %d steps, conversation %q", st.State, len(st.Steps), st.Conversation)
	}
	menu := st.Messages[len(st.Messages)-1]
	if len(menu.Options) != 3 || len(menu.Channel) != 1 || !strings.Contains(string(menu.Channel[0]), `"type":"button"`) {
		t.Errorf("the menu: %+v", menu)
	}
	st = p.post("button", map[string]string{"id": "order", "label": "Stato ordine"})
	step := st.Steps[1]
	if step.Kind != "button" || step.State != "ask_order" || len(step.Turns) != 1 {
		t.Fatalf("the button step: %+v", step)
	}
	tr := step.Turns[0].Trace
	if tr == nil || len(tr.Checks) != 1 || tr.Checks[0].Kind != "menu" || tr.Checks[0].By != "button" || !tr.Checks[0].Fired {
		t.Errorf("the button's trace: %+v", tr)
	}
	st = p.post("message", map[string]string{"text": "A12345"})
	// The answer, then the HTTP result: two turns, the second one's
	// transition into order_shipped.
	if turns := st.Steps[2].Turns; len(turns) != 2 || !strings.HasPrefix(turns[1].Input, "HTTP result") {
		t.Fatalf("the order number's turns: %+v", turns)
	}
	if st.Steps[2].Vars["order_id"] != "A12345" || !contains(st.Steps[2].Changed, "order_id") {
		t.Errorf("vars %v, changed %v", st.Steps[2].Vars["order_id"], st.Steps[2].Changed)
	}
	st = p.post("message", map[string]string{"text": "voglio parlare con un operatore"})
	if st.Lifecycle != "handed_off" || len(st.Handoffs) != 1 {
		t.Fatalf("lifecycle %q, %d handoffs", st.Lifecycle, len(st.Handoffs))
	}
	h := st.Handoffs[0]
	if h.Team != "support" || len(h.Route) == 0 || len(h.Requests) != 2 || h.Requests[1].Op != "open" || h.Requests[1].URL != "https://acme.zendesk.com/api/v2/tickets" {
		t.Errorf("the handoff: team %q, route %s, requests %+v", h.Team, h.Route, h.Requests)
	}
	sig := st.Steps[3].Turns[0]
	if sig.Signals == nil || !sig.Signals.WantsHuman {
		t.Errorf("the signals of an ask for a person: %+v", sig.Signals)
	}
	st = p.post("agent", map[string]string{"text": "Ciao, sono Marco"})
	if st.Lifecycle != "with_agent" || st.Messages[len(st.Messages)-1].From == "user" {
		t.Errorf("after the agent's reply: %q", st.Lifecycle)
	}
	// The append goes to the same ticket: its requests join the handoff's.
	st = p.post("message", map[string]string{"text": "grazie!"})
	if n := len(st.Handoffs[0].Requests); n < 3 || st.Handoffs[0].Requests[n-1].Op != "append" {
		t.Errorf("the customer's message to the agent: requests %+v", st.Handoffs[0].Requests)
	}
	st = p.post("ticket", map[string]string{"status": "solved"})
	if st.State != "csat" || st.Lifecycle != "bot" {
		t.Errorf("after solve: state %q, lifecycle %q", st.State, st.Lifecycle)
	}
	// The agent writes on the solved ticket: the customer does not get it,
	// the page says so, and the note goes back to the ticket (an append).
	n := len(st.Handoffs[0].Requests)
	st = p.post("agent", map[string]string{"text": "un'ultima cosa"})
	last := st.Messages[len(st.Messages)-1]
	if last.From != "system" || last.Kind != "undelivered" || !strings.Contains(last.Text, "2002") {
		t.Errorf("after the agent's late reply, the last message %+v; want the system's undelivered line naming ticket 2002", last)
	}
	if r := st.Handoffs[0].Requests; len(r) != n+1 || r[n].Op != "append" {
		t.Errorf("the late reply's note: requests %+v", r[n:])
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestClockFiresTimeoutsAndOnlyMovesForward(t *testing.T) {
	p := newPage(t, Options{})
	st := p.post("message", map[string]string{"text": "ciao"})
	if len(st.Timers) != 1 || st.Timers[0].In != "10m" {
		t.Fatalf("timers %+v", st.Timers)
	}
	st = p.post("clock", map[string]string{"advance": "10m"})
	if r := replies(st); !strings.Contains(r[len(r)-1], "Ci sei ancora?") {
		t.Errorf("after 10 minutes: %q", r)
	}
	if len(st.Timers) != 1 || !st.Timers[0].At.Equal(morning.Add(24*time.Hour)) {
		t.Errorf("the next timer: %+v", st.Timers)
	}
	if _, code, msg := p.try("clock", map[string]string{"at": "2026-03-03T10:00"}); code != http.StatusBadRequest || !strings.Contains(msg, "only moves forward") {
		t.Errorf("a clock set backwards: %d %s", code, msg)
	}
	st = p.post("clock", map[string]string{"at": "2026-03-04T10:30"})
	if !st.Ended() {
		t.Errorf("24 hours on, the conversation should have ended: %q", replies(st))
	}
	st = p.post("reset", nil)
	if len(st.Steps) != 0 || len(st.Messages) != 0 {
		t.Errorf("after reset: %d steps", len(st.Steps))
	}
	// Before the first message the clock is the conversation's start.
	st = p.post("clock", map[string]string{"at": "2026-03-07T20:00"})
	if st.Setup.Start.Format("2006-01-02 15:04") != "2026-03-07 20:00" {
		t.Errorf("the start is %s", st.Setup.Start)
	}
}

// Ended reports whether the conversation ended (a test helper).
func (s *snapshot) Ended() bool {
	for _, m := range s.Messages {
		if m.From == "system" && m.Kind == "end" {
			return true
		}
	}
	return false
}

func TestSetupReplaysTheConversation(t *testing.T) {
	p := newPage(t, Options{})
	p.post("message", map[string]string{"text": "ciao"})
	st := p.post("button", map[string]string{"id": "order", "label": "Stato ordine"})
	if !strings.Contains(replies(st)[0], "Ciao Anna!") {
		t.Fatalf("replies %q", replies(st))
	}
	st = p.post("setup", map[string]any{"lang": "en", "channel": "telegram"})
	if len(st.Steps) != 2 || st.State != "ask_order" || !strings.Contains(st.Notice, "2 steps replayed") {
		t.Fatalf("after switching: %d steps, state %q, notice %q", len(st.Steps), st.State, st.Notice)
	}
	r := replies(st)
	if !strings.HasPrefix(r[0], "Hi Anna!") {
		t.Errorf("in English: %q", r)
	}
	menu := st.Messages[2]
	if !strings.Contains(string(menu.Channel[0]), `"inline_keyboard"`) {
		t.Errorf("the menu on Telegram: %s", menu.Channel[0])
	}
	st = p.post("setup", map[string]any{"profile": Profile{Name: "Bruno", Phone: "+39 347 000 1111", VIP: true, Plan: "premium"}})
	if !strings.HasPrefix(replies(st)[0], "Hi Bruno!") || st.Steps[0].Vars["vip"] != true {
		t.Errorf("the profile: %q, vip %v", replies(st)[0], st.Steps[0].Vars["vip"])
	}
	if _, code, _ := p.try("setup", map[string]any{"lang": "fr"}); code != http.StatusBadRequest {
		t.Errorf("a language the flow does not speak: %d", code)
	}
}

// copyFlow copies the example flow and what it includes to a temporary
// directory, for tests that edit it.
func copyFlow(t *testing.T) string {
	t.Helper()
	return filepath.Join(flowtest.Copy(t, "../examples/flows", "support.yaml", "common/escalation.yaml"), "support.yaml")
}

// Saving the flow file reloads it: the conversation is replayed on the new
// version; a version with errors is kept out, its diagnostics shown.
func TestSaveReloadsTheFlow(t *testing.T) {
	flow := copyFlow(t)
	up := &logSignal{msg: "watching the flow files for changes", ch: make(chan struct{})}
	p := newPage(t, Options{Flow: flow, Logger: slog.New(up)})
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan error, 1)
	go func() { watched <- p.s.Watch(ctx) }()
	t.Cleanup(func() { cancel(); <-watched })
	p.post("message", map[string]string{"text": "ciao"})
	v := p.post("button", map[string]string{"id": "order"}).Version
	select { // an edit before the watch is set up would go unseen
	case <-up.ch:
	case <-time.After(time.Minute):
		t.Fatal("the watcher did not say it watches the flow files within a minute")
	}

	flowtest.Edit(t, flow, "Certo! Qual è il numero dell'ordine?", "Perfetto! Mi dai il numero dell'ordine?")
	st := waitVersion(t, p, v)
	if r := replies(st); !strings.HasPrefix(r[len(r)-1], "Perfetto! Mi dai il numero") || st.State != "ask_order" || len(st.Steps) != 2 {
		t.Fatalf("after the edit: state %q, replies %q", st.State, r)
	}
	if !strings.Contains(st.Notice, "2 steps replayed") || st.Flow.Rev != 2 {
		t.Errorf("notice %q, rev %d", st.Notice, st.Flow.Rev)
	}

	flowtest.Edit(t, flow, "    next: lookup\n", "    next: lookupp\n")
	st = waitVersion(t, p, st.Version)
	if !st.Flow.Errors || len(st.Flow.Diagnostics) == 0 {
		t.Fatalf("a broken flow: %+v", st.Flow)
	}
	d := st.Flow.Diagnostics[0]
	if !strings.HasPrefix(d.Text, flow+":") || !strings.Contains(d.Text, "lookupp") {
		t.Errorf("the diagnostic: %q", d.Text)
	}
	if st.State != "ask_order" || len(st.Steps) != 2 || st.Flow.Rev != 2 {
		t.Errorf("the conversation should go on with the version before: state %q, rev %d", st.State, st.Flow.Rev)
	}
	// Removing the state the conversation is in: the replay goes as far
	// as the new flow takes it.
	flowtest.Edit(t, flow, "    next: lookupp\n", "    next: lookup\n")
	st = waitVersion(t, p, st.Version)
	if st.Flow.Errors || st.State != "ask_order" {
		t.Errorf("fixed: errors %v, state %q", st.Flow.Errors, st.State)
	}
}

// logSignal is a slog.Handler that closes ch when msg is logged.
type logSignal struct {
	msg  string
	ch   chan struct{}
	once sync.Once
}

func (l *logSignal) Enabled(context.Context, slog.Level) bool { return true }
func (l *logSignal) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logSignal) WithGroup(string) slog.Handler            { return l }
func (l *logSignal) Handle(_ context.Context, r slog.Record) error {
	if r.Message == l.msg {
		l.once.Do(func() { close(l.ch) })
	}
	return nil
}

// waitVersion waits for a state newer than after; a minute bounds a hang.
func waitVersion(t *testing.T, p *page, after int64) *snapshot {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		_, b := p.get("/api/state")
		var st snapshot
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatal(err)
		}
		if st.Version > after {
			return &st
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the studio did not reload")
	return nil
}

func TestSaveTestFile(t *testing.T) {
	dir := t.TempDir()
	p := newPage(t, Options{Tests: dir})
	if _, code, msg := p.try("test", map[string]string{"name": "empty"}); code != http.StatusBadRequest || !strings.Contains(msg, "nothing to save") {
		t.Errorf("saving no conversation: %d %s", code, msg)
	}
	p.post("message", map[string]string{"text": "ciao"})
	p.post("clock", map[string]string{"advance": "10m"})
	b, _ := json.Marshal(map[string]string{"name": "hello"})
	r, err := http.Post(p.srv.URL+"/api/test", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var saved savedTest
	json.NewDecoder(r.Body).Decode(&saved)
	r.Body.Close()
	want := filepath.Join(dir, "hello.yaml")
	if r.StatusCode != http.StatusOK || saved.Path != want {
		t.Fatalf("saved %+v (%d)", saved, r.StatusCode)
	}
	file, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"- user: ciao", "- wait: 10m", "Ci sei ancora?", `now: "2026-03-03T10:30:00+01:00"`, "channel: whatsapp", "vip: \"false\""} {
		if !strings.Contains(string(file), s) {
			t.Errorf("the test file lacks %q:\n%s", s, file)
		}
	}
	rel, _ := filepath.Rel(dir, mustAbs(t, supportFlow))
	if !strings.Contains(string(file), "flow: "+filepath.ToSlash(rel)+"\n") {
		t.Errorf("the flow is not named relative to the test:\n%s", file)
	}
	if _, code, msg := p.try("test", map[string]string{"name": "hello"}); code != http.StatusConflict || !strings.Contains(msg, `"exists":true`) {
		t.Errorf("overwriting without asking: %d %s", code, msg)
	}
	p.post("message", map[string]string{"text": "1"})
	b, _ = json.Marshal(map[string]any{"name": "hello.yaml", "overwrite": true})
	if r, err := http.Post(p.srv.URL+"/api/test", "application/json", bytes.NewReader(b)); err != nil || r.StatusCode != http.StatusOK {
		t.Errorf("overwriting when asked: %v %v", r, err)
	} else {
		r.Body.Close()
	}
	for _, bad := range []string{"../escape", "a b", ".hidden"} {
		if _, code, _ := p.try("test", map[string]string{"name": bad}); code != http.StatusBadRequest {
			t.Errorf("the name %q: %d", bad, code)
		}
	}
	code, body := p.get("/api/test.yaml?name=hello")
	if code != http.StatusOK || !bytes.Contains(body, []byte("- user: \"1\"")) {
		t.Errorf("download: %d\n%s", code, body)
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSourceOfAState(t *testing.T) {
	p := newPage(t, Options{})
	code, b := p.get("/api/source?state=ask_order")
	var src sourceView
	if err := json.Unmarshal(b, &src); err != nil || code != http.StatusOK {
		t.Fatalf("%d %s", code, b)
	}
	first, last := src.Lines[0], src.Lines[len(src.Lines)-1]
	key := 0
	for _, l := range src.Lines {
		if l.Text == "  ask_order:" {
			key = l.N
		}
	}
	if want := fmt.Sprintf("support.yaml:%d:3", key); key == 0 || !strings.HasSuffix(src.Pos, want) {
		t.Errorf("pos %q, the key is on line %d", src.Pos, key)
	}
	if !strings.HasPrefix(strings.TrimSpace(first.Text), "#") || !strings.Contains(joinLines(src.Lines), "  ask_order:\n") ||
		!strings.Contains(last.Text, "goto: human") || strings.Contains(joinLines(src.Lines), "lookup:\n") {
		t.Errorf("the block:\n%s", joinLines(src.Lines))
	}
	if code, _ := p.get("/api/source?state=nope"); code != http.StatusNotFound {
		t.Errorf("an unknown state: %d", code)
	}
}

func joinLines(ls []sourceLine) string {
	var b strings.Builder
	for _, l := range ls {
		b.WriteString(l.Text + "\n")
	}
	return b.String()
}

func TestBlock(t *testing.T) {
	lines := strings.Split(`states:
  # the first
  # state
  a:
    say: hi

    next: b
  # about b
  b:
    end: true
`, "\n")
	got := block(lines, 4)
	var texts []string
	for _, l := range got {
		texts = append(texts, l.Text)
	}
	want := "  # the first|  # state|  a:|    say: hi||    next: b"
	if strings.Join(texts, "|") != want || got[0].N != 2 {
		t.Errorf("block = %q (from line %d), want %q", strings.Join(texts, "|"), got[0].N, want)
	}
}

// Another site's page cannot drive the sandbox: POSTs must be JSON from
// the page's origin.
func TestRefusesOtherOrigins(t *testing.T) {
	p := newPage(t, Options{})
	req, _ := http.NewRequest(http.MethodPost, p.srv.URL+"/api/message", strings.NewReader(`{"text":"hi"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.example")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("another origin: %d", r.StatusCode)
	}
	r, err = http.Post(p.srv.URL+"/api/message", "application/x-www-form-urlencoded", strings.NewReader("text=hi"))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("a form post: %d", r.StatusCode)
	}
	if st := p.post("message", map[string]string{"text": "ciao"}); len(st.Steps) != 1 {
		t.Errorf("the refused posts took steps: %d", len(st.Steps))
	}
	code, b := p.get("/")
	if code != http.StatusOK || !bytes.Contains(b, []byte(`type="importmap"`)) {
		t.Errorf("the page: %d", code)
	}
}

// The event stream outlives the server's WriteTimeout (baton serve, which
// mounts the sandbox with --sandbox FLOW, sets 60s): a change made after it still
// reaches the page.
func TestEventsOutliveServerWriteTimeout(t *testing.T) {
	s, err := New(Options{Flow: supportFlow, Now: morning, Tests: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Config.WriteTimeout = 100 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	p := &page{t: t, s: s, srv: srv}
	resp, err := http.Get(srv.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				lines <- sc.Text()
			}
		}
	}()
	next := func() string {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the event stream ended")
			}
			return l
		case <-time.After(10 * time.Second):
			t.Fatal("no event in 10s")
		}
		return ""
	}
	first := next()
	time.Sleep(300 * time.Millisecond) // past the server's WriteTimeout
	p.post("message", map[string]string{"text": "ciao"})
	if got := next(); got == first {
		t.Errorf("after the change the stream says %q again", got)
	}
}

// Close ends the pages' event streams, so that a graceful shutdown of the
// server the sandbox is mounted on (baton serve --sandbox) does not wait
// for an open page until its timeout.
func TestCloseEndsTheEventStreams(t *testing.T) {
	s, err := New(Options{Flow: supportFlow, Now: morning, Tests: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		io.Copy(io.Discard, resp.Body)
	}()
	s.Close()
	select {
	case <-ended:
	case <-time.After(time.Minute): // only ends a hang: the stream pings every 25s
		t.Fatal("the event stream is still open after Close")
	}
}

// A reload refused for an error in a file the flow now includes watches
// that file too: the loaded version does not include it, and saving the
// fix there must reload the flow.
func TestRefusedReloadWatchesTheFilesOfItsErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "flow.yaml")
	extra := filepath.Join(dir, "extra.yaml")
	write := func(p, src string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(path, "flow: w\nlanguages: [en]\nstart: a\nstates:\n  a:\n    say: hi\n    end: true\n")
	s, err := New(Options{Flow: path, Tests: dir})
	if err != nil {
		t.Fatal(err)
	}
	write(extra, "states:\n  b:\n    say: hi\n    sya: oops\n    end: true\n")
	write(path, "flow: w\nlanguages: [en]\nstart: a\ninclude: [extra.yaml]\nstates:\n  a:\n    say: hi\n    end: true\n")
	s.mu.Lock()
	s.reload(context.Background())
	s.mu.Unlock()
	if !slices.Contains(s.files(), extra) {
		t.Fatalf("%s is not watched after the refused reload: %v", extra, s.files())
	}
}

// A reload that drops the language the conversation is in, or a variable
// --var set, goes on in the flow's language without the variable: "save
// as test" then writes a file that baton test runs and passes.
func TestReloadDropsWhatTheFlowNoLongerHas(t *testing.T) {
	dir := t.TempDir()
	flow := filepath.Join(dir, "mini.yaml")
	const v1 = `flow: mini
languages: [en, it]
start: ask_name
vars:
  x: 1
states:
  ask_name:
    say: "What's your name?"
    ask: {save_as: name}
    next: ask_age
  ask_age:
    say: "Nice to meet you, {{ name }}! How old are you? x={{ x }}"
    ask: {save_as: age}
    next: bye
  bye:
    say: "Bye {{ name }}"
    end: completed
`
	if err := os.WriteFile(flow, []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newPage(t, Options{Flow: flow, Lang: "it", Vars: map[string]any{"x": 5}, Tests: dir})
	p.post("message", map[string]string{"text": "hi"})
	p.post("message", map[string]string{"text": "Ann"})
	v2 := strings.NewReplacer("languages: [en, it]", "languages: [en]", "vars:\n  x: 1\n", "", " x={{ x }}", "").Replace(v1)
	if err := os.WriteFile(flow, []byte(v2), 0o644); err != nil {
		t.Fatal(err)
	}
	st := p.post("reload", nil)
	if st.Flow.Rev != 2 || st.Setup.Lang != "en" || st.State != "ask_age" {
		t.Fatalf("after the reload: rev %d, language %q, state %q; notice %q", st.Flow.Rev, st.Setup.Lang, st.State, st.Notice)
	}
	if !strings.Contains(st.Notice, `"it"`) || !strings.Contains(st.Notice, `"x"`) {
		t.Errorf("the notice does not say what was dropped: %q", st.Notice)
	}
	p.saveAndRun(dir, "after_reload")
}

// A clock set near the end of year 9999 (in the flow's zone, or with the
// timers it schedules) is a time JSON cannot hold: the page got empty
// answers, and kept getting them after Reset. The clock is refused
// instead, before and during a conversation, and the page keeps working.
func TestClockRefusesTimesThePageCannotShow(t *testing.T) {
	p := newPage(t, Options{})
	for _, at := range []string{"9999-12-31T23:50:00Z", "9999-12-31T20:00", "0001-01-01T00:00:00Z"} {
		if _, code, msg := p.try("clock", map[string]string{"at": at}); code != http.StatusBadRequest || !strings.Contains(msg, "year") {
			t.Errorf("the clock set at %s before the first message: %d %s", at, code, msg)
		}
	}
	st := p.post("message", map[string]string{"text": "ciao"})
	if !st.Setup.Start.Equal(morning) || len(st.Timers) != 1 {
		t.Fatalf("the conversation after the refusals: start %s, timers %+v", st.Setup.Start, st.Timers)
	}
	if _, err := New(Options{Flow: supportFlow, Now: time.Date(9999, 12, 31, 23, 50, 0, 0, time.UTC), Tests: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "year") {
		t.Errorf("a studio starting at the end of 9999: %v", err)
	}
}

// --var vip=true (or plan=...) says who the customer is: the profile, which
// sets the flow's vip and plan variables, starts as that customer rather
// than overriding the variable with its default (not a VIP).
func TestVarsStartTheProfile(t *testing.T) {
	p := newPage(t, Options{Vars: map[string]any{"vip": true}})
	st := p.post("message", map[string]string{"text": "operatore"})
	if !st.Setup.Profile.VIP {
		t.Errorf("the profile: %+v", st.Setup.Profile)
	}
	if v := st.Steps[len(st.Steps)-1].Vars["vip"]; v != true {
		t.Errorf("after --var vip=true the flow's vip is %v", v)
	}
	if len(st.Handoffs) != 1 || st.Handoffs[0].Priority != "high" {
		t.Errorf("a VIP's handoff should be at priority high: %d handoffs, replies %q", len(st.Handoffs), replies(st))
	}
}

// Served on loopback (baton sandbox), the page answers only to a loopback
// name: a site whose name was rebound to 127.0.0.1 (DNS rebinding) is its
// own origin, so the Origin check alone would let its page read the flow
// and the conversation and write test files.
func TestServeOnLoopbackAnswersLoopbackNamesOnly(t *testing.T) {
	s, err := New(Options{Flow: supportFlow, Now: morning, Tests: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, l, false) }()
	t.Cleanup(func() { cancel(); <-served })
	_, port, _ := net.SplitHostPort(l.Addr().String())
	for _, tc := range []struct {
		host string
		want int
	}{
		{l.Addr().String(), http.StatusOK},
		{"localhost:" + port, http.StatusOK},
		{"[::1]:" + port, http.StatusOK},
		{"localhost", http.StatusOK},
		{"localhost.:" + port, http.StatusOK}, // the fully qualified name, as serve's check takes it
		{"App.Localhost.:" + port, http.StatusOK},
		{"evil.example.:" + port, http.StatusForbidden},
		{"evil.example:" + port, http.StatusForbidden},
		{"evil.example", http.StatusForbidden},
	} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+l.Addr().String()+"/api/state", nil)
		req.Host = tc.host
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != tc.want {
			t.Errorf("Host %s: %d, want %d\n%.200s", tc.host, r.StatusCode, tc.want, b)
		}
	}
}

// While the flow on disk has errors, "Save as test" and "Download" refuse,
// saying why: the file would name a flow `baton test` cannot load. Once
// the flow is fixed, the test is saved.
func TestSaveTestRefusedWhileTheFlowHasErrors(t *testing.T) {
	flow, dir := copyFlow(t), t.TempDir()
	p := newPage(t, Options{Flow: flow, Tests: dir})
	p.post("message", map[string]string{"text": "ciao"})
	flowtest.Edit(t, flow, "    next: lookup\n", "    next: lookupp\n")
	if st := p.post("reload", nil); !st.Flow.Errors {
		t.Fatal("the broken flow was not seen")
	}
	_, code, msg := p.try("test", map[string]string{"name": "broken"})
	if code != http.StatusUnprocessableEntity || !strings.Contains(msg, flow+" has 1 error") || !strings.Contains(msg, "fix") {
		t.Errorf("saving while the flow has errors: %d %s", code, msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "broken.yaml")); !os.IsNotExist(err) {
		t.Errorf("a test file was written: %v", err)
	}
	if code, body := p.get("/api/test.yaml?name=broken"); code != http.StatusUnprocessableEntity || !bytes.Contains(body, []byte("has 1 error")) {
		t.Errorf("download while the flow has errors: %d %s", code, body)
	}
	flowtest.Edit(t, flow, "    next: lookupp\n", "    next: lookup\n")
	p.post("reload", nil)
	b, _ := json.Marshal(map[string]string{"name": "broken"})
	r, err := http.Post(p.srv.URL+"/api/test", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if _, err := os.Stat(filepath.Join(dir, "broken.yaml")); r.StatusCode != http.StatusOK || err != nil {
		t.Errorf("saving once the flow is fixed: %d %v", r.StatusCode, err)
	}
}

// After a refused reload the conversation goes on with the version loaded
// before, and a state's YAML is that version's, at its lines: not the
// file on disk cut at the old position.
func TestSourceAfterARefusedReloadIsTheServingVersion(t *testing.T) {
	flow := copyFlow(t)
	p := newPage(t, Options{Flow: flow})
	source := func() string {
		t.Helper()
		code, b := p.get("/api/source?state=ask_order")
		var src sourceView
		if err := json.Unmarshal(b, &src); err != nil || code != http.StatusOK {
			t.Fatalf("%d %s", code, b)
		}
		return fmt.Sprintf("%s\n%d: %s", src.Pos, src.Lines[0].N, joinLines(src.Lines))
	}
	before := source()
	// Lines added above the state, and an error in it.
	flowtest.Edit(t, flow, "states:\n", "states:\n  extra:\n    say: one more\n    next: main_menu\n\n")
	flowtest.Edit(t, flow, "    next: lookup\n", "    next: lookupp\n")
	p.s.Reload(context.Background())
	if code, b := p.get("/api/state"); code != http.StatusOK || !strings.Contains(string(b), "lookupp") {
		t.Fatalf("the reload was not refused: %d %s", code, b)
	}
	if after := source(); after != before {
		t.Errorf("after a refused reload the state's YAML is\n%s\nwant the version serving:\n%s", after, before)
	}
}

// A reload whose flow declares a --var variable with another type leaves
// the value out, as it leaves out one the flow no longer declares, and
// says so: kept, the flow ran on a value of the wrong type and "save as
// test" wrote vars: that baton test refuses.
func TestReloadDropsAVarOfAnotherType(t *testing.T) {
	dir := t.TempDir()
	flow := filepath.Join(dir, "mini.yaml")
	const v1 = `flow: mini
languages: [en]
start: ask_name
vars:
  x: 1
states:
  ask_name:
    say: "What's your name? x={{ x }}"
    ask: {save_as: name}
    next: bye
  bye:
    say: "Bye {{ name }}"
    end: completed
`
	if err := os.WriteFile(flow, []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newPage(t, Options{Flow: flow, Vars: map[string]any{"x": 5}, Tests: dir})
	p.post("message", map[string]string{"text": "hi"})
	if err := os.WriteFile(flow, []byte(strings.Replace(v1, "x: 1", `x: "one"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	st := p.post("reload", nil)
	if st.Flow.Rev != 2 || !strings.Contains(st.Notice, `the variable "x" set with --var as it was ("x" is declared as a text ("one"), not a number; left out)`) {
		t.Fatalf("after the reload: rev %d, notice %q", st.Flow.Rev, st.Notice)
	}
	p.saveAndRun(dir, "after_reload")
}

// The profile sets the flow's vip and plan variables only as the types the
// flow declares them: a flow keeping vip as text ("yes"/"no") got a
// boolean, and "save as test" wrote vars: that baton test refuses.
func TestProfileVarsKeepTheDeclaredTypes(t *testing.T) {
	for _, tc := range []struct {
		name, vars string
		opts       map[string]any
		vip, plan  any // the flow's variables after the first message
	}{
		{"vip and plan as text", "  vip: \"no\"\n  plan: \"\"\n", nil, "no", ""},
		{"vip as text set with --var", "  vip: \"no\"\n  plan: \"\"\n", map[string]any{"vip": "yes"}, "yes", ""},
		{"plan as a number", "  vip: false\n  plan: 0\n", map[string]any{"vip": true}, true, 0},
		{"vip as true or false", "  vip: false\n  plan: \"\"\n", map[string]any{"vip": true, "plan": "gold"}, true, "gold"},
		{"a profile's plan, a number in the flow", "  vip: \"no\"\n  plan: 0\n", map[string]any{"plan": "gold"}, "no", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			flow := filepath.Join(dir, "mini.yaml")
			src := "flow: mini\nlanguages: [en]\nstart: ask_name\nvars:\n" + tc.vars +
				"states:\n  ask_name:\n    say: \"Name? vip={{ vip }} plan={{ plan }}\"\n    ask: {save_as: name}\n    next: bye\n  bye:\n    say: \"Bye {{ name }}\"\n    end: completed\n"
			if err := os.WriteFile(flow, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			p := newPage(t, Options{Flow: flow, Lang: "en", Vars: tc.opts, Tests: dir})
			st := p.post("message", map[string]string{"text": "hi"})
			p.post("message", map[string]string{"text": "Ann"})
			vars := st.Steps[len(st.Steps)-1].Vars
			if fmt.Sprint(vars["vip"]) != fmt.Sprint(tc.vip) || fmt.Sprintf("%T", vars["vip"]) != fmt.Sprintf("%T", tc.vip) {
				t.Errorf("vip is %#v, want %#v", vars["vip"], tc.vip)
			}
			if fmt.Sprint(vars["plan"]) != fmt.Sprint(tc.plan) {
				t.Errorf("plan is %#v, want %#v", vars["plan"], tc.plan)
			}
			p.saveAndRun(dir, "profile")
		})
	}
}

// On Telegram an option id over 64 bytes goes as its token; tapping that
// button in the studio is a tap on the option, and the test saved from
// the conversation names the option's id (baton test checks it against
// the menu's ids), not the token.
func TestTelegramTokenTapSavedAsTheID(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("richiesta_di_assistenza_", 4)
	flow := filepath.Join(dir, "ids.yaml")
	src := "flow: ids\nlanguages: [it]\nstart: welcome\nno_match: [{say: \"Non ho capito.\"}]\nstates:\n  welcome:\n    say: Ciao!\n    menu:\n      options:\n" +
		"        - {id: " + long + ", label: Assistenza, goto: help}\n        - {id: faq, label: FAQ, goto: help}\n" +
		"  help:\n    say: Eccomi.\n    end: true\n"
	if err := os.WriteFile(flow, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := t.TempDir()
	p := newPage(t, Options{Flow: flow, Channel: flows.ChannelTelegram, Tests: tests})
	st := p.post("message", map[string]string{"text": "ciao"})
	tok := flows.OptionToken(long)
	if menu := st.Messages[len(st.Messages)-1]; len(menu.Channel) != 1 || !strings.Contains(string(menu.Channel[0]), `"callback_data":"`+tok+`"`) {
		t.Fatalf("the menu on Telegram: %s", menu.Channel)
	}
	st = p.post("button", map[string]string{"id": tok, "label": "Assistenza"})
	if got := replies(st); got[len(got)-1] != "Eccomi." {
		t.Fatalf("after the tap: %q", got)
	}
	p.saveAndRun(tests, "token")
	file, _ := os.ReadFile(filepath.Join(tests, "token.yaml"))
	if !strings.Contains(string(file), long) || strings.Contains(string(file), tok) {
		t.Errorf("the saved test names the token, not the id:\n%s", file)
	}
}
