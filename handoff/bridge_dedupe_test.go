package handoff

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// inbox is a durable Deliver that dedupes in its accept, as a host's
// inbox does: by the request's Delivery, kept for its TTL.
type inbox struct {
	now      time.Time
	seen     map[string]time.Time
	accepted []string
	fail     int
}

func (b *inbox) deliver(ctx context.Context, conv string, in flows.Input) error {
	d, ok := DeliveryOf(ctx)
	if !ok {
		return errors.New("no delivery key")
	}
	if until, ok := b.seen[d.Key]; ok && b.now.Before(until) {
		return ErrDuplicate
	}
	if b.fail > 0 {
		b.fail--
		return errors.New("the store timed out")
	}
	b.seen[d.Key] = b.now.Add(d.TTL)
	b.accepted = append(b.accepted, conv+" "+in.Text)
	return nil
}

// With HandlerAcceptDedupe the handler leaves dedupe to Deliver: a
// delivery whose accept failed is taken on the helpdesk's retry, a
// redelivery is answered 200, and a Freshdesk reply is remembered by its
// content only for the content TTL.
func TestHandlerAcceptDedupe(t *testing.T) {
	b := &inbox{now: time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC), seen: map[string]time.Time{}, fail: 1}
	h, err := NewFreshdeskHandler(freshdeskTestSecret, b.deliver, HandlerAcceptDedupe(0), HandlerContentDedupe(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	post := func() int {
		r := httptest.NewRequest("POST", "/bridge/freshdesk", strings.NewReader(`{"event":"reply","ticket_id":"12","conversation_id":"wa:3","reply":"Thanks!","agent":"Anna"}`))
		r.Header.Set(FreshdeskSecretHeader, freshdeskTestSecret)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for i, want := range []int{503, 204, 200, 200} {
		if got := post(); got != want {
			t.Fatalf("request %d answered %d, want %d", i+1, got, want)
		}
	}
	if len(b.accepted) != 1 {
		t.Fatalf("accepted %q, want one", b.accepted)
	}
	for k, until := range b.seen {
		if !strings.HasPrefix(k, "freshdesk:") || !strings.HasSuffix(k, "#0") || until.Sub(b.now) != 10*time.Minute {
			t.Errorf("key %q kept until %s: want freshdesk:…#0 for the content TTL", k, until)
		}
	}
	b.now = b.now.Add(11 * time.Minute) // the agent writes "Thanks!" again
	if got := post(); got != 204 {
		t.Errorf("the same reply after the content TTL answered %d, want 204", got)
	}
}
