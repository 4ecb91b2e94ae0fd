package sla_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sla"
	"github.com/batonbot/baton/store/bolt"
	"github.com/batonbot/baton/store/memory"
)

const flowSrc = `
flow: waiting
languages: [en]
start: hello
states:
  hello:
    say: Hi
    menu:
      options:
        - {id: human, label: Human, goto: transfer}
  transfer:
    handoff: {reason: menu, team: support, priority: high, return: hello}
`

// recorded keeps what the alerter was asked to send.
type recorded struct {
	mu     sync.Mutex
	alerts []flows.SLAAlert
	fail   int
}

func (r *recorded) Alert(_ context.Context, a flows.SLAAlert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return context.DeadlineExceeded
	}
	r.alerts = append(r.alerts, a)
	return nil
}

func (r *recorded) thresholds() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, a := range r.alerts {
		out = append(out, a.Threshold)
	}
	return out
}

type rig struct {
	t     *testing.T
	now   time.Time
	store interface {
		flows.SessionStore
		flows.Timers
		flows.Deduper
	}
	eng    *engine.Engine
	w      *sla.Watcher
	alerts *recorded
	events []flows.Event
}

func newRig(t *testing.T, store interface {
	flows.SessionStore
	flows.Timers
	flows.Deduper
}, alerts *recorded, now time.Time) *rig {
	r := &rig{t: t, now: now, store: store, alerts: alerts}
	f, diags := dsl.Load("waiting.yaml", []byte(flowSrc))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	table := &sla.Table{Default: sla.Policy{FirstResponse: map[flows.Priority]time.Duration{flows.PriorityHigh: time.Hour}}}
	clock := func() time.Time { return r.now }
	// The ticket opens 50 minutes after the handoff.
	ticketOf := func(_ context.Context, h string) (flows.TicketRef, bool) {
		if r.now.Sub(now) < 50*time.Minute {
			return flows.TicketRef{}, false
		}
		return flows.TicketRef{Connector: "zendesk", ID: "4001", URL: "https://acme.zendesk.com/agent/tickets/4001"}, true
	}
	r.w = sla.NewWatcher(store, alerts, sla.WatchClock(clock), sla.ConversationLink("https://console.example/c/{id}"), sla.TicketLookup(ticketOf),
		sla.WatchEvents(func(_ context.Context, evs ...flows.Event) { r.events = append(r.events, evs...) }))
	hook := func(_ context.Context, _ *flows.Session, h *flows.Handoff) error { table.Stamp(h); return nil }
	r.eng = engine.New(f, engine.WithClock(clock), engine.WithHandoffHook(hook), engine.WithCommitHook(r.w.Commit))
	return r
}

