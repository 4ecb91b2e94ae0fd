package handoff

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// delivered records what a handler delivered.
type delivered struct {
	mu   sync.Mutex
	got  []string
	fail bool
}

func (d *delivered) deliver(_ context.Context, conv string, in flows.Input) error {
	if d.fail {
		return errors.New("store down")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	s := conv + " " + string(in.Kind)
	if in.Text != "" || in.Agent != "" {
		s += " " + strconv.Quote(in.Text) + " by " + strconv.Quote(in.Agent)
	}
	if in.Ticket != nil {
		s += " " + in.Ticket.Ticket.Connector + "/" + in.Ticket.Ticket.ID + " " + string(in.Ticket.Status)
		if in.Ticket.Gone != "" {
			s += " (" + in.Ticket.Gone + ")"
		}
	}
	d.got = append(d.got, s)
	return nil
}

const zendeskTestSecret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="

// zendeskTestClock is a minute after the test requests' timestamp.
var zendeskTestClock = HandlerClock(func() time.Time { return time.Date(2025, 3, 14, 9, 31, 0, 0, time.UTC) })

func zendeskRequest(method, body string, sign bool) *http.Request {
	r := httptest.NewRequest(method, "/bridge/zendesk", strings.NewReader(body))
	if sign {
		ts := "2025-03-14T09:30:00Z"
		r.Header.Set("X-Zendesk-Webhook-Signature-Timestamp", ts)
		r.Header.Set("X-Zendesk-Webhook-Signature", SignZendesk(zendeskTestSecret, ts, []byte(body)))
	}
	return r
}

func TestZendeskHandler(t *testing.T) {
	tests := []struct {
		name   string
		req    *http.Request
		fail   bool
		status int
		want   []string
	}{
		{"agent reply", zendeskRequest("POST", `{"event":"comment","ticket_id":"35436","conversation_id":"wa:1","comment":"Hi Mario, refund sent.","author":"Anna","author_role":"Agent"}`, true),
			false, 204, []string{`wa:1 agent "Hi Mario, refund sent." by "Anna" zendesk/35436 `}},
		{"solved, numeric id", zendeskRequest("POST", `{"event":"status","ticket_id":35436,"conversation_id":"wa:1","status":"Solved","author":"Anna"}`, true),
			false, 204, []string{`wa:1 ticket zendesk/35436 solved`}},
		{"both at once", zendeskRequest("POST", `{"ticket_id":"7","conversation_id":"wa:2","status":"closed","comment":"bye","author":"Bo","author_role":"admin"}`, true),
			false, 204, []string{`wa:2 agent "bye" by "Bo" zendesk/7 `, `wa:2 ticket zendesk/7 closed`}},
		// A ticket another was merged into serves both conversations
		// its external_id lists (Zendesk.AppendBatch follows a merge so).
		{"merged into another conversation's ticket", zendeskRequest("POST", `{"event":"comment","ticket_id":"9","conversation_id":" wa:1  web:site:v2 ","comment":"It left today.","author":"Anna","author_role":"agent"}`, true),
			false, 204, []string{`wa:1 agent "It left today." by "Anna" zendesk/9 `, `web:site:v2 agent "It left today." by "Anna" zendesk/9 `}},
		{"merged, solved", zendeskRequest("POST", `{"event":"status","ticket_id":"9","conversation_id":"wa:1 web:site:v2","status":"solved","author":"Anna"}`, true),
			false, 204, []string{`wa:1 ticket zendesk/9 solved`, `web:site:v2 ticket zendesk/9 solved`}},
		{"customer comment ignored", zendeskRequest("POST", `{"event":"comment","ticket_id":"7","conversation_id":"wa:2","comment":"hello","author_role":"end-user"}`, true),
			false, 202, nil},
		{"pending ignored", zendeskRequest("POST", `{"event":"status","ticket_id":"7","conversation_id":"wa:2","status":"Pending"}`, true),
			false, 202, nil},
		{"not a baton ticket", zendeskRequest("POST", `{"event":"comment","ticket_id":"7","conversation_id":"","comment":"x","author_role":"agent"}`, true),
			false, 202, nil},
		{"bad signature", func() *http.Request {
			r := zendeskRequest("POST", `{"ticket_id":"7"}`, true)
			r.Header.Set("X-Zendesk-Webhook-Signature", SignZendesk("other", "2025-03-14T09:30:00Z", []byte(`{"ticket_id":"7"}`)))
			return r
		}(), false, 401, nil},
		{"unsigned", zendeskRequest("POST", `{"ticket_id":"7"}`, false), false, 401, nil},
		{"signed long ago (a replay)", func() *http.Request {
			body := `{"event":"status","ticket_id":"7","conversation_id":"wa:2","status":"solved"}`
			r := zendeskRequest("POST", body, false)
			r.Header.Set("X-Zendesk-Webhook-Signature-Timestamp", "2025-03-14T09:20:00Z")
			r.Header.Set("X-Zendesk-Webhook-Signature", SignZendesk(zendeskTestSecret, "2025-03-14T09:20:00Z", []byte(body)))
			return r
		}(), false, 401, nil},
		{"malformed", zendeskRequest("POST", `{"ticket_id":`, true), false, 400, nil},
		{"no ticket id", zendeskRequest("POST", `{"comment":"x"}`, true), false, 400, nil},
		{"array ticket id", zendeskRequest("POST", `{"ticket_id":[1]}`, true), false, 400, nil},
		{"wrong method", zendeskRequest("GET", ``, true), false, 405, nil},
		{"too large", zendeskRequest("POST", `{"comment":"`+strings.Repeat("x", 2048)+`"}`, true), false, 413, nil},
		{"delivery fails", zendeskRequest("POST", `{"event":"status","ticket_id":"7","conversation_id":"wa:2","status":"solved"}`, true), true, 503, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &delivered{fail: tt.fail}
			// Statuses go through at once here; the wait for the reply
			// of their update has its own test.
			h, err := NewZendeskHandler(zendeskTestSecret, d.deliver, HandlerMaxBody(1024), zendeskTestClock, HandlerStatusHold(-1))
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, tt.req)
			if w.Code != tt.status || !reflect.DeepEqual(d.got, tt.want) {
				t.Errorf("status %d, delivered %q; want %d, %q\n%s", w.Code, d.got, tt.status, tt.want, w.Body)
			}
			if w.Code == 405 && w.Header().Get("Allow") != "POST" {
				t.Error("405 without Allow: POST")
			}
		})
	}
	if _, err := NewZendeskHandler("", (&delivered{}).deliver); err == nil || !strings.Contains(err.Error(), "set bridge.zendesk.signing_secret") {
		t.Errorf("no secret: %v", err)
	}
}

