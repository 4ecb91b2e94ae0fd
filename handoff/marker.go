package handoff

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/batonbot/baton/flows"
)

// Every customer message Baton adds to a ticket carries a marker derived
// from its outbox item id, in a footer the helpdesk keeps with the
// comment ("Baton ref: baton-3f9a1c0d7e2b"). After an attempt that may
// have taken effect (a timeout, a 5xx, a worker that died during the
// call), the delivery worker lists the ticket's recent comments and looks
// for the markers before sending again (flows.BatchAppender.Marked), so
// the agent sees each message once. The marker is a hash: item ids hold
// the conversation id, often a phone number.
//
// What is left: a message is sent twice only if its comment is on the
// ticket but not among the recent comments listed (more than
// markerScanLimit comments were added since), or if someone edited the
// footer away (Zendesk's comment redaction) before the retry; the generic
// webhook has no listing, so its receivers drop repeats by webhook-id.

// markerScanLimit bounds how many recent comments a check reads.
const markerScanLimit = 300

// marker is how the item id is written on a ticket.
func marker(id string) string {
	sum := sha256.Sum256([]byte(id))
	return "baton-" + hex.EncodeToString(sum[:6])
}

// markerFooter is the footer line of an update carrying msgs, "" when
// none has an id.
func markerFooter(msgs []flows.TicketMessage) string {
	var refs []string
	for _, m := range msgs {
		if m.ID != "" {
			refs = append(refs, marker(m.ID))
		}
	}
	if len(refs) == 0 {
		return ""
	}
	return "Baton ref: " + strings.Join(refs, " ")
}

// markedIn returns the ids among ids whose marker is in one of texts.
func markedIn(texts []string, ids []string) []string {
	var out []string
	for _, id := range ids {
		m := marker(id)
		for _, t := range texts {
			if strings.Contains(t, m) {
				out = append(out, id)
				break
			}
		}
	}
	return out
}

// attemptItem is the outbox item id of the attempt ctx belongs to, for a
// single Append through flows.Connector.
func attemptMessages(a Attempt, ok bool, m flows.Message) []flows.TicketMessage {
	id := ""
	if ok {
		id = a.Item
	}
	return []flows.TicketMessage{{ID: id, Message: m}}
}

// allSystem reports whether every message is Baton's own note (an agent's
// reply that was not delivered): those go as internal notes, not as the
// customer's.
func allSystem(msgs []flows.TicketMessage) bool {
	for _, m := range msgs {
		if m.Message.From != flows.RoleSystem {
			return false
		}
	}
	return len(msgs) > 0
}
