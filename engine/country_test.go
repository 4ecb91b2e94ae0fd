package engine

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// A WhatsApp customer's phone is E.164 without the + ("393331234567"):
// user.country was empty for every one of them, while the handoff's
// routing read the same number as IT.
func TestUserCountryOfAWhatsAppNumber(t *testing.T) {
	b := newFlow(t, "a", nil)
	b.state("a", &flows.State{Actions: []flows.Action{b.say("{{ user.country }}")}, Routes: []*flows.Rule{{Keywords: kw("never")}}})
	e := New(b.f, WithClock(func() time.Time { return t0 }))
	for phone, want := range map[string]string{"393331234567": "IT", "+1 416 555 0100": "CA", "": ""} {
		s := e.NewSession("c", flows.Contact{ID: "u", Phone: phone}, "whatsapp", "it")
		_, effs, err := e.Turn(context.Background(), s, flows.Input{Kind: flows.InputMessage, Text: "ciao"})
		if err != nil {
			t.Fatal(err)
		}
		if got := replies(effs); !slices.Equal(got, []string{want}) {
			t.Errorf("phone %q: user.country %q, want %q", phone, got, want)
		}
	}
}