// The bridge's refusals name the config key to check, which the
// operator wrote, and no environment variable: baton.yaml names its
// own (${NAME}), and a hint naming one nothing reads, such as
// BATON_WEBHOOK_INBOUND_SECRET, sent the operator looking for it.
func TestBridgeSecretHintsNameConfigKeys(t *testing.T) {
	d := (&delivered{}).deliver
	_, zd := NewZendeskHandler("", d)
	_, fd := NewFreshdeskHandler("short", d)
	_, wh := NewWebhookHandler("c2VjcmV0", d)
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"zendesk without a secret", zd, "set bridge.zendesk.signing_secret"},
		{"freshdesk with a short secret", fd, "set bridge.freshdesk.secret"},
		{"webhook with a secret not whsec_", wh, "set bridge.webhook.secret"},
	} {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) || strings.Contains(tt.err.Error(), "BATON_") {
			t.Errorf("%s: %v; want it to say %q and name no variable", tt.name, tt.err, tt.want)
		}
	}
	zh, err := NewZendeskHandler(zendeskTestSecret, d, zendeskTestClock)
	if err != nil {
		t.Fatal(err)
	}
	r := zendeskRequest("POST", `{"ticket_id":"7"}`, true)
	r.Header.Set("X-Zendesk-Webhook-Signature", SignZendesk("other", "2025-03-14T09:30:00Z", []byte(`{"ticket_id":"7"}`)))
	w := httptest.NewRecorder()
	zh.ServeHTTP(w, r)
	if body := w.Body.String(); w.Code != 401 || !strings.Contains(body, "check bridge.zendesk.signing_secret") {
		t.Errorf("zendesk, wrong signature: %d %q; want 401 naming bridge.zendesk.signing_secret", w.Code, body)
	}
	fh, err := NewFreshdeskHandler(freshdeskTestSecret, d)
	if err != nil {
		t.Fatal(err)
	}
	r = httptest.NewRequest("POST", "/bridge/freshdesk", strings.NewReader(`{}`))
	r.Header.Set("X-Baton-Secret", "not-the-secret-at-all")
	w = httptest.NewRecorder()
	fh.ServeHTTP(w, r)
	if body := w.Body.String(); w.Code != 401 || !strings.Contains(body, "check bridge.freshdesk.secret") {
		t.Errorf("freshdesk, wrong secret: %d %q; want 401 naming bridge.freshdesk.secret", w.Code, body)
	}
}

