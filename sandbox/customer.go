package sandbox

import (
	"fmt"
	"slices"
	"strings"

	"github.com/batonbot/baton/flows"
)

// Channels are the channels a sandbox conversation can be on: "sandbox"
// itself and the ones `baton serve` connects (WhatsApp, Telegram, the web
// chat), so a flow's channel conditions can be tried.
var Channels = []string{"sandbox", flows.ChannelWhatsApp, flows.ChannelTelegram, flows.ChannelWeb}

// CheckChannel returns an error listing Channels when name is not one.
func CheckChannel(name string) error {
	if slices.Contains(Channels, name) {
		return nil
	}
	msg := fmt.Sprintf("unknown channel %q", name)
	if s := flows.Suggest(name, Channels); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return fmt.Errorf("%s (the channels are %s)", msg, strings.Join(Channels, ", "))
}

// customers are the default customers per language: a name and a phone
// number of a country that speaks it, from the ranges kept for fiction
// where there is one (UK 07700 900xxx, US 555-01xx).
var customers = map[string]flows.Contact{
	"it": {Name: "Anna", Phone: "+390000000000"},
	"en": {Name: "Emma", Phone: "+447700900123"},
	"es": {Name: "Lucía", Phone: "+34600000000"},
	"fr": {Name: "Léa", Phone: "+33600000000"},
	"de": {Name: "Lena", Phone: "+4915100000000"},
	"pt": {Name: "Ana", Phone: "+351910000000"},
}

// DefaultContact is the customer a sandbox conversation in lang has when
// none is given: the one default of baton chat, the web sandbox (studio)
// and conversation tests (convtest, with id test-user), so a flow that greets "¡Hola, {{ contact.name }}!" or
// routes on the phone's country reads right in the sandbox. A language
// without one of its own ("es-MX" is "es") gets Alex, +1 555 0100.
func DefaultContact(lang string) flows.Contact {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	if c, ok := customers[base]; ok {
		return c
	}
	return flows.Contact{Name: "Alex", Phone: "+15555550100"}
}

// Menu is the last menu shown in the conversation (nil before any): the
// buttons or list rows the customer can tap.
func (s *Sandbox) Menu() []flows.ReplyOption { return s.menu }

// CheckButton returns an error unless id is the id of an option of the
// last menu shown, listing the ids that are.
func (s *Sandbox) CheckButton(id string) error {
	if len(s.menu) == 0 {
		return fmt.Errorf("no menu has been shown in this conversation, so there is no button %q to tap; write the customer's message instead", id)
	}
	ids := make([]string, len(s.menu))
	for i, o := range s.menu {
		if o.ID == id {
			return nil
		}
		ids[i] = o.ID
	}
	msg := fmt.Sprintf("%q is not a button of the menu shown", id)
	if sug := flows.Suggest(id, ids); sug != "" {
		msg += fmt.Sprintf("; did you mean %q?", sug)
	}
	return fmt.Errorf("%s (its ids: %s)", msg, strings.Join(ids, ", "))
}
