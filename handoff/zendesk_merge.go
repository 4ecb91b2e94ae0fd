package handoff

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/batonbot/baton/flows"
)

// maxMergeHops bounds the merges an append follows: a ticket merged into
// one that was merged in turn into another.
const maxMergeHops = 3

// maxExternalID bounds the external_id Baton writes on a ticket that
// serves several conversations: the oldest ids are dropped first.
const maxExternalID = 255

var _ flows.MergeFollower = (*Zendesk)(nil)

// FollowMerge follows ticket t of conversation, which the helpdesk reports
// closed (the "Closed" trigger fires on a merge, which closes the ticket
// merged away), when an agent merged it into another ticket that the
// merge's comment names: the target is made to reach the conversation
// (linkTarget), and the customer's next messages go there (AppendBatch).
// It returns the target; a zero TicketRef when t is not closed, was not
// merged, or the target cannot be followed (deleted, closed, linked to
// another system), and the close is then the conversation's.
// An error when the helpdesk cannot be asked for now: nothing is decided,
// and the webhook is retried.
func (z *Zendesk) FollowMerge(ctx context.Context, t flows.TicketRef, conversation string) (flows.TicketRef, error) {
	if checkTicketID("zendesk", "follow", t.ID) != nil || strings.TrimSpace(conversation) == "" {
		return flows.TicketRef{}, nil
	}
	for hop := range maxMergeHops {
		info, err := z.ticketInfo(ctx, t.ID, "follow.lookup")
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusNotFound {
			return flows.TicketRef{}, nil
		}
		if err != nil {
			return flows.TicketRef{}, err
		}
		if info.Status != "closed" {
			if hop == 0 {
				return flows.TicketRef{}, nil
			}
			return t, nil
		}
		merged, into, err := z.mergedInto(ctx, t.ID)
		if err != nil {
			return flows.TicketRef{}, err // nothing known yet: the webhook is retried
		}
		if !merged || into == "" || into == t.ID || checkTicketID("zendesk", "follow", into) != nil {
			return flows.TicketRef{}, nil
		}
		if err := z.linkTarget(ctx, t.ID, into, conversation); err != nil {
			if errors.Is(err, errForeignTarget) {
				return flows.TicketRef{}, nil
			}
			return flows.TicketRef{}, err
		}
		t = flows.TicketRef{Connector: t.Connector, ID: into, URL: z.base + "/agent/tickets/" + into}
	}
	return flows.TicketRef{}, nil
}

// errForeignTarget is linkTarget's refusal of a ticket whose external_id
// is not Baton's.
var errForeignTarget = errors.New("its external_id is not Baton's (the ticket has no tag baton): it links the ticket to another system, and Baton leaves it alone")

// followMerge runs send on ticket t and, when an agent merged t into
// another ticket that the merge's comment names (mergedInto), on that one:
// the story goes on there, and so does the conversation. Before sending,
// the target is made to reach the conversation (linkTarget), so the
// webhooks of its agents' replies and of its solve come back to it. The
// messages go on the target as the customer's: as the requester of the
// ticket merged away (a merge makes them a CC of the target when they are
// not its requester). A target that cannot be followed (its external_id
// is another system's, the conversation is not known) leaves the error of
// the ticket merged away, and the host returns the conversation to the
// bot as for any ticket gone.
func (z *Zendesk) followMerge(ctx context.Context, t flows.TicketRef, send func(t flows.TicketRef, author int64) error) error {
	conv := ""
	if a, ok := AttemptFrom(ctx); ok {
		conv = a.Conversation
	}
	var author int64
	var err error
	z.mu.Lock()
	into, merged := z.merges[t.ID]
	z.mu.Unlock()
	if merged && conv != "" {
		// Known merged (for good): no write is tried on it again.
		err = &Error{Connector: "zendesk", Op: "append", Err: goneError{fmt.Sprintf("ticket %s was merged into ticket %s", t.ID, into), flows.GoneMerged, into}}
	} else {
		err = send(t, 0)
	}
	for range maxMergeHops {
		reason, into := GoneReason(err)
		if reason != flows.GoneMerged || into == "" || into == t.ID || conv == "" || checkTicketID("zendesk", "append", into) != nil {
			return err
		}
		if author == 0 {
			rid, rerr := z.requester(ctx, t.ID)
			if rerr != nil {
				if retry, _ := Retryable(rerr); retry {
					return rerr
				}
				return err
			}
			author = rid
		}
		if lerr := z.linkTarget(ctx, t.ID, into, conv); lerr != nil {
			if retry, _ := Retryable(lerr); retry && !errors.Is(lerr, errForeignTarget) {
				return lerr
			}
			g := goneError{fmt.Sprintf("%v; Baton cannot follow the merge into ticket %s: %v", err, into, lerr), flows.GoneMerged, into}
			return &Error{Connector: "zendesk", Op: "append", Err: g}
		}
		t = flows.TicketRef{Connector: t.Connector, ID: into, URL: z.base + "/agent/tickets/" + into}
		err = send(t, author)
	}
	return err
}

// linkTarget makes ticket target, into which source was merged, reach
// conversation: its external_id, which the triggers send as
// conversation_id, lists the conversation's id (after the ids already
// there: the ticket then serves each, as it does the requester and CCs
// it e-mails), and it carries the tag baton the triggers' conditions
// name. An internal note tells its agents. Nothing is written when it
// does already. A target that is deleted or closed is left as it is:
// the append there says so.
func (z *Zendesk) linkTarget(ctx context.Context, source, target, conversation string) error {
	info, err := z.ticketInfo(ctx, target, "append.follow")
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if info.Status == "closed" {
		return nil
	}
	baton := containsString(info.Tags, "baton")
	ids := strings.Fields(info.ExternalID)
	if len(ids) > 0 && !baton {
		return errForeignTarget
	}
	if baton && slices.Contains(ids, conversation) {
		return nil
	}
	ids = append(slices.DeleteFunc(ids, func(id string) bool { return id == conversation }), conversation)
	for len(ids) > 1 && len(strings.Join(ids, " ")) > maxExternalID {
		ids = ids[1:]
	}
	note := fmt.Sprintf("Ticket #%s was merged into this ticket while its customer was talking with you through Baton. "+
		"Baton now adds the customer's messages here, and sends them the public replies of this ticket.", source)
	err = z.updateTicket(ctx, "append.follow", target, map[string]any{
		"external_id":     strings.Join(ids, " "),
		"additional_tags": []string{"baton"},
		"comment":         zendeskComment{Body: note, Public: false},
	})
	if errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity {
		return nil // closed since the look-up: the append there says so
	}
	return err
}
