package handoff

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// connTestTime is the fixed clock of connector tests.
var connTestTime = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

func connTestClock() time.Time { return connTestTime }

// connTestHandoff is a handoff with everything a ticket shows.
func connTestHandoff() *flows.Handoff {
	at := func(min int) time.Time { return connTestTime.Add(time.Duration(min-10) * time.Minute) }
	return &flows.Handoff{
		ID:             "h-42",
		ConversationID: "wa:393331234567",
		Flow:           "shop-support",
		State:          "agent",
		Channel:        "whatsapp",
		Contact:        flows.Contact{ID: "393331234567", Name: "Mario Rossi", Phone: "393331234567", Email: "mario@example.com"},
		Language:       "it",
		CreatedAt:      connTestTime,
		Reason:         "asks_for_human",
		Team:           "billing",
		Priority:       flows.PriorityHigh,
		Tags:           []string{"refund", "VIP customer"},
		Transcript: []flows.Message{
			{At: at(0), From: flows.RoleUser, Text: "ciao"},
			{At: at(1), From: flows.RoleBot, Text: "Ciao! Come posso aiutarti?\n1. Ordini\n2. FAQ"},
			{At: at(2), From: flows.RoleUser, Text: "1", Choice: "Ordini"},
			{At: at(3), From: flows.RoleBot, Text: "Qual è il numero d'ordine?"},
			{At: at(4), From: flows.RoleUser, Text: "A12345 non è mai arrivato e ho pagato due volte <script>alert(1)</script>"},
			{At: at(5), From: flows.RoleUser, Text: "ok"},
			{At: at(6), From: flows.RoleUser, Text: "voglio parlare con una persona, scrivetemi a mario@example.com"},
		},
		Vars:    map[string]any{"order_id": "A12345", "amount": 59.9, "empty": "", "unset": nil, "vip": true},
		Signals: &flows.Signals{Intent: "human", Confidence: 0.91, WantsHuman: true, Frustrated: true, Sentiment: -0.6, Language: "it", Entities: map[string][]string{"email": {"mario@example.com"}}},
		InHours: true,
	}
}

// gotRequest is what a fake helpdesk received.
type gotRequest struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// JSON decodes the body into a generic map, failing the test if it is not
// a JSON object.
func (g gotRequest) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(g.Body, &m); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v\n%s", g.Method, g.Path, err, g.Body)
	}
	return m
}

// fakeHelpdesk is an httptest server answering with the responses its
// handler picks, recording every request.
type fakeHelpdesk struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []gotRequest
}

func newFakeHelpdesk(t *testing.T, answer func(n int, r gotRequest) (int, http.Header, string)) *fakeHelpdesk {
	t.Helper()
	f := &fakeHelpdesk{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g := gotRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
		f.mu.Lock()
		f.reqs = append(f.reqs, g)
		n := len(f.reqs)
		f.mu.Unlock()
		status, h, out := answer(n, g)
		for k, vs := range h {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, out)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeHelpdesk) requests() []gotRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]gotRequest(nil), f.reqs...)
}

// asError fails the test unless err is an *Error.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %v (%T) is not *handoff.Error", err, err)
	}
	return e
}
