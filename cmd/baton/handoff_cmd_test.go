package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff/handofftest"
	"github.com/batonbot/baton/store/bolt"
)

// deadStore writes a file store holding one conversation whose ticket open
// died (a helpdesk that refused the token), and returns its path.
func deadStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	writeDeadOpen(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeDeadOpen saves, through the store's API, one conversation whose
// ticket open died (a helpdesk that refused the token).
func writeDeadOpen(t *testing.T, s flows.Store) {
	t.Helper()
	ctx := context.Background()
	at := time.Now().Add(-time.Minute)
	h := &flows.Handoff{ID: "h-1", ConversationID: "c-1", Flow: "shop", State: "human", CreatedAt: at,
		Contact: flows.Contact{ID: "+393331234567", Name: "Anna", Phone: "+393331234567"}, Reason: "asks_for_human",
		Team: "support", Priority: flows.PriorityNormal, InHours: true,
		Transcript: []flows.Message{{At: at, From: flows.RoleUser, Text: "I need a person"}}}
	sess := &flows.Session{ID: "c-1", State: "human", Lifecycle: flows.LifecycleHandedOff}
	open := flows.OutboxItem{ID: "h-1:open", Kind: flows.OutboxOpen, ConversationID: "c-1", HandoffID: "h-1",
		Handoff: h, Status: flows.OutboxPending, CreatedAt: at, NextAt: at}
	if err := s.Save(ctx, sess, flows.Commit{Outbox: []flows.OutboxItem{open}}); err != nil {
		t.Fatal(err)
	}
	items, err := s.Claim(ctx, time.Now(), time.Minute, 10)
	if err != nil || len(items) != 1 {
		t.Fatalf("claim: %v %v", items, err)
	}
	it := items[0]
	it.Status, it.Attempts, it.LastError = flows.OutboxDead, 3, "zendesk open: 401 Unauthorized: check BATON_ZENDESK_TOKEN"
	if err := s.Settle(ctx, it); err != nil {
		t.Fatal(err)
	}
}

func runWithToken(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb strings.Builder
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string {
		if k == "TEST_ZENDESK_TOKEN" {
			return "s3cret"
		}
		return ""
	}}
	code := run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func TestHandoffListShowsTheDeadLetter(t *testing.T) {
	store := deadStore(t)
	code, stdout, stderr := runCLI(t, "", "handoff", "list", "--store", store, "--status", "dead")
	wantCode(t, code, exitOK, stdout, stderr)
	for _, want := range []string{"ID", "LAST ERROR", "h-1:open", "open", "c-1", "dead", "401 Unauthorized: check BATON_ZENDESK_TOKEN"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("list does not show %q:\n%s", want, stdout)
		}
	}
	code, stdout, stderr = runCLI(t, "", "handoff", "list", "--store", store, "--status", "pending")
	wantCode(t, code, exitOK, stdout, stderr)
	if stdout != "no pending outbox items\n" {
		t.Errorf("pending list: %q", stdout)
	}
	code, stdout, stderr = runCLI(t, "", "handoff", "list", "--store", store, "--json")
	wantCode(t, code, exitOK, stdout, stderr)
	var item map[string]any
	if err := json.Unmarshal([]byte(stdout), &item); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	if item["id"] != "h-1:open" || item["status"] != "dead" || item["attempts"] != float64(3) || item["handoff_id"] != "h-1" {
		t.Errorf("--json item: %v", item)
	}
}

func TestHandoffRetryDeliversWithConfig(t *testing.T) {
	fake, srv := newFakeZendesk(t)
	cfg := writeZendeskConfig(t, srv.URL)
	store := deadStore(t)
	code, stdout, stderr := runWithToken(t, "handoff", "retry", "--store", store, "--config", cfg, "h-1:open")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, "requeued 1 item: h-1:open") || !strings.Contains(stdout, "h-1:open: delivered, zendesk ticket 4001") {
		t.Errorf("retry output:\n%s", stdout)
	}
	tickets := fake.requests("POST", "/api/v2/tickets")
	if len(tickets) != 1 || !strings.Contains(tickets[0].Body, "I need a person") || tickets[0].Header.Get("Idempotency-Key") != "h-1" {
		t.Fatalf("want one ticket with the transcript, keyed h-1; got %+v", tickets)
	}
	_, list, _ := runCLI(t, "", "handoff", "list", "--store", store)
	if !strings.Contains(list, "delivered") || !strings.Contains(list, "zendesk 4001") {
		t.Errorf("the store does not keep the delivery:\n%s", list)
	}
	// Nothing is dead any more.
	code, stdout, stderr = runWithToken(t, "handoff", "retry", "--store", store, "--all-dead")
	wantCode(t, code, exitOK, stdout, stderr)
	if stdout != "no dead outbox items to retry\n" {
		t.Errorf("second retry: %q", stdout)
	}
}

