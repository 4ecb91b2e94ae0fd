package handoff

import (
	"strings"
	"testing"
)

// A placeholder the Freshdesk account cannot fill stays in the body as
// written ("{{ticket.agent.name}}" where the rule has no agent): the
// agent's name is then unknown, not that text, which would reach the
// transcript and the customer; a reply that is only such a placeholder
// (a mistyped {{ticket.latest_public_comment}}) is refused with what to
// fix, rather than sent to the customer as it is.
func TestFreshdeskUnfilledPlaceholders(t *testing.T) {
	items, err := decodeFreshdesk([]byte(`{"ticket_id":"42","event":"reply","reply":"<p>Your refund is on its way</p>","agent":"{{ticket.agent.name}}"}`))
	if err != nil || len(items) != 1 {
		t.Fatalf("decode: %v, %d items", err, len(items))
	}
	if got := items[0].in.Agent; got != "" {
		t.Errorf("agent %q, want none: an unfilled placeholder is not a name", got)
	}
	items, err = decodeFreshdesk([]byte(`{"ticket_id":"42","status":"4","agent":" {{ticket.agent.name}} "}`))
	if err != nil || len(items) != 1 || items[0].in.Ticket == nil || items[0].in.Ticket.Agent != "" {
		t.Errorf("a status with an unfilled agent: %v, %+v", err, items)
	}
	_, err = decodeFreshdesk([]byte(`{"ticket_id":"42","event":"reply","reply":"{{ticket.latest_public_coment}}","agent":"Mario"}`))
	if err == nil || !strings.Contains(err.Error(), "{{ticket.latest_public_coment}}") || !strings.Contains(err.Error(), "placeholder") {
		t.Errorf("a reply that is an unfilled placeholder: %v, want an error naming it", err)
	}
}
