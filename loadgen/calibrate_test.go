package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// slowChat is a web chat (the two endpoints loadgen uses) that answers
// each message with replies sent after the delays its text names, each
// counted from the one before (from the post for the first): a slow
// server, or a flow whose HTTP call holds its second reply back.
type slowChat struct {
	delays map[string][]time.Duration // by the message's text or payload
	mu     sync.Mutex
	subs   map[string]chan message
}

type message struct{ from, text string }

func newSlowChat(t *testing.T, delays map[string][]time.Duration) string {
	c := &slowChat{delays: delays, subs: map[string]chan message{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/events", c.events)
	mux.HandleFunc("POST /api/messages", c.message)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func (c *slowChat) stream(conversation string) chan message {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.subs[conversation]
	if !ok {
		s = make(chan message, 64)
		c.subs[conversation] = s
	}
	return s
}

func (c *slowChat) events(w http.ResponseWriter, r *http.Request) {
	s := c.stream(r.URL.Query().Get("conversation"))
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	for {
		select {
		case m := <-s:
			b, _ := json.Marshal(map[string]string{"from": m.from, "text": m.text})
			fmt.Fprintf(w, "event: message\ndata: %s\n\n", b)
			w.(http.Flusher).Flush()
		case <-r.Context().Done():
			return
		}
	}
}

func (c *slowChat) message(w http.ResponseWriter, r *http.Request) {
	var m struct{ Conversation, Text, Payload string }
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s := c.stream(m.Conversation)
	s <- message{"user", m.Text} // the echo, which is no reply
	delays := c.delays[m.Text+m.Payload]
	go func() {
		for i, d := range delays {
			time.Sleep(d)
			s <- message{"bot", fmt.Sprintf("reply %d to %s", i+1, m.Text+m.Payload)}
		}
	}()
	w.WriteHeader(http.StatusAccepted)
}

// TestCalibrateSlowServer: calibration counts every reply of a server
// slower than the settle time, waiting for as many as the test file
// states and then for a quiet gap relative to the latency it saw.
func TestCalibrateSlowServer(t *testing.T) {
	const settle = 50 * time.Millisecond
	slow := 4 * settle
	tests := []struct {
		name   string
		delays map[string][]time.Duration
		steps  []Step
		want   []int
	}{
		{
			name:   "every reply later than the settle time, no count stated",
			delays: map[string][]time.Duration{"hi": {slow, slow}, "order": {slow, slow}, "A12": {slow}},
			steps:  []Step{{Text: "hi"}, {Payload: "order"}, {Text: "A12"}},
			want:   []int{2, 2, 1},
		},
		{
			name:   "a second reply held back by a slow call, the count stated",
			delays: map[string][]time.Duration{"hi": {settle / 5, 3 * slow}, "A12": {settle / 5, 3 * slow}},
			steps:  []Step{{Text: "hi", Replies: 2}, {Text: "A12", Replies: 2}},
			want:   []int{2, 2},
		},
		{
			name:   "more replies than the test states",
			delays: map[string][]time.Duration{"hi": {slow, slow, slow}},
			steps:  []Step{{Text: "hi", Replies: 1}, {Text: "hi"}},
			want:   []int{3, 3},
		},
		{
			name:   "a step stated to get no reply",
			delays: map[string][]time.Duration{"hi": {slow}},
			steps:  []Step{{Text: "bye", Exact: true}, {Text: "hi", Replies: 1}, {Text: "bye", Exact: true}, {Text: "hi"}},
			want:   []int{0, 1, 0, 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Options{URL: newSlowChat(t, tt.delays), Settle: settle, Timeout: 5 * time.Second}
			o.defaults()
			d := &driver{o: o, base: o.URL}
			p, err := d.calibrate(context.Background(), Script{Name: "slow", Steps: tt.steps})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.replies, tt.want) {
				t.Errorf("calibrated replies %v, want %v", p.replies, tt.want)
			}
		})
	}
}

// TestRunSlowServer: against a server slower than the settle time, the
// driving phase finds every message answered as calibrated.
func TestRunSlowServer(t *testing.T) {
	const settle = 50 * time.Millisecond
	slow := 4 * settle
	url := newSlowChat(t, map[string][]time.Duration{"hi": {slow, slow}, "order": {slow}})
	scripts := []Script{{Name: "slow", Steps: []Step{{Text: "hi"}, {Payload: "order"}}}}
	rep, err := Run(context.Background(), Options{URL: url, Concurrency: 2, Conversations: 4, Settle: settle, Timeout: 5 * time.Second, Duration: time.Minute}, scripts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mismatches != 0 || rep.Errors != 0 || rep.Turns != 8 || rep.Replies != 12 {
		t.Errorf("report %+v; want 8 turns, 12 replies, no mismatch or error", rep)
	}
}
