package host

import (
	"context"
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
