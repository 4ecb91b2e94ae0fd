package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// agentsRouted lists the agent of each route event in stdout.
func agentsRouted(t *testing.T, stdout string) []string {
	t.Helper()
	var out []string
	for _, r := range events(t, stdout, "route") {
		a, _ := r["agent"].(string)
		out = append(out, a)
	}
	return out
}

// In the sandbox, the conversations of one chat share a store: two open
// handoffs go to two agents, and a solved ticket frees its agent.
func TestChatLeastLoadedCountsOpenHandoffs(t *testing.T) {
	const cfg = "../../examples/tests/configs/least_loaded.yaml"
	stdin := "operatore\n" + // sandbox-1 → ada
		"/reset\noperatore\n" + // sandbox-2 → linus: ada has one open
		"/ticket solved\n" + // linus is free again
		"/reset\noperatore\n" // sandbox-3 → linus (ada 1, linus 0)
	code, stdout, stderr := runCLI(t, stdin, "chat", "--json", "--lang", "it", "--config", cfg, "--now", "2026-03-03T10:30:00+01:00", "../../examples/flows/support.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	want := []string{"ada@acme.example", "linus@acme.example", "linus@acme.example"}
	if got := agentsRouted(t, stdout); !slices.Equal(got, want) {
		t.Errorf("agents routed = %v, want %v\n%s", got, want, stdout)
	}
}

// With --live the counts are kept in the store file: a second run on the
// same store sees the first run's open handoff.
func TestChatLiveLeastLoadedSurvivesRestart(t *testing.T) {
	hook, opens := webhookOpens(t)
	cfg := filepath.Join(t.TempDir(), "baton.yaml")
	writeFile(t, cfg, `version: 1
connectors:
  webhook:
    url: `+hook.URL+`
    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
routing:
  default_team: support
teams:
  support:
    name: Support
    strategy: least-loaded
    agents: [ada@acme.example, linus@acme.example]
`)
	store := filepath.Join(t.TempDir(), "store.db")
	var got []string
	// The second run resumes sandbox-1 (still handed off); /reset starts
	// sandbox-2 in the same store.
	for _, stdin := range []string{"hello\nagent\n", "/reset\nhello\nagent\n"} {
		code, stdout, stderr := runLiveEnv(t, nil, stdin, "--config", cfg, "--store", store, "testdata/flows/shop.yaml")
		wantCode(t, code, exitOK, stdout, stderr)
		got = append(got, agentsRouted(t, stdout)...)
	}
	if want := []string{"ada@acme.example", "linus@acme.example"}; !slices.Equal(got, want) {
		t.Errorf("agents routed = %v, want %v", got, want)
	}
	tickets := opens()
	if len(tickets) != 2 || tickets[0]["assignee"] != "ada@acme.example" || tickets[1]["assignee"] != "linus@acme.example" {
		t.Errorf("tickets opened = %v, want ada's then linus's", tickets)
	}
}
