package handoff

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/handoff/handofftest"
)

// An agent who replies and solves in one update ("Submit as Solved")
// fires two triggers (Zendesk) or two automation rules (Freshdesk), whose
// webhooks arrive in either order. When the status came first the
// conversation went back to the bot and the agent's last reply was only
// noted on the ticket as undelivered. The status now waits, for at most
// the hold, for the agent's reply: the reply is delivered first in both
// orders, and a status alone is delivered once the hold has passed.
func TestStatusWaitsForTheReplyOfItsUpdate(t *testing.T) {
	freshdesk := func(body string) func() *http.Request {
		return func() *http.Request {
			r := httptest.NewRequest("POST", "/bridge/freshdesk", strings.NewReader(body))
			r.Header.Set(FreshdeskSecretHeader, freshdeskTestSecret)
			return r
		}
	}
	zendesk := func(inv, body string) func() *http.Request {
		return func() *http.Request {
			r := zendeskRequest("POST", body, true)
			r.Header.Set("X-Zendesk-Webhook-Invocation-Id", inv)
			return r
		}
	}
	desks := []struct {
		name          string
		handler       func(Deliver, ...HandlerOption) (http.Handler, error)
		reply, status func() *http.Request
		want          []string
	}{
		{"zendesk", func(d Deliver, o ...HandlerOption) (http.Handler, error) {
			return NewZendeskHandler(zendeskTestSecret, d, o...)
		},
			zendesk("inv-1", `{"event":"comment","ticket_id":"7","conversation_id":"wa:2","comment":"Refund sent, bye!","author":"Anna","author_role":"agent"}`),
			zendesk("inv-2", `{"event":"status","ticket_id":"7","conversation_id":"wa:2","status":"Solved","author":"Anna"}`),
			[]string{`wa:2 agent "Refund sent, bye!" by "Anna" zendesk/7 `, `wa:2 ticket zendesk/7 solved`}},
		{"freshdesk", func(d Deliver, o ...HandlerOption) (http.Handler, error) {
			return NewFreshdeskHandler(freshdeskTestSecret, d, o...)
		},
			freshdesk(`{"event":"reply","ticket_id":"12","conversation_id":"wa:3","status":"Resolved","reply":"<p>Refund sent, bye!</p>","agent":"Anna"}`),
			freshdesk(`{"event":"status","ticket_id":"12","conversation_id":"wa:3","status":"Resolved","reply":"<p>Refund sent, bye!</p>","agent":"Anna"}`),
			[]string{`wa:3 agent "Refund sent, bye!" by "Anna" freshdesk/12 `, `wa:3 ticket freshdesk/12 solved`}},
	}
	serve := func(h http.Handler, r *http.Request) int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for _, desk := range desks {
		setup := func(t *testing.T) (*handofftest.Clock, *delivered, http.Handler) {
			clock := handofftest.NewClock(time.Date(2025, 3, 14, 9, 31, 0, 0, time.UTC))
			d := &delivered{}
			h, err := desk.handler(d.deliver, HandlerTimeSource(clock))
			if err != nil {
				t.Fatal(err)
			}
			return clock, d, h
		}
		// start posts the status and returns once it waits (true) or was
		// answered (false, with its status code).
		start := func(h http.Handler) (held bool, answered chan int) {
			answered = make(chan int, 1)
			go func() { answered <- serve(h, desk.status()) }()
			for {
				if h.(*bridgeHandler).waiting() {
					return true, answered
				}
				select {
				case code := <-answered:
					answered <- code
					return false, answered
				default:
					runtime.Gosched()
				}
			}
		}
		t.Run(desk.name+"/status first", func(t *testing.T) {
			_, d, h := setup(t)
			held, answered := start(h)
			if !held {
				t.Fatalf("the status was answered %d before the agent's reply of its update arrived, delivered %q: the reply will be noted as undelivered", <-answered, d.got)
			}
			if code := serve(h, desk.reply()); code != 204 {
				t.Fatalf("reply: %d", code)
			}
			if code := <-answered; code != 204 || !reflect.DeepEqual(d.got, desk.want) {
				t.Errorf("status %d, delivered %q; want 204, %q (the agent's reply, then the status)", code, d.got, desk.want)
			}
		})
		t.Run(desk.name+"/reply first", func(t *testing.T) {
			clock, d, h := setup(t)
			if code := serve(h, desk.reply()); code != 204 {
				t.Fatalf("reply: %d", code)
			}
			held, answered := start(h)
			if held {
				t.Error("the status waited though the agent's reply came first")
				clock.Advance(DefaultStatusHold)
			}
			if code := <-answered; code != 204 || !reflect.DeepEqual(d.got, desk.want) {
				t.Errorf("status %d, delivered %q; want 204, %q", code, d.got, desk.want)
			}
		})
		t.Run(desk.name+"/status alone", func(t *testing.T) {
			clock, d, h := setup(t)
			held, answered := start(h)
			if !held {
				t.Fatalf("the status was answered %d at once", <-answered)
			}
			clock.Advance(DefaultStatusHold)
			if code := <-answered; code != 204 || !reflect.DeepEqual(d.got, desk.want[1:]) {
				t.Errorf("status %d, delivered %q; want 204, %q once the hold passed", code, d.got, desk.want[1:])
			}
		})
	}

	// The generic callback's sender orders its own events: a status is
	// delivered at once.
	now := time.Unix(1741944600, 0)
	d := &delivered{}
	h, err := NewWebhookHandler(testWebhookSecret, d.deliver, HandlerClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	if code := serve(h, signedWebhook("msg_1", `{"type":"ticket.status","conversation_id":"web:1","ticket":{"connector":"x","id":"T-9"},"status":"solved"}`, now)); code != 204 || len(d.got) != 1 {
		t.Errorf("webhook status: %d, delivered %q", code, d.got)
	}
}

// waiting reports whether a status waits for an agent's reply.
func (b *bridgeHandler) waiting() bool {
	b.replies.mu.Lock()
	defer b.replies.mu.Unlock()
	return len(b.replies.wait) > 0
}

// signedWebhook is a generic callback request signed at at.
func signedWebhook(id, body string, at time.Time) *http.Request {
	r := httptest.NewRequest("POST", "/bridge/webhook", strings.NewReader(body))
	sig, _ := SignWebhook(testWebhookSecret, id, at, []byte(body))
	r.Header.Set("webhook-id", id)
	r.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	r.Header.Set("webhook-signature", sig)
	return r
}
