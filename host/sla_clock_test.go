package host

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
