package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// testSentLog: a sent message's conversation is found by its channel and
// id until its ttl ends, and "" for any other.
func testSentLog(t *testing.T, h *h) {
	sl, ok := h.s.(flows.SentLog)
	if !ok {
		t.Fatalf("%T does not implement flows.SentLog", h.s)
	}
	lookup := func(channel, id string) string {
		t.Helper()
		conv, err := sl.SentConversation(h.ctx, channel, id)
		if err != nil {
			t.Fatalf("SentConversation %s %s: %v", channel, id, err)
		}
		return conv
	}
	record := func(channel, id, conv string, ttl time.Duration) {
		t.Helper()
		if err := sl.RecordSent(h.ctx, channel, id, conv, ttl); err != nil {
			t.Fatalf("RecordSent %s %s: %v", channel, id, err)
		}
	}
	if got := lookup("whatsapp", "wamid.unknown"); got != "" {
		t.Fatalf("an unknown message: got %q, want \"\"", got)
	}
	record("whatsapp", "wamid.1", "whatsapp:123:US.1", flows.DefaultSentTTL)
	record("whatsapp", "wamid.2", "whatsapp:123:US.2", time.Hour)
	record("whatsapp", "wamid.0", "whatsapp:123:US.0", 0)
	if got := lookup("whatsapp", "wamid.1"); got != "whatsapp:123:US.1" {
		t.Fatalf("wamid.1: got %q, want whatsapp:123:US.1", got)
	}
	if got := lookup("telegram", "wamid.1"); got != "" {
		t.Fatalf("wamid.1 on another channel: got %q, want \"\"", got)
	}
	if got := lookup("whatsapp", "wamid.0"); got != "" {
		t.Fatalf("recorded with a ttl of 0: got %q, want \"\"", got)
	}
	for _, bad := range [][2]string{{"", "c"}, {"wamid.3", ""}} {
		if err := sl.RecordSent(h.ctx, "whatsapp", bad[0], bad[1], time.Hour); err == nil {
			t.Fatalf("RecordSent(%q, %q): no error", bad[0], bad[1])
		}
	}
	h.clock.Add(time.Hour)
	h.sweep()
	if got := lookup("whatsapp", "wamid.2"); got != "" {
		t.Fatalf("wamid.2 past its ttl: got %q, want \"\"", got)
	}
	if got := lookup("whatsapp", "wamid.1"); got != "whatsapp:123:US.1" {
		t.Fatalf("wamid.1 within its ttl: got %q, want whatsapp:123:US.1", got)
	}
	h.clock.Add(flows.DefaultSentTTL)
	h.sweep()
	if got := lookup("whatsapp", "wamid.1"); got != "" {
		t.Fatalf("wamid.1 past its ttl: got %q, want \"\"", got)
	}
	if err := h.s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sl.RecordSent(h.ctx, "whatsapp", "wamid.4", "c", time.Hour); !errors.Is(err, flows.ErrClosed) {
		t.Fatalf("RecordSent after Close: %v, want an error wrapping flows.ErrClosed", err)
	}
	if _, err := sl.SentConversation(h.ctx, "whatsapp", "wamid.1"); !errors.Is(err, flows.ErrClosed) {
		t.Fatalf("SentConversation after Close: %v, want an error wrapping flows.ErrClosed", err)
	}
}
