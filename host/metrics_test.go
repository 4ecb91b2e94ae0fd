package host

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

type listOutbox struct{ items []flows.OutboxItem }

func (o listOutbox) Claim(context.Context, time.Time, time.Duration, int) ([]flows.OutboxItem, error) {
	return nil, nil
}
func (o listOutbox) Settle(context.Context, flows.OutboxItem) error { return nil }
func (o listOutbox) List(_ context.Context, s flows.OutboxStatus) ([]flows.OutboxItem, error) {
	return o.items, nil
}

func TestMetrics(t *testing.T) {
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	m := NewMetrics(listOutbox{items: []flows.OutboxItem{
		{Kind: flows.OutboxOpen, CreatedAt: now.Add(-90 * time.Second)},
		{Kind: flows.OutboxOpen, CreatedAt: now.Add(-10 * time.Second)},
		{Kind: "reply", CreatedAt: now.Add(-time.Second)},
	}}, func() time.Time { return now })
	m.turn("whatsapp", 3*time.Millisecond, nil)
	m.turn("whatsapp", time.Millisecond, errors.New("x"))
	m.received("telegram", "duplicate")
	m.handoff(&flows.Handoff{Reason: "asks_for_human", Team: "billing"})
	m.delivery(flows.OutboxOpen, "retry")
	m.sendError("whatsapp", 131047)
	m.sendFailed("whatsapp", &flows.ChannelError{Channel: "whatsapp", Status: 503, Temporary: true})
	m.sendFailed("telegram", &flows.ChannelError{Channel: "telegram", Code: 429, Status: 429})
	m.sendFailed("whatsapp", errors.New("dial tcp: connection refused"))
	h := m.countRejects("whatsapp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/webhooks/whatsapp", nil))

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	out := string(body)
	for _, want := range []string{
		`baton_turns_total{channel="whatsapp",outcome="ok"} 1`,
		`baton_turns_total{channel="whatsapp",outcome="error"} 1`,
		`baton_turn_duration_seconds_count{channel="whatsapp"} 2`,
		`baton_inbound_total{channel="telegram",outcome="duplicate"} 1`,
		`baton_handoffs_total{reason="asks_for_human",team="billing"} 1`,
		`baton_outbox_depth{kind="open"} 2`,
		`baton_outbox_depth{kind="close"} 0`,
		`baton_outbox_oldest_seconds{kind="open"} 90`,
		`baton_outbox_oldest_seconds{kind="reply"} 1`,
		`baton_deliveries_total{kind="open",outcome="retry"} 1`,
		`baton_webhook_rejects_total{endpoint="whatsapp",reason="signature"} 1`,
		`baton_channel_send_errors_total{channel="whatsapp",code="131047"} 1`,
		`baton_channel_send_errors_total{channel="whatsapp",code="http_503"} 1`,
		`baton_channel_send_errors_total{channel="telegram",code="429"} 1`,
		`baton_channel_send_errors_total{channel="whatsapp",code="network"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// A message another worker already answered (its lease ran out while a
// turn was queued behind a long one, or two processes took it) is not a
// failed turn: the second save is refused with ErrConsumed and nothing
// happens. baton_turns_total counted it as an error.
func TestMetricsATurnAnsweredElsewhereIsNoError(t *testing.T) {
	st := memory.New()
	m := NewMetrics(st.OutboxOf(), nil)
	h, _ := webHost(t, st, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml"), WithMetrics(m), WithSandboxHTTP())
	ctx := context.Background()
	if err := h.Receive(ctx, flows.Inbound{ID: "m1", Channel: flows.ChannelWeb, Account: "site", Contact: flows.Contact{ID: "v1"},
		Input: flows.Input{Kind: flows.InputMessage, Text: "hello"}}); err != nil {
		t.Fatal(err)
	}
	entries, err := st.Inbox().Claim(ctx, time.Now(), time.Minute, 1)
	if err != nil || len(entries) != 1 {
		t.Fatalf("claimed %v, %v", entries, err)
	}
	h.handleEntry(ctx, entries[0])
	h.handleEntry(ctx, entries[0]) // the same entry, taken twice
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	out := rec.Body.String()
	if got := grepLines(out, "baton_turns_total"); got != `baton_turns_total{channel="web",outcome="error"} 0`+"\n"+`baton_turns_total{channel="web",outcome="ok"} 1` {
		t.Errorf("want one turn, ok, and no error:\n%s", grepLines(out, "baton_turns_total"))
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// baton_inbound_total counts the customers' messages; an agent's reply or
// a ticket's change brought back by the bridge went into the same series,
// under the customer's channel, as if the customer had written.
func TestMetricsInboundCountsCustomersOnly(t *testing.T) {
	st := memory.New()
	m := NewMetrics(st.OutboxOf(), nil)
	h, _ := webHost(t, st, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml"), WithMetrics(m), WithSandboxHTTP())
	ctx := context.Background()
	if err := h.Receive(ctx, flows.Inbound{ID: "m1", Channel: flows.ChannelWeb, Account: "site", Contact: flows.Contact{ID: "v1"},
		Input: flows.Input{Kind: flows.InputMessage, Text: "hello"}}); err != nil {
		t.Fatal(err)
	}
	if err := h.DeliverBridge(ctx, "web:site:v1", flows.Input{Kind: flows.InputAgent, Text: "Hi, I'm Marco", Agent: "Marco"}); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	want := `baton_inbound_total{channel="web",outcome="accepted"} 1` + "\n" +
		`baton_inbound_total{channel="web",outcome="duplicate"} 0` + "\n" +
		`baton_inbound_total{channel="web",outcome="error"} 0`
	if got := grepLines(rec.Body.String(), "baton_inbound_total"); got != want {
		t.Errorf("want the customer's message only:\n%s", got)
	}
}

// statsOutbox is an outbox that answers PendingStats and fails the test
// when listed.
type statsOutbox struct {
	t     *testing.T
	stats map[flows.OutboxKind]flows.PendingStat
}

func (o statsOutbox) Claim(context.Context, time.Time, time.Duration, int) ([]flows.OutboxItem, error) {
	return nil, nil
}
func (o statsOutbox) Settle(context.Context, flows.OutboxItem) error { return nil }
func (o statsOutbox) List(context.Context, flows.OutboxStatus) ([]flows.OutboxItem, error) {
	o.t.Error("a scrape listed the outbox")
	return nil, nil
}
func (o statsOutbox) PendingStats(context.Context) (map[flows.OutboxKind]flows.PendingStat, error) {
	return o.stats, nil
}

// Every scrape listed the whole pending outbox, reading and decoding
// every item, to count them: during a helpdesk outage, a scrape that
// grows without bound. An outbox that counts its pending items
// (flows.OutboxStats, as every store does) is asked for the counts; serve
// gives the metrics its store, not a view of it that hid them.
func TestMetricsAskTheStoreForItsCounts(t *testing.T) {
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	m := NewMetrics(statsOutbox{t: t, stats: map[flows.OutboxKind]flows.PendingStat{
		flows.OutboxOpen:   {Count: 40000, Oldest: now.Add(-2 * time.Hour)},
		flows.OutboxAppend: {Count: 3, Oldest: now.Add(-time.Minute)},
	}}, func() time.Time { return now })
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	want := `baton_outbox_depth{kind="append"} 3` + "\n" + `baton_outbox_depth{kind="close"} 0` + "\n" +
		`baton_outbox_depth{kind="open"} 40000` + "\n" + `baton_outbox_depth{kind="reply"} 0`
	if got := grepLines(rec.Body.String(), "baton_outbox_depth"); got != want {
		t.Errorf("depth:\n%s\nwant\n%s", got, want)
	}
	want = `baton_outbox_oldest_seconds{kind="append"} 60` + "\n" + `baton_outbox_oldest_seconds{kind="close"} 0` + "\n" +
		`baton_outbox_oldest_seconds{kind="open"} 7200` + "\n" + `baton_outbox_oldest_seconds{kind="reply"} 0`
	if got := grepLines(rec.Body.String(), "baton_outbox_oldest_seconds"); got != want {
		t.Errorf("oldest:\n%s\nwant\n%s", got, want)
	}

	// What serve builds: the store's counts, the same as its list's.
	st := memory.New()
	s := &flows.Session{ID: "c", Flow: "f", State: "start"}
	if err := st.Save(context.Background(), s, flows.Commit{Outbox: []flows.OutboxItem{{ID: "h:open", Kind: flows.OutboxOpen, HandoffID: "h"}}}); err != nil {
		t.Fatal(err)
	}
	flow, err := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, t.TempDir(), "channels:\n  web:\n    - flow: "+flow+"\n")
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), Store: st, NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Metrics.outbox.outbox.(flows.OutboxStats); !ok {
		t.Errorf("serve's metrics read an outbox without counts (%T)", srv.Metrics.outbox.outbox)
	}
}

type failingList struct{ listOutbox }

func (failingList) List(context.Context, flows.OutboxStatus) ([]flows.OutboxItem, error) {
	return nil, errors.New("store unreachable")
}

// An outbox that could not be listed made the whole scrape a 500: the
// turns, the deliveries and the Go runtime's series were lost with the
// outbox's. The others are served, the failure logged.
func TestMetricsWithoutTheOutbox(t *testing.T) {
	m := NewMetrics(failingList{}, nil)
	var logs strings.Builder
	m.logTo(slog.New(slog.NewTextHandler(&logs, nil)))
	m.turn("web", time.Millisecond, nil)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200:\n%s", rec.Code, rec.Body)
	}
	out := rec.Body.String()
	if !strings.Contains(out, `baton_turns_total{channel="web",outcome="ok"} 1`) || strings.Contains(out, "baton_outbox_depth") {
		t.Errorf("want the turns and no outbox series:\n%s", out)
	}
	if !strings.Contains(logs.String(), "store unreachable") {
		t.Errorf("the outbox's error should be logged: %q", logs.String())
	}
}

// The series whose labels are known in advance are there at zero from the
// first scrape: a channel's turns and inbound messages, every delivery
// kind and outcome, the reloads. A rate() or an alert on dead letters
// works before the first one.
func TestMetricsStartAtZero(t *testing.T) {
	st := memory.New()
	m := NewMetrics(st.OutboxOf(), nil)
	webHost(t, st, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml"), WithMetrics(m))
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	out := rec.Body.String()
	for _, want := range []string{
		`baton_turns_total{channel="web",outcome="error"} 0`,
		`baton_turns_total{channel="web",outcome="ok"} 0`,
		`baton_inbound_total{channel="web",outcome="accepted"} 0`,
		`baton_deliveries_total{kind="open",outcome="dead"} 0`,
		`baton_deliveries_total{kind="reply",outcome="dead"} 0`,
		`baton_reloads_total{outcome="refused"} 0`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// A handoff's reason and team are templates a flow may fill from what the
// customer wrote: the labels of baton_handoffs_total keep names only, and
// a bounded number of them, so no message text, e-mail address or phone
// number becomes a series, and the series stay few.
func TestMetricsHandoffLabelsAreBounded(t *testing.T) {
	m := NewMetrics(nil, nil)
	m.handoff(&flows.Handoff{Reason: "anna.rossi@example.org", Team: "billing"})
	m.handoff(&flows.Handoff{Reason: "my parcel never came, I want my money back", Team: "billing"})
	m.handoff(&flows.Handoff{Reason: "393331234567", Team: "+39 333 123 4567"})
	m.handoff(&flows.Handoff{Reason: "asks_for_human", Team: ""})
	for i := range 1000 {
		m.handoff(&flows.Handoff{Reason: "r" + strconv.Itoa(i), Team: "t" + strconv.Itoa(i)})
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	out := rec.Body.String()
	for _, leak := range []string{"anna", "parcel", "3331234567", "333 123"} {
		if strings.Contains(out, leak) {
			t.Errorf("/metrics shows %q: %s", leak, grepLines(out, "baton_handoffs_total"))
		}
	}
	for _, want := range []string{
		`baton_handoffs_total{reason="other",team="billing"} 2`,
		`baton_handoffs_total{reason="asks_for_human",team=""} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, grepLines(out, "baton_handoffs_total{reason=\"other\""))
		}
	}
	if n := strings.Count(out, "\nbaton_handoffs_total{"); n > 110 {
		t.Errorf("%d baton_handoffs_total series for 1000 reasons and teams, want at most 110", n)
	}
}

