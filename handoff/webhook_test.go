package handoff

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

const testWebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// TestSignWebhookSpecVector checks the example from the Standard Webhooks
// specification (github.com/standard-webhooks/standard-webhooks, spec and
// reference libraries).
func TestSignWebhookSpecVector(t *testing.T) {
	body := []byte(`{"test": 2432232314}`)
	sig, err := SignWebhook(testWebhookSecret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), body)
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; sig != want {
		t.Errorf("signature = %s, want %s", sig, want)
	}
}

// The connector's pooled signer writes the specification's signature,
// again and again (its scratch reused, ids of any length);
// TestWebhookSignedAllocs counts its allocations.
func TestWebhookSignedPooled(t *testing.T) {
	w, err := NewWebhook("https://example.com/hook", testWebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"test": 2432232314}`)
	for _, id := range []string{"msg_p5jXN8AQM9LWM0D4loKWxJek", "x", strings.Repeat("long-id.", 20), "msg_p5jXN8AQM9LWM0D4loKWxJek"} {
		want := signWebhook(testKey(t), id, "1614265330", body)
		if got := w.signed(id, "1614265330", body); got != want {
			t.Errorf("signed(%q) = %s, want %s", id, got, want)
		}
	}
	if got := w.signed("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body); got != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Errorf("signed = %s, want the specification's", got)
	}
}

func testKey(t *testing.T) []byte {
	t.Helper()
	key, err := webhookKey(testWebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestVerifyWebhook(t *testing.T) {
	now := time.Unix(1614265330, 0)
	body := []byte(`{"test": 2432232314}`)
	good := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	hdr := func(id, ts, sig string) http.Header {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sig)
		return h
	}
	tests := []struct {
		name string
		h    http.Header
		body []byte
		now  time.Time
		want error
	}{
		{"valid", hdr("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", good), body, now, nil},
		{"one of several", hdr("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,bm90IGl0 v2,xx "+good), body, now, nil},
		{"within tolerance", hdr("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", good), body, now.Add(4 * time.Minute), nil},
		{"too old", hdr("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", good), body, now.Add(6 * time.Minute), ErrBadTimestamp},
		{"from the future", hdr("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", good), body, now.Add(-6 * time.Minute), ErrBadTimestamp},
		{"tampered body", hdr("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", good), []byte(`{"test": 1}`), now, ErrBadSignature},
		{"other id", hdr("msg_other", "1614265330", good), body, now, ErrBadSignature},
		{"missing", hdr("", "1614265330", good), body, now, ErrMissingSignature},
		{"bad timestamp", hdr("msg_p5jXN8AQM9LWM0D4loKWxJek", "yesterday", good), body, now, ErrBadTimestamp},
	}
	for _, tt := range tests {
		if err := VerifyWebhook(testWebhookSecret, tt.h, tt.body, tt.now, 5*time.Minute); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if err := VerifyWebhook("nope", http.Header{}, nil, now, time.Minute); err == nil {
		t.Error("a secret without whsec_ must be refused")
	}
}

func TestWebhookConnector(t *testing.T) {
	fake := newFakeHelpdesk(t, func(n int, r gotRequest) (int, http.Header, string) {
		if n == 1 {
			return 503, http.Header{"Retry-After": {"5"}}, `{}`
		}
		if strings.Contains(string(r.Body), EventHandoffOpen) {
			return 200, nil, `{"id":"T-9","url":"https://desk.example/T-9"}`
		}
		return 204, nil, ``
	})
	clock := connTestTime
	w, err := NewWebhook(fake.URL+"/hooks/baton", testWebhookSecret, WithClock(func() time.Time { return clock }), WithMasking(true))
	if err != nil {
		t.Fatal(err)
	}
	h := connTestHandoff()
	_, err = w.Open(context.Background(), h)
	if ok, wait := Retryable(err); !ok || wait != 5*time.Second {
		t.Fatalf("503: err = %v, want retryable after 5s", err)
	}
	clock = clock.Add(10 * time.Second)
	ref, err := w.Open(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	if ref != (flows.TicketRef{Connector: "webhook", ID: "T-9", URL: "https://desk.example/T-9"}) {
		t.Errorf("ref = %+v", ref)
	}
	if err := w.Append(context.Background(), ref, flows.Message{At: connTestTime, From: flows.RoleUser, Text: "call me on +39 333 123 4567"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	reqs := fake.requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests", len(reqs))
	}
	// The retry carries the same webhook-id and a new timestamp; every
	// request verifies with the secret.
	if reqs[0].Header.Get("webhook-id") != "h-42.handoff.open" || reqs[1].Header.Get("webhook-id") != "h-42.handoff.open" ||
		reqs[0].Header.Get("webhook-timestamp") == reqs[1].Header.Get("webhook-timestamp") {
		t.Errorf("retry ids %q %q, timestamps %q %q", reqs[0].Header.Get("webhook-id"), reqs[1].Header.Get("webhook-id"),
			reqs[0].Header.Get("webhook-timestamp"), reqs[1].Header.Get("webhook-timestamp"))
	}
	for i, r := range reqs {
		if err := VerifyWebhook(testWebhookSecret, r.Header, r.Body, clock, 5*time.Minute); err != nil {
			t.Errorf("request %d does not verify: %v", i, err)
		}
	}
	var ev struct {
		Type string        `json:"type"`
		Data flows.Handoff `json:"data"`
	}
	if err := json.Unmarshal(reqs[1].Body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != EventHandoffOpen || ev.Data.ID != "h-42" || ev.Data.Summary == "" || len(ev.Data.Transcript) != len(h.Transcript) {
		t.Errorf("open event = %+v", ev)
	}
	if last := ev.Data.Transcript[len(ev.Data.Transcript)-1].Text; strings.Contains(last, "mario@example.com") || ev.Data.Vars["order_id"] != "[order]" {
		t.Errorf("masking off: %q, %v", last, ev.Data.Vars["order_id"])
	}
	if h.Vars["order_id"] != "A12345" {
		t.Error("masking modified the caller's handoff")
	}
	app := reqs[2].JSON(t)
	if app["type"] != EventHandoffAppend || !strings.Contains(string(reqs[2].Body), "call me on [phone]") ||
		!strings.HasPrefix(reqs[2].Header.Get("webhook-id"), "T-9.handoff.append.") {
		t.Errorf("append = %s (id %s)", reqs[2].Body, reqs[2].Header.Get("webhook-id"))
	}
	if reqs[3].JSON(t)["type"] != EventHandoffClose || reqs[3].Header.Get("webhook-id") != "T-9.handoff.close" {
		t.Errorf("close = %s", reqs[3].Body)
	}
	for _, bad := range []string{"", "whsec_", "whsec_!!!", "c2VjcmV0"} {
		if _, err := NewWebhook(fake.URL, bad); err == nil || !strings.Contains(err.Error(), "set connectors.webhook.secret") {
			t.Errorf("secret %q: err = %v", bad, err)
		}
	}
	if _, err := NewWebhook("ftp://x", testWebhookSecret); err == nil {
		t.Error("a non-http URL must be refused")
	}
}

// TestEventBody: the event is written around the data as marshalJSON
// writes a WebhookEvent with the data marshalJSON writes.
func TestEventBody(t *testing.T) {
	h := &flows.Handoff{ID: "h1", Reason: "asks <human> & \"now\"", Transcript: []flows.Message{{From: flows.RoleUser, Text: "ciao\u2028è"}},
		Vars: map[string]any{"n": 3, "s": "<b>"}}
	data, err := marshalJSON(h)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 3, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	for _, typ := range []string{EventHandoffOpen, EventHandoffAppend, EventHandoffClose} {
		want, err := marshalJSON(WebhookEvent{Type: typ, Timestamp: at.UTC().Truncate(time.Second), Data: data})
		if err != nil {
			t.Fatal(err)
		}
		for _, hint := range []int{0, len(want)} {
			got, err := eventBody(typ, at, h, hint)
			if err != nil || string(got) != string(want) {
				t.Errorf("eventBody(hint %d) = %s, %v; want %s", hint, got, err, want)
			}
		}
	}
}

// TestWebhookAppendIDPerMessage: receivers drop a webhook-id they have
// seen (Standard Webhooks), so two messages the customer sent with the
// same text in the same second (WhatsApp's timestamps are in seconds)
// must get two ids, while a retry of one keeps its id.
func TestWebhookAppendIDPerMessage(t *testing.T) {
	var ids []string
	recv := newWebhookRecorder(t, &ids)
	w, err := NewWebhook(recv, testWebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	m := flows.Message{At: time.Unix(1700000000, 0), From: flows.RoleUser, Text: "?"}
	tk := flows.TicketRef{Connector: "webhook", ID: "T-9"}
	for _, a := range []Attempt{{Number: 1, Item: "h1:append:3:1"}, {Number: 1, Item: "h1:append:3:2"}, {Number: 2, Item: "h1:append:3:2"}} {
		if err := w.Append(WithAttempt(context.Background(), a), tk, m); err != nil {
			t.Fatal(err)
		}
	}
	if len(ids) != 3 || ids[0] == ids[1] || ids[1] != ids[2] {
		t.Errorf("webhook-ids = %q; want two messages with two ids, and the retry with its message's", ids)
	}
}

func newWebhookRecorder(t *testing.T, ids *[]string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*ids = append(*ids, r.Header.Get("webhook-id"))
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestWebhookCloseIDPerHandoff: a receiver that names its ticket may name
// the same one for a conversation's second handoff (one case per
// customer). Receivers drop a webhook-id they have seen, so the second
// handoff's close must not carry the first one's id, while a retry of a
// close keeps its id.
func TestWebhookCloseIDPerHandoff(t *testing.T) {
	var ids []string
	recv := newWebhookRecorder(t, &ids)
	w, err := NewWebhook(recv, testWebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	tk := flows.TicketRef{Connector: "webhook", ID: "CASE-7"}
	for _, a := range []Attempt{{Number: 1, Item: "h1:close"}, {Number: 1, Item: "h2:close"}, {Number: 2, Item: "h2:close"}} {
		if err := w.Close(WithAttempt(context.Background(), a), tk); err != nil {
			t.Fatal(err)
		}
	}
	if len(ids) != 3 || ids[0] == ids[1] || ids[1] != ids[2] || !strings.HasPrefix(ids[0], "CASE-7.handoff.close") {
		t.Errorf("webhook-ids = %q; want two handoffs' closes with two ids, and the retry with its close's", ids)
	}
}

// TestWebhookOpenLargeNumericID: a receiver may name its ticket with a
// 64-bit number (a snowflake id); it must come back digit for digit, or
// the handoff's appends and close name another ticket.
func TestWebhookOpenLargeNumericID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id": 1234567890123456789, "url": "https://desk.example/t/1234567890123456789"}`)
	}))
	t.Cleanup(srv.Close)
	w, err := NewWebhook(srv.URL, testWebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := w.Open(context.Background(), connTestHandoff())
	if err != nil {
		t.Fatal(err)
	}
	if ref.ID != "1234567890123456789" {
		t.Errorf("ticket id = %q, want 1234567890123456789", ref.ID)
	}
}
