package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChatConfigShowsRequestsWithoutSecrets(t *testing.T) {
	cfg := writeZendeskConfig(t, "https://acme.zendesk.example")
	// TEST_ZENDESK_TOKEN is not set: the sandbox needs no secret.
	code, stdout, stderr := runCLI(t, "hello\nagent\nstill there?\n/close\n", "chat", "--json", "--config", cfg, "--now", "2026-03-03T10:30:00+01:00", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	routes := events(t, stdout, "route")
	if len(routes) != 1 || routes[0]["team"] != "support" || routes[0]["connector"] != "zendesk" || routes[0]["group"] != "360003333333" {
		t.Fatalf("route events: %v", routes)
	}
	reqs := events(t, stdout, "helpdesk_request")
	var got []string
	for _, r := range reqs {
		got = append(got, r["op"].(string)+" "+r["method"].(string)+" "+r["path"].(string))
	}
	want := []string{"open.user POST /api/v2/users/create_or_update", "open POST /api/v2/tickets",
		"append.lookup GET /api/v2/tickets/2002", "append PUT /api/v2/tickets/2002", "close.lookup GET /api/v2/tickets/2002", "close PUT /api/v2/tickets/2002"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	h := reqs[1]["headers"].(map[string]any)
	if h["Authorization"] != "Basic [redacted]" || h["Idempotency-Key"] != "sandbox-1-2-1" {
		t.Errorf("headers: %v", h)
	}
	if strings.Contains(stdout, "TEST_ZENDESK_TOKEN") {
		t.Errorf("the placeholder leaks into the output")
	}

	// The text view shows the same requests, readable: one line each, and
	// whole with --handoff-json.
	code, stdout, stderr = runCLI(t, "hello\nagent\n", "chat", "--config", cfg, "--now", "2026-03-03T10:30:00+01:00", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	for _, want := range []string{"ROUTED to team support (Support), connector zendesk, group 360003333333",
		"zendesk open would send POST https://acme.zendesk.example/api/v2/tickets (not sent: this is the sandbox)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the chat does not show %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "Authorization:") {
		t.Errorf("a request is shown whole without --handoff-json:\n%s", stdout)
	}
	code, stdout, stderr = runCLI(t, "hello\nagent\n", "chat", "--handoff-json", "--config", cfg, "--now", "2026-03-03T10:30:00+01:00", "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	for _, want := range []string{"zendesk open would send (nothing is sent in the sandbox):",
		"POST https://acme.zendesk.example/api/v2/tickets", "Authorization: Basic [redacted]", `"group_id": 360003333333`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the chat --handoff-json does not show %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "TEST_ZENDESK_TOKEN is not set; it reads as a placeholder") {
		t.Errorf("stderr does not mention the placeholder:\n%s", stderr)
	}
}

func TestChatConfigErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "baton.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\nconnectors:\n  zendsk: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "chat", "--config", bad, "testdata/flows/shop.yaml")
	wantCode(t, code, exitFailed, stdout, stderr)
	if !strings.Contains(stderr, bad+":3:3:") {
		t.Errorf("the config error has no position:\n%s", stderr)
	}
	code, stdout, stderr = runCLI(t, "", "chat", "--store", "x.json", "testdata/flows/shop.yaml")
	wantCode(t, code, exitUsage, stdout, stderr)
}

func TestTestRouteAndRequestChecksFail(t *testing.T) {
	dir := t.TempDir()
	for from, to := range map[string]string{writeZendeskConfig(t, "https://acme.zendesk.example"): "baton.yaml", "testdata/flows/shop.yaml": "shop.yaml"} {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := `flow: shop.yaml
config: baton.yaml
now: 2026-03-03T10:30:00+01:00
conversations:
  - name: wrong expectations
    steps:
      - user: hello
      - user: agent
        route: {team: billing, connector: zendesk}
        requests:
          - {op: open.user}
          - {op: open, headers: {Idempotency-Key: other}}
`
	path := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "test", path)
	wantCode(t, code, exitFailed, stdout, stderr)
	for _, want := range []string{`route team: expected "billing", got "support"`,
		`requests: request 2 (zendesk open: POST /api/v2/tickets) differs from open: (any method) with headers Idempotency-Key "other": header Idempotency-Key is "test-1-2-1", expected "other"`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the failure does not say %q:\n%s", want, stdout)
		}
	}
}

// The designer's view of a routing decision said "first reply within 2h"
// (the SLA target) while the customer was told "entro lunedì alle
// 10:30": with an SLA counted in business hours, on Friday at 17:30, the
// view shows the due time the customer is told, and --json has it as due.
func TestChatRouteShowsTheToldDueTime(t *testing.T) {
	args := []string{"chat", "--config", "../../examples/tests/configs/business_hours.yaml", "--now", "2026-03-06T17:30:00+01:00", "../../examples/flows/support.yaml"}
	code, stdout, stderr := runCLI(t, "ciao\noperatore\n", args...)
	wantCode(t, code, exitOK, stdout, stderr)
	want := "first reply by Mon 2026-03-09 10:30 CET (2h counted in business hours)"
	if !strings.Contains(stdout, want) || strings.Contains(stdout, "first reply within") {
		t.Errorf("the chat does not show %q:\n%s", want, stdout)
	}
	code, stdout, stderr = runCLI(t, "ciao\noperatore\n", append([]string{"chat", "--json"}, args[1:]...)...)
	wantCode(t, code, exitOK, stdout, stderr)
	routes := events(t, stdout, "route")
	if len(routes) != 1 || routes[0]["sla"] != "2h" || routes[0]["due"] != "2026-03-09T10:30:00+01:00" {
		t.Errorf("route events: %v; want sla 2h, due 2026-03-09T10:30:00+01:00", routes)
	}
}