// A bridge's 404 is a conversation not served here
// (handoff.ErrUnknownConversation), not an account: the bridges have none.
func TestMetricsBridgeUnknownConversation(t *testing.T) {
	m := NewMetrics(nil, nil)
	h := m.countRejects("bridge/zendesk", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/bridge/zendesk", nil))
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if want := `baton_webhook_rejects_total{endpoint="bridge/zendesk",reason="unknown_conversation"} 1`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/metrics lacks %s:\n%s", want, rec.Body.String())
	}
}

// A timer whose conversation is gone (expired, deleted) runs no turn: it
// is neither an ok nor an error turn, and the log has no error for it.
// baton_turns_total counted it as an error.
func TestMetricsATimerOfAGoneConversationIsNoTurn(t *testing.T) {
	st := memory.New()
	m := NewMetrics(st.OutboxOf(), nil)
	var logs lockedLog
	h, _ := webHost(t, st, loadFlow(t, "../cmd/baton/testdata/flows/shop.yaml"), WithMetrics(m), WithSandboxHTTP(),
		WithLogger(NewLogger(&logs, slog.LevelInfo, false)))
	if err := h.fire(context.Background(), flows.Timer{Key: "reminder", ConversationID: "web:site:v1", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if got := grepLines(rec.Body.String(), "baton_turns_total"); got != `baton_turns_total{channel="web",outcome="error"} 0`+"\n"+`baton_turns_total{channel="web",outcome="ok"} 0` {
		t.Errorf("want no turn:\n%s", got)
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) || strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Errorf("the log reports an error:\n%s", logs.String())
	}
}
