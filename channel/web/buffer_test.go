package web

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

// keptText is the texts and the bytes conversation key keeps for resume.
func keptText(t *testing.T, h *Handler, key string) ([]string, int) {
	t.Helper()
	_, events, _ := h.convs.since(key, "", testNow)
	var texts []string
	size := 0
	for _, e := range events {
		var r reply
		if err := json.Unmarshal(e.data, &r); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, r.Text)
		size += len(e.data)
	}
	return texts, size
}

// TestBufferBytes: the events kept per conversation are bounded in bytes
// too, not only in number: a flow's long replies (a rendered API answer)
// cannot hold 100 events of any size per conversation, times every
// conversation kept. The newest event is always kept, so a stream still
// gets a reply larger than the bound.
func TestBufferBytes(t *testing.T) {
	ctx := context.Background()
	send := func(h *Handler, key, text string) {
		if err := h.Send(ctx, flows.Outbound{To: flows.Contact{ID: key}, Reply: flows.Reply{Text: text}}); err != nil {
			t.Fatal(err)
		}
	}
	var rejects []string
	h := newTestHandler(t, &receiver{}, &rejects)
	const key = "CONVERSATION000001"
	for i := range DefaultMaxBuffer {
		send(h, key, fmt.Sprintf("%03d %s", i, strings.Repeat("x", 8<<10)))
	}
	texts, size := keptText(t, h, key)
	if size > DefaultMaxBufferBytes || len(texts) == 0 || !strings.HasPrefix(texts[len(texts)-1], "099 ") {
		t.Errorf("kept %d events, %d bytes (newest %.3q), want at most %d bytes ending with the newest",
			len(texts), size, texts[len(texts)-1], DefaultMaxBufferBytes)
	}

	h = newTestHandler(t, &receiver{}, &rejects, WithBufferBytes(20000))
	for i := range 5 {
		send(h, key, fmt.Sprintf("%d%s", i, strings.Repeat("y", 9000)))
	}
	if texts, size = keptText(t, h, key); len(texts) != 2 || texts[0][0] != '3' || texts[1][0] != '4' || size > 20000 {
		t.Errorf("kept %d events, %d bytes, want the last 2 within 20000", len(texts), size)
	}
	send(h, key, "big"+strings.Repeat("z", 30000))
	if texts, _ = keptText(t, h, key); len(texts) != 1 || !strings.HasPrefix(texts[0], "big") {
		t.Errorf("kept %d events, want only the newest, larger than the bound", len(texts))
	}
	send(h, key, "small")
	if texts, _ = keptText(t, h, key); len(texts) != 1 || texts[0] != "small" {
		t.Errorf("kept %d events, want only the newest, small", len(texts))
	}
}
