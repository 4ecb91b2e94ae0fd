package replay_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/replay"
)

// A ticket closed because it was deleted or merged is shown as such in
// the reports, not as a plain close.
func TestInputStringSaysWhyTheTicketClosed(t *testing.T) {
	for _, tc := range []struct {
		in   replay.Input
		want string
	}{
		{replay.Input{Kind: replay.InputTicket, Status: flows.TicketClosed}, "ticket: closed"},
		{replay.Input{Kind: replay.InputTicket, Status: flows.TicketSolved}, "ticket: solved"},
		{replay.Input{Kind: replay.InputTicket, Status: flows.TicketClosed, Gone: flows.GoneDeleted}, "ticket: closed (deleted in the helpdesk)"},
		{replay.Input{Kind: replay.InputTicket, Status: flows.TicketClosed, Gone: flows.GoneMerged}, "ticket: closed (merged into another ticket)"},
		{replay.Input{Kind: replay.InputTicket, Status: flows.TicketClosed, Gone: flows.GoneMerged, MergedInto: "4002"}, `ticket: closed (merged into ticket "4002")`},
		{replay.Input{Kind: replay.InputTicket, Status: flows.TicketClosed, Gone: flows.GoneClosed}, "ticket: closed (closed in the helpdesk, took no more messages)"},
	} {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("%+v: String() = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// The events of a real run (testdata/ticket_deleted.jsonl: baton serve
// with Zendesk, the ticket deleted while the customer was bridged),
// replayed on a flow whose survey question changed: the report's step
// says the ticket was deleted.
func TestReportSaysTheTicketWasDeleted(t *testing.T) {
	b, err := os.ReadFile("../cmd/baton/testdata/flows/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(b), `"How did we do, from 1 to 5?"`, `"How did we do? 1 to 5"`, 1)
	if changed == string(b) {
		t.Fatal("the survey question is not in shop.yaml")
	}
	path := filepath.Join(t.TempDir(), "shop.yaml")
	if err := os.WriteFile(path, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	f, diags := dsl.LoadFile(path)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	file, err := os.Open("testdata/ticket_deleted.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	convs, err := replay.ReadEvents(file, "ticket_deleted.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := replay.Replay(context.Background(), convs, replay.Options{Flow: f, FlowPath: path, Sources: []string{"ticket_deleted.jsonl"}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	replay.WriteText(&out, rep, 10)
	if !strings.Contains(out.String(), "ticket: closed (deleted in the helpdesk)\n") {
		t.Errorf("the report does not say the ticket was deleted:\n%s", out.String())
	}
}