func TestHandoffRetryThatFailsAgainExits1(t *testing.T) {
	fake, srv := newFakeZendesk(t)
	fake.Inject(handofftest.Fault{Method: http.MethodPost, Path: "/api/v2/tickets", Status: http.StatusInternalServerError})
	cfg := writeZendeskConfig(t, srv.URL)
	store := deadStore(t)
	code, stdout, stderr := runWithToken(t, "handoff", "retry", "--store", store, "--config", cfg, "--all-dead")
	wantCode(t, code, exitFailed, stdout, stderr)
	if !strings.Contains(stdout, "h-1:open: failed again") || !strings.Contains(stdout, "500") {
		t.Errorf("retry output does not say it failed again:\n%s", stdout)
	}
}

func TestHandoffRetryWithoutConfigRequeues(t *testing.T) {
	store := deadStore(t)
	code, stdout, stderr := runCLI(t, "", "handoff", "retry", "--store", store, "--all-dead")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, "requeued 1 item: h-1:open") {
		t.Errorf("retry output:\n%s", stdout)
	}
	_, list, _ := runCLI(t, "", "handoff", "list", "--store", store, "--json")
	if !strings.Contains(list, `"status":"pending","attempts":1`) {
		t.Errorf("the item is not pending with its attempts reset:\n%s", list)
	}
}

func TestHandoffExitCodes(t *testing.T) {
	store := deadStore(t)
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"handoff"}, exitUsage, "list or retry"},
		{[]string{"handoff", "lsit"}, exitUsage, `did you mean "list"?`},
		{[]string{"handoff", "list"}, exitUsage, "give --store FILE"},
		{[]string{"handoff", "list", "--store", store, "--status", "lost"}, exitUsage, "use pending, delivered or dead"},
		{[]string{"handoff", "retry", "--store", store}, exitUsage, "--all-dead"},
		{[]string{"handoff", "retry", "--store", store, "--all-dead", "h-1:open"}, exitUsage, "not both"},
		{[]string{"handoff", "retry", "--store", store, "nope"}, exitUsage, `no dead outbox item "nope"`},
		{[]string{"handoff", "list", "--store", filepath.Join(t.TempDir(), "missing.db")}, exitUsage, "missing.db: no such file or directory"},
		{[]string{"handoff", "list", "--store", bad}, exitRuntime, "not a Baton store"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", tc.args...)
			wantCode(t, code, tc.code, stdout, stderr)
			if !strings.Contains(stderr, tc.say) {
				t.Errorf("stderr does not say %q:\n%s", tc.say, stderr)
			}
		})
	}
}

func TestHandoffListOfAnEmptyStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	code, stdout, stderr := runCLI(t, "", "handoff", "list", "--store", path)
	wantCode(t, code, exitOK, stdout, stderr)
	if stdout != "no outbox items\n" {
		t.Errorf("list of an empty store: %q", stdout)
	}
}

// TestHandoffRetryUsesTheConfigsDelivery: retry --config delivers with the
// config's delivery section, as serve would: with append_window 0 a
// customer's message goes out at once, not after the default 2s window.
func TestHandoffRetryUsesTheConfigsDelivery(t *testing.T) {
	// The deliverer's defaults, not the live tests' short window.
	saved := liveDeliverOptions
	liveDeliverOptions = nil
	t.Cleanup(func() { liveDeliverOptions = saved })
	fake, srv := newFakeZendesk(t)
	cfg := writeZendeskConfig(t, srv.URL, "delivery:\n  append_window: 0\n")
	path := filepath.Join(t.TempDir(), "store.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	writeDeadOpen(t, s)
	// The customer's message after the handoff, given up with the open.
	ctx := context.Background()
	sess, err := s.Load(ctx, "c-1")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	app := flows.OutboxItem{ID: "h-1:append:1", Kind: flows.OutboxAppend, ConversationID: "c-1", HandoffID: "h-1",
		Message: &flows.Message{At: now, From: flows.RoleUser, Text: "still waiting"}, Status: flows.OutboxDead, Attempts: 1,
		LastError: "waiting for its handoff's open, which is dead", CreatedAt: now, NextAt: now}
	if err := s.Save(ctx, sess, flows.Commit{Outbox: []flows.OutboxItem{app}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runWithToken(t, "handoff", "retry", "--store", path, "--config", cfg, "--all-dead")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, "h-1:append:1: delivered") {
		t.Errorf("the append is not delivered at once:\n%s", stdout)
	}
	if n := len(fake.requests("PUT", "/api/v2/tickets/4001")); n != 1 {
		t.Errorf("%d ticket updates, want 1", n)
	}
}