const freshdeskTestSecret = "0123456789abcdef-secret"

func TestFreshdeskHandler(t *testing.T) {
	req := func(body, secret string) *http.Request {
		r := httptest.NewRequest("POST", "/bridge/freshdesk", strings.NewReader(body))
		if secret != "" {
			r.Header.Set("X-Baton-Secret", secret)
		}
		return r
	}
	lookup := HandlerTicketLookup(func(_ context.Context, t flows.TicketRef) (string, error) {
		if t.Connector == "freshdesk" && t.ID == "99" {
			return "wa:looked-up", nil
		}
		return "", nil
	})
	tests := []struct {
		name   string
		req    *http.Request
		status int
		want   []string
	}{
		{"reply in html", req(`{"event":"reply","ticket_id":"12","conversation_id":"wa:3","reply":"<div>Ciao Mario,<br>rimborso fatto &amp; confermato.</div><p>Anna</p>","agent":"Anna"}`, freshdeskTestSecret),
			204, []string{`wa:3 agent "Ciao Mario,\nrimborso fatto & confermato.\nAnna" by "Anna" freshdesk/12 `}},
		{"reply with links", req(`{"event":"reply","ticket_id":"12","conversation_id":"wa:3","reply":"<p>Track it <a href=\"https://t.example/1?a=1&amp;b=2\" rel=\"noreferrer\">here</a>, or at <a href='https://t.example/'>https://t.example/</a>.</p>","agent":"Anna"}`, freshdeskTestSecret),
			204, []string{`wa:3 agent "Track it here (https://t.example/1?a=1&b=2), or at https://t.example/." by "Anna" freshdesk/12 `}},
		{"reply from a mail client", req(`{"event":"reply","ticket_id":"12","conversation_id":"wa:3","reply":"<html><head><title>Re: refund</title><style>p { margin: 0 }</style></head><body><p>Refund sent.</p><script>track()</script><!-- a > b --></body></html>","agent":"Anna"}`, freshdeskTestSecret),
			204, []string{`wa:3 agent "Refund sent." by "Anna" freshdesk/12 `}},
		{"reply with lists", req(`{"event":"reply","ticket_id":"12","conversation_id":"wa:3","reply":"<p>Steps:</p><ol><li>Open the app</li><li>Tap <b>Refund</b></li></ol><p>You need:</p><ul><li>the order id</li><li>the receipt</li></ul>","agent":"Anna"}`, freshdeskTestSecret),
			204, []string{`wa:3 agent "Steps:\n1. Open the app\n2. Tap Refund\nYou need:\n- the order id\n- the receipt" by "Anna" freshdesk/12 `}},
		{"reply with an image", req(`{"event":"reply","ticket_id":"12","conversation_id":"wa:3","reply":"<p>Print this label:</p><p><img src=\"https://files.example/label.png?sig=a&amp;e=1\" alt=\"label\"></p>","agent":"Anna"}`, freshdeskTestSecret),
			204, []string{`wa:3 agent "Print this label:\nlabel (https://files.example/label.png?sig=a&e=1)" by "Anna" freshdesk/12 `}},
		{"only an image", req(`{"event":"reply","ticket_id":"12","conversation_id":"wa:3","reply":"<img src='https://files.example/a.jpg'>","agent":"Anna"}`, freshdeskTestSecret),
			204, []string{`wa:3 agent "https://files.example/a.jpg" by "Anna" freshdesk/12 `}},
		{"reply with a heading, a table and a quote", req(`{"event":"reply","ticket_id":"12","conversation_id":"wa:3","reply":"<h3>Your order</h3>Shipped.<table><tr><td>Item</td><td>Qty</td></tr><tr><td>Lamp</td><td>2</td></tr></table><hr><blockquote>my lamp is broken</blockquote>Anna","agent":"Anna"}`, freshdeskTestSecret),
			204, []string{`wa:3 agent "Your order\nShipped.\nItem Qty\nLamp 2\n\nmy lamp is broken\nAnna" by "Anna" freshdesk/12 `}},
		{"resolved", req(`{"event":"status","ticket_id":12,"conversation_id":"wa:3","status":"Resolved"}`, freshdeskTestSecret),
			204, []string{`wa:3 ticket freshdesk/12 solved`}},
		{"placeholder left: lookup", req(`{"event":"status","ticket_id":"99","conversation_id":"{{ticket.cf_baton_conversation}}","status":"Closed"}`, freshdeskTestSecret),
			204, []string{`wa:looked-up ticket freshdesk/99 closed`}},
		{"unknown ticket", req(`{"event":"status","ticket_id":"5","status":"Closed"}`, freshdeskTestSecret), 202, nil},
		{"wrong secret", req(`{"ticket_id":"12"}`, "0123456789abcdef-secreT"), 401, nil},
		{"no secret", req(`{"ticket_id":"12"}`, ""), 401, nil},
		{"bad event", req(`{"event":"merge","ticket_id":"12"}`, freshdeskTestSecret), 400, nil},
		{"not json", req(`ticket_id=12`, freshdeskTestSecret), 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &delivered{}
			h, err := NewFreshdeskHandler(freshdeskTestSecret, d.deliver, lookup, HandlerStatusHold(-1))
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, tt.req)
			if w.Code != tt.status || !reflect.DeepEqual(d.got, tt.want) {
				t.Errorf("status %d, delivered %q; want %d, %q\n%s", w.Code, d.got, tt.status, tt.want, w.Body)
			}
		})
	}
	if _, err := NewFreshdeskHandler("short", (&delivered{}).deliver); err == nil {
		t.Error("a short secret must be refused")
	}
}

