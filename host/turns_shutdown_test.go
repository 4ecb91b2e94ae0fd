package host

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/batonbot/baton/flows"
)

// The messages a turn worker claimed and had not started when the
// shutdown came are handled before Run returns: they are leased to this
// process, and were left to their lease, so in a rolling restart a
// customer's message waited a minute for the next process.
func TestShutdownRunsTheTurnsItClaimed(t *testing.T) {
	release := make(chan struct{})
	slow := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		<-release
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"status":"shipped","eta":"2026-03-05"}`)), Header: http.Header{}}, nil
	})}
	th := startHost(t, WithHTTP(NewHTTPCaller(HTTPClient(slow))), WithWorkers(1), func(h *Host) { h.sandboxHTTP = false })
	h, st, ch := th.Host, th.store, th.ch
	var once sync.Once
	let := func() { once.Do(func() { close(release) }) }
	t.Cleanup(let) // before th.stop, which waits for the lookup's turn
	say := func(id, contact, text, payload string) {
		t.Helper()
		if err := h.Receive(context.Background(), flows.Inbound{ID: id, Channel: flows.ChannelWeb, Account: "site",
			Contact: flows.Contact{ID: contact, Name: "Anna"}, Input: flows.Input{Kind: flows.InputMessage, Text: text, Payload: payload}}); err != nil {
			t.Fatal(err)
		}
	}
	// v1's turn waits for its order lookup in the only worker.
	say("m1", "v1", "hello", "")
	say("m2", "v1", "", "order")
	waitFor(t, "the order question", func() bool { return len(ch.texts()) == 2 })
	say("m3", "v1", "A12345", "")
	waitFor(t, "the lookup under way", func() bool {
		s, err := st.Load(context.Background(), "web:site:v1")
		return err == nil && s.Pending != nil
	})
	// v2's message is claimed while the worker is busy.
	say("m4", "v2", "hello", "")
	waitFor(t, "v2's message claimed and waiting for the worker", func() bool {
		h.busyMu.Lock()
		defer h.busyMu.Unlock()
		_, claimed := h.busy["web:site:v2"]
		return claimed
	})
	th.cancel()
	let()
	<-th.done
	if _, err := st.Load(context.Background(), "web:site:v2"); err != nil {
		t.Errorf("v2's message was not handled before Run returned: %v", err)
	}
}
