package engine

import (
	"slices"
	"testing"

	"github.com/batonbot/baton/flows"
)

var photo = &flows.Media{Kind: flows.MediaImage, ID: "1479537139650973", MIME: "image/jpeg"}

func (c *conv) media(m *flows.Media) []flows.Effect {
	c.tb.Helper()
	return c.do(flows.Input{Kind: flows.InputMessage, Text: m.Caption, Media: m})
}

func TestMediaNobodyTakes(t *testing.T) {
	c := newConv(t, shop(t))
	c.user("ciao")
	effs := c.media(photo)
	if got := replies(effs); !slices.Equal(got, []string{mediaReplies["it"]}) {
		t.Fatalf("replies %q", got)
	}
	if r, _ := find[flows.Reply](effs); len(r.Options) != 3 {
		t.Errorf("the menu should come again with the polite reply, got %+v", r)
	}
	if _, ok := find[flows.NoMatch](effs); ok || c.s.NoMatch != 0 {
		t.Errorf("media counted as a no-match (session count %d)", c.s.NoMatch)
	}
	if c.s.State != "welcome" {
		t.Errorf("state %q", c.s.State)
	}
	var last flows.Message
	for _, m := range c.s.Transcript {
		if m.From == flows.RoleUser {
			last = m
		}
	}
	if last.Text != "[image 1479537139650973]" || last.Media == nil || last.Media.ID != photo.ID {
		t.Errorf("transcript keeps %+v", last)
	}
}

func TestMediaCaptionIsText(t *testing.T) {
	c := newConv(t, shop(t))
	c.user("ciao")
	c.media(&flows.Media{Kind: flows.MediaImage, ID: "9", Caption: "2"}) // the FAQ option
	if c.s.State != "anything_else" {
		t.Errorf("a caption choosing an option: state %q", c.s.State)
	}
	c = newConv(t, shop(t))
	c.user("ciao")
	c.user("1")
	c.media(&flows.Media{Kind: flows.MediaDocument, ID: "7", Filename: "ricevuta.pdf", Caption: "ordine A12345"})
	if c.s.Vars["order_id"] != "A12345" {
		t.Errorf("an ask answered by a caption: vars %v", c.s.Vars)
	}
	c = newConv(t, shop(t))
	c.user("ciao")
	c.user("1")
	effs := c.media(photo) // an ask answered by a photo without caption
	if got := replies(effs); !slices.Equal(got, []string{mediaReplies["it"]}) || c.s.State != "ask_order" || c.s.NoMatch != 0 {
		t.Errorf("replies %q in %s, no_match %d", got, c.s.State, c.s.NoMatch)
	}
}

func TestMediaRoute(t *testing.T) {
	b := newFlow(t, "damage", map[string]any{"photo_id": "", "place": 0.0})
	b.state("damage", &flows.State{
		Actions: []flows.Action{b.say("Mandaci una foto del danno.")},
		Routes: []*flows.Rule{
			{When: b.expr(`media.kind == "image"`), Do: flows.Do{Actions: []flows.Action{b.set("photo_id", "media.id")}, Goto: "thanks"}},
			{When: b.expr(`media.kind == "location"`), Do: flows.Do{Actions: []flows.Action{b.set("place", "media.latitude")}, Goto: "thanks"}},
		},
	})
	b.state("thanks", &flows.State{Actions: []flows.Action{b.say("Grazie, ricevuta ({{ media.kind }}).")}, End: true})
	c := newConv(t, b.f)
	c.user("ciao")
	effs := c.media(photo)
	if c.s.Vars["photo_id"] != photo.ID || !slices.Equal(replies(effs), []string{"Grazie, ricevuta (image)."}) {
		t.Errorf("vars %v, replies %q", c.s.Vars, replies(effs))
	}
	c = newConv(t, b.f)
	c.user("ciao")
	c.media(&flows.Media{Kind: flows.MediaLocation, Latitude: 45.46, Longitude: 9.19})
	if c.s.Vars["place"] != 45.46 {
		t.Errorf("vars %v", c.s.Vars)
	}
	c = newConv(t, b.f)
	c.user("ciao")
	effs = c.media(&flows.Media{Kind: flows.MediaAudio, ID: "3"}) // neither route: the polite reply
	if !slices.Equal(replies(effs), []string{mediaReplies["it"]}) {
		t.Errorf("replies %q", replies(effs))
	}
	effs = c.user("ecco") // text reads media as empty
	if _, ok := find[flows.NoMatch](effs); !ok {
		t.Errorf("text in a media-only state is a no-match: %s", types(effs))
	}
}

func TestMediaLanguageAndFirstMessage(t *testing.T) {
	c := newConv(t, shop(t))
	c.s.Lang = "en"
	effs := c.media(photo) // a conversation that starts with a photo
	got := replies(effs)
	if len(got) != 2 || got[0] != mediaReplies["en"] || got[1] != "Hi Anna! How can I help?" || c.s.State != "welcome" {
		t.Errorf("replies %q in %s", got, c.s.State)
	}
	c = newConv(t, shop(t), WithMediaReplies(map[string]string{"it": "Non posso aprire allegati, scrivimi pure."}))
	c.user("ciao")
	if got := replies(c.media(photo)); !slices.Equal(got, []string{"Non posso aprire allegati, scrivimi pure."}) {
		t.Errorf("override: %q", got)
	}
	c = newConv(t, shop(t))
	c.s.Lang = "nl-BE" // no built-in text: the flow's language
	c.user("hallo")
	if got := replies(c.media(photo)); !slices.Equal(got, []string{mediaReplies["it"]}) {
		t.Errorf("fallback: %q", got)
	}
}

func TestMediaToTheTicket(t *testing.T) {
	c := newConv(t, shop(t))
	c.user("ciao")
	c.user("operatore")
	doc := &flows.Media{Kind: flows.MediaDocument, ID: "42", Filename: "foto-pacco.pdf", Caption: "ecco il danno"}
	effs := c.media(doc)
	a, ok := find[flows.Append](effs)
	if !ok || a.Message.Text != "[document 42] foto-pacco.pdf ecco il danno" || a.Message.Media == nil || a.Message.Media.ID != "42" {
		t.Errorf("append %+v (effects %s)", a, types(effs))
	}
	if len(replies(effs)) != 0 {
		t.Errorf("the bot answered while a human holds the conversation: %q", replies(effs))
	}
}
