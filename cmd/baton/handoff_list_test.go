package main

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/bolt"
)

// TestHandoffListListsHandoffsOnly: `baton handoff list` lists what its
// help promises, the tickets' opens, appends and closes; a deployment's
// store also holds every reply the bot sent its customers, which the
// serving processes send and which are no helpdesk's delivery.
func TestHandoffListListsHandoffsOnly(t *testing.T) {
	path := deadWithReplies(t)
	for _, args := range [][]string{{}, {"--json"}, {"--status", "dead"}, {"dead", "--json"}} {
		code, stdout, stderr := runCLI(t, "", append([]string{"handoff", "list", "--store", path}, args...)...)
		wantCode(t, code, exitOK, stdout, stderr)
		if !strings.Contains(stdout, "h-1:open") || strings.Contains(stdout, "reply") {
			t.Errorf("handoff list %s shows the customers' replies, or not the handoff:\n%s", strings.Join(args, " "), stdout)
		}
	}
	code, stdout, stderr := runCLI(t, "", "handoff", "list", "--store", path, "--status", "delivered")
	wantCode(t, code, exitOK, stdout, stderr)
	if stdout != "no delivered outbox items\n" {
		t.Errorf("delivered list: %q", stdout)
	}
}

// TestHandoffRetryLeavesDeadReplies: retry puts back the dead letters of
// the helpdesk, which list shows. A customer's reply dies a day after it
// was written, or when the channel refuses it for good (outside WhatsApp's
// 24-hour window), and its ticket is told it did not reach the customer:
// --all-dead must not send the serving processes a day-old answer, or
// note the ticket again.
func TestHandoffRetryLeavesDeadReplies(t *testing.T) {
	path := deadWithReplies(t)
	code, stdout, stderr := runCLI(t, "", "handoff", "retry", "--store", path, "c-3:reply:1")
	wantCode(t, code, exitUsage, stdout, stderr)
	if !strings.Contains(stderr, `no dead outbox item "c-3:reply:1"`) {
		t.Errorf("retry of a reply: %s", stderr)
	}
	code, stdout, stderr = runCLI(t, "", "handoff", "retry", "--store", path, "--all-dead")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, "requeued 1 item: h-1:open\n") {
		t.Errorf("retry --all-dead:\n%s", stdout)
	}
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dead, err := s.OutboxOf(flows.OutboxReply).List(context.Background(), flows.OutboxDead)
	if err != nil || len(dead) != 1 || dead[0].ID != "c-3:reply:1" {
		t.Errorf("the dead reply was requeued: %+v, %v", dead, err)
	}
}

// deadWithReplies writes the dead open of writeDeadOpen and two replies
// to other customers, one delivered and one dead, and returns the file.
func deadWithReplies(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	writeDeadOpen(t, s)
	ctx := context.Background()
	now := time.Now().Add(-time.Minute)
	var replies []flows.OutboxItem
	for _, id := range []string{"c-2:reply:1", "c-3:reply:1"} {
		conv, _, _ := strings.Cut(id, ":reply")
		replies = append(replies, flows.OutboxItem{ID: id, Kind: flows.OutboxReply, ConversationID: conv,
			Outbound: &flows.Outbound{ID: id, ConversationID: conv, To: flows.Contact{ID: "+393330000000"}},
			Status:   flows.OutboxPending, CreatedAt: now, NextAt: now})
		if err := s.Save(ctx, &flows.Session{ID: conv, State: "start"}, flows.Commit{Outbox: replies[len(replies)-1:]}); err != nil {
			t.Fatal(err)
		}
	}
	claimed, err := s.OutboxOf(flows.OutboxReply).Claim(ctx, time.Now(), time.Minute, 10)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	for i, it := range claimed {
		it.Attempts = 1
		it.Status = []flows.OutboxStatus{flows.OutboxDelivered, flows.OutboxDead}[i]
		if err := s.OutboxOf(flows.OutboxReply).Settle(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHandoffListHelpNamesEveryColumn: the help of `baton handoff list`
// names, in order, every column the table prints, so a reader of the help
// knows what NOTE (a close's reason, an undelivered agent reply) is.
func TestHandoffListHelpNamesEveryColumn(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "handoff", "list", "--store", deadStore(t))
	wantCode(t, code, exitOK, stdout, stderr)
	header, _, _ := strings.Cut(stdout, "\n")
	var columns []string
	for _, c := range regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(header), -1) {
		columns = append(columns, strings.ToLower(c))
	}
	code, help, stderr := runCLI(t, "", "handoff", "--help")
	wantCode(t, code, exitOK, help, stderr)
	_, after, ok := strings.Cut(help, "one line per outbox item:")
	if !ok {
		t.Fatalf("the help does not describe list's lines:\n%s", help)
	}
	described, _, _ := strings.Cut(after, ".")
	var named []string
	for _, c := range strings.Split(described, ",") {
		named = append(named, strings.Join(strings.Fields(c), " "))
	}
	if !slices.Equal(named, columns) {
		t.Errorf("the help names the columns %q, the table prints %q", named, columns)
	}
}
