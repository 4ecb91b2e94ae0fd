package handoff

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// TestFreshdeskRetryWindow: Freshdesk retries a webhook it took for
// failed 5, 35 and 95 minutes after the first try (docs/channels.md). A
// reply whose first 204 was lost must not reach the customer again on any
// retry, with the handler's defaults, whether the handler or the host's
// inbox remembers it.
func TestFreshdeskRetryWindow(t *testing.T) {
	t0 := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	body := `{"event":"reply","ticket_id":"12","conversation_id":"wa:3","reply":"Thanks!","agent":"Anna"}`
	t.Run("handler", func(t *testing.T) {
		now := t0
		var got []string
		h, err := NewFreshdeskHandler(freshdeskTestSecret, func(_ context.Context, conv string, in flows.Input) error {
			got = append(got, conv+" "+in.Text)
			return nil
		}, HandlerClock(func() time.Time { return now }))
		if err != nil {
			t.Fatal(err)
		}
		retryLikeFreshdesk(t, h, body, func(after time.Duration) { now = t0.Add(after) })
		if len(got) != 1 {
			t.Errorf("delivered %q, want the reply once", got)
		}
	})
	t.Run("inbox", func(t *testing.T) {
		b := &inbox{now: t0, seen: map[string]time.Time{}}
		h, err := NewFreshdeskHandler(freshdeskTestSecret, b.deliver, HandlerAcceptDedupe(0))
		if err != nil {
			t.Fatal(err)
		}
		retryLikeFreshdesk(t, h, body, func(after time.Duration) { b.now = t0.Add(after) })
		if len(b.accepted) != 1 {
			t.Errorf("accepted %q, want the reply once", b.accepted)
		}
	})
}

// retryLikeFreshdesk posts body as Freshdesk does when its first try gets
// no answer in time: again 5, 35 and 95 minutes later; at sets the clock
// before each try. Every try must be answered 2xx.
func retryLikeFreshdesk(t *testing.T, h http.Handler, body string, at func(after time.Duration)) {
	t.Helper()
	for _, after := range []time.Duration{0, 5 * time.Minute, 35 * time.Minute, 95 * time.Minute} {
		at(after)
		r := httptest.NewRequest("POST", "/bridge/freshdesk", strings.NewReader(body))
		r.Header.Set(FreshdeskSecretHeader, freshdeskTestSecret)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code/100 != 2 {
			t.Fatalf("try at +%s answered %d", after, w.Code)
		}
	}
}
