package handoff

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// TestWebhookRetryWindow: a Standard Webhooks sender such as Svix retries
// a message whose answer it did not get 5 seconds, 5 minutes, 30 minutes,
// 2, 5, 10 and 10 hours after each failure, about 27 hours and 35 minutes
// in all, signing every attempt with its own timestamp. An agent's reply
// whose first 204 was lost must not reach the customer again on any of
// them, with the handler's defaults, whether the handler or the host's
// inbox remembers the webhook-id.
func TestWebhookRetryWindow(t *testing.T) {
	t0 := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	body := `{"type":"agent.message","conversation_id":"web:1","text":"On it!","agent":"Anna"}`
	t.Run("handler", func(t *testing.T) {
		now := t0
		var got []string
		h, err := NewWebhookHandler(testWebhookSecret, func(_ context.Context, conv string, in flows.Input) error {
			got = append(got, conv+" "+in.Text)
			return nil
		}, HandlerClock(func() time.Time { return now }))
		if err != nil {
			t.Fatal(err)
		}
		retryLikeSvix(t, h, body, func(at time.Time) { now = at }, t0)
		if len(got) != 1 {
			t.Errorf("delivered %q, want the reply once", got)
		}
	})
	t.Run("inbox", func(t *testing.T) {
		b := &inbox{now: t0, seen: map[string]time.Time{}}
		h, err := NewWebhookHandler(testWebhookSecret, b.deliver, HandlerAcceptDedupe(0),
			HandlerClock(func() time.Time { return b.now }))
		if err != nil {
			t.Fatal(err)
		}
		retryLikeSvix(t, h, body, func(at time.Time) { b.now = at }, t0)
		if len(b.accepted) != 1 {
			t.Errorf("accepted %q, want the reply once", b.accepted)
		}
	})
}

// retryLikeSvix posts body under one webhook-id as Svix's retry schedule
// does when no attempt is answered; set moves the clock to each attempt.
// Every attempt must be answered 2xx.
func retryLikeSvix(t *testing.T, h http.Handler, body string, set func(time.Time), t0 time.Time) {
	t.Helper()
	at := t0
	for _, wait := range []time.Duration{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute,
		2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour} {
		at = at.Add(wait)
		set(at)
		r := httptest.NewRequest("POST", "/bridge/webhook", strings.NewReader(body))
		sig, err := SignWebhook(testWebhookSecret, "msg_2wU6X", at, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("webhook-id", "msg_2wU6X")
		r.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
		r.Header.Set("webhook-signature", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code/100 != 2 {
			t.Fatalf("attempt at +%s answered %d: %s", at.Sub(t0), w.Code, w.Body)
		}
	}
}
