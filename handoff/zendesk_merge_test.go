package handoff

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff/handofftest"
)

// TestZendeskAppendFollowsAMerge: an agent merged the customer's ticket
// into another (their e-mail about the same parcel, or the ticket of
// their other conversation). The customer's next message goes on the
// target, as theirs (the merge made them a CC there), and the target is
// made to reach the conversation: its external_id, which the triggers
// send as conversation_id, lists the conversation after the one it
// served, and it carries the tag baton the triggers ask for. A target
// whose external_id is another system's is left alone, and the append is
// the merged ticket's ErrTicketGone, as before.
func TestZendeskAppendFollowsAMerge(t *testing.T) {
	msg := []flows.TicketMessage{{ID: "h-42:append:3:1", Message: flows.Message{At: connTestTime, From: flows.RoleUser, Text: "any news on my parcel?"}}}
	conv := connTestHandoff().ConversationID
	for _, tt := range []struct {
		name     string
		onBehalf bool
		target   func(t *testing.T, fake *handofftest.Zendesk, z *Zendesk) int64
		wantExt  string // "": not followed
	}{
		{"into an e-mail ticket", false, func(t *testing.T, fake *handofftest.Zendesk, z *Zendesk) int64 {
			return fake.EmailTicket("mario.rossi@mail.example", "Parcel A12345", "Where is my parcel?")
		}, conv},
		{"into an e-mail ticket, requests API", true, func(t *testing.T, fake *handofftest.Zendesk, z *Zendesk) int64 {
			return fake.EmailTicket("mario.rossi@mail.example", "Parcel A12345", "Where is my parcel?")
		}, conv},
		{"into another conversation's ticket", false, func(t *testing.T, fake *handofftest.Zendesk, z *Zendesk) int64 {
			other := connTestHandoff()
			other.ID, other.ConversationID = "h-other", "web:site:v9"
			ref, err := z.Open(context.Background(), other)
			if err != nil {
				t.Fatal(err)
			}
			return ticketNumber(t, ref)
		}, "web:site:v9 " + conv},
		{"into a ticket another system links", false, func(t *testing.T, fake *handofftest.Zendesk, z *Zendesk) int64 {
			id := fake.EmailTicket("mario.rossi@mail.example", "Parcel A12345", "Where is my parcel?")
			fake.SetExternalID(id, "crm-4711")
			return id
		}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := handofftest.NewZendesk(t, handofftest.NewClock(connTestTime), "bot@acme.test", "tok123", "oauth-tok")
			var opts []ConnectorOption
			auth := ZendeskAPIToken("bot@acme.test", "tok123")
			if tt.onBehalf {
				auth, opts = ZendeskOAuth("oauth-tok"), append(opts, WithRequesterUpdates(true))
			}
			z, err := NewZendesk("", auth, append([]ConnectorOption{WithBaseURL(fake.URL), WithClock(connTestClock)}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := z.Open(context.Background(), connTestHandoff())
			if err != nil {
				t.Fatal(err)
			}
			source := ticketNumber(t, ref)
			target := tt.target(t, fake, z)
			fake.MergeTicket(source, target, "This request was closed and merged into request #"+strconv.FormatInt(target, 10)+" “Parcel A12345”.")
			ctx := WithAttempt(context.Background(), Attempt{Number: 1, Item: "h-42:append:3:1", Conversation: conv})
			err = z.AppendBatch(ctx, ref, flows.Contact{Name: "Mario Rossi"}, msg)
			tk, _ := fake.Ticket(target)
			st, _ := fake.Ticket(source)
			if tt.wantExt == "" {
				if !errors.Is(err, ErrTicketGone) || !strings.Contains(err.Error(), "cannot follow") {
					t.Fatalf("append: %v; want the merged ticket gone, Baton not following the merge", err)
				}
				if reason, into := GoneReason(err); reason != flows.GoneMerged || into != strconv.FormatInt(target, 10) {
					t.Errorf("GoneReason = %q, %q; want merged into %d", reason, into, target)
				}
				if tk.ExternalID != "crm-4711" || slices.Contains(tk.Tags, "baton") {
					t.Errorf("target external_id %q, tags %v; want them left alone", tk.ExternalID, tk.Tags)
				}
				return
			}
			if err != nil {
				t.Fatalf("append to a ticket merged into another: %v; want it on the target", err)
			}
			if tk.ExternalID != tt.wantExt || !slices.Contains(tk.Tags, "baton") {
				t.Errorf("target external_id %q, tags %v; want %q and the tag baton", tk.ExternalID, tk.Tags, tt.wantExt)
			}
			var found, note bool
			for _, c := range tk.Comments {
				if strings.Contains(c.Body, "any news on my parcel?") {
					found = true
					if !c.Public || c.AuthorID != st.RequesterID {
						t.Errorf("the customer's comment on the target: public %v, author %d; want public, by the customer (%d)", c.Public, c.AuthorID, st.RequesterID)
					}
				}
				if strings.Contains(c.Body, "#"+strconv.FormatInt(source, 10)+" was merged into this ticket") && !c.Public {
					note = true
				}
			}
			if !found || !note {
				t.Errorf("target comments %+v; want the customer's message and an internal note on the merge", tk.Comments)
			}
			// The exactly-once check of a retried attempt reads the
			// target, where the message went.
			if got, err := z.Marked(context.Background(), ref, []string{"h-42:append:3:1"}); err != nil || len(got) != 1 {
				t.Errorf("Marked on the merged ticket = %v, %v; want the message found on the target", got, err)
			}
			// The next message goes there too, without writing the
			// target's external_id again.
			n := len(fake.Requests())
			msg2 := []flows.TicketMessage{{ID: "h-42:append:4:1", Message: flows.Message{At: connTestTime, From: flows.RoleUser, Text: "hello?"}}}
			if err := z.AppendBatch(WithAttempt(context.Background(), Attempt{Number: 1, Item: "h-42:append:4:1", Conversation: conv}), ref, flows.Contact{}, msg2); err != nil {
				t.Fatalf("second append: %v", err)
			}
			if tk2, _ := fake.Ticket(target); tk2.ExternalID != tt.wantExt {
				t.Errorf("external_id after the second append %q; want %q", tk2.ExternalID, tt.wantExt)
			}
			puts := 0
			for _, r := range fake.Requests()[n:] {
				if strings.HasPrefix(r, "PUT") {
					puts++
				}
			}
			if puts != 1 {
				t.Errorf("requests of the second append %v; want one update, the comment", fake.Requests()[n:])
			}
		})
	}
}

// TestZendeskMergeReadFailsForNow: reading the comments of the ticket
// merged away fails for now (a 429 with Retry-After, a 500). That tells
// nothing about the merge: the "Closed" trigger's question (FollowMerge)
// and the customer's next message (AppendBatch) fail retryable, so the
// webhook or the delivery is retried, and the retry follows the merge;
// neither returns the conversation to the bot.
func TestZendeskMergeReadFailsForNow(t *testing.T) {
	conv := connTestHandoff().ConversationID
	for _, fault := range []handofftest.Fault{{Status: 429, RetryAfter: "7"}, {Status: 500}} {
		for _, path := range []string{"closed trigger", "append"} {
			t.Run(strconv.Itoa(fault.Status)+" "+path, func(t *testing.T) {
				fake := handofftest.NewZendesk(t, handofftest.NewClock(connTestTime), "bot@acme.test", "tok123", "")
				z, err := NewZendesk("", ZendeskAPIToken("bot@acme.test", "tok123"), WithBaseURL(fake.URL), WithClock(connTestClock))
				if err != nil {
					t.Fatal(err)
				}
				ref, err := z.Open(context.Background(), connTestHandoff())
				if err != nil {
					t.Fatal(err)
				}
				source := ticketNumber(t, ref)
				target := fake.EmailTicket("mario.rossi@mail.example", "Parcel A12345", "Where is my parcel?")
				fake.MergeTicket(source, target, "This request was closed and merged into request #"+strconv.FormatInt(target, 10)+".")
				f := fault
				f.Method, f.Path = "GET", "/api/v2/tickets/"+strconv.FormatInt(source, 10)+"/comments"
				fake.Inject(f)
				msg := []flows.TicketMessage{{ID: "h-42:append:3:1", Message: flows.Message{At: connTestTime, From: flows.RoleUser, Text: "any news on my parcel?"}}}
				ctx := WithAttempt(context.Background(), Attempt{Number: 1, Item: "h-42:append:3:1", Conversation: conv})
				try := func() (flows.TicketRef, error) {
					if path == "closed trigger" {
						return z.FollowMerge(context.Background(), ref, conv)
					}
					return flows.TicketRef{}, z.AppendBatch(ctx, ref, flows.Contact{}, msg)
				}
				to, err := try()
				if retry, after := Retryable(err); err == nil || !retry || errors.Is(err, ErrTicketGone) || to.ID != "" {
					t.Fatalf("with the comments' read failing (%d): %v, %v (retryable %v); want a retryable error, the merge undecided", fault.Status, to, err, retry)
				} else if fault.RetryAfter != "" && after != 7*time.Second {
					t.Errorf("Retry-After %v; want Zendesk's 7s", after)
				}
				if tk, _ := fake.Ticket(target); tk.ExternalID != "" {
					t.Fatalf("target external_id %q after the failed read; want it untouched", tk.ExternalID)
				}
				to, err = try()
				if err != nil || (path == "closed trigger" && to.ID != strconv.FormatInt(target, 10)) {
					t.Fatalf("retried: %v, %v; want the merge into %d followed", to, err, target)
				}
				if tk, _ := fake.Ticket(target); tk.ExternalID != conv {
					t.Errorf("target external_id %q; want %q", tk.ExternalID, conv)
				}
			})
		}
	}
}

// TestZendeskOpenRetryFindsATicketThatServesTwo: the ticket was created,
// its answer lost, and the open retried after Zendesk let the
// Idempotency-Key go. Meanwhile an agent merged another conversation's
// ticket into it, and Baton followed: its external_id now lists both
// conversations, which "List Tickets" by external_id no longer matches.
// The retry still finds the ticket (by its requester's tickets and the
// handoff's tag): one ticket, never a second.
func TestZendeskOpenRetryFindsATicketThatServesTwo(t *testing.T) {
	clock := handofftest.NewClock(connTestTime)
	fake := handofftest.NewZendesk(t, clock, "bot@acme.test", "tok123", "")
	now := connTestTime
	z, err := NewZendesk("", ZendeskAPIToken("bot@acme.test", "tok123"), WithBaseURL(fake.URL), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	h := connTestHandoff()
	fake.Inject(handofftest.Fault{Method: "POST", Path: "/api/v2/tickets", Status: 500, After: true})
	ctx := WithAttempt(context.Background(), Attempt{Number: 1, Item: h.ID + ":open", Conversation: h.ConversationID})
	if _, err := z.Open(ctx, h); err == nil {
		t.Fatal("the first open's answer was lost; want its error")
	}
	if n := len(fake.Tickets()); n != 1 {
		t.Fatalf("%d tickets after the first attempt; want the one created", n)
	}
	first := fake.Tickets()[0].ID
	fake.SetExternalID(first, "web:site:v9 "+h.ConversationID)
	clock.Advance(3 * time.Hour)
	now = now.Add(3 * time.Hour)
	ctx = WithAttempt(context.Background(), Attempt{Number: 2, Item: h.ID + ":open", Conversation: h.ConversationID})
	ref, err := z.Open(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Tickets()); n != 1 || ref.ID != strconv.FormatInt(first, 10) {
		t.Fatalf("%d tickets, the retry opened %s; want the first one (%d) found, no second", n, ref.ID, first)
	}
}
