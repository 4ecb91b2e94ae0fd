package handoff

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff/handofftest"
)

// TestTicketText: what an agent reads. The options the customer saw are
// listed, times are in the team's zone, unset and internal variables are
// left out, a model's summary says so, and masking spares the values the
// flow maps into fields.
func TestTicketText(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	h := connTestHandoff()
	h.Transcript[1].Options = []string{"Ordini", "FAQ", "Operatore"}
	h.Vars = map[string]any{
		"order_id": "A12345", "email": "mario@example.com", "note": "ordine B99999 perso",
		"csat": 0.0, "vip": false, "empty": "", "_attempts": 3.0,
		"lookup": map[string]any{"ok": false, "status": 500.0, "error": `{"code":"E_TIMEOUT"}`},
		"items":  []any{"scarpe", "borsa"},
	}
	h.Summary, h.SummaryBy = "Mario wants a refund for A12345.", flows.SummaryByModel
	html, err := TranscriptHTML(h, WithMasking(true), WithCustomFields(map[string]string{"360000222": "order_id", "360000333": "email"}),
		WithMaskedFields("360000333"), WithTeamLocations(map[string]*time.Location{"billing": rome}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Options shown: 1. Ordini · 2. FAQ · 3. Operatore",
		"(summary written by a model)",
		"CET", // Rome in March, not UTC
		"<td><strong>order_id</strong></td><td>A12345</td>",      // mapped into a field: as collected
		"<td><strong>email</strong></td><td>[email]</td>",        // its field is masked
		"<td><strong>note</strong></td><td>ordine [order] perso", // free text
		"<td><strong>items</strong></td><td>scarpe, borsa</td>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the ticket lacks %q:\n%s", want, html)
		}
	}
	for _, unwanted := range []string{">csat<", ">vip<", ">empty<", "_attempts", "E_TIMEOUT", ">lookup<", " UTC"} {
		if strings.Contains(html, unwanted) {
			t.Errorf("the ticket shows %q:\n%s", unwanted, html)
		}
	}
	if got := fieldValues(h, buildOptions([]ConnectorOption{WithMasking(true),
		WithCustomFields(map[string]string{"360000222": "order_id", "360000333": "email"}), WithMaskedFields("360000333")})); got["360000222"] != "A12345" || got["360000333"] != "[email]" {
		t.Errorf("fields = %v; want order_id as collected, email masked", got)
	}
	h.SummaryBy = ""
	if html, _ := TranscriptHTML(h); strings.Contains(html, "written by a model") {
		t.Error("a summary the flow wrote is marked as a model's")
	}
}

// TestAppendNamesTheCustomer: a follow-up on the ticket names the customer
// and uses the team's time zone.
func TestAppendNamesTheCustomer(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	clock := handofftest.NewClock(connTestTime)
	fake := handofftest.NewZendesk(t, clock, "bot@acme.test", "tok123", "")
	z := newTestZendesk(t, fake.URL, WithTimeSource(clock), WithTeamLocations(map[string]*time.Location{"billing": rome}))
	ref, err := z.Open(context.Background(), connTestHandoff())
	if err != nil {
		t.Fatal(err)
	}
	m := flows.Message{At: connTestTime, From: flows.RoleUser, Text: "ci siete?"}
	if err := z.Append(context.Background(), ref, m); err != nil { // the sandbox's path: no contact given
		t.Fatal(err)
	}
	tk := fake.Tickets()[0]
	body := tk.Comments[len(tk.Comments)-1].Body
	if !strings.Contains(body, "Mario Rossi: ci siete?") || !strings.Contains(body, "CET") {
		t.Errorf("append = %q; want the customer's name and the team's zone", body)
	}
}

// What a ticket shows as the summary is at most flows.MaxSummaryBytes,
// masked before it is cut (so an e-mail across the cut is masked whole):
// a Summary set by other code, or a flow's reason rendered from what the
// customer wrote, used to go into the ticket whole.
func TestTicketSummaryIsBounded(t *testing.T) {
	h := connTestHandoff()
	h.Summary = strings.Repeat("x", flows.MaxSummaryBytes-10) + " anna.rossi@example.com " + strings.Repeat("y", 1<<20)
	for _, mask := range []bool{false, true} {
		s := maskedCopy(h, mask).Summary
		if len(s) > flows.MaxSummaryBytes || !strings.HasSuffix(s, "…") {
			t.Errorf("mask %v: the ticket's summary has %d bytes; want at most %d, marked as cut", mask, len(s), flows.MaxSummaryBytes)
		}
		if mask && strings.Contains(s, "anna") {
			t.Errorf("masked, the summary shows part of the e-mail: %q", s[len(s)-40:])
		}
	}
	h.Summary = ""
	h.Reason = strings.Repeat("refund ", 1<<16)
	if s := maskedCopy(h, false).Summary; len(s) > flows.MaxSummaryBytes {
		t.Errorf("the extractive summary of a long reason has %d bytes; want at most %d", len(s), flows.MaxSummaryBytes)
	}
}

func TestSummarizeIsBounded(t *testing.T) {
	h := connTestHandoff()
	h.Reason = strings.Repeat("refund ", 1<<16)
	if s := Summarize(h); len(s) > flows.MaxSummaryBytes || !strings.HasSuffix(s, "…") {
		t.Errorf("Summarize of a long reason has %d bytes; want at most %d, marked as cut", len(s), flows.MaxSummaryBytes)
	}
}
