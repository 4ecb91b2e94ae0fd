package host

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/telegram/telegramtest"
	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
)

// A WhatsApp message Meta delivered hours late and a Telegram message
// dated ahead ran their turns at their providers' times: the session's
// clock (its timers, the SLA, the customer-service window) moved hours
// back or days ahead. Their turns run when the server received them.
func TestServeTurnRunsAtReceiveTime(t *testing.T) {
	e := startE2E(t)
	before := time.Now()
	e.post(t, e.wa.Notification(whatsapptest.Inbound{From: "393337770001", Name: "Ada", Text: "hello", At: before.Add(-5 * time.Hour)}))
	e.sent(t, 1)
	e.telegram(t, e.tg.MessageUpdate(telegramtest.From{ID: 4401, FirstName: "Bea"}, map[string]any{"text": "hello", "date": before.Add(48 * time.Hour).Unix()}))
	e.tgSent(t, 1)
	after := time.Now()
	for _, conv := range []string{"whatsapp:" + e.wa.PhoneNumberID + ":393337770001", "telegram:" + e.tg.BotName + ":4401"} {
		s, err := e.srv.store.Load(context.Background(), conv)
		if err != nil {
			t.Fatal(err)
		}
		if s.LastUserAt.Before(before.Truncate(time.Second)) || s.LastUserAt.After(after) || !s.UpdatedAt.Equal(s.LastUserAt) {
			t.Errorf("%s: the turn ran at %v (last user message at %v); want the receive time, between %v and %v",
				conv, s.UpdatedAt, s.LastUserAt, before, after)
		}
	}
}

// baton serve's channel handlers read the wall clock, not the host's: on
// a server given a clock (ServerOptions.Host, WithClock), a WhatsApp
// message sent a minute before it was skipped as stale, years old on the
// wall clock, and the turns of the others ran on a clock their timers did
// not. They read the host's now.
func TestServeChannelsOnTheHostClock(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	tg := telegramtest.NewServer(t)
	flow, err := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`channels:
  whatsapp:
    - {phone_number_id: "%s", flow: %s, access_token: %s, app_secret: %s, verify_token: %s, graph_url: %s, api_version: %s}
  telegram:
    - {name: %s, flow: %s, token: %q, secret_token: %s, api_url: %s}
  web:
    - {name: site, flow: %s}
`, wa.PhoneNumberID, flow, wa.Token, wa.AppSecret, whatsapptest.VerifyToken, wa.URL, wa.Version, tg.BotName, flow, tg.Token, tg.SecretToken, tg.URL, flow)
	cfg := loadConfig(t, t.TempDir(), src)
	// Long past: on the wall clock, a message of then is stale.
	now := time.Date(2020, 3, 3, 10, 0, 0, 0, time.UTC)
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), NoWatch: true,
		Host: []Option{WithClock(func() time.Time { return now })}})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	if w := wa.Deliver(h, wa.Notification(whatsapptest.Inbound{From: "393337770001", Name: "Ada", Text: "hello", At: now.Add(-time.Minute)})); w.Code != 200 {
		t.Fatalf("whatsapp: %d %s", w.Code, w.Body)
	}
	if w := tg.Deliver(h, tg.MessageUpdate(telegramtest.From{ID: 4401, FirstName: "Bea"}, map[string]any{"text": "hello", "date": now.Add(-time.Minute).Unix()})); w.Code != 200 {
		t.Fatalf("telegram: %d %s", w.Code, w.Body)
	}
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/api/messages", strings.NewReader(`{"text":"hello"}`))
	req.Header.Set("Content-Type", "application/json")
	if w := httptest.NewRecorder(); func() int { h.ServeHTTP(w, req); return w.Code }() != http.StatusAccepted {
		t.Fatalf("web: %d %s", w.Code, w.Body)
	}
	entries, err := srv.store.Inbox().Claim(context.Background(), now, time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]time.Time{}
	for _, e := range entries {
		got[e.Inbound.Channel] = e.Inbound.Input.At
	}
	for _, ch := range []string{"whatsapp", "telegram", "web"} {
		if at, ok := got[ch]; !ok || !at.Equal(now) {
			t.Errorf("%s: accepted %v, its turn at %v; want it accepted, at the host's %v", ch, ok, at, now)
		}
	}
}
