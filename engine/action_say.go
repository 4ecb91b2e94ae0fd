package engine

import "github.com/batonbot/baton/flows"

// say sends a text in the conversation's language. While a ladder step
// runs for an answer the Ask rejected, the Ask's invalid text replaces the
// step's first message and the others are skipped.
func (t *turn) say(a *flows.Say) {
	if a == nil {
		return
	}
	if t.invalid != nil {
		if !t.invalidSaid {
			t.invalidSaid = true
			t.reply(t.renderText(t.invalid))
		}
		return
	}
	t.reply(t.renderText(a.Text))
}
