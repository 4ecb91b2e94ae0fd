package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportFromTestEvents(t *testing.T) {
	dir := t.TempDir()
	events := filepath.Join(dir, "events.jsonl")
	if code, out, errs := runCLI(t, "", "test", "--events", events, "../../examples/tests/surveys.yaml", "../../examples/tests/bridge_csat.yaml"); code != exitOK {
		t.Fatalf("baton test: %d\n%s%s", code, out, errs)
	}
	html := filepath.Join(dir, "report.html")
	code, out, errs := runCLI(t, "", "report", "--json", "--html", html, events)
	if code != exitOK {
		t.Fatalf("baton report: %d\n%s", code, errs)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--json is not one object: %v\n%s", err, out)
	}
	for _, k := range []string{"containment_rate", "escalation_rate", "escalations_by_reason", "fallback_rate", "funnel", "first_response", "resolution", "csat", "nps", "ces", "volume_by_hour"} {
		if _, ok := r[k]; !ok {
			t.Errorf("--json lacks %q", k)
		}
	}
	csat := r["csat"].(map[string]any)
	if csat["responses"].(float64) < 5 || csat["score"] == nil || csat["response_rate"] == nil {
		t.Errorf("csat %v", csat)
	}
	nps := r["nps"].(map[string]any)
	if nps["responses"].(float64) < 3 || nps["asked"].(float64) < 4 {
		t.Errorf("nps %v", nps)
	}
	for _, k := range []string{"p50", "p90", "within_sla", "by_team"} {
		if _, ok := r["first_response"].(map[string]any)[k]; !ok {
			t.Errorf("first_response lacks %q", k)
		}
	}
	b, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(b), "<canvas id=\"funnel\"") || strings.Contains(string(b), "https://cdn") {
		t.Errorf("the HTML report: %v", err)
	}

	code, out, _ = runCLI(t, "", "report", "--flow", "shop-support", "--from", "2026-03-01", "--to", "2026-03-04", events)
	if code != exitOK || !strings.Contains(out, "containment rate") || !strings.Contains(out, "CSAT") || !strings.Contains(out, "Funnel") {
		t.Errorf("terminal report: %d\n%s", code, out)
	}
	// Stdin works too.
	data, _ := os.ReadFile(events)
	if code, out, _ := runCLI(t, string(data), "report", "--json", "-"); code != exitOK || !strings.Contains(out, "containment_rate") {
		t.Errorf("stdin: %d", code)
	}
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	_ = os.WriteFile(bad, []byte("{\"v\":1,\"type\":\"message_in\"}\n{oops\n"), 0o644)
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"report"}, exitUsage, "give the events files"},
		{[]string{"report", "--from", "yesterday", bad}, exitUsage, "--from"},
		{[]string{"report", "--tz", "Mars/Olympus", bad}, exitUsage, "time zone"},
		{[]string{"report", "--from", "2026-03-10", "--to", "2026-03-01", bad}, exitUsage, "--to 2026-03-01 is not after --from 2026-03-10"},
		{[]string{"report", "--from", "2026-03-01", "--to", "2026-03-01", bad}, exitUsage, "is not after --from"},
		{[]string{"report", filepath.Join(dir, "none.jsonl")}, exitUsage, "no such file"},
		{[]string{"report", bad}, exitFailed, "bad.jsonl:2: not an event"},
	}
	for _, c := range cases {
		code, _, errs := runCLI(t, "", c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.msg)
		}
	}
}

// A plain date for --from or --to is midnight in the --tz zone, not in
// UTC: with --tz Europe/Rome, a conversation started at 00:30 in Rome
// on 4 March (23:30 UTC on the 3rd) is on the 4th.
func TestReportDatesAreMidnightInTZ(t *testing.T) {
	ev := func(conv, n, typ, at, rest string) string {
		return `{"v":1,"id":"` + conv + `:1:` + n + `","type":"` + typ + `","at":"` + at + `","conversation":"` + conv + `","contact":"c-` + conv + `","flow":"f","channel":"web","lang":"en"` + rest + "}\n"
	}
	events := filepath.Join(t.TempDir(), "events.jsonl")
	data := ev("a", "1", "conversation_started", "2026-03-03T22:30:00Z", "") + // 23:30 in Rome, the 3rd
		ev("a", "2", "conversation_ended", "2026-03-03T22:31:00Z", `,"outcome":"contained"`) +
		ev("b", "1", "conversation_started", "2026-03-03T23:30:00Z", "") + // 00:30 in Rome, the 4th
		ev("b", "2", "conversation_ended", "2026-03-03T23:31:00Z", `,"outcome":"contained"`)
	if err := os.WriteFile(events, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want float64
	}{
		{[]string{"--from", "2026-03-04"}, 0},
		{[]string{"--tz", "Europe/Rome", "--from", "2026-03-04"}, 1},
		{[]string{"--tz", "Europe/Rome", "--to", "2026-03-04"}, 1},
		{[]string{"--tz", "Europe/Rome", "--from", "2026-03-03", "--to", "2026-03-05"}, 2},
		{[]string{"--tz", "Asia/Tokyo", "--from", "2026-03-03T23:00:00Z"}, 1}, // an RFC 3339 time keeps its offset
	} {
		code, out, errs := runCLI(t, "", append(append([]string{"report", "--json"}, c.args...), events)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", c.args, code, errs)
		}
		var r struct{ Conversations float64 }
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if r.Conversations != c.want {
			t.Errorf("%v: %v conversations, want %v", c.args, r.Conversations, c.want)
		}
	}
}

// A line too long to be an event is a malformed file (exit 1, the line
// named), not a file that cannot be read.
func TestReportTooLongLine(t *testing.T) {
	long := filepath.Join(t.TempDir(), "long.jsonl")
	data := "{\"v\":1,\"type\":\"message_in\"}\n{\"v\":1,\"type\":\"message_in\",\"text\":\"" + strings.Repeat("a", 2<<20) + "\"}\n"
	if err := os.WriteFile(long, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "", "report", long)
	if code != exitFailed || !strings.Contains(errs, "long.jsonl:2: not an event: the line is longer than") {
		t.Errorf("exit %d, stderr %q; want %d and the line named", code, errs, exitFailed)
	}
}
