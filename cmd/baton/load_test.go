package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestLoadReplaysConversations(t *testing.T) {
	code, out, errOut := runCLI(t, "", "load", "--conversations", "40", "--concurrency", "3", "--json", "../../examples/tests/survey.yaml")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	var rep loadReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	// survey.yaml's conversations have 2 to 4 user steps each.
	if rep.Conversations != 40 || rep.Turns < 80 || rep.Turns > 160 || rep.Errors != 0 || rep.Workers != 3 {
		t.Errorf("report = %+v; want 40 conversations of 2-4 turns, no errors", rep)
	}
	if rep.TurnsPerSec <= 0 || rep.P50 <= 0 || rep.P99 < rep.P50 || rep.AllocsPerTurn <= 0 {
		t.Errorf("report lacks measurements: %+v", rep)
	}
}

func TestLoadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"load"},
		{"load", "--duration", "11m", "../../examples/tests"},
		{"load", "--concurrency", "0", "../../examples/tests"},
	} {
		code, _, errOut := runCLI(t, "", args...)
		if code != exitUsage || !strings.Contains(errOut, "baton load") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, errOut)
		}
	}
	if code, _, errOut := runCLI(t, "", "load", "--conversations", "1", "no/such/dir"); code != exitRuntime || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing path: exit %d, stderr %q", code, errOut)
	}
}

// The end of a timed run stops new turns; it does not fail the ones under
// way (which reported "context deadline exceeded" as errors).
func TestLoadDurationEndsCleanly(t *testing.T) {
	for range 3 {
		code, out, errOut := runCLI(t, "", "load", "--duration", "150ms", "--json", "../../examples/tests")
		var rep loadReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("not one JSON object: %v\n%s", err, out)
		}
		if code != exitOK || rep.Errors != 0 || rep.Turns == 0 {
			t.Fatalf("exit %d, report %+v, stderr %s", code, rep, errOut)
		}
	}
}