func TestWebhookHandler(t *testing.T) {
	now := time.Unix(1741944600, 0)
	req := func(id, body string, at time.Time) *http.Request {
		r := httptest.NewRequest("POST", "/bridge/webhook", strings.NewReader(body))
		sig, _ := SignWebhook(testWebhookSecret, id, at, []byte(body))
		r.Header.Set("webhook-id", id)
		r.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
		r.Header.Set("webhook-signature", sig)
		return r
	}
	d := &delivered{}
	h, err := NewWebhookHandler(testWebhookSecret, d.deliver, HandlerClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	msg := `{"type":"agent.message","conversation_id":"web:1","text":"On it!","agent":"Anna"}`
	tests := []struct {
		name   string
		req    *http.Request
		status int
		want   []string
	}{
		{"agent message", req("msg_1", msg, now), 204, []string{`web:1 agent "On it!" by "Anna"`}},
		{"replayed id not delivered twice", req("msg_1", msg, now.Add(time.Second)), 200, nil},
		{"ticket solved", req("msg_2", `{"type":"ticket.status","conversation_id":"web:1","ticket":{"connector":"x","id":"T-9"},"status":"solved"}`, now), 204, []string{`web:1 ticket x/T-9 solved`}},
		{"pending ignored", req("msg_3", `{"type":"ticket.status","conversation_id":"web:1","status":"pending"}`, now), 202, nil},
		// A ticket deleted in the receiving system takes no more messages:
		// the conversation goes back to the bot, as for a closed one.
		{"ticket deleted", req("msg_9", `{"type":"ticket.status","conversation_id":"web:1","ticket":{"connector":"x","id":"T-9"},"status":"deleted"}`, now), 204, []string{`web:1 ticket x/T-9 closed (deleted)`}},
		{"stale timestamp", req("msg_4", msg, now.Add(-6*time.Minute)), 401, nil},
		{"unknown type", req("msg_5", `{"type":"ticket.deleted","conversation_id":"web:1"}`, now), 400, nil},
		{"no conversation", req("msg_6", `{"type":"agent.message","text":"x"}`, now), 400, nil},
		{"empty text", req("msg_7", `{"type":"agent.message","conversation_id":"web:1","text":"  "}`, now), 400, nil},
	}
	for _, tt := range tests {
		d.got = nil
		w := httptest.NewRecorder()
		h.ServeHTTP(w, tt.req)
		if w.Code != tt.status || !reflect.DeepEqual(d.got, tt.want) {
			t.Errorf("%s: status %d, delivered %q; want %d, %q\n%s", tt.name, w.Code, d.got, tt.status, tt.want, w.Body)
		}
	}
	// A replay with a forged body under a seen id is still refused.
	r := req("msg_1", msg, now)
	r.Body = http.NoBody
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 401 {
		t.Errorf("forged duplicate: status %d, want 401", w.Code)
	}
	// A failed delivery is not remembered: the retry is delivered.
	d.fail = true
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req("msg_8", msg, now))
	d.fail = false
	d.got = nil
	w2 := httptest.NewRecorder()
	h.ServeHTTP(w2, req("msg_8", msg, now))
	if w.Code != 503 || w2.Code != 204 || len(d.got) != 1 {
		t.Errorf("retry after failure: %d then %d, delivered %q", w.Code, w2.Code, d.got)
	}
}

