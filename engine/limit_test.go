package engine

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
)

// TestMaxMessage: a message over the cap is matched on its first bytes and
// recorded with a mark of what was cut; a handed-off conversation's
// append carries the same.
func TestMaxMessage(t *testing.T) {
	b := newFlow(t, "start", nil)
	b.f.Triggers = []*flows.Rule{{Name: "human", Keywords: kw("operatore"), Do: flows.Do{Goto: "human"}}}
	b.state("start", &flows.State{Actions: []flows.Action{b.say("Ciao")}, Routes: []*flows.Rule{{Name: "hello", Keywords: kw("ciao"), Do: flows.Do{Goto: "start"}}}})
	b.state("human", &flows.State{Actions: []flows.Action{b.say("Arriva un collega")}, Routes: []*flows.Rule{{Keywords: kw("ok")}}})

	for _, tc := range []struct {
		name  string
		max   int
		text  string
		fires bool
		kept  int
	}{
		{"under the default cap", 0, "operatore " + strings.Repeat("a", 3000), true, 3010},
		{"the keyword past the default cap", 0, strings.Repeat("è", 3000) + " operatore", false, 4096},
		{"a configured cap", 20, "ciao, voglio un operatore", false, 20},
		{"a rune across the cap", 5, "ciaoè operatore", false, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []Option
			if tc.max > 0 {
				opts = append(opts, WithMaxMessage(tc.max))
			}
			c := newConv(t, b.f, opts...)
			c.user("ciao")
			effs := c.user(tc.text)
			tf, fired := find[flows.TriggerFired](effs)
			if fired = fired && tf.Name == "human"; fired != tc.fires {
				t.Errorf("fired = %v, want %v", fired, tc.fires)
			}
			got := c.s.Transcript[len(c.s.Transcript)-1]
			if got.From != flows.RoleUser {
				got = c.s.Transcript[len(c.s.Transcript)-2]
			}
			kept, mark, _ := strings.Cut(got.Text, " [… ")
			if len(kept) != tc.kept || !utf8.ValidString(kept) {
				t.Errorf("kept %d bytes (valid %v), want %d", len(kept), utf8.ValidString(kept), tc.kept)
			}
			if cut := len(tc.text) - tc.kept; cut > 0 && mark != itoa(cut)+" bytes cut]" {
				t.Errorf("mark %q, want %d bytes cut", mark, cut)
			} else if cut == 0 && mark != "" {
				t.Errorf("mark %q on a message that fits", mark)
			}
		})
	}
	// A handed-off conversation forwards the cut message to the ticket.
	c := newConv(t, b.f, WithMaxMessage(10))
	c.user("operatore")
	c.s.Lifecycle = flows.LifecycleHandedOff
	c.s.Handoff = &flows.HandoffRef{ID: "h1"}
	effs := c.user(strings.Repeat("x", 25))
	ap, ok := find[flows.Append](effs)
	if !ok || ap.Message.Text != strings.Repeat("x", 10)+" [… 15 bytes cut]" {
		t.Errorf("append %+v", ap)
	}
}

// TestMaxMessageMedia: a media message's caption is held to the same cap
// in the transcript (and in the ticket's append), with the same mark.
func TestMaxMessageMedia(t *testing.T) {
	b := newFlow(t, "start", nil)
	b.state("start", &flows.State{Actions: []flows.Action{b.say("Ciao")}, Routes: []*flows.Rule{{Keywords: kw("ok")}}})
	c := newConv(t, b.f, WithMaxMessage(64))
	c.user("ciao")
	c.media(&flows.Media{Kind: flows.MediaImage, ID: "m1", Caption: strings.Repeat("y", 1000)})
	var got flows.Message
	for _, m := range c.s.Transcript {
		if m.Media != nil {
			got = m
		}
	}
	if len(got.Text) > 64+len(" [… 1000 bytes cut]") || !strings.Contains(got.Text, " bytes cut]") {
		t.Errorf("the media message is recorded in %d bytes: %.80q…", len(got.Text), got.Text)
	}
	if got.Media == nil || len(got.Media.Caption) > 64 {
		t.Errorf("the recorded media keeps a caption of %d bytes", len(got.Media.Caption))
	}
}

// TestMaxMessageMediaFields: every text a media message carries (a
// document's name, a place's name and address, shared contacts) is held
// to the cap in the transcript, and a long list of contact cards is cut,
// so no webhook can grow a session by megabytes per message.
func TestMaxMessageMediaFields(t *testing.T) {
	long := strings.Repeat("z", 10_000)
	many := make([]flows.Contact, 500)
	for i := range many {
		many[i] = flows.Contact{Name: "Anna " + itoa(i), Phone: "+39333" + itoa(1000000+i)}
	}
	for _, tc := range []struct {
		name string
		m    *flows.Media
	}{
		{"a document's name", &flows.Media{Kind: flows.MediaDocument, ID: "d1", Filename: long + ".pdf"}},
		{"a place", &flows.Media{Kind: flows.MediaLocation, Name: long, Address: long, Latitude: 45.1, Longitude: 9.2}},
		{"a long contact", &flows.Media{Kind: flows.MediaContacts, Contacts: []flows.Contact{{Name: long, Phone: long, Email: long}}}},
		{"many contacts", &flows.Media{Kind: flows.MediaContacts, Contacts: many}},
		{"a long media id and type", &flows.Media{Kind: flows.MediaImage, ID: long, MIME: long}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newFlow(t, "start", nil)
			b.state("start", &flows.State{Actions: []flows.Action{b.say("Ciao")}, Routes: []*flows.Rule{{Keywords: kw("ok")}}})
			c := newConv(t, b.f, WithMaxMessage(64))
			c.user("ciao")
			c.media(tc.m)
			var got *flows.Media
			for _, m := range c.s.Transcript {
				if m.Media != nil {
					got = m.Media
				}
			}
			if got == nil {
				t.Fatal("no media in the transcript")
			}
			size := len(got.ID) + len(got.MIME) + len(got.Caption) + len(got.Filename) + len(got.Name) + len(got.Address)
			for _, ct := range got.Contacts {
				size += len(ct.ID) + len(ct.Name) + len(ct.Phone) + len(ct.Email)
			}
			if size > 64 {
				t.Errorf("the recorded media keeps %d bytes of text, want at most %d", size, 64)
			}
			if got.Kind != tc.m.Kind || got.Latitude != tc.m.Latitude {
				t.Errorf("the recorded media lost its kind or place: %+v", got)
			}
		})
	}
}
