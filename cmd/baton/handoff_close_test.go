package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestHandoffListShowsTheClose: the customer closes the conversation after
// the handoff; the ticket is solved once, after the open and the append,
// and `baton handoff list` shows the close with why.
func TestHandoffListShowsTheClose(t *testing.T) {
	fake, srv := newFakeZendesk(t)
	cfg := writeZendeskConfig(t, srv.URL)
	store := filepath.Join(t.TempDir(), "store.db")
	code, stdout, stderr := runLive(t, "hello\nagent\nmy order is late\n/close\n", "--config", cfg, "--store", store, "testdata/flows/shop.yaml")
	wantCode(t, code, exitOK, stdout, stderr)
	delivered := events(t, stdout, "helpdesk_delivered")
	var kinds []string
	for _, d := range delivered {
		kinds = append(kinds, d["kind"].(string))
	}
	if strings.Join(kinds, ",") != "open,append,close" {
		t.Fatalf("delivered %v, want open, append, close in order\n%s", kinds, stdout)
	}
	tickets := fake.Tickets()
	if len(tickets) != 1 || tickets[0].Status != "solved" || len(fake.requests("PUT", "/api/v2/tickets/4001")) != 2 {
		t.Fatalf("tickets = %+v; want one, solved, with one comment update and one close", tickets)
	}

	code, list, lerr := runCLI(t, "", "handoff", "list", "--store", store)
	wantCode(t, code, exitOK, list, lerr)
	if !strings.Contains(list, "NOTE") || !strings.Contains(list, ":close") || !strings.Contains(list, "The customer closed the conversation.") {
		t.Errorf("handoff list does not show the close:\n%s", list)
	}
	code, js, jerr := runCLI(t, "", "handoff", "list", "--store", store, "--json")
	wantCode(t, code, exitOK, js, jerr)
	found := false
	for _, line := range strings.Split(strings.TrimSpace(js), "\n") {
		var it map[string]any
		if err := json.Unmarshal([]byte(line), &it); err != nil {
			t.Fatal(err)
		}
		if it["kind"] == "close" {
			found = it["status"] == "delivered" && it["note"] == "The customer closed the conversation."
		}
	}
	if !found {
		t.Errorf("--json has no delivered close with its note:\n%s", js)
	}
}
