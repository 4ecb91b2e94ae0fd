package replay_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/batonbot/baton/internal/golden"
	"github.com/batonbot/baton/replay"
)

func TestParseThreshold(t *testing.T) {
	for _, tc := range []struct {
		in      string
		limit   float64
		percent bool
		bad     bool
	}{
		{"1%", 1, true, false},
		{"0.5%", 0.5, true, false},
		{" 10 ", 10, false, false},
		{"0", 0, false, false},
		{"100%", 100, true, false},
		{"101%", 0, false, true},
		{"-1", 0, false, true},
		{"1.5", 0, false, true},
		{"lots", 0, false, true},
		{"%", 0, false, true},
	} {
		th, err := replay.ParseThreshold("max-changed", nil, tc.in)
		switch {
		case tc.bad && err == nil:
			t.Errorf("%q: no error", tc.in)
		case !tc.bad && err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case !tc.bad && (th.Limit != tc.limit || th.Percent != tc.percent):
			t.Errorf("%q: %+v", tc.in, th)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := replay.Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

// deskReport replays four desk conversations (one that cannot be
// replayed) with a new refund keyword, and checks thresholds.
func deskReport(t *testing.T, limits ...string) (*replay.Report, bool) {
	t.Helper()
	old := desk(t, "https://shop.example.com", "", "")
	new := desk(t, "https://shop.example.com", "[refund]", "[refund, money back]")
	skipped := deskTalk("c4", "hi")
	skipped.Skip = "no customer message"
	convs := []*replay.Conversation{deskTalk("c1", "hi", "A12345"), deskTalk("c2", "hi", "I want my money back"), deskTalk("c3", "refund please"), skipped}
	rep, err := replay.Replay(context.Background(), convs, replay.Options{Flow: new, FlowPath: "desk-v2.yaml", Baseline: old, BaselinePath: "desk.yaml", Sources: []string{"example"}})
	if err != nil {
		t.Fatal(err)
	}
	var ts []replay.Threshold
	for i := 0; i < len(limits); i += 2 {
		kinds := []string(nil)
		if limits[i] == "max-handoffs" {
			kinds = []string{replay.ChangeHandedOff}
		}
		th, err := replay.ParseThreshold(limits[i], kinds, limits[i+1])
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, th)
	}
	crossed := rep.Check(ts)
	rep.TookMS = 0 // the golden files do not depend on the machine
	return rep, crossed
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		limits  []string
		crossed bool
	}{
		{nil, false},
		{[]string{"max-changed", "1"}, false},
		{[]string{"max-changed", "0"}, true},
		{[]string{"max-changed", "34%"}, false}, // 1 of 3 replayed: 33.3%
		{[]string{"max-changed", "33%"}, true},
		{[]string{"max-changed", "50%", "max-handoffs", "0"}, true},
	} {
		rep, crossed := deskReport(t, tc.limits...)
		if crossed != tc.crossed || len(rep.Thresholds) != len(tc.limits)/2 {
			t.Errorf("%v: crossed %v, thresholds %+v", tc.limits, crossed, rep.Thresholds)
		}
	}
}

// The three reports of one replay, as golden files (go test -update
// rewrites them).
func TestReportFormats(t *testing.T) {
	rep, _ := deskReport(t, "max-changed", "1%")
	var text, js, page bytes.Buffer
	replay.WriteText(&text, rep, 10)
	if err := replay.WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	if err := replay.WriteHTML(&page, rep); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/golden/report.txt", text.Bytes())
	golden.Check(t, "testdata/golden/report.json", js.Bytes())
	golden.Check(t, "testdata/golden/report.html", page.Bytes())
}