// A request Baton cannot take now is answered with what each helpdesk
// retries: Zendesk's webhooks retry a 503 (or 429) only with a Retry-After
// under 60 seconds, and no 500 (Zendesk Webhooks API reference, "Webhook
// retries"); Freshdesk's automations and Standard Webhooks senders retry a
// 5xx. A 500 lost the agent's reply on Zendesk.
func TestBridgeRetryLaterIsRetriedByHelpdesks(t *testing.T) {
	now := time.Unix(1741944600, 0)
	fdReq := func() *http.Request {
		r := httptest.NewRequest("POST", "/bridge/freshdesk", strings.NewReader(`{"event":"reply","ticket_id":"12","conversation_id":"wa:3","reply":"Done","agent":"Anna"}`))
		r.Header.Set(FreshdeskSecretHeader, freshdeskTestSecret)
		return r
	}
	whReq := func() *http.Request {
		body := `{"type":"agent.message","conversation_id":"web:1","text":"Done","agent":"Anna"}`
		r := httptest.NewRequest("POST", "/bridge/webhook", strings.NewReader(body))
		sig, _ := SignWebhook(testWebhookSecret, "msg_1", now, []byte(body))
		r.Header.Set("webhook-id", "msg_1")
		r.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		r.Header.Set("webhook-signature", sig)
		return r
	}
	zdReq := func() *http.Request {
		r := zendeskRequest("POST", `{"event":"comment","ticket_id":"7","conversation_id":"wa:2","comment":"Done","author":"Anna","author_role":"agent"}`, true)
		r.Header.Set("X-Zendesk-Webhook-Invocation-Id", "inv-1")
		return r
	}
	failLookup := HandlerTicketLookup(func(context.Context, flows.TicketRef) (string, error) { return "", errors.New("store down") })
	type mk func(Deliver) (http.Handler, error)
	for _, tc := range []struct {
		name    string
		handler mk
		req     func() *http.Request
		fail    bool
	}{
		{"zendesk, deliver fails", func(d Deliver) (http.Handler, error) {
			return NewZendeskHandler(zendeskTestSecret, d, zendeskTestClock)
		}, zdReq, true},
		{"freshdesk, deliver fails", func(d Deliver) (http.Handler, error) { return NewFreshdeskHandler(freshdeskTestSecret, d) }, fdReq, true},
		{"webhook, deliver fails", func(d Deliver) (http.Handler, error) {
			return NewWebhookHandler(testWebhookSecret, d, HandlerClock(func() time.Time { return now }))
		}, whReq, true},
		{"freshdesk, lookup fails", func(d Deliver) (http.Handler, error) {
			return NewFreshdeskHandler(freshdeskTestSecret, d, failLookup)
		}, func() *http.Request {
			r := httptest.NewRequest("POST", "/bridge/freshdesk", strings.NewReader(`{"event":"reply","ticket_id":"12","reply":"Done"}`))
			r.Header.Set(FreshdeskSecretHeader, freshdeskTestSecret)
			return r
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &delivered{fail: tc.fail}
			h, err := tc.handler(d.deliver)
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, tc.req())
			ra, err := strconv.Atoi(w.Header().Get("Retry-After"))
			if w.Code != http.StatusServiceUnavailable || err != nil || ra <= 0 || ra >= 60 {
				t.Fatalf("answered %d with Retry-After %q; want 503 with a Retry-After under 60 seconds, which Zendesk retries\n%s",
					w.Code, w.Header().Get("Retry-After"), w.Body)
			}
			if !tc.fail {
				return
			}
			d.fail = false
			w = httptest.NewRecorder()
			h.ServeHTTP(w, tc.req())
			if w.Code != http.StatusNoContent || len(d.got) != 1 {
				t.Errorf("the retry answered %d, delivered %q; want 204, delivered once", w.Code, d.got)
			}
		})
	}
}

