package host

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/flows"
)

// The SLA queue ({{ sla.queue }}, the expected wait) reads its events on
// the host's clock: one dated far ahead of it (a clock gone wrong, a bad
// timestamp) no longer makes it forget every handoff waiting, and the
// operator is warned.
func TestServeSLAQueueOnTheHostClock(t *testing.T) {
	flow, err := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, t.TempDir(), "channels:\n  web:\n    - flow: "+flow+"\nsla:\n  normal: 1h\n")
	// Long past: on the wall clock, every date in this test is gone.
	t0 := time.Date(2020, 3, 3, 10, 0, 0, 0, time.UTC)
	var logs syncBuffer
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(&logs, 0, false), NoWatch: true,
		Host: []Option{WithClock(func() time.Time { return t0 })}})
	if err != nil {
		t.Fatal(err)
	}
	q := srv.Host.queue
	if q == nil {
		t.Fatal("no SLA queue with an sla: section")
	}
	ctx := context.Background()
	_ = q.Write(ctx, flows.Event{Type: flows.EvHandoffRequested, Conversation: "web:site:a", Team: "support", Handoff: "h1", At: t0})
	_ = q.Write(ctx, flows.Event{Type: flows.EvMessageIn, Conversation: "web:site:b", At: t0.AddDate(0, 2, 0)})
	if _, n := q.Expected("support", flows.PriorityNormal); n != 1 {
		t.Errorf("%d waiting after an event dated two months ahead of the host's clock; want 1", n)
	}
	if out := logs.String(); !strings.Contains(out, "ahead of the clock") || !strings.Contains(out, "message_in") {
		t.Errorf("no warning of the event dated ahead:\n%s", out)
	}
}

// The SLA watcher dated its alerts, and the recorder the events it
// stamps, on the wall clock while the turns ran on the host's: an alert's
// wait (now less the handoff's time) mixed two clocks, and the queue
// took the alert for an event from the future.
func TestServeSLAAlertOnTheHostClock(t *testing.T) {
	flow, err := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	events := filepath.Join(dir, "events.jsonl")
	cfg := loadConfig(t, dir, "channels:\n  web:\n    - {name: site, flow: "+flow+"}\nsla:\n  normal: 1h\nevents: {file: "+events+"}\n")
	t0 := time.Date(2020, 3, 3, 10, 0, 0, 0, time.UTC)
	now := t0.Add(90 * time.Minute)
	var logs syncBuffer
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(&logs, 0, false), NoWatch: true,
		Host: []Option{WithClock(func() time.Time { return now })}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const conv = "web:site:v1"
	s := &flows.Session{ID: conv, Flow: "shop", State: "start", Channel: "web", Lifecycle: flows.LifecycleHandedOff, CreatedAt: t0, UpdatedAt: t0,
		Handoff: &flows.HandoffRef{ID: "h1", Team: "support", Priority: flows.PriorityNormal, At: t0, FirstResponseDue: t0.Add(time.Hour)}}
	if err := srv.store.Save(ctx, s, flows.Commit{}); err != nil {
		t.Fatal(err)
	}
	if sla, err := srv.Host.fireSLA(ctx, flows.Timer{Key: "sla:h1:100", ConversationID: conv, At: t0.Add(time.Hour)}); !sla || err != nil {
		t.Fatalf("the SLA timer: %v, %v", sla, err)
	}
	f, err := os.Open(events)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var alerts []flows.Event
	_ = analytics.Scan(f, events, func(ev *flows.Event) error {
		if ev.Type == flows.EvSLAAlert {
			alerts = append(alerts, *ev)
		}
		return nil
	})
	if len(alerts) != 1 || !alerts[0].At.Equal(now) || alerts[0].WaitMS != (90*time.Minute).Milliseconds() {
		t.Errorf("sla_alert events %+v; want one at the host's %v, 90 minutes after the handoff", alerts, now)
	}
	if out := logs.String(); strings.Contains(out, "ahead of the clock") {
		t.Errorf("the queue took the alert for an event from the future:\n%s", out)
	}
}
