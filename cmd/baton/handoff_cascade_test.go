package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/bolt"
)

// deadOpenWithAppends writes a file store whose handoff's open died after
// the customer wrote twice more: the two appends, waiting behind the
// open, died with it.
func deadOpenWithAppends(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Now().Add(-time.Minute)
	h := &flows.Handoff{ID: "h-2", ConversationID: "c-2", Flow: "shop", State: "human", CreatedAt: at,
		Contact: flows.Contact{ID: "+393331234568", Name: "Bruno", Phone: "+393331234568"}, Reason: "asks_for_human",
		Team: "support", Priority: flows.PriorityNormal, InHours: true,
		Transcript: []flows.Message{{At: at, From: flows.RoleUser, Text: "I need a person"}}}
	sess := &flows.Session{ID: "c-2", State: "human", Lifecycle: flows.LifecycleHandedOff}
	items := []flows.OutboxItem{{ID: "h-2:open", Kind: flows.OutboxOpen, ConversationID: "c-2", HandoffID: "h-2", Handoff: h, CreatedAt: at, NextAt: at}}
	for i, text := range []string{"my order is A12345", "it was a gift"} {
		items = append(items, flows.OutboxItem{ID: "h-2:append:" + string(rune('1'+i)), Kind: flows.OutboxAppend, ConversationID: "c-2", HandoffID: "h-2",
			Message: &flows.Message{At: at.Add(time.Duration(i+1) * time.Second), From: flows.RoleUser, Text: text}, CreatedAt: at.Add(time.Duration(i+1) * time.Second), NextAt: at})
	}
	if err := s.Save(ctx, sess, flows.Commit{Outbox: items}); err != nil {
		t.Fatal(err)
	}
	claimed, err := s.Claim(ctx, time.Now(), time.Minute, 10)
	if err != nil || len(claimed) != 1 || claimed[0].ID != "h-2:open" {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	it := claimed[0]
	it.Status, it.Attempts, it.LastError = flows.OutboxDead, 3, "zendesk open: 401 Unauthorized: check BATON_ZENDESK_TOKEN"
	if err := s.Settle(ctx, it); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// A dead open takes its appends to dead with it, `baton handoff list`
// shows all three, and retrying the open revives the appends with it:
// one ticket, then the two messages on it, once each, in order.
func TestHandoffRetryRevivesTheAppendsOfADeadOpen(t *testing.T) {
	store := deadOpenWithAppends(t)
	code, stdout, stderr := runCLI(t, "", "handoff", "list", "--store", store, "--status", "dead")
	wantCode(t, code, exitOK, stdout, stderr)
	for _, id := range []string{"h-2:open", "h-2:append:1", "h-2:append:2"} {
		if !strings.Contains(stdout, id) {
			t.Errorf("the dead list lacks %s:\n%s", id, stdout)
		}
	}
	fake, srv := newFakeZendesk(t)
	code, stdout, stderr = runWithToken(t, "handoff", "retry", "--store", store, "--config", writeZendeskConfig(t, srv.URL), "h-2:open")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, "h-2:append:2") {
		t.Errorf("the retry does not say the appends were requeued too:\n%s", stdout)
	}
	tickets := fake.Tickets()
	if len(tickets) != 1 {
		t.Fatalf("%d tickets, want 1:\n%s", len(tickets), stdout)
	}
	// Appends within the batching window may share one comment.
	var later strings.Builder
	for _, c := range tickets[0].Comments[1:] {
		later.WriteString(c.Body + "\n")
	}
	got := later.String()
	first, second := strings.Index(got, "my order is A12345"), strings.Index(got, "it was a gift")
	if first < 0 || second < first || strings.Count(got, "my order is A12345") != 1 || strings.Count(got, "it was a gift") != 1 {
		t.Errorf("the ticket's later comments are %q, want the two messages once, in order\n%s", got, stdout)
	}
	code, stdout, stderr = runCLI(t, "", "handoff", "list", "--store", store, "--status", "dead")
	wantCode(t, code, exitOK, stdout, stderr)
	if stdout != "no dead outbox items\n" {
		t.Errorf("still dead after the retry:\n%s", stdout)
	}
}