// A request whose ticket lookup failed was answered 503, but its key was
// already remembered: Freshdesk's retry was answered 200 "already
// received" and the agent's reply never reached the customer.
func TestBridgeLookupFailureIsRetried(t *testing.T) {
	var down sync.Map
	down.Store("down", true)
	lookup := HandlerTicketLookup(func(context.Context, flows.TicketRef) (string, error) {
		if _, ok := down.Load("down"); ok {
			return "", errors.New("store down")
		}
		return "wa:looked-up", nil
	})
	d := &delivered{}
	h, err := NewFreshdeskHandler(freshdeskTestSecret, d.deliver, lookup)
	if err != nil {
		t.Fatal(err)
	}
	req := func() *http.Request {
		r := httptest.NewRequest("POST", "/bridge/freshdesk", strings.NewReader(`{"event":"reply","ticket_id":"12","reply":"Done","agent":"Anna"}`))
		r.Header.Set(FreshdeskSecretHeader, freshdeskTestSecret)
		return r
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req())
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("answered %d; want 503\n%s", w.Code, w.Body)
	}
	down.Delete("down")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req())
	want := []string{`wa:looked-up agent "Done" by "Anna" freshdesk/12 `}
	if w.Code != http.StatusNoContent || !reflect.DeepEqual(d.got, want) {
		t.Errorf("the retry answered %d, delivered %q; want 204, %q\n%s", w.Code, d.got, want, w.Body)
	}
}

