package handoff_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/handoff/handofftest"
)

// A WhatsApp customer already has a Zendesk user (external_id: their
// number) and gives an e-mail that belongs to another Zendesk user (the one
// their e-mail support tickets opened). Zendesk refuses the requester's
// upsert with 422 "Email: … is already being used by another user", which
// is permanent: the handoff died and nobody answered the customer. The
// ticket now opens for the contact's own user, without the e-mail.
func TestZendeskOpenWhenTheEmailBelongsToAnotherUser(t *testing.T) {
	ctx := context.Background()
	clock := handofftest.NewClock(time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC))
	zd := handofftest.NewZendesk(t, clock, "bot@acme.test", "tok", "")
	z, err := handoff.NewZendesk("", handoff.ZendeskAPIToken("bot@acme.test", "tok"), handoff.WithBaseURL(zd.URL), handoff.WithTimeSource(clock))
	if err != nil {
		t.Fatal(err)
	}
	open := func(id string, c flows.Contact) flows.TicketRef {
		t.Helper()
		ref, err := z.Open(ctx, &flows.Handoff{ID: id, ConversationID: "wa:" + c.ID, CreatedAt: clock.Now(), Contact: c,
			Transcript: []flows.Message{{At: clock.Now(), From: flows.RoleUser, Text: "a person, please"}}})
		if err != nil {
			t.Fatalf("open %s: %v", id, err)
		}
		return ref
	}
	open("h-mail", flows.Contact{Name: "Mario Rossi", Email: "mario@example.com"})                // e-mail support made this user
	first := open("h-1", flows.Contact{ID: "393331234567", Name: "Mario", Phone: "393331234567"}) // the first WhatsApp handoff
	second := open("h-2", flows.Contact{ID: "393331234567", Name: "Mario", Phone: "393331234567", Email: "mario@example.com"})

	requester := func(ref flows.TicketRef) int64 {
		for _, tk := range zd.Tickets() {
			if strconv.FormatInt(tk.ID, 10) == ref.ID {
				return tk.RequesterID
			}
		}
		t.Fatalf("no ticket %s", ref.ID)
		return 0
	}
	if a, b := requester(first), requester(second); a != b {
		t.Errorf("the second handoff's requester is user %d, want the contact's own user %d", b, a)
	}
}
