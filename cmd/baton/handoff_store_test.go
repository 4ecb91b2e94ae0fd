package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/bolt"
	"github.com/batonbot/baton/store/valkey"
	"github.com/batonbot/baton/store/valkey/valkeytest"
)

// runHandoffEnv runs baton with vars as the whole environment.
func runHandoffEnv(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb strings.Builder
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	code := run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

// valkeyDead writes the dead open of writeDeadOpen on the Valkey at url,
// under prefix, and a reply to another customer that a serving process has
// yet to send.
func valkeyDead(t *testing.T, url, prefix string) {
	t.Helper()
	ctx := context.Background()
	s, err := valkey.NewStore(ctx, url, valkey.WithPrefix(prefix), valkey.WithSweepEvery(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	writeDeadOpen(t, s)
	now := time.Now()
	reply := flows.OutboxItem{ID: "c-2:reply:1", Kind: flows.OutboxReply, ConversationID: "c-2",
		Outbound: &flows.Outbound{ID: "c-2:reply:1", ConversationID: "c-2", To: flows.Contact{ID: "+393330000000"}}, Status: flows.OutboxPending, CreatedAt: now, NextAt: now}
	if err := s.Save(ctx, &flows.Session{ID: "c-2", State: "start"}, flows.Commit{Outbox: []flows.OutboxItem{reply}}); err != nil {
		t.Fatal(err)
	}
}

// TestHandoffOnValkeyFromTheConfig: an operator whose 'baton serve'
// processes share a Valkey lists and retries their dead letters with the
// deployment's config, its store section (url and prefix) and connectors.
func TestHandoffOnValkeyFromTheConfig(t *testing.T) {
	srv := valkeytest.Start(t)
	prefix := fmt.Sprintf("hcli-%d", time.Now().UnixNano())
	valkeyDead(t, srv.URL, prefix)
	fake, zd := newFakeZendesk(t)
	cfg := writeZendeskConfig(t, zd.URL, "store: {kind: valkey, url: "+srv.URL+", prefix: "+prefix+"}\n")
	// list needs no connector's secret: only the store is read.
	code, stdout, stderr := runHandoffEnv(t, nil, "handoff", "list", "--config", cfg, "--status", "dead")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, "h-1:open") || !strings.Contains(stdout, "401 Unauthorized") {
		t.Fatalf("list --config does not show the dead open:\n%s", stdout)
	}
	// --store URL with the config: the config's prefix.
	vurl := "valkey://" + strings.TrimPrefix(srv.URL, "redis://")
	code, stdout, stderr = runHandoffEnv(t, nil, "handoff", "list", "--store", vurl, "--config", cfg, "--json")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, `"id":"h-1:open"`) || !strings.Contains(stdout, `"status":"dead"`) {
		t.Fatalf("list --store URL --config does not show the dead open:\n%s", stdout)
	}

	code, stdout, stderr = runWithToken(t, "handoff", "retry", "--config", cfg, "h-1:open")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, "requeued 1 item: h-1:open") || !strings.Contains(stdout, "h-1:open: delivered, zendesk ticket 4001") {
		t.Errorf("retry output:\n%s", stdout)
	}
	if n := len(fake.requests("POST", "/api/v2/tickets")); n != 1 {
		t.Errorf("%d tickets opened, want 1", n)
	}
	code, stdout, stderr = runHandoffEnv(t, nil, "handoff", "list", "--config", cfg)
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, "delivered") || !strings.Contains(stdout, "zendesk 4001") {
		t.Errorf("the Valkey store does not keep the delivery:\n%s", stdout)
	}
	// The customer's reply is the serving processes' to send: retry did
	// not take it to the helpdesk (and list, of the helpdesk items, does
	// not show it).
	if strings.Contains(stdout, "reply") {
		t.Errorf("handoff list shows a customer's reply:\n%s", stdout)
	}
	s, err := valkey.NewStore(context.Background(), srv.URL, valkey.WithPrefix(prefix), valkey.WithSweepEvery(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	replies, err := s.OutboxOf(flows.OutboxReply).List(context.Background(), "")
	if err != nil || len(replies) != 1 || replies[0].ID != "c-2:reply:1" || replies[0].Status != flows.OutboxPending || replies[0].Attempts != 0 {
		t.Errorf("retry touched the pending reply: %+v, %v", replies, err)
	}
}

// TestHandoffOnValkeyURL: --store and $BATON_STORE take a Valkey URL
// (keys under the default prefix, as a serve without store.prefix).
func TestHandoffOnValkeyURL(t *testing.T) {
	srv := valkeytest.Start(t)
	if valkeytest.External() {
		t.Skip("writes under the default prefix: needs a server of its own")
	}
	valkeyDead(t, srv.URL, "baton")
	code, stdout, stderr := runHandoffEnv(t, map[string]string{"BATON_STORE": srv.URL}, "handoff", "list", "dead")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, "h-1:open") {
		t.Fatalf("list with BATON_STORE=URL does not show the dead open:\n%s", stdout)
	}
	code, stdout, stderr = runCLI(t, "", "handoff", "retry", "--store", srv.URL, "--all-dead")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, "requeued 1 item: h-1:open") {
		t.Fatalf("retry output:\n%s", stdout)
	}
	code, stdout, stderr = runCLI(t, "", "handoff", "list", "--store", srv.URL, "--json")
	wantCode(t, code, exitOK, stdout, stderr)
	if !strings.Contains(stdout, `"status":"pending","attempts":1`) {
		t.Errorf("the item is not pending with its attempts reset:\n%s", stdout)
	}
}

func TestHandoffStoreErrors(t *testing.T) {
	memCfg := writeConfig(t, "version: 1\nstore: {kind: memory}\n")
	unsetCfg := writeConfig(t, "version: 1\nstore: {kind: valkey, url: ${TEST_VALKEY_URL}}\n")
	for _, tc := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"handoff", "list", "--store", "redis://127.0.0.1:1"}, exitRuntime, "is the server running"},
		{[]string{"handoff", "list", "--store", "http://127.0.0.1:6379"}, exitUsage, "redis://"},
		{[]string{"handoff", "list", "--config", memCfg}, exitUsage, "memory"},
		{[]string{"handoff", "list", "--config", unsetCfg}, exitFailed, "TEST_VALKEY_URL"},
		{[]string{"handoff", "list"}, exitUsage, "redis://"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runHandoffEnv(t, nil, tc.args...)
			wantCode(t, code, tc.code, stdout, stderr)
			if !strings.Contains(stderr, tc.say) {
				t.Errorf("stderr does not say %q:\n%s", tc.say, stderr)
			}
		})
	}
}

// TestHandoffOnABoltStoreInUse: a bolt store another process holds (a
// running 'baton serve') is refused with who holds it and what to do.
func TestHandoffOnABoltStoreInUse(t *testing.T) {
	path := deadStore(t)
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	code, stdout, stderr := runCLI(t, "", "handoff", "list", "--store", path)
	wantCode(t, code, exitRuntime, stdout, stderr)
	for _, want := range []string{path, "pid", "one process at a time", "stop", "valkey"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "give this process another file") {
		t.Errorf("stderr tells to use another file, which holds other conversations:\n%s", stderr)
	}
}
