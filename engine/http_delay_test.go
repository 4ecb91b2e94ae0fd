package engine

import (
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// A canned response delayed past the action's timeout fails the call, and
// the error writes both durations as the flow does (2m, not 2m0s).
func TestCannedDelayPastTimeoutSaysDurationsAsWritten(t *testing.T) {
	b := newFlow(t, "lookup", nil)
	b.state("lookup", &flows.State{Actions: []flows.Action{&flows.HTTP{
		Method: "GET", URL: b.tpl("https://shop.example.com/orders"), Timeout: 90 * time.Second,
		Sandbox: []*flows.CannedResponse{{Status: 200, Delay: 2 * time.Minute}},
	}}})
	req, ok := find[flows.HTTPRequest](newConv(t, b.f).user("ciao"))
	if !ok || req.Canned == nil {
		t.Fatal("no HTTP request with a canned result")
	}
	if want := "timeout after 1m30s (the sandbox response is delayed 2m)"; req.Canned.Err != want {
		t.Errorf("error = %q, want %q", req.Canned.Err, want)
	}
}
