package engine

import (
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

func TestKeywordsNegation(t *testing.T) {
	tests := []struct {
		text      string
		negatable bool
		fires     bool
	}{
		{"voglio un operatore", true, true},
		{"non voglio un operatore", true, false},
		{"no, voglio un operatore", true, true},
		{"non so cosa fare, voglio un operatore", true, true},
		{"non capisco ma voglio un operatore", true, true},
		{"Non voglio parlare con un OPERATORE", true, false}, // only request words between
		{"I don't want to talk to an agent", true, false},
		{"no quiero hablar con un agente", true, false},
		{"non riesco a trovare l'ordine operatore", true, true},                   // "non" governs "riesco", not the request
		{"non voglio nessuno tranne un operatore", true, false},                   // "nessuno" is three words before
		{"non ho capito niente della spedizione voglio un operatore", true, true}, // another clause, unpunctuated
		{"senza operatore", true, false},
		{"I don't want an agent", true, false},
		{"I didn't want an agent", true, false}, // didn't → didn, t: the cue "didnt"
		{"she doesn’t need an agent", true, false},
		{"I want an agent", true, true},
		{"no quiero un agente", true, false},
		{"non voglio un operatore", false, true},
		{"una persona vera per favore", true, true},
		{"una persona che sia vera", true, false}, // the phrase's words must be consecutive
		{"operatorex", true, false},               // whole words only
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			b := newFlow(t, "start", nil)
			k := kw("operatore", "agent", "agente", "persona vera")
			k.Negatable = tt.negatable
			b.f.Triggers = []*flows.Rule{{Name: "human", Keywords: k, Do: flows.Do{Goto: "human"}}}
			b.state("start", &flows.State{Actions: []flows.Action{b.say("Ciao")}, Routes: []*flows.Rule{{Name: "hello", Keywords: kw("ciao"), Do: flows.Do{Goto: "start"}}}})
			b.state("human", &flows.State{Actions: []flows.Action{b.say("Arriva un collega")}, Routes: []*flows.Rule{{Keywords: kw("ok")}}})
			c := newConv(t, b.f)
			c.user("ciao")
			effs := c.user(tt.text)
			tf, fired := find[flows.TriggerFired](effs)
			if fired != tt.fires {
				t.Fatalf("fired = %v, want %v (effects %s)", fired, tt.fires, types(effs))
			}
			if fired && (tf.Name != "human" || tf.By != "keyword" || c.s.State != "human") {
				t.Errorf("trigger %+v, state %q", tf, c.s.State)
			}
		})
	}
}

// TestKeywordsNegatedRequest: a negation reaches a topic keyword across
// the verbs of asking ("I'm not asking for a refund"), in the three
// languages, and stops at other words or a new clause.
func TestKeywordsNegatedRequest(t *testing.T) {
	tests := []struct {
		text  string
		fires bool
	}{
		{"I'm not asking for a refund, just where the parcel is", false},
		{"I am not looking for a refund", false},
		{"I'm not asking you for a refund", false},
		{"I want a refund", true},
		{"not happy, asking for a refund", true},                   // the negation is in another clause
		{"I did not receive it so I am asking for a refund", true}, // "i" stops the look-back
		{"no reply for a refund", true},                            // "reply" is not a request word
		{"non vi sto chiedendo un rimborso", false},
		{"non sto chiedendo il rimborso, solo la fattura", false},
		{"non è arrivato niente, chiedo il rimborso", true},
		{"sto chiedendo un rimborso", true},
		{"no estoy pidiendo un reembolso", false},
		{"no les pido ningún reembolso", false},
		{"no llegó nada y pido un reembolso", true}, // "llego" stops the look-back
		{"estoy pidiendo un reembolso", true},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			b := newFlow(t, "start", nil)
			k := kw("refund", "rimborso", "reembolso")
			k.Negatable = true
			b.f.Triggers = []*flows.Rule{{Name: "refund", Keywords: k, Do: flows.Do{Goto: "billing"}}}
			b.state("start", &flows.State{Actions: []flows.Action{b.say("Ciao")}, Routes: []*flows.Rule{{Name: "hello", Keywords: kw("ciao"), Do: flows.Do{Goto: "start"}}}})
			b.state("billing", &flows.State{Actions: []flows.Action{b.say("Un collega dell'amministrazione")}, Routes: []*flows.Rule{{Keywords: kw("ok")}}})
			c := newConv(t, b.f)
			c.user("ciao")
			effs := c.user(tt.text)
			if _, fired := find[flows.TriggerFired](effs); fired != tt.fires {
				t.Fatalf("fired = %v, want %v (effects %s)", fired, tt.fires, types(effs))
			}
		})
	}
}