func (r *rig) in(in flows.Input) {
	r.t.Helper()
	_, err := r.eng.Handle(context.Background(), r.store, "c1", in, func() *flows.Session {
		return r.eng.NewSession("c1", flows.Contact{ID: "u1"}, "web", "en")
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

// tick moves the clock and fires the SLA timers due, as the host's timer
// loop does.
func (r *rig) tick(d time.Duration) {
	r.t.Helper()
	r.now = r.now.Add(d)
	due, err := r.store.Due(context.Background(), r.now, 10)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, tm := range due {
		if !sla.IsKey(tm.Key) {
			continue
		}
		if err := r.w.Fire(context.Background(), tm); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r *rig) slaTimers() []flows.Timer {
	due, _ := r.store.Due(context.Background(), r.now.Add(1000*time.Hour), 100)
	var out []flows.Timer
	for _, t := range due {
		if sla.IsKey(t.Key) {
			out = append(out, t)
		}
	}
	return out
}

var t0 = time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)

func TestAlertsOncePerThreshold(t *testing.T) {
	alerts := &recorded{}
	r := newRig(t, memory.New(memory.WithClock(func() time.Time { return t0 })), alerts, t0)
	r.in(flows.Input{Kind: flows.InputMessage, Text: "hi"})
	r.in(flows.Input{Kind: flows.InputMessage, Text: "1"})
	if ts := r.slaTimers(); len(ts) != 1 || !ts[0].At.Equal(t0.Add(48*time.Minute)) {
		t.Fatalf("after the handoff, SLA timers %+v; want one at 80%% of the hour", ts)
	}
	r.tick(47 * time.Minute)
	if len(alerts.thresholds()) != 0 {
		t.Fatalf("alerts before 80%%: %v", alerts.thresholds())
	}
	r.tick(time.Minute)
	r.tick(time.Minute) // nothing new
	if got := alerts.thresholds(); len(got) != 1 || got[0] != 80 {
		t.Fatalf("at 80%%: %v", got)
	}
	a := alerts.alerts[0]
	if a.Team != "support" || a.Priority != flows.PriorityHigh || a.Link != "https://console.example/c/c1" || !a.Due.Equal(t0.Add(time.Hour)) || a.Target != "first_response" {
		t.Errorf("alert %+v", a)
	}
	r.tick(11 * time.Minute)
	if got := alerts.thresholds(); len(got) != 2 || got[1] != 100 {
		t.Fatalf("at 100%%: %v", got)
	}
	if a := alerts.alerts[1]; a.Ticket.ID != "4001" || a.Link != "https://acme.zendesk.com/agent/tickets/4001" {
		t.Errorf("once the ticket is open, the alert links it: %+v", a)
	}
	r.tick(time.Hour)
	if got := alerts.thresholds(); len(got) != 2 || len(r.slaTimers()) != 0 {
		t.Fatalf("after the last threshold: alerts %v, timers %+v", got, r.slaTimers())
	}
	if len(r.events) != 2 || r.events[0].Type != flows.EvSLAAlert || r.events[1].Threshold != 100 || r.events[1].WaitMS != time.Hour.Milliseconds() {
		t.Errorf("events %+v", r.events)
	}
}

func TestAnAnswerStopsTheAlerts(t *testing.T) {
	alerts := &recorded{}
	r := newRig(t, memory.New(), alerts, t0)
	r.in(flows.Input{Kind: flows.InputMessage, Text: "hi"})
	r.in(flows.Input{Kind: flows.InputMessage, Text: "1"})
	r.tick(50 * time.Minute)
	r.in(flows.Input{Kind: flows.InputAgent, Text: "Hi, I'm here", Agent: "anna"})
	if ts := r.slaTimers(); len(ts) != 0 {
		t.Fatalf("the first reply must remove the SLA timers: %+v", ts)
	}
	r.tick(2 * time.Hour)
	if got := alerts.thresholds(); len(got) != 1 {
		t.Fatalf("alerts %v: only the 80%% one came before the reply", got)
	}
}

// The due times and the alert markers are in the store: a restart
// (a new process opening the same bolt file) raises each alert once.
func TestAlertsSurviveARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "baton.db")
	now := t0
	clock := func() time.Time { return now }
	st, err := bolt.Open(path, bolt.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	alerts := &recorded{}
	r := newRig(t, st, alerts, t0)
	r.in(flows.Input{Kind: flows.InputMessage, Text: "hi"})
	r.in(flows.Input{Kind: flows.InputMessage, Text: "1"})
	due80 := r.slaTimers()
	r.tick(48 * time.Minute)
	now = r.now
	if got := alerts.thresholds(); len(got) != 1 {
		t.Fatalf("before the restart: %v", got)
	}
	// The process dies after sending the 80% alert but, say, before the
	// timer moved: fire the stale timer again after the restart.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = bolt.Open(path, bolt.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r2 := newRig(t, st, alerts, r.now)
	if err := r2.w.Fire(context.Background(), due80[0]); err != nil {
		t.Fatal(err)
	}
	if got := alerts.thresholds(); len(got) != 1 {
		t.Fatalf("a repeated 80%% timer alerted again: %v", got)
	}
	if ts := r2.slaTimers(); len(ts) != 1 || !strings.HasSuffix(ts[0].Key, ":100") {
		t.Fatalf("after the restart the 100%% timer waits: %+v", ts)
	}
	r2.tick(12 * time.Minute)
	now = r2.now
	if got := alerts.thresholds(); len(got) != 2 || got[1] != 100 {
		t.Fatalf("after the restart: %v", got)
	}
}

func TestNotifier(t *testing.T) {
	var mu sync.Mutex
	got := map[string]map[string]any{}
	headers := map[string]http.Header{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		got[r.URL.Path] = body
		headers[r.URL.Path] = r.Header.Clone()
		mu.Unlock()
		if r.URL.Path == "/down" {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	n := &sla.Notifier{Slack: srv.URL + "/slack", Teams: srv.URL + "/teams", Webhook: srv.URL + "/hook",
		Sign: func(id string, ts time.Time, body []byte) (string, error) { return "v1,signed", nil }}
	a := flows.SLAAlert{HandoffID: "h1", ConversationID: "c1", Team: "billing", Priority: flows.PriorityUrgent, Target: "first_response", Threshold: 100,
		RequestedAt: t0, Due: t0.Add(15 * time.Minute), At: t0.Add(15 * time.Minute), Ticket: flows.TicketRef{Connector: "zendesk", ID: "4001"},
		Link: "https://acme.zendesk.com/agent/tickets/4001"}
	if err := n.Alert(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if s, _ := got["/slack"]["text"].(string); !strings.Contains(s, "SLA breached") || !strings.Contains(s, "<https://acme.zendesk.com/agent/tickets/4001|Open ticket 4001>") {
		t.Errorf("slack: %q", s)
	}
	// Teams workflow webhooks take Adaptive Cards only, as an attachment
	// of a message (learn.microsoft.com, "Create and send messages":
	// Workflows don't support the message card format).
	teams, _ := got["/teams"]["attachments"].([]any)
	if got["/teams"]["type"] != "message" || len(teams) != 1 || teams[0].(map[string]any)["contentType"] != "application/vnd.microsoft.card.adaptive" ||
		!strings.Contains(mustJSON(teams), `"type":"AdaptiveCard"`) || !strings.Contains(mustJSON(teams), `"url":"https://acme.zendesk.com/agent/tickets/4001"`) ||
		!strings.Contains(mustJSON(teams), "SLA breached") {
		t.Errorf("teams: %s", mustJSON(got["/teams"]))
	}
	if got["/hook"]["type"] != "sla.alert" || headers["/hook"].Get("webhook-signature") != "v1,signed" || headers["/hook"].Get("webhook-id") != "sla_h1_100" {
		t.Errorf("webhook: %v %v", got["/hook"], headers["/hook"])
	}
	bad := &sla.Notifier{Slack: srv.URL + "/down"}
	if err := bad.Alert(context.Background(), a); err == nil || !strings.Contains(err.Error(), "502") {
		t.Errorf("a failing destination: %v", err)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// An SLA timer of a conversation that is gone (expired, deleted) is
// dropped with it; the conversation's inbox is left alone: a new message
// accepted meanwhile is its next conversation's first.
func TestTimerOfAGoneConversationKeepsItsInbox(t *testing.T) {
	st := memory.New(memory.WithClock(func() time.Time { return t0 }))
	ctx := context.Background()
	in := flows.Inbound{ID: "m1", ConversationID: "gone", Channel: "sandbox", Contact: flows.Contact{ID: "u1"},
		Input: flows.Input{Kind: flows.InputMessage, Text: "hello again", At: t0}}
	if fresh, err := st.Inbox().Accept(ctx, in); err != nil || !fresh {
		t.Fatalf("accept: %v %v", fresh, err)
	}
	w := sla.NewWatcher(st, &recorded{}, sla.WatchClock(func() time.Time { return t0 }))
	if err := w.Fire(ctx, flows.Timer{Key: "sla:h1:80", ConversationID: "gone", At: t0}); err != nil {
		t.Fatalf("Fire: %v", err)
	}
	got, err := st.Inbox().Claim(ctx, t0, time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].Inbound.ID != "m1" {
		t.Fatalf("the conversation's accepted message after the timer fired: %+v %v; want m1", got, err)
	}
}

// TestNotifierRetryPostsOnce: the watcher retries an alert whose Alert
// failed; a destination that already took it (Slack) is not posted
// again when another (Teams) failed, so Slack shows the alert once.
func TestNotifierRetryPostsOnce(t *testing.T) {
	var mu sync.Mutex
	posts := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		posts[r.URL.Path]++
		if r.URL.Path == "/teams" && posts[r.URL.Path] == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	n := &sla.Notifier{Slack: srv.URL + "/slack", Teams: srv.URL + "/teams"}
	a := flows.SLAAlert{HandoffID: "h1", ConversationID: "c1", Team: "billing", Threshold: 80, RequestedAt: t0, Due: t0.Add(time.Hour), At: t0.Add(48 * time.Minute)}
	if err := n.Alert(context.Background(), a); err == nil {
		t.Fatal("Teams failed: want an error")
	}
	if err := n.Alert(context.Background(), a); err != nil {
		t.Fatalf("the retry: %v", err)
	}
	if posts["/slack"] != 1 || posts["/teams"] != 2 {
		t.Errorf("posts = %v, want slack 1 (taken the first time), teams 2", posts)
	}
	// Another threshold of the same handoff is a new alert.
	a.Threshold = 100
	if err := n.Alert(context.Background(), a); err != nil || posts["/slack"] != 2 {
		t.Errorf("the 100%% alert: %v, posts %v", err, posts)
	}
}

// The alert's text says how long the handoff waited as people write it,
// and its due time with the zone it is in: the team's (the watcher puts it
// there), else UTC, named.
func TestAlertText(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	base := flows.SLAAlert{Team: "billing", Priority: flows.PriorityHigh, Target: "first_response", RequestedAt: t0}
	for _, tc := range []struct {
		waited    time.Duration
		due       time.Time
		threshold int
		want      string
	}{
		{48 * time.Minute, t0.Add(time.Hour), 80, "SLA at 80%: a high handoff to billing has waited 48 min for a first reply; it is due at Mar 3 11:00 UTC."},
		{26 * time.Hour, t0.Add(26 * time.Hour).In(rome), 100, "SLA breached: a high handoff to billing has waited 26 h for a first reply (due Mar 4 13:00 CET)."},
		{65 * time.Minute, t0.Add(65 * time.Minute), 100, "SLA breached: a high handoff to billing has waited 1 h 5 min for a first reply (due Mar 3 11:05 UTC)."},
		{20 * time.Second, t0.Add(time.Minute), 50, "SLA at 50%: a high handoff to billing has waited under 1 min for a first reply; it is due at Mar 3 10:01 UTC."},
	} {
		a := base
		a.Threshold, a.At, a.Due = tc.threshold, t0.Add(tc.waited), tc.due
		if got := sla.Text(a); got != tc.want {
			t.Errorf("waited %v:\n got %s\nwant %s", tc.waited, got, tc.want)
		}
	}
}

// The watcher's alert carries its due time in the team's zone (the zone
// of the team's hours), in UTC for a team without hours, never in the
// host's.
func TestAlertDueInTheTeamsZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		hours *flows.BusinessHours
		want  string
	}{
		{&flows.BusinessHours{Location: ny}, "06:00 EST"},
		{nil, "11:00 UTC"},
	} {
		alerts := &recorded{}
		// The host's clock is in a zone of its own.
		r := newRig(t, memory.New(), alerts, t0.In(time.FixedZone("HOST", 5*3600+1800)))
		r.w = sla.NewWatcher(r.store, alerts, sla.WatchClock(func() time.Time { return r.now }),
			sla.WatchTable(&sla.Table{Teams: map[string]sla.Policy{"support": {Hours: tc.hours}}}))
		r.in(flows.Input{Kind: flows.InputMessage, Text: "hi"})
		r.in(flows.Input{Kind: flows.InputMessage, Text: "1"})
		// The rig's engine set the timer (with the rig's watcher): this
		// watcher fires it.
		r.tick(48 * time.Minute)
		if len(alerts.alerts) != 1 {
			t.Fatalf("alerts: %v", alerts.thresholds())
		}
		if got := alerts.alerts[0].Due.Format("15:04 MST"); got != tc.want {
			t.Errorf("due %s, want %s (%s)", got, tc.want, sla.Text(alerts.alerts[0]))
		}
	}
}

// The alert and its sla_alert event carry the handoff's reason, and the
// event the customer's pseudonym, as the other events of the handoff do.
func TestAlertCarriesReasonAndContact(t *testing.T) {
	alerts := &recorded{}
	r := newRig(t, memory.New(), alerts, t0)
	r.w = sla.NewWatcher(r.store, alerts, sla.WatchClock(func() time.Time { return r.now }),
		sla.WatchEvents(func(_ context.Context, evs ...flows.Event) { r.events = append(r.events, evs...) }),
		sla.WatchContact(func(id string) string { return "pseudo-" + id }))
	r.in(flows.Input{Kind: flows.InputMessage, Text: "hi"})
	r.in(flows.Input{Kind: flows.InputMessage, Text: "1"})
	r.tick(48 * time.Minute)
	if len(alerts.alerts) != 1 || alerts.alerts[0].Reason != "menu" {
		t.Fatalf("alerts %+v, want one with reason menu", alerts.alerts)
	}
	if len(r.events) != 1 || r.events[0].Reason != "menu" || r.events[0].Contact != "pseudo-u1" {
		t.Fatalf("events %+v, want one with reason menu and contact pseudo-u1", r.events)
	}
}