// A Deliver that does not serve the conversation makes the handler answer
// 404, not 503: a retry cannot succeed. Once it is served, a retry is
// taken.
func TestBridgeUnknownConversationIs404(t *testing.T) {
	served := false
	d := &delivered{}
	deliver := func(ctx context.Context, conv string, in flows.Input) error {
		if !served {
			return fmt.Errorf("%w: no whatsapp account %q", ErrUnknownConversation, "999")
		}
		return d.deliver(ctx, conv, in)
	}
	h, err := NewFreshdeskHandler(freshdeskTestSecret, deliver)
	if err != nil {
		t.Fatal(err)
	}
	req := func() *http.Request {
		r := httptest.NewRequest("POST", "/bridge/freshdesk", strings.NewReader(`{"event":"reply","ticket_id":"12","conversation_id":"whatsapp:999:1","reply":"Done","agent":"Anna"}`))
		r.Header.Set(FreshdeskSecretHeader, freshdeskTestSecret)
		return r
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req())
	if w.Code != http.StatusNotFound || len(d.got) != 0 {
		t.Fatalf("answered %d, delivered %q; want 404, nothing\n%s", w.Code, d.got, w.Body)
	}
	served = true
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req())
	if w.Code != http.StatusNoContent || len(d.got) != 1 {
		t.Errorf("the retry answered %d, delivered %q; want 204, once\n%s", w.Code, d.got, w.Body)
	}
}

// An agent's long reply (detailed instructions, in Italian with accents)
// was cut at 4,096 bytes with "…", and the rest never reached the
// customer, though the channels split a long text into several messages.
func TestBridgeLongAgentReplyIsWhole(t *testing.T) {
	text := strings.Repeat("Perché il rimborso è già partito: controlla la banca. ", 150) // ~8,200 bytes
	text = strings.TrimSpace(text)
	body := `{"event":"comment","ticket_id":"7","conversation_id":"wa:2","comment":` + strconv.Quote(text) + `,"author":"Anna","author_role":"agent"}`
	var got flows.Input
	h, err := NewZendeskHandler(zendeskTestSecret, func(_ context.Context, _ string, in flows.Input) error {
		got = in
		return nil
	}, zendeskTestClock)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, zendeskRequest("POST", body, true))
	if w.Code != http.StatusNoContent || got.Text != text {
		t.Errorf("answered %d, delivered %d bytes ending %q; want 204 and the whole %d bytes", w.Code, len(got.Text), got.Text[max(0, len(got.Text)-20):], len(text))
	}
}

// X-Zendesk-Webhook-Invocation-Id is not signed: a captured request sent
// again within the timestamp window with another invocation id (or none)
// passed as a new delivery, and the agent's reply reached the customer
// twice. The same signed request is a replay whatever that header says; a
// replay of one whose delivery failed is still taken.
func TestZendeskReplayWithAnotherInvocationID(t *testing.T) {
	body := `{"event":"comment","ticket_id":"7","conversation_id":"wa:2","comment":"Refund sent","author":"Anna","author_role":"agent"}`
	req := func(inv string) *http.Request {
		r := zendeskRequest("POST", body, true)
		if inv != "" {
			r.Header.Set("X-Zendesk-Webhook-Invocation-Id", inv)
		}
		return r
	}
	for _, accept := range []bool{false, true} {
		d := &delivered{}
		opts := []HandlerOption{zendeskTestClock}
		if accept {
			opts = append(opts, HandlerAcceptDedupe(0))
		}
		h, err := NewZendeskHandler(zendeskTestSecret, d.deliver, opts...)
		if err != nil {
			t.Fatal(err)
		}
		for i, inv := range []string{"inv-1", "inv-forged", ""} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req(inv))
			want := http.StatusOK
			if i == 0 {
				want = http.StatusNoContent
			}
			if w.Code != want {
				t.Errorf("accept dedupe %v, invocation %q: answered %d, want %d\n%s", accept, inv, w.Code, want, w.Body)
			}
		}
		if len(d.got) != 1 {
			t.Errorf("accept dedupe %v: delivered %q, want once", accept, d.got)
		}
		// A delivery that failed is taken when sent again, signature and all.
		d = &delivered{fail: true}
		h, _ = NewZendeskHandler(zendeskTestSecret, d.deliver, opts...)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req("inv-9"))
		d.fail = false
		w = httptest.NewRecorder()
		h.ServeHTTP(w, req("inv-9"))
		if w.Code != http.StatusNoContent || len(d.got) != 1 {
			t.Errorf("accept dedupe %v: the retry of a failed delivery answered %d, delivered %q; want 204, once", accept, w.Code, d.got)
		}
	}
}