// TestKeywordsUnless: a phrase of unless: stops the rule whatever its
// keywords match, negated or not.
func TestKeywordsUnless(t *testing.T) {
	tests := []struct {
		text  string
		fires bool
	}{
		{"voglio un agente", true},
		{"il mio agente immobiliare mi ha detto di scrivervi", false},
		{"non sono un agente immobiliare, voglio un agente", false}, // unless wins wherever it is
		{"my travel agent booked the wrong hotel", false},
		{"travel is fine, agent please", true}, // the phrase's words must be consecutive
		{"AGENTE IMMOBILIARE", false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			b := newFlow(t, "start", nil)
			unless := kw("agente immobiliare", "travel agent")
			b.f.Triggers = []*flows.Rule{{Name: "human", Keywords: kw("agente", "agent"), Unless: unless, Do: flows.Do{Goto: "human"}}}
			b.state("start", &flows.State{Actions: []flows.Action{b.say("Ciao")}, Routes: []*flows.Rule{{Name: "hello", Keywords: kw("ciao"), Do: flows.Do{Goto: "start"}}}})
			b.state("human", &flows.State{Actions: []flows.Action{b.say("Arriva un collega")}, Routes: []*flows.Rule{{Keywords: kw("ok")}}})
			c := newConv(t, b.f)
			c.user("ciao")
			effs := c.user(tt.text)
			if _, fired := find[flows.TriggerFired](effs); fired != tt.fires {
				t.Fatalf("fired = %v, want %v (effects %s)", fired, tt.fires, types(effs))
			}
		})
	}
}

func TestTypoDistance(t *testing.T) {
	tests := []struct {
		a, b string
		ok   bool
	}{
		{"spedizone", "spedizione", true},
		{"spedzone", "spedizione", true}, // 8+ runes: up to 2
		{"ordnie", "ordine", true},       // a transposition counts 1
		{"odine", "ordine", true},
		{"oridne", "ordine", true},
		{"faq", "fax", false},   // short words must be exact
		{"stop", "shop", false}, // an opt-out word never picks an option
		{"help", "hell", false},
		{"pacco", "pazzo", false},
		{"xyzwvu", "ordine", false},
	}
	for _, tt := range tests {
		if _, ok := typoDistance(tt.a, tt.b); ok != tt.ok {
			t.Errorf("typoDistance(%q, %q) ok = %v, want %v", tt.a, tt.b, ok, tt.ok)
		}
	}
}

func TestTokenizeClauses(t *testing.T) {
	toks := tokenize("no, voglio ma non questo", nil)
	want := []token{{"no", 0}, {"voglio", 1}, {"ma", 2}, {"non", 2}, {"questo", 2}}
	if len(toks) != len(want) {
		t.Fatalf("tokens = %v", toks)
	}
	for i := range want {
		if toks[i] != want[i] {
			t.Errorf("token %d = %v, want %v", i, toks[i], want[i])
		}
	}
}

// TestMenuTokenTap: a channel sends an option id too long for its buttons
// as flows.OptionToken; a tap on it chooses that option as a tap on the id
// does, and the transcript shows the id and the label, not the token.
func TestMenuTokenTap(t *testing.T) {
	long := strings.Repeat("opzione_molto_lunga_", 4) // 80 bytes
	greek := strings.Repeat("ψ", 40)                  // 80 bytes
	tests := []struct {
		name    string
		payload string
		state   string
		text    string
	}{
		{"token of a long id", flows.OptionToken(long), "a", long},
		{"token of a Greek id", flows.OptionToken(greek), "b", greek},
		{"the long id itself", long, "a", long},
		{"short id", "short", "c", "short"},
		{"token of no option", flows.OptionToken("nothing"), "welcome", flows.OptionToken("nothing")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFlow(t, "welcome", nil)
			b.state("welcome", &flows.State{Actions: []flows.Action{b.say("Scegli")}, Menu: b.menu(
				opt(long, "Prima", "First", "a"), opt(greek, "Seconda", "Second", "b"), opt("short", "Terza", "Third", "c"))})
			for _, s := range []string{"a", "b", "c"} {
				b.state(s, &flows.State{Actions: []flows.Action{b.say(s)}, Routes: []*flows.Rule{{Keywords: kw("ok")}}})
			}
			c := newConv(t, b.f)
			c.user("ciao")
			effs := c.do(flows.Input{Kind: flows.InputMessage, Payload: tt.payload})
			if c.s.State != tt.state {
				t.Fatalf("state = %q, want %q; effects %s", c.s.State, tt.state, types(effs))
			}
			var last flows.Message
			for _, m := range c.s.Transcript {
				if m.From == flows.RoleUser {
					last = m
				}
			}
			if last.Text != tt.text {
				t.Errorf("the transcript shows the tap as %q, want %q", last.Text, tt.text)
			}
			if tt.state != "welcome" && last.Choice == "" {
				t.Errorf("the transcript has no choice: %+v", last)
			}
		})
	}
}
