package engine

import (
	"reflect"
	"slices"
	"testing"

	"github.com/batonbot/baton/flows"
)

func TestFirstMessageEntersStart(t *testing.T) {
	c := newConv(t, shop(t))
	effs := c.user("ciao")
	if got := replies(effs); !slices.Equal(got, []string{"Ciao Anna! Come posso aiutarti?"}) {
		t.Fatalf("replies = %q", got)
	}
	r, _ := find[flows.Reply](effs)
	want := []flows.ReplyOption{{ID: "order", Number: 1, Title: "Stato ordine"}, {ID: "faq", Number: 2, Title: "Domande frequenti"}, {ID: "agent", Number: 3, Title: "Operatore"}}
	if !reflect.DeepEqual(r.Options, want) || r.Style != flows.MenuButtons {
		t.Errorf("options = %+v style %q", r.Options, r.Style)
	}
	if c.s.State != "welcome" || c.s.Lifecycle != flows.LifecycleBot {
		t.Errorf("state %q lifecycle %q", c.s.State, c.s.Lifecycle)
	}
	if _, ok := find[flows.NoMatch](effs); ok {
		t.Error("the first message must not be consumed as an answer")
	}
}

func TestMenuChoice(t *testing.T) {
	tests := []struct {
		name  string
		in    flows.Input
		state string
	}{
		{"number", flows.Input{Kind: flows.InputMessage, Text: "1"}, "ask_order"},
		{"number with dot", flows.Input{Kind: flows.InputMessage, Text: " 2. "}, "anything_else"},
		{"payload", flows.Input{Kind: flows.InputMessage, Payload: "agent"}, ""},
		{"keycap emoji", flows.Input{Kind: flows.InputMessage, Text: "1\uFE0F\u20E3"}, "ask_order"},
		{"hash number", flows.Input{Kind: flows.InputMessage, Text: "#2"}, "anything_else"},
		{"label", flows.Input{Kind: flows.InputMessage, Text: "Domande Frequenti"}, "anything_else"},
		{"label in another language", flows.Input{Kind: flows.InputMessage, Text: "order status"}, "ask_order"},
		{"synonym in a sentence", flows.Input{Kind: flows.InputMessage, Text: "volevo sapere della spedizione"}, "ask_order"},
		{"accents and case", flows.Input{Kind: flows.InputMessage, Text: "SPEDIZIÓNE"}, "ask_order"},
		{"typo", flows.Input{Kind: flows.InputMessage, Text: "spedizone"}, "ask_order"},
		{"ambiguous", flows.Input{Kind: flows.InputMessage, Text: "ordine o faq"}, "welcome"},
		{"out of range", flows.Input{Kind: flows.InputMessage, Text: "7"}, "welcome"},
		{"negated synonym", flows.Input{Kind: flows.InputMessage, Text: "non voglio il pacco"}, "welcome"},
		{"negated id", flows.Input{Kind: flows.InputMessage, Text: "I don't want an agent"}, "welcome"},
		{"negated typo", flows.Input{Kind: flows.InputMessage, Text: "non la spedizone"}, "welcome"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, shop(t))
			c.user("ciao")
			effs := c.do(tt.in)
			want := tt.state
			if want == "" { // agent → human → transfer: handed off
				if c.s.Lifecycle != flows.LifecycleHandedOff {
					t.Fatalf("lifecycle = %q, want handed_off; effects %s", c.s.Lifecycle, types(effs))
				}
				want = "transfer"
			}
			if c.s.State != want {
				t.Fatalf("state = %q, want %q; effects %s", c.s.State, want, types(effs))
			}
			_, nm := find[flows.NoMatch](effs)
			if nm != (want == "welcome") {
				t.Errorf("no_match effect = %v", nm)
			}
		})
	}
}

// A session written by another version with a lifecycle this one does not
// know is given back to the bot, not left silent.
func TestUnknownLifecycle(t *testing.T) {
	c := newConv(t, shop(t))
	c.user("ciao")
	c.s.Lifecycle = "paused"
	effs := c.user("1")
	if _, ok := find[flows.ErrorEffect](effs); !ok {
		t.Errorf("no error event for the unknown lifecycle: %s", types(effs))
	}
	if c.s.Lifecycle != flows.LifecycleBot || c.s.State != "ask_order" {
		t.Errorf("after an unknown lifecycle: lifecycle %q, state %q; want the bot answering the menu", c.s.Lifecycle, c.s.State)
	}
}
